"""Programme outcomes: the pipeline's last steps with their dates, the first day each application
reached each step, the doctor's arrival and the first moment their profile was complete

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00

"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_STAGES = ("applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
NEW_STAGES = ("applied", "screening", "interview", "offer", "hired", "started", "rejected", "withdrawn")
# (table, CHECK constraint, column) of every column that holds a stage.
STAGE_COLUMNS = (
    ("applications", "ck_applications_application_stage", "stage"),
    ("application_events", "ck_application_events_event_from_stage", "from_stage"),
    ("application_events", "ck_application_events_event_to_stage", "to_stage"),
)
PHYSICIAN = "physician"
# The first day an application reached each step past applying: a move to any of these stages.
REACHED = {
    "interviewed_on": ("interview", "offer", "hired", "started"),
    "offered_on": ("offer", "hired", "started"),
    "hired_on": ("hired", "started"),
    "started_on": ("started",),
}


def _check(column: str, stages: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(stage) for stage in stages)})"


def _rewrite_sqlite_table(table: str, edit: Callable[[str], str]) -> None:
    """Change a table's definition in place on SQLite, in the way its documentation gives for a
    change that every row already satisfies (https://sqlite.org/lang_altertable.html#otheralter):
    the stored CREATE statement is rewritten and the schema version moved on. Rebuilding the table
    would drop the old one with foreign keys on, deleting every row that cascades from it (for an
    application: its history, notes and interviews)."""
    connection = op.get_bind()
    old = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    new = edit(old)
    if new == old:
        raise RuntimeError(f"{table}: the definition to change is not there")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (new, table))
    connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def _allow_stages(stages: tuple[str, ...], before: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, name, column in STAGE_COLUMNS:
            _rewrite_sqlite_table(
                table,
                lambda sql, name=name, column=column: sql.replace(
                    f"CONSTRAINT {name} CHECK ({_check(column, before)})",
                    f"CONSTRAINT {name} CHECK ({_check(column, stages)})",
                ),
            )
        return
    for table, name, column in STAGE_COLUMNS:
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, _check(column, stages))


def _day_of(column: sa.ColumnClause) -> sa.ColumnElement:
    """The day (UTC) of a stored moment."""
    if op.get_bind().dialect.name == "sqlite":
        return sa.func.date(column)
    return sa.cast(sa.func.timezone("UTC", column), sa.Date)


profiles = sa.table(
    "doctor_profiles",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("profession_slug", sa.String),
    sa.column("specialty_slug", sa.String),
    sa.column("training_country", sa.String),
    sa.column("move_month", sa.Date),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("completed_at", sa.DateTime(timezone=True)),
)
applications = sa.table(
    "applications", sa.column("doctor_id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True))
)
cvs = sa.table("cv_documents", sa.column("owner_id", sa.Integer), sa.column("uploaded_at", sa.DateTime(timezone=True)))


def _date_completed_profiles() -> None:
    """When each profile was first complete enough to apply, as near as what is stored tells: a
    doctor who applied was complete by their first application; one who has not, but whose profile
    is complete now, by the later of its last change and their first CV."""
    connection = op.get_bind()
    first_application = (
        sa.select(sa.func.min(applications.c.created_at))
        .where(applications.c.doctor_id == profiles.c.user_id)
        .scalar_subquery()
    )
    first_cv = sa.select(sa.func.min(cvs.c.uploaded_at)).where(cvs.c.owner_id == profiles.c.user_id).scalar_subquery()
    rows = connection.execute(
        sa.select(
            profiles.c.id,
            profiles.c.profession_slug,
            profiles.c.specialty_slug,
            profiles.c.training_country,
            profiles.c.move_month,
            profiles.c.updated_at,
            first_application,
            first_cv,
        )
    ).all()
    for profile_id, profession, specialty, country, move_month, updated_at, applied_at, cv_at in rows:
        complete = profession and (specialty or profession != PHYSICIAN) and country and move_month and cv_at
        completed_at = applied_at or (max(updated_at, cv_at) if complete else None)
        if completed_at is not None:
            connection.execute(sa.update(profiles).where(profiles.c.id == profile_id).values(completed_at=completed_at))


def _date_reached_steps(events: sa.TableClause) -> None:
    """Each application's first day at each step, from its history."""
    reached = sa.table("applications", sa.column("id", sa.Integer), *(sa.column(c, sa.Date) for c in REACHED))
    op.execute(
        sa.update(reached).values(
            {
                column: sa.select(sa.func.min(events.c.occurred_on))
                .where(events.c.application_id == reached.c.id, events.c.to_stage.in_(stages))
                .scalar_subquery()
                for column, stages in REACHED.items()
            }
        )
    )


def upgrade() -> None:
    _allow_stages(NEW_STAGES, OLD_STAGES)
    # The day each step so far happened is the day it was recorded.
    with op.batch_alter_table("application_events", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("occurred_on", sa.Date(), nullable=True))
    events = sa.table(
        "application_events",
        sa.column("application_id", sa.Integer),
        sa.column("to_stage", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("occurred_on", sa.Date),
    )
    op.execute(sa.update(events).values(occurred_on=_day_of(events.c.created_at)))
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_sqlite_table(
            "application_events", lambda sql: sql.replace("occurred_on DATE", "occurred_on DATE NOT NULL")
        )
    else:
        op.alter_column("application_events", "occurred_on", nullable=False)
    with op.batch_alter_table("applications", schema=None, recreate="never") as batch_op:
        for column in REACHED:
            batch_op.add_column(sa.Column(column, sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_applications_hired_on"), ["hired_on"], unique=False)
        batch_op.create_index(
            "ix_applications_doctor_steps", ["doctor_id", "org_id", "posting_id", "created_at", *REACHED], unique=False
        )
    _date_reached_steps(events)
    with op.batch_alter_table("doctor_profiles", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("arrived_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    _date_completed_profiles()


def downgrade() -> None:
    # A start of work was a hire before.
    for table, _name, column in STAGE_COLUMNS:
        stages = sa.table(table, sa.column(column, sa.String))
        op.execute(sa.update(stages).where(stages.c[column] == "started").values({column: "hired"}))
    _allow_stages(OLD_STAGES, NEW_STAGES)
    with op.batch_alter_table("doctor_profiles", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("completed_at")
        batch_op.drop_column("arrived_on")
    with op.batch_alter_table("applications", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_applications_doctor_steps")
        batch_op.drop_index(batch_op.f("ix_applications_hired_on"))
        for column in reversed(REACHED):
            batch_op.drop_column(column)
    with op.batch_alter_table("application_events", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("occurred_on")
