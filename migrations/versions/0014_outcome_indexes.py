"""The postings' sites in an index of their own, for the programme's figures by job

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 23:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_postings_site", "postings", ["id", "site_id"])


def downgrade() -> None:
    op.drop_index("ix_postings_site", table_name="postings")
