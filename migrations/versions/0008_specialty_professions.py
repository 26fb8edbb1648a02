"""The professions each specialty belongs to

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place with a default (every specialty of the vocabulary is a physician's): a
    # rebuilt table on SQLite would be dropped with foreign keys on, under the postings and
    # profiles that name it. `flask jobboard seed-vocab` keeps the lists in step with the file.
    with op.batch_alter_table("specialties", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("professions", sa.JSON(), nullable=False, server_default='["physician"]'))
    op.execute(
        """UPDATE specialties SET professions = '["physician", "dentist"]' """
        """WHERE slug = 'oral-and-maxillofacial-surgery'"""
    )


def downgrade() -> None:
    with op.batch_alter_table("specialties", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("professions")
