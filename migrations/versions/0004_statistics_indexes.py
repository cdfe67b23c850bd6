"""Covering indexes for the steering figures (dashboard and report)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:00:00

The dashboard and the steering report count cases and their parts per authority, and
totals across all authorities (services/statistics.py). These indexes are led by the
authority and hold every column a figure reads, so that PostgreSQL answers the figures
from the indexes alone (index-only scans) instead of visiting a region's rows one by one.
All but the activity and client ones leave out archived rows, which no figure counts; the
case indexes hold open or closed cases only. On PostgreSQL they are built concurrently,
so a live database keeps taking writes meanwhile; SQLite, which knows no INCLUDE, gets the
key columns.
"""

from alembic import op
from sqlalchemy import text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NOT_ARCHIVED = "archived_at IS NULL"
OPEN_CASE = (
    "archived_at IS NULL AND status IN ('intake', 'planning', 'active', 'on_hold', 'evaluation')"
)
CLOSED_CASE = "archived_at IS NULL AND status = 'closed'"

# (name, table, key columns, included columns, partial index condition)
INDEXES = (
    (
        "ix_case_figures_open",
        "case",
        ["authority_id", "id"],
        ["status", "opened_on", "client_id", "caseworker_id"],
        OPEN_CASE,
    ),
    (
        "ix_case_figures_closed",
        "case",
        ["authority_id", "closed_on"],
        ["id", "opened_on", "intake_on", "closure_reason_id", "client_id", "caseworker_id"],
        CLOSED_CASE,
    ),
    ("ix_case_figures_opened", "case", ["authority_id", "opened_on"], ["id"], NOT_ARCHIVED),
    ("ix_need_figures", "need", ["authority_id", "case_id", "need_area_id"], [], NOT_ARCHIVED),
    (
        "ix_goal_figures_due",
        "goal",
        ["authority_id", "status", "target_date"],
        ["case_id", "need_area_id"],
        NOT_ARCHIVED,
    ),
    (
        "ix_goal_figures_case",
        "goal",
        ["authority_id", "case_id"],
        ["status", "need_area_id"],
        NOT_ARCHIVED,
    ),
    (
        "ix_measure_figures_due",
        "measure",
        ["authority_id", "status", "due_on"],
        ["case_id"],
        NOT_ARCHIVED,
    ),
    (
        "ix_referral_figures",
        "referral",
        ["authority_id", "status", "sent_on"],
        ["case_id", "agency_id", "need_area_id", "answered_on", "follow_up_on"],
        NOT_ARCHIVED,
    ),
    (
        "ix_evaluation_figures",
        "evaluation",
        ["authority_id", "case_id"],
        ["effort_minutes"],
        NOT_ARCHIVED,
    ),
    (
        "ix_activity_figures_recent",
        "activity",
        ["authority_id", "occurred_on"],
        ["case_id", "confidential"],
        None,
    ),
    (
        "ix_activity_figures_case",
        "activity",
        ["authority_id", "case_id", "occurred_on"],
        ["confidential"],
        None,
    ),
    (
        "ix_client_figures_permit",
        "client",
        ["authority_id", "residence_valid_until"],
        ["id"],
        None,
    ),
)


def _create(name, table, columns, include, where, **kw):
    condition = {"postgresql_where": text(where), "sqlite_where": text(where)} if where else {}
    op.create_index(name, table, columns, postgresql_include=include or None, **condition, **kw)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
        with op.get_context().autocommit_block():
            for index in INDEXES:
                _create(*index, postgresql_concurrently=True)
    else:
        for index in INDEXES:
            _create(*index)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for name, table, *_rest in INDEXES:
                op.drop_index(name, table_name=table, postgresql_concurrently=True)
    else:
        for name, table, *_rest in INDEXES:
            op.drop_index(name, table_name=table)
