"""Postings a doctor saves to a list

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_postings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["postings.id"], name=op.f("fk_saved_postings_posting_id_postings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_postings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "posting_id", name=op.f("pk_saved_postings")),
    )
    op.create_index(op.f("ix_saved_postings_posting_id"), "saved_postings", ["posting_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_postings_posting_id"), table_name="saved_postings")
    op.drop_table("saved_postings")
