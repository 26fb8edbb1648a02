"""Grant programs' structured criteria: sites, professions and specialties, the licence needed,
time since aliyah, first employment in the area, and when and where the record was verified

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

LEVELS = ("none", "provisional", "full", "residency", "specialist")


def _link_table(name: str, column: sa.Column, target: str, on_delete: str | None) -> None:
    op.create_table(
        name,
        sa.Column("grant_program_id", sa.Integer(), nullable=False),
        column,
        sa.ForeignKeyConstraint(
            ["grant_program_id"],
            ["grant_programs.id"],
            name=op.f(f"fk_{name}_grant_program_id_grant_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            [column.name], [target], name=op.f(f"fk_{name}_{column.name}_{target.split('.')[0]}"), ondelete=on_delete
        ),
        sa.PrimaryKeyConstraint("grant_program_id", column.name, name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _link_table("grant_program_sites", sa.Column("site_id", sa.Integer(), nullable=False), "sites.id", "CASCADE")
    _link_table(
        "grant_program_professions",
        sa.Column("profession_slug", sa.String(length=60), nullable=False),
        "professions.slug",
        None,
    )
    _link_table(
        "grant_program_specialties",
        sa.Column("specialty_slug", sa.String(length=80), nullable=False),
        "specialties.slug",
        None,
    )
    # One statement both databases take: the column with its CHECK, added in place (SQLite allows a
    # CHECK in ADD COLUMN; rebuilding the table would cascade-delete its links to regions and postings).
    allowed = ", ".join(f"'{level}'" for level in LEVELS)
    op.execute(
        "ALTER TABLE grant_programs ADD COLUMN licence_level VARCHAR(11) "
        f"CONSTRAINT ck_grant_programs_grant_licence_level CHECK (licence_level IN ({allowed}))"
    )
    with op.batch_alter_table("grant_programs", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("aliyah_within_months", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("first_employment_in_area", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("verified_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("verified_source", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("verified_criteria", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("grant_programs", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("verified_criteria")
        batch_op.drop_column("verified_source")
        batch_op.drop_column("verified_on")
        batch_op.drop_column("first_employment_in_area")
        batch_op.drop_column("aliyah_within_months")
        batch_op.drop_column("licence_level")  # with its CHECK, on both databases
    op.drop_table("grant_program_specialties")
    op.drop_table("grant_program_professions")
    op.drop_table("grant_program_sites")
