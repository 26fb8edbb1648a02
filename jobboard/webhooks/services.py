"""Webhooks: the owner's endpoints, what each event queues, and each delivery's attempts.

An event (``core.events``) becomes, in the same transaction, one delivery per endpoint of the
organisation that listens to it, and an outbox row (``webhook.deliver``) that sends it. Each
attempt is an outbox message of its own: a failed attempt records its answer on the delivery and
queues the next one after the outbox's back-off; after ``WEBHOOK_MAX_ATTEMPTS`` the delivery is
dead, and the owner may replay it (the same ``webhook-id``, a new timestamp and signature).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError
from jobboard.core.events import Event
from jobboard.core.outbox import OutboxMessage, backoff, enqueue
from jobboard.extensions import db
from jobboard.orgs.models import Organization, OrgStatus
from jobboard.webhooks import addresses, signing
from jobboard.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

DELIVER = "webhook.deliver"
ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 10
DELIVERY_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class EndpointFields:
    url: str
    description: str
    events: list[str]
    is_active: bool = True


def _check(fields: EndpointFields) -> None:
    unknown = set(fields.events) - set(Event)
    if not fields.events or unknown:
        raise DomainError(_("Choose at least one of the listed events."), field="events")
    addresses.check(fields.url)


def create_endpoint(org: Organization, actor: User, fields: EndpointFields) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its signing secret, which is shown this once."""
    count = db.session.scalar(select(func.count()).where(WebhookEndpoint.org_id == org.id)) or 0
    if count >= MAX_ENDPOINTS:
        raise Conflict(_("An organisation may have at most %(count)d endpoints.", count=MAX_ENDPOINTS))
    _check(fields)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        org_id=org.id,
        url=fields.url.strip(),
        description=fields.description,
        events=sorted(set(fields.events)),
        is_active=fields.is_active,
        secret_sealed=signing.seal(secret),
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    _audit("webhook.created", actor, endpoint)
    return endpoint, secret


def update_endpoint(actor: User, endpoint: WebhookEndpoint, fields: EndpointFields) -> None:
    _check(fields)
    endpoint.url = fields.url.strip()
    endpoint.description = fields.description
    endpoint.events = sorted(set(fields.events))
    endpoint.is_active = fields.is_active
    _audit("webhook.updated", actor, endpoint)


def rotate_secret(actor: User, endpoint: WebhookEndpoint) -> str:
    """A new secret, shown this once; the current one keeps signing beside it for 24 hours, so
    the receiving system can switch without losing a message."""
    now = utcnow()
    secret = signing.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_sealed = signing.seal(secret)
    endpoint.secret_rotated_at = now
    _audit("webhook.secret_rotated", actor, endpoint)
    return secret


def delete_endpoint(actor: User, endpoint: WebhookEndpoint) -> None:
    _audit("webhook.deleted", actor, endpoint)
    db.session.delete(endpoint)


def replay(actor: User, delivery: WebhookDelivery) -> None:
    """Send a delivered or failed message again, with its own id (a receiver that has it already
    can tell)."""
    if delivery.status == DeliveryStatus.PENDING:
        raise Conflict(_("This message is still waiting to be sent."))
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    enqueue(DELIVER, {"delivery_id": delivery.id})
    audit.record(
        "webhook.replayed",
        actor_id=actor.id,
        subject_type="webhook_delivery",
        subject_id=delivery.id,
        org_id=delivery.org_id,
    )


def _audit(action: str, actor: User, endpoint: WebhookEndpoint) -> None:
    audit.record(action, actor_id=actor.id, subject_type="webhook", subject_id=endpoint.id, org_id=endpoint.org_id)


# --- events to deliveries ------------------------------------------------------------------


def body_of(event: Event, data: dict[str, Any], at: datetime) -> str:
    """The message as Standard Webhooks lays it out: its type, when it happened, its data."""
    payload = {"type": event.value, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def queue_event(event: Event, org_id: int, data: dict[str, Any]) -> None:
    """The ``core.events`` listener: a delivery to every endpoint of the organisation that
    listens to ``event`` (none while the organisation is suspended)."""
    org = db.session.get(Organization, org_id)
    if org is None or org.status == OrgStatus.SUSPENDED:
        return
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.is_active.is_(True))
    )
    now = utcnow()
    for endpoint in endpoints:
        if not endpoint.listens_to(event):
            continue
        delivery = WebhookDelivery(
            org_id=org_id,
            endpoint_id=endpoint.id,
            message_id=f"msg_{uuid.uuid4().hex}",
            event=event.value,
            body=body_of(event, data, now),
            next_attempt_at=now,
        )
        db.session.add(delivery)
        db.session.flush()
        enqueue(DELIVER, {"delivery_id": delivery.id})


def live_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one for a day after a rotation."""
    found = [signing.unseal(endpoint.secret_sealed)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_sealed and expires is not None and expires > now:
        found.append(signing.unseal(endpoint.previous_secret_sealed))
    return found


def _send(delivery: WebhookDelivery, now: datetime) -> addresses.Answer:
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        raise _Undeliverable("the endpoint is switched off")
    org = db.session.get(Organization, delivery.org_id)
    if org is None or org.status == OrgStatus.SUSPENDED:
        raise _Undeliverable("the organisation is suspended")
    target = addresses.check(endpoint.url)
    headers = signing.headers(live_secrets(endpoint, now), delivery.message_id, now, delivery.body)
    return addresses.post(target, delivery.body.encode("utf-8"), headers)


class _Undeliverable(Exception):
    pass


def deliver(message: OutboxMessage) -> None:
    """The outbox handler: one attempt of one delivery, its answer recorded on the delivery."""
    delivery = db.session.get(WebhookDelivery, message.payload["delivery_id"])
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return  # deleted with its endpoint, or delivered by an earlier attempt
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        answer = _send(delivery, now)
        delivery.last_status_code, delivery.last_error = answer.status, None if answer.is_success else answer.text
    except (
        _Undeliverable,
        addresses.RefusedAddress,
        signing.UnreadableSecret,
        urllib3.exceptions.HTTPError,
        OSError,
    ) as error:
        answer = None
        delivery.last_status_code = None
        delivery.last_error = (getattr(error, "message", None) or str(error) or type(error).__name__)[:2000]
    if answer is not None and answer.is_success:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        enqueue(DELIVER, {"delivery_id": delivery.id}, not_before=delivery.next_attempt_at)


def prune_deliveries() -> int:
    """Delete the deliveries made longer ago than 30 days (the log keeps a month)."""
    cutoff = utcnow() - DELIVERY_RETENTION
    deleted = db.session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status != DeliveryStatus.PENDING, WebhookDelivery.created_at < cutoff
        )
    )
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]
