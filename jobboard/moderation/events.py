"""The audit log in words: each recorded action as an administrator reads it, and each kind of
subject by name. The log keeps codes and ids (``core.audit``); these are only how they show."""

from __future__ import annotations

from jobboard.i18n import LazyText
from jobboard.i18n import lazy_gettext as _l

EVENTS: dict[str, LazyText] = {
    "api.close_posting": _l("Posting closed through the API"),
    "api.move_application": _l("Application moved through the API"),
    "api.renew_posting": _l("Posting renewed through the API"),
    "api.save_posting": _l("Posting saved through the API"),
    "api.submit_posting": _l("Posting submitted through the API"),
    "api_key.created": _l("API key created"),
    "api_key.revoked": _l("API key revoked"),
    "account.deleted": _l("Account deleted"),
    "cv.downloaded": _l("CV downloaded"),
    "fair.bookings_cancelled": _l("Fair interviews cancelled"),
    "fair.cancelled": _l("Fair cancelled"),
    "fair.created": _l("Fair created"),
    "fair.invited": _l("Invited to book a fair interview"),
    "fair.published": _l("Fair published"),
    "fair.registered": _l("Registered for a fair"),
    "fair.registration_updated": _l("Fair registration changed"),
    "fair.slots_generated": _l("Interview slots added"),
    "fair.updated": _l("Fair changed"),
    "grant.created": _l("Grant program added"),
    "grant.updated": _l("Grant program changed"),
    "licence_document.accepted": _l("Licence document accepted"),
    "licence_document.downloaded": _l("Licence document downloaded"),
    "licence_document.new_copy_requested": _l("New copy of a licence document requested"),
    "licence_document.share_revoked": _l("Licence document no longer shared"),
    "licence_document_kind.saved": _l("Licence document type saved"),
    "licence_track.requirement_added": _l("Document added to a licence track"),
    "licence_track.requirement_removed": _l("Document removed from a licence track"),
    "licence_track.saved": _l("Licence track saved"),
    "member.invitation_revoked": _l("Invitation withdrawn"),
    "member.invited": _l("Colleague invited"),
    "member.joined": _l("Invitation accepted"),
    "member.removed": _l("Member removed"),
    "member.role_changed": _l("Member's role changed"),
    "org.logo_changed": _l("Employer's logo changed"),
    "org.logo_removed": _l("Employer's logo removed"),
    "org.profile_updated": _l("Employer's profile changed"),
    "org.registered": _l("Employer registered"),
    "org.suspended": _l("Employer suspended"),
    "org.verified": _l("Employer verified"),
    "outbox.retried": _l("Message queued again"),
    "posting.approved": _l("Posting approved"),
    "posting.changes_requested": _l("Changes requested to a posting"),
    "posting.deleted": _l("Draft posting deleted"),
    "posting.edited": _l("Published posting edited"),
    "posting.rejected": _l("Posting rejected"),
    "posting.reports_dismissed": _l("Reports about a posting dismissed"),
    "posting.unpublished": _l("Posting unpublished"),
    "rejection_template.saved": _l("Rejection e-mail saved"),
    "site.added": _l("Site added"),
    "site.deleted": _l("Site removed"),
    "site.updated": _l("Site changed"),
    "two_factor.disabled": _l("Two-factor sign-in turned off"),
    "two_factor.enabled": _l("Two-factor sign-in turned on"),
    "two_factor.recovery_code_used": _l("Recovery code used"),
    "webhook.created": _l("Webhook endpoint added"),
    "webhook.deleted": _l("Webhook endpoint removed"),
    "webhook.replayed": _l("Webhook message sent again"),
    "webhook.secret_rotated": _l("Webhook secret rotated"),
    "webhook.updated": _l("Webhook endpoint changed"),
}

SUBJECT_KINDS: dict[str, LazyText] = {
    "api_key": _l("API key"),
    "application": _l("Application"),
    "fair": _l("Fair"),
    "grant_program": _l("Grant program"),
    "interview_table": _l("Interview table"),
    "invitation": _l("Invitation"),
    "licence_document": _l("Licence document"),
    "licence_document_kind": _l("Licence document type"),
    "licence_track": _l("Licence track"),
    "organization": _l("Employer"),
    "outbox": _l("Outgoing message"),
    "posting": _l("Posting"),
    "site": _l("Site"),
    "user": _l("Account"),
    "webhook": _l("Webhook endpoint"),
    "webhook_delivery": _l("Webhook message"),
}

# What a detail's key means, where it is shown with the entry.
DETAILS: dict[str, LazyText] = {
    "role": _l("role"),
    "old_status": _l("before"),
    "new_status": _l("after"),
    "count": _l("number"),
    "reports_resolved": _l("reports resolved"),
}


def event_words(action: str) -> str:
    """The action in words; one the board does not know yet, as its code."""
    words = EVENTS.get(action)
    return str(words) if words is not None else action


def subject_kind(subject_type: str) -> str:
    kind = SUBJECT_KINDS.get(subject_type)
    return str(kind) if kind is not None else subject_type


def detail_name(key: str) -> str:
    name = DETAILS.get(key)
    return str(name) if name is not None else key
