"""The programme's dashboard (administrators) and each employer's, with a CSV file per table.
The filters are in the address, so a view can be shared and reloaded."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from jobboard.core.access import admin_required
from jobboard.core.db import utcnow
from jobboard.core.htmx import render_page
from jobboard.core.web import private_download
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint
from jobboard.outcomes import charts, employer, programme
from jobboard.outcomes.forms import PeriodForm, ProgrammeForm
from jobboard.outcomes.tables import Table, to_csv

bp = Blueprint("outcomes", __name__)
register_tenant_blueprint(bp)


@bp.app_context_processor
def _chart_helpers() -> dict[str, object]:
    return {"charts": charts}


def _start() -> date:
    return current_app.config["PROGRAMME_START_DATE"]


def _programme_form() -> ProgrammeForm:
    form = ProgrammeForm(request.args)
    form.validate()
    return form


def _csv(table: Table, since: date, until: date) -> Response:
    return private_download(to_csv(table, _("Total")), "text/csv", f"{table.name}-{since}-{until}.csv")


@bp.route("/admin/outcomes")
@admin_required
def programme_dashboard() -> Response:
    form = _programme_form()
    filters = form.filters(_start(), utcnow().date())
    return render_page(
        "outcomes/programme.html",
        form=form,
        notices=form.notices(),
        filters=filters,
        figures=programme.figures(filters, form.breakdown, _start()),
        breakdown=form.breakdown,
        goal_end=programme.goal_end(_start()),
    )


@bp.route("/admin/outcomes/<any(hires, funnel, breakdown, fairs):table>.csv")
@admin_required
def programme_csv(table: str) -> Response:
    form = _programme_form()
    filters = form.filters(_start(), utcnow().date())
    return _csv(programme.table(table, filters, form.breakdown, _start()), filters.since, filters.until)


def _period() -> tuple[PeriodForm, date, date]:
    form = PeriodForm(request.args)
    form.validate()
    since, until = form.period(_start(), utcnow().date())
    return form, since, until


@bp.route("/org/<org_slug>/outcomes")
@member_required(Role.VIEWER)
def employer_dashboard() -> Response:
    form, since, until = _period()
    return render_page(
        "outcomes/employer.html",
        org=current_org(),
        membership=current_membership(),
        form=form,
        notices=form.notices(),
        since=since,
        until=until,
        figures=employer.figures(current_org(), since, until),
    )


@bp.route("/org/<org_slug>/outcomes/<any(funnel, postings, fairs):table>.csv")
@member_required(Role.VIEWER)
def employer_csv(table: str) -> Response:
    _form, since, until = _period()
    return _csv(employer.TABLES[table](current_org(), since, until), since, until)
