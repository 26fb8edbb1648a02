"""Posting view counts: a row per posting and day, instead of a counter on the posting

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 14:45:40.707827

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posting_view_counts",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["postings.id"], name=op.f("fk_posting_view_counts_posting_id_postings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("posting_id", "day", name=op.f("pk_posting_view_counts")),
    )
    op.execute(
        "INSERT INTO posting_view_counts (posting_id, day, views) "
        "SELECT id, CURRENT_DATE, view_count FROM postings WHERE view_count > 0"
    )
    # In place, never by rebuilding the table: SQLite (3.35 and later) drops a plain column with
    # ALTER TABLE, while a rebuild drops the old table with foreign keys on, which deletes every
    # row that cascades from a posting (its history, versions, grants, applications).
    with op.batch_alter_table("postings", recreate="never") as batch_op:
        batch_op.drop_column("view_count")


def downgrade() -> None:
    # The restored column keeps its server default: removing it would mean rebuilding the table.
    with op.batch_alter_table("postings", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("view_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE postings SET view_count = COALESCE("
        "(SELECT SUM(views) FROM posting_view_counts WHERE posting_view_counts.posting_id = postings.id), 0)"
    )
    op.drop_table("posting_view_counts")
