"""The posting page's grant verdicts for the signed-in doctor (no pages of its own)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from jobboard.core.db import utcnow
from jobboard.grants import queries
from jobboard.grants.eligibility import Eligibility
from jobboard.jobs.models import Posting

bp = Blueprint("grants", __name__)


def _grant_verdicts(posting: Posting) -> dict[int, Eligibility]:
    """Grant program id → whether the signed-in doctor may get it on this posting; empty for
    anyone else."""
    if not (current_user.is_authenticated and current_user.is_doctor):
        return {}
    return {v.grant.id: v.eligibility for v in queries.verdicts(current_user, posting, utcnow().date())}


@bp.app_context_processor
def _grant_helpers() -> dict[str, object]:
    return {"grant_verdicts": _grant_verdicts}
