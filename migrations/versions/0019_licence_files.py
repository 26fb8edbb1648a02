"""The doctor's licence file: tracks and their documents, the doctor's track, milestones and
documents, shares with employers; the licence status derived from the milestones

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 10:00:00

Existing statuses become milestones dated the day of the profile's last change (the day the
doctor last stated it: the nearest day known), so each doctor's derived status is the one they
had chosen. "licensed" (an Israeli licence, of either kind) becomes the provisional licence: the
one every licensed doctor has held, never more than they said.
"""

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OLD_STATUSES = ("not_started", "file_submitted", "exam_scheduled", "exam_exemption_granted", "licensed")
NEW_STATUSES = (
    "not_started",
    "file_submitted",
    "exam_scheduled",
    "exam_exemption_granted",
    "exam_passed",
    "provisional_licence",
    "full_licence",
    "specialist_recognised",
)
CONSTRAINT = "ck_doctor_profiles_licence_status"
# Each stated status, as the milestone that gives it.
MILESTONE_OF = {
    "file_submitted": "file_opened_on",
    "exam_scheduled": "exam_on",
    "exam_exemption_granted": "exemption_granted_on",
    "provisional_licence": "provisional_licence_on",
}


def _check(statuses: tuple[str, ...]) -> str:
    return f"licence_status IN ({', '.join(repr(s) for s in statuses)})"


def _allow(statuses: tuple[str, ...], before: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The table is rewritten in place, not rebuilt (which would cascade deletes): 0012's way.
        rewrite = context.script.get_revision("0012").module._rewrite_sqlite_table
        rewrite(
            "doctor_profiles",
            lambda sql: sql.replace(
                f"CONSTRAINT {CONSTRAINT} CHECK ({_check(before)})",
                f"CONSTRAINT {CONSTRAINT} CHECK ({_check(statuses)})",
            ),
        )
        return
    op.drop_constraint(op.f(CONSTRAINT), "doctor_profiles", type_="check")
    op.create_check_constraint(op.f(CONSTRAINT), "doctor_profiles", _check(statuses))


profiles = sa.table(
    "doctor_profiles",
    sa.column("user_id", sa.Integer),
    sa.column("licence_status", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _day_of(column: sa.ColumnClause) -> sa.ColumnElement:
    if op.get_bind().dialect.name == "sqlite":
        return sa.func.date(column)
    return sa.cast(sa.func.timezone("UTC", column), sa.Date)


def upgrade() -> None:
    op.create_table(
        "licence_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("is_confirmed", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_tracks")),
        sa.UniqueConstraint("slug", name=op.f("uq_licence_tracks_slug")),
    )
    op.create_table(
        "licence_document_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("has_expiry", sa.Boolean(), nullable=False),
        sa.Column("is_confirmed", sa.Boolean(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_document_kinds")),
        sa.UniqueConstraint("slug", name=op.f("uq_licence_document_kinds_slug")),
    )
    op.create_table(
        "licence_track_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("kind_id", sa.Integer(), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("is_confirmed", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kind_id"],
            ["licence_document_kinds.id"],
            name=op.f("fk_licence_track_requirements_kind_id_licence_document_kinds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["licence_tracks.id"],
            name=op.f("fk_licence_track_requirements_track_id_licence_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_track_requirements")),
        sa.UniqueConstraint("track_id", "kind_id", name=op.f("uq_licence_track_requirements_track_id_kind_id")),
    )
    op.create_index(
        op.f("ix_licence_track_requirements_kind_id"), "licence_track_requirements", ["kind_id"], unique=False
    )
    op.create_index(
        op.f("ix_licence_track_requirements_track_id"), "licence_track_requirements", ["track_id"], unique=False
    )
    op.create_table(
        "licence_files",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("file_opened_on", sa.Date(), nullable=True),
        sa.Column("exam_on", sa.Date(), nullable=True),
        sa.Column(
            "exam_result",
            sa.Enum("passed", "failed", name="exam_result", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("exemption_granted_on", sa.Date(), nullable=True),
        sa.Column("provisional_expected", sa.Date(), nullable=True),
        sa.Column("provisional_licence_on", sa.Date(), nullable=True),
        sa.Column("full_licence_on", sa.Date(), nullable=True),
        sa.Column("specialty_recognised_on", sa.Date(), nullable=True),
        sa.Column("exam_reminded_for", sa.Date(), nullable=True),
        sa.Column("missing_reminded_for", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["licence_tracks.id"],
            name=op.f("fk_licence_files_track_id_licence_tracks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_licence_files_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_licence_files")),
    )
    op.create_table(
        "licence_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "review",
            sa.Enum(
                "pending",
                "accepted",
                "new_copy_requested",
                name="licence_document_review",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("expiry_reminded_for", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kind_id"],
            ["licence_document_kinds.id"],
            name=op.f("fk_licence_documents_kind_id_licence_document_kinds"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_licence_documents_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_licence_documents_reviewer_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_documents")),
        sa.UniqueConstraint("owner_id", "kind_id", name=op.f("uq_licence_documents_owner_id_kind_id")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_licence_documents_stored_name")),
    )
    op.create_index(op.f("ix_licence_documents_kind_id"), "licence_documents", ["kind_id"], unique=False)
    op.create_index(op.f("ix_licence_documents_owner_id"), "licence_documents", ["owner_id"], unique=False)
    op.create_table(
        "licence_document_shares",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_licence_document_shares_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["licence_documents.id"],
            name=op.f("fk_licence_document_shares_document_id_licence_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "document_id", name=op.f("pk_licence_document_shares")),
    )
    op.create_index(
        op.f("ix_licence_document_shares_document_id"), "licence_document_shares", ["document_id"], unique=False
    )
    both = tuple(dict.fromkeys(OLD_STATUSES + NEW_STATUSES))
    _allow(both, OLD_STATUSES)
    connection = op.get_bind()
    connection.execute(
        profiles.update().where(profiles.c.licence_status == "licensed").values(licence_status="provisional_licence")
    )
    _allow(NEW_STATUSES, both)
    files = sa.table(
        "licence_files",
        sa.column("user_id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        *(sa.column(milestone, sa.Date) for milestone in MILESTONE_OF.values()),
    )
    for status, milestone in MILESTONE_OF.items():
        connection.execute(
            files.insert().from_select(
                ["user_id", milestone, "created_at", "updated_at"],
                sa.select(profiles.c.user_id, _day_of(profiles.c.updated_at), sa.func.now(), sa.func.now()).where(
                    profiles.c.licence_status == status
                ),
            )
        )


def downgrade() -> None:
    connection = op.get_bind()
    both = tuple(dict.fromkeys(OLD_STATUSES + NEW_STATUSES))
    _allow(both, NEW_STATUSES)
    licensed = ("provisional_licence", "full_licence", "specialist_recognised")
    connection.execute(
        profiles.update().where(profiles.c.licence_status.in_(licensed)).values(licence_status="licensed")
    )
    connection.execute(
        profiles.update().where(profiles.c.licence_status == "exam_passed").values(licence_status="exam_scheduled")
    )
    _allow(OLD_STATUSES, both)
    op.drop_index(op.f("ix_licence_document_shares_document_id"), table_name="licence_document_shares")
    op.drop_table("licence_document_shares")
    op.drop_index(op.f("ix_licence_documents_owner_id"), table_name="licence_documents")
    op.drop_index(op.f("ix_licence_documents_kind_id"), table_name="licence_documents")
    op.drop_table("licence_documents")
    op.drop_table("licence_files")
    op.drop_index(op.f("ix_licence_track_requirements_track_id"), table_name="licence_track_requirements")
    op.drop_index(op.f("ix_licence_track_requirements_kind_id"), table_name="licence_track_requirements")
    op.drop_table("licence_track_requirements")
    op.drop_table("licence_document_kinds")
    op.drop_table("licence_tracks")
