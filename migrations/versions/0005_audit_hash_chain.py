"""The audit trail is hash-chained, one chain per authority

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:40:00

Every audit row gets its place in its authority's chain, the hash of the row before it, a
digest of its changes and its own hash (models/audit_chain.py says how the hash is formed).
A trigger fills these columns as a row is inserted: on PostgreSQL a PL/pgSQL function that
locks the chain's head row in ``audit_chain_head``, so that concurrent writers extend the
chain one after the other; on SQLite, whose writers are serialised anyway, an AFTER INSERT
trigger calling the functions Lotse registers on every connection (models/db.py).

Rows that exist already are chained here, in the order of their ids. On PostgreSQL the
append-only trigger of 0002 is narrowed: the retention purge may still clear ``changes``
(which the hash covers only through ``changes_hash``), and nothing else; the head table
takes writes only from the chain trigger.
"""

import sqlalchemy as sa
from alembic import op

from models.audit_chain import SYSTEM_CHAIN, row_hash, sha256_hex

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HASH = sa.String(length=64)

PG_FUNCTIONS = (
    """
    CREATE FUNCTION audit_hash_field(value text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN value IS NULL THEN '~' ELSE length(value)::text || ':' || value END
    $$
    """,
    """
    CREATE FUNCTION audit_event_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        chain_key integer := COALESCE(NEW.authority_id, 0);
        head record;
    BEGIN
        SELECT last_seq, last_hash INTO head
            FROM audit_chain_head WHERE chain = chain_key FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO audit_chain_head (chain, last_seq) VALUES (chain_key, 0)
                ON CONFLICT (chain) DO NOTHING;
            SELECT last_seq, last_hash INTO head
                FROM audit_chain_head WHERE chain = chain_key FOR UPDATE;
        END IF;
        NEW.chain_seq := head.last_seq + 1;
        NEW.prev_hash := head.last_hash;
        NEW.changes_hash := encode(sha256(convert_to(NEW.changes::text, 'UTF8')), 'hex');
        NEW.row_hash := encode(sha256(convert_to(concat_ws('|',
            audit_hash_field(NEW.chain_seq::text),
            audit_hash_field(NEW.id::text),
            audit_hash_field(to_char(NEW.at AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
            audit_hash_field(NEW.authority_id::text),
            audit_hash_field(NEW.user_id::text),
            audit_hash_field(NEW.action::text),
            audit_hash_field(NEW.object_type::text),
            audit_hash_field(NEW.object_id::text),
            audit_hash_field(NEW.remote_addr::text),
            audit_hash_field(NEW.changes_hash),
            audit_hash_field(NEW.prev_hash)
        ), 'UTF8')), 'hex');
        UPDATE audit_chain_head SET last_seq = NEW.chain_seq, last_hash = NEW.row_hash
            WHERE chain = chain_key;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE FUNCTION audit_chain_head_guarded() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_trigger_depth() > 1 OR current_setting('lotse.audit_purge', true) = 'on' THEN
            RETURN COALESCE(NEW, OLD);
        END IF;
        RAISE EXCEPTION 'audit_chain_head is written by the audit trigger only';
    END;
    $$
    """,
)
PG_TRIGGERS = (
    """
    CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain()
    """,
    """
    CREATE TRIGGER audit_chain_head_guarded BEFORE INSERT OR UPDATE OR DELETE
    ON audit_chain_head FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guarded()
    """,
    """
    CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guarded()
    """,
)
# 0002's function, narrowed: under the purge setting an UPDATE may change ``changes`` only.
PG_APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        IF current_setting('lotse.audit_purge', true) = 'on' THEN
            IF TG_OP = 'UPDATE' THEN
                IF (to_jsonb(NEW) - 'changes') IS DISTINCT FROM (to_jsonb(OLD) - 'changes') THEN
                    RAISE EXCEPTION 'the purge may only clear audit_event.changes';
                END IF;
            END IF;
            RETURN COALESCE(NEW, OLD);
        END IF;
        RAISE EXCEPTION 'audit_event is append-only';
    END;
    $$ LANGUAGE plpgsql
"""
PG_APPEND_ONLY_0002 = """
    CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        IF current_setting('lotse.audit_purge', true) = 'on' THEN
            RETURN COALESCE(NEW, OLD);
        END IF;
        RAISE EXCEPTION 'audit_event is append-only';
    END;
    $$ LANGUAGE plpgsql
"""

SQLITE_TRIGGER = """
    CREATE TRIGGER audit_event_chain AFTER INSERT ON audit_event
    BEGIN
        INSERT OR IGNORE INTO audit_chain_head (chain, last_seq)
            VALUES (COALESCE(NEW.authority_id, 0), 0);
        UPDATE audit_event SET
            chain_seq = (SELECT last_seq + 1 FROM audit_chain_head
                         WHERE chain = COALESCE(NEW.authority_id, 0)),
            prev_hash = (SELECT last_hash FROM audit_chain_head
                         WHERE chain = COALESCE(NEW.authority_id, 0)),
            changes_hash = lotse_sha256(CAST(NEW.changes AS TEXT))
        WHERE id = NEW.id;
        UPDATE audit_event SET row_hash = lotse_audit_hash(
            chain_seq, id, at, authority_id, user_id, action, object_type, object_id,
            remote_addr, changes_hash, prev_hash)
        WHERE id = NEW.id;
        UPDATE audit_chain_head SET
            last_seq = last_seq + 1,
            last_hash = (SELECT row_hash FROM audit_event WHERE id = NEW.id)
        WHERE chain = COALESCE(NEW.authority_id, 0);
    END
"""


def _chain_existing_rows(bind) -> None:
    """Chain the rows recorded before this revision, in the order of their ids."""
    rows = bind.execute(
        sa.text(
            "SELECT id, at, authority_id, user_id, action, object_type, object_id,"
            " remote_addr, CAST(changes AS TEXT) AS changes FROM audit_event ORDER BY id"
        )
    ).mappings()
    heads: dict[int, tuple[int, str | None]] = {}
    updates = []
    for row in rows:
        chain = row["authority_id"] if row["authority_id"] is not None else SYSTEM_CHAIN
        seq, prev = heads.get(chain, (0, None))
        seq += 1
        changes_hash = sha256_hex(row["changes"])
        digest = row_hash(
            seq,
            row["id"],
            row["at"],
            row["authority_id"],
            row["user_id"],
            row["action"],
            row["object_type"],
            row["object_id"],
            row["remote_addr"],
            changes_hash,
            prev,
        )
        heads[chain] = (seq, digest)
        updates.append(
            {"id": row["id"], "seq": seq, "prev": prev, "changes": changes_hash, "hash": digest}
        )
    if updates:
        bind.execute(
            sa.text(
                "UPDATE audit_event SET chain_seq = :seq, prev_hash = :prev,"
                " changes_hash = :changes, row_hash = :hash WHERE id = :id"
            ),
            updates,
        )
    if heads:
        bind.execute(
            sa.text(
                "INSERT INTO audit_chain_head (chain, last_seq, last_hash) VALUES (:c, :s, :h)"
            ),
            [{"c": chain, "s": seq, "h": digest} for chain, (seq, digest) in heads.items()],
        )


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", HASH, nullable=True))
        batch_op.add_column(sa.Column("changes_hash", HASH, nullable=True))
        batch_op.add_column(sa.Column("row_hash", HASH, nullable=True))
        batch_op.create_index("ix_audit_event_chain", ["authority_id", "chain_seq"], unique=False)
    op.create_table(
        "audit_chain_head",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", HASH, nullable=True),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain_head")),
    )
    if postgres:
        # Chaining the existing rows is an UPDATE, which 0002 allows only so.
        op.execute("SET LOCAL lotse.audit_purge = 'on'")
    _chain_existing_rows(bind)
    if postgres:
        op.execute("SET LOCAL lotse.audit_purge = 'off'")
        for statement in (*PG_FUNCTIONS, *PG_TRIGGERS, PG_APPEND_ONLY):
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY_0002)
        op.execute("DROP TRIGGER IF EXISTS audit_event_chain ON audit_event")
        op.execute("DROP TABLE audit_chain_head")
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head_guarded()")
        op.execute("DROP FUNCTION IF EXISTS audit_event_chain()")
        op.execute("DROP FUNCTION IF EXISTS audit_hash_field(text)")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_chain")
        op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_chain")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("changes_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")
