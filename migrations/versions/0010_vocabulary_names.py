"""Names of the vocabularies and the grant programs in each language the board speaks

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 20:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Language code → name; the English name stays in ``name``.
NAMED_TABLES = ("regions", "cities", "professions", "specialties", "languages", "grant_programs")


def upgrade() -> None:
    # In place (as 0008): a rebuilt table on SQLite would be dropped with foreign keys on, under
    # the rows that name it. `flask jobboard seed-vocab` fills the vocabularies' names from the file.
    for table in NAMED_TABLES:
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.add_column(sa.Column("names", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("grant_programs", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("summaries", sa.JSON(), nullable=False, server_default="{}"))
    cities = sa.table(
        "cities", sa.column("slug", sa.String), sa.column("name_he", sa.String), sa.column("names", sa.JSON)
    )
    connection = op.get_bind()
    for slug, name_he in connection.execute(sa.select(cities.c.slug, cities.c.name_he)).all():
        connection.execute(sa.update(cities).where(cities.c.slug == slug).values(names={"he": name_he}))
    with op.batch_alter_table("cities", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("name_he")


def downgrade() -> None:
    with op.batch_alter_table("cities", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("name_he", sa.String(length=80), nullable=False, server_default=""))
    cities = sa.table(
        "cities", sa.column("slug", sa.String), sa.column("name_he", sa.String), sa.column("names", sa.JSON)
    )
    connection = op.get_bind()
    for slug, names in connection.execute(sa.select(cities.c.slug, cities.c.names)).all():
        connection.execute(sa.update(cities).where(cities.c.slug == slug).values(name_he=(names or {}).get("he", "")))
    with op.batch_alter_table("grant_programs", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("summaries")
    for table in reversed(NAMED_TABLES):
        with op.batch_alter_table(table, schema=None, recreate="never") as batch_op:
            batch_op.drop_column("names")
