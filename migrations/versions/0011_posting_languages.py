"""The language of each posting's text, and its versions in the board's other languages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00

"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The approved snapshots name the text's language too, so that the first edit of a posting
# approved before does not show it as a change.
SNAPSHOT_KEY, ENGLISH = "Language of the text", "English"
versions = sa.table("posting_versions", sa.column("id", sa.Integer), sa.column("content", sa.JSON))


def _rewrite_snapshots(change: Callable[[dict], dict]) -> None:
    connection = op.get_bind()
    for version_id, content in connection.execute(sa.select(versions.c.id, versions.c.content)).all():
        connection.execute(sa.update(versions).where(versions.c.id == version_id).values(content=change(dict(content))))


def upgrade() -> None:
    # In place (as 0008): a rebuilt postings table on SQLite would be dropped with foreign keys on,
    # deleting everything that cascades from a posting. Every posting so far is written in English.
    with op.batch_alter_table("postings", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("text_language", sa.String(length=8), nullable=False, server_default="en"))
    op.create_table(
        "posting_translations",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description_md", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_posting_translations_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("posting_id", "language", name=op.f("pk_posting_translations")),
    )
    _rewrite_snapshots(lambda content: {**content, SNAPSHOT_KEY: ENGLISH})


def downgrade() -> None:
    # Snapshots of versions in other languages keep them: they record what was approved.
    _rewrite_snapshots(lambda content: {key: value for key, value in content.items() if key != SNAPSHOT_KEY})
    op.drop_table("posting_translations")
    with op.batch_alter_table("postings", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("text_language")
