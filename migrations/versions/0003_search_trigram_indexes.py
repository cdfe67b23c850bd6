"""Trigram indexes for the list search on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 07:15:00

The list search matches ``ILIKE '%term%'``, which no B-tree index serves. On PostgreSQL,
``pg_trgm`` GIN indexes on the searched columns do (client names and numbers, case
numbers). SQLite, the embedded default, searches its small data with ``LIKE``.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = (
    ("client", "family_name"),
    ("client", "given_names"),
    ("client", "number"),
    ("case", "number"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension: the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in INDEXES:
        op.create_index(
            f"ix_{table}_{column}_trgm",
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in INDEXES:
        op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
