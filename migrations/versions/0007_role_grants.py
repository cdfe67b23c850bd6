"""Role grants: giving the it_admin role takes a second it_admin's confirmation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:45:00

One row per request to give an account a role under the four-eyes rule
(services/role_grants.py): who asked, for whom, until when, and who confirmed or rejected
it. A partial unique index keeps at most one pending request per account, on SQLite and
PostgreSQL alike.
"""

import sqlalchemy as sa
from alembic import op

import models.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLES = "'caseworker', 'team_lead', 'it_admin', 'auditor'"
PENDING = "status = 'pending'"


def upgrade():
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("previous_role", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_role_grant_role")),
        sa.CheckConstraint(f"previous_role IN ({ROLES})", name=op.f("ck_role_grant_previous_role")),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'rejected', 'expired')",
            name=op.f("ck_role_grant_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_role_grant_user_id_user"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user.id"],
            name=op.f("fk_role_grant_requested_by_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_role_grant_decided_by_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
    )
    with op.batch_alter_table("role_grant") as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grant_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_role_grant_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_role_grant_requested_by_id"), ["requested_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_role_grant_decided_by_id"), ["decided_by_id"], unique=False
        )
        batch_op.create_index(
            "uq_role_grant_pending_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text(PENDING),
            postgresql_where=sa.text(PENDING),
        )


def downgrade():
    op.drop_table("role_grant")
