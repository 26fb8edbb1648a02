"""Job alerts: a saved search that e-mails the postings new to it.

- A signed-in person with a confirmed address saves an alert at once; a visitor gives an
  address and nothing is sent before they follow the confirmation link (double opt-in).
- Every alert e-mail has a signed unsubscribe link that needs no sign-in, and the
  ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers for one-click unsubscribing.
- The worker computes digests through the search engine (the same query as the page, plus
  "first published since the last run"), in batches; each candidate is re-checked in the
  database (a posting closed since the index was updated is left out) and against the alert's
  sent-log (nothing is sent twice). An empty digest is not sent.
- Daily and weekly digests go out at 07:00 in the alert's time zone, computed with zoneinfo,
  so a daylight-saving change neither skips nor repeats one.
"""

from __future__ import annotations

import logging
import time as clock
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from jobboard.accounts.models import User
from jobboard.alerts.models import Alert, AlertSent, AlertStatus, Frequency
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError, InvalidToken, NotFound, NotPermitted
from jobboard.core.tokens import Purpose, make_token, read_token
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.grants.queries import eligible_grant_keys
from jobboard.i18n import current_language, in_language, lazy_ngettext
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.models import Posting
from jobboard.jobs.queries import listed_condition
from jobboard.mail import queue_mail
from jobboard.search.engine import get_engine
from jobboard.search.facets import catalogue
from jobboard.search.params import SearchState, parse, to_query
from jobboard.search.port import Range, SearchQuery, Sort

log = logging.getLogger(__name__)

CONFIRM_ALERT = Purpose("alert-confirm", 14 * 24 * 3600)
UNSUBSCRIBE = Purpose("alert-unsubscribe", 10 * 365 * 24 * 3600)
DIGEST_HOUR = time(7, 0)
INSTANT_EVERY = timedelta(minutes=15)
MAX_PER_DIGEST = 50
INDEX_LAG = timedelta(hours=1)  # how late a posting may reach the search index and still be sent
MAX_ALERTS = 20


class InvalidSavedSearch(DomainError):
    def __init__(self, problems: list[str]):
        super().__init__(_("This search cannot be saved: %(problems)s", problems=" ".join(problems)), field="query")


def normalise_query(query_string: str) -> str:
    """The search state as a canonical query string; a query the page would only accept with
    notices (unknown filters or values, malformed numbers) is refused rather than saved."""
    known = catalogue()
    state = parse(MultiDict(parse_qsl(query_string, keep_blank_values=False)), known.labels, known.cities)
    if state.notices:
        raise InvalidSavedSearch(state.notices)
    args = state.to_args(page=None)
    return urlencode(
        sorted((k, v) for k, values in args.items() for v in (values if isinstance(values, list) else [values]))
    )


def next_run(alert: Alert, after: datetime) -> datetime:
    if alert.frequency == Frequency.INSTANT:
        return after + INSTANT_EVERY
    zone = ZoneInfo(alert.time_zone)
    local = after.astimezone(zone)
    day = local.date()
    candidate = datetime.combine(day, DIGEST_HOUR, zone)
    if candidate <= local:
        day += timedelta(days=1)
    if alert.frequency == Frequency.WEEKLY:
        day += timedelta(days=(7 - day.weekday()) % 7)  # Mondays
    return datetime.combine(day, DIGEST_HOUR, zone).astimezone(ZoneInfo("UTC"))


def _count_for(user: User | None, email: str | None) -> int:
    condition = Alert.user_id == user.id if user is not None else Alert.email == email
    return (
        db.session.scalar(
            select(func.count()).select_from(Alert).where(condition, Alert.status != AlertStatus.UNSUBSCRIBED)
        )
        or 0
    )


def create_alert(*, user: User | None, email: str | None, name: str, query_string: str, frequency: Frequency) -> Alert:
    query = normalise_query(query_string)
    if "eligible=1" in query.split("&") and not (user is not None and user.is_doctor):
        # The filter is the doctor's own eligibility: a visitor's alert has no doctor to ask about.
        raise InvalidSavedSearch([_("Only a signed-in doctor's alert can find the grants they are eligible for.")])
    if user is not None and not user.is_confirmed:
        raise NotPermitted(_("Confirm your e-mail address before saving alerts."))
    if user is None and not email:
        raise DomainError(_("Give the address the alerts should go to."), field="email")
    if _count_for(user, email) >= MAX_ALERTS:
        raise DomainError(
            ngettext(
                "You can keep at most %(num)d alert. Delete one first.",
                "You can keep at most %(num)d alerts. Delete one first.",
                MAX_ALERTS,
            ),
            field="name",
        )
    now = utcnow()
    alert = Alert(
        user_id=user.id if user else None,
        email=None if user else email,
        name=name,
        query_string=query,
        frequency=frequency,
        status=AlertStatus.ACTIVE if user else AlertStatus.UNCONFIRMED,
        time_zone=(user.time_zone if user and user.time_zone else "Asia/Jerusalem"),
        confirmed_at=now if user else None,
        searched_until=now,
        language=current_language(),
    )
    alert.next_run_at = next_run(alert, now)
    db.session.add(alert)
    db.session.flush()
    if user is None and email:
        # Anyone may type any address here: the mail says only what the board says, never the
        # visitor's name for the alert or words of their search.
        queue_mail(
            email,
            _l("Confirm your job alert"),
            "alerts/confirm",
            language=alert.language,
            alert=alert,
            confirm_url=external_url("alerts.confirm", token=make_token(CONFIRM_ALERT, {"a": alert.id})),
        )
    return alert


def alert_for_confirmation(token: str) -> Alert:
    alert = db.session.get(Alert, read_token(CONFIRM_ALERT, token).get("a"))
    if alert is None or alert.status == AlertStatus.UNSUBSCRIBED:
        raise InvalidToken(_("This alert no longer exists."))
    return alert


def confirm(token: str) -> Alert:
    alert = alert_for_confirmation(token)
    if alert.status == AlertStatus.UNCONFIRMED:
        now = utcnow()
        alert.status, alert.confirmed_at, alert.searched_until = AlertStatus.ACTIVE, now, now
        alert.next_run_at = next_run(alert, now)
    return alert


def unsubscribe_token(alert: Alert) -> str:
    return make_token(UNSUBSCRIBE, {"a": alert.id})


def alert_for_unsubscribe(token: str) -> Alert:
    alert = db.session.get(Alert, read_token(UNSUBSCRIBE, token).get("a"))
    if alert is None:
        raise InvalidToken(_("This alert no longer exists."))
    return alert


def unsubscribe(token: str) -> Alert:
    alert = alert_for_unsubscribe(token)
    alert.status = AlertStatus.UNSUBSCRIBED
    return alert


def own_alert(user: User, alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.user_id != user.id or alert.status == AlertStatus.UNSUBSCRIBED:
        raise NotFound(_("There is no such alert."))
    return alert


def update(alert: Alert, *, name: str, frequency: Frequency) -> None:
    if frequency != alert.frequency:
        alert.frequency = frequency
        alert.next_run_at = next_run(alert, utcnow())
    alert.name = name


def pause(alert: Alert) -> None:
    alert.status = AlertStatus.PAUSED


def resume(alert: Alert) -> None:
    """Resuming does not send what was published while paused: the alert starts afresh."""
    if alert.status == AlertStatus.PAUSED:
        now = utcnow()
        alert.status, alert.searched_until, alert.next_run_at = AlertStatus.ACTIVE, now, next_run(alert, now)


def delete(alert: Alert) -> None:
    db.session.delete(alert)


def alerts_of(user: User) -> list[Alert]:
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.user_id == user.id, Alert.status != AlertStatus.UNSUBSCRIBED)
            .order_by(Alert.created_at)
        )
    )


# --- the worker's digests ------------------------------------------------------------------


@dataclass
class RunStats:
    processed: int = 0
    mailed: int = 0
    postings: int = 0


class SavedSearchOutdated(Exception):
    """A value the alert filters on (an employer, a grant, a city, ...) no longer exists:
    searching without it would widen the alert, perhaps to every posting."""

    def __init__(self, notices: list[str]):
        super().__init__(" ".join(notices))
        self.notices = notices


def _saved_state(
    alert: Alert, cities: dict[str, tuple[float, float]], labels: dict[str, dict[str, str]]
) -> SearchState:
    return parse(MultiDict(parse_qsl(alert.query_string)), {p: set(v) for p, v in labels.items()}, cities)


def _candidates(
    alert: Alert, cities: dict[str, tuple[float, float]], labels: dict[str, dict[str, str]], now: datetime
) -> list[dict[str, Any]]:
    state = _saved_state(alert, cities, labels)
    if state.notices:
        raise SavedSearchOutdated(state.notices)
    if state.eligible and alert.user is not None and alert.user.is_doctor:
        # Worked out afresh on each run: the doctor's profile and the programs change.
        state.grant_keys = eligible_grant_keys(alert.user, now.date())
    base = to_query(state, cities, int(now.timestamp()))
    query = SearchQuery(
        text=base.text,
        near=base.near,
        sort=Sort.NEWEST,
        facets=(),
        page=1,
        per_page=MAX_PER_DIGEST,
        now=base.now,
        highlight=False,
        # The index keeps whole seconds: from the second of the last run on (inclusive), so a
        # posting published later in that same second is not missed; the exact instant is
        # checked against the database below.
        filters=(*base.filters, Range("posted_at", minimum=int(alert.searched_until.timestamp()))),
    )
    return [hit.document for hit in get_engine().search(query).hits]


def run_due_alerts(now: datetime | None = None, *, batch_size: int = 500) -> RunStats:
    """Send every alert that is due, a batch at a time (one commit per batch)."""
    now = now or utcnow()
    known = catalogue()
    stats = RunStats()
    started = clock.monotonic()
    while True:
        alerts = list(
            db.session.scalars(
                select(Alert)
                .outerjoin(Alert.user)
                .where(
                    Alert.status == AlertStatus.ACTIVE,
                    Alert.next_run_at <= now,
                    (Alert.user_id.is_(None)) | (User.is_deactivated.is_(False)),
                )
                .order_by(Alert.id)
                .limit(batch_size)
                .with_for_update(of=Alert, skip_locked=True)
            )
        )
        if not alerts:
            break
        found: dict[int, list[dict[str, Any]]] = {}
        for alert in list(alerts):
            try:
                found[alert.id] = _candidates(alert, known.cities, known.labels, now)
            except SavedSearchOutdated:
                _pause_outdated(alert, known.cities, known.labels)
                alerts.remove(alert)
        ids = {int(doc["id"]) for docs in found.values() for doc in docs}
        published = (
            dict(
                db.session.execute(
                    select(Posting.id, Posting.first_published_at).where(
                        Posting.id.in_(ids), listed_condition(), Posting.expires_at > now
                    )
                )
                .tuples()
                .all()
            )
            if ids
            else {}
        )
        sent = (
            set(
                db.session.execute(
                    select(AlertSent.alert_id, AlertSent.posting_id).where(
                        AlertSent.alert_id.in_([a.id for a in alerts]), AlertSent.posting_id.in_(ids)
                    )
                ).tuples()
            )
            if ids
            else set()
        )
        for alert in alerts:
            fresh = [
                doc
                for doc in found[alert.id]
                if (first_published := published.get(int(doc["id"]))) is not None
                and first_published > alert.searched_until
                and (alert.id, int(doc["id"])) not in sent
            ]
            if fresh:
                _send_digest(alert, fresh, now)
                stats.mailed += 1
                stats.postings += len(fresh)
            alert.last_found = len(fresh)
            # The next search overlaps this one by INDEX_LAG (the sent-log keeps out what was
            # sent): a posting published just before this run whose index update lands after it
            # is still found next time. Never back past a confirmation or a resume.
            alert.searched_until = max(alert.searched_until, now - INDEX_LAG)
            alert.next_run_at = next_run(alert, now)
            stats.processed += 1
        db.session.commit()
    log.info(
        "alerts: %d processed, %d mails queued (%d postings) in %.1f s",
        stats.processed,
        stats.mailed,
        stats.postings,
        clock.monotonic() - started,
    )
    return stats


def _names_it(alert: Alert) -> bool:
    """A subject names the alert only when an account holder named it: a visitor's name for their
    alert was typed by whoever gave the address."""
    return alert.user_id is not None


def _search_url(alert: Alert) -> str:
    url = external_url("search.index")
    return f"{url}?{alert.query_string}" if alert.query_string else url


def _unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _pause_outdated(alert: Alert, cities: dict[str, tuple[float, float]], labels: dict[str, dict[str, str]]) -> None:
    alert.status = AlertStatus.PAUSED
    with in_language(alert.recipient_language):  # what is wrong with the search, told as the mail speaks
        notices = _saved_state(alert, cities, labels).notices
    unsubscribe_url = external_url("alerts.unsubscribe", token=unsubscribe_token(alert))
    queue_mail(
        alert.recipient or "",
        (
            _l("Your job alert “%(alert)s” is paused", alert=alert.name)
            if _names_it(alert)
            else _l("Your job alert is paused")
        ),
        "alerts/outdated",
        language=alert.recipient_language,
        alert=alert,
        notices=notices,
        search_url=_search_url(alert),
        unsubscribe_url=unsubscribe_url,
        alerts_url=external_url("alerts.index") if alert.user_id else None,
        headers=_unsubscribe_headers(unsubscribe_url),
    )
    log.info("alert %s paused: its search refers to values that no longer exist", alert.id)


def _send_digest(alert: Alert, documents: list[dict[str, Any]], now: datetime) -> None:
    unsubscribe_url = external_url("alerts.unsubscribe", token=unsubscribe_token(alert))
    queue_mail(
        alert.recipient or "",
        (
            lazy_ngettext(
                "%(num)d new position for your job alert “%(alert)s”",
                "%(num)d new positions for your job alert “%(alert)s”",
                len(documents),
                alert=alert.name,
            )
            if _names_it(alert)
            else lazy_ngettext(
                "%(num)d new position for your job alert", "%(num)d new positions for your job alert", len(documents)
            )
        ),
        "alerts/digest",
        language=alert.recipient_language,
        alert=alert,
        postings=documents,
        unsubscribe_url=unsubscribe_url,
        posting_url=lambda doc: external_url("jobs.detail", posting_id=doc["id"], slug=doc["slug"]),
        search_url=_search_url(alert),
        maybe_more=len(documents) >= MAX_PER_DIGEST,
        headers=_unsubscribe_headers(unsubscribe_url),
    )
    db.session.add_all(AlertSent(alert_id=alert.id, posting_id=int(doc["id"]), sent_at=now) for doc in documents)
    alert.last_sent_at = now
    alert.total_sent += len(documents)
