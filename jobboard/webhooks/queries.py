"""The read side of webhooks, always within the organisation of the URL."""

from __future__ import annotations

from sqlalchemy import select

from jobboard.core.pagination import Page, paginate_rows
from jobboard.extensions import db
from jobboard.orgs.models import Organization
from jobboard.webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVERIES_PER_PAGE = 25


def endpoints(org: Organization) -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.org_id == org.id).order_by("id")))


def endpoint(org: Organization, endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.org_id == org.id, WebhookEndpoint.id == endpoint_id)
    )


def deliveries(org: Organization, endpoint: WebhookEndpoint, page: int) -> Page:
    """The endpoint's deliveries, newest first."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.org_id == org.id, WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )
    found = paginate_rows(query, page, DELIVERIES_PER_PAGE)
    found.items = [row[0] for row in found.items]
    return found


def delivery(org: Organization, delivery_id: int) -> WebhookDelivery | None:
    return db.session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.org_id == org.id, WebhookDelivery.id == delivery_id)
    )
