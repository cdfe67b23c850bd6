"""Row-level security on PostgreSQL: the authority rule's second line

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 16:30:00

Every table with client data gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and a policy
that admits what the ORM rule (``models/scoping/rule.py``) admits, read from the settings
the application makes per transaction (``models/scoping/database.py``): ``lotse.authority_id``,
``lotse.role``, ``lotse.today``, and ``lotse.unscoped``, the reason of an explicit unscoped
context. A transaction without settings sees no row of client data.

The rules are frozen here as the migration writes them; ``tests/test_row_level_security.py``
compares what the policies admit with what the ORM rule admits, role by role.

On both databases the audit trail learns the action ``unscoped``: the CLI's entry into the
bypass (``cli.common.maintenance``).
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The tables by rule, as models/scoping/rule.py RULES names them at this revision.
OWN = ("household_member", "consent")
OWN_OR_SHARED_CASE = (
    "need",
    "goal",
    "measure",
    "referral",
    "case_conference",
    "case_checklist_item",
    "evaluation",
)
SHARED_CASE_NOT_CONFIDENTIAL = ("activity", "document")
OTHERS = ("client", "case", "structural_issue", "case_share", "audit_event")
TABLES = (*OWN, *OWN_OR_SHARED_CASE, *SHARED_CASE_NOT_CONFIDENTIAL, *OTHERS)
POLICIES = ("lotse_read", "lotse_append", "lotse_change", "lotse_remove")

FUNCTIONS = (
    # The authority the transaction reads for, or NULL.
    """
    CREATE FUNCTION lotse_authority() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('lotse.authority_id', true), '')::integer $$
    """,
    # Whether the transaction is inside an explicit unscoped context.
    """
    CREATE FUNCTION lotse_unscoped() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT COALESCE(current_setting('lotse.unscoped', true), '') <> '' $$
    """,
    # ROLES_WITHOUT_CLIENT_DATA (models/scoping/scopes.py): it_admin and auditor.
    """
    CREATE FUNCTION lotse_sees_client_data() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT lotse_authority() IS NOT NULL
              AND COALESCE(current_setting('lotse.role', true), '')
                  NOT IN ('it_admin', 'auditor') $$
    """,
    # STEERING_READERS (models/scoping/rule.py): team_lead and auditor.
    """
    CREATE FUNCTION lotse_reads_all_issues() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT lotse_authority() IS NOT NULL
              AND COALESCE(current_setting('lotse.role', true), '')
                  IN ('team_lead', 'auditor') $$
    """,
    # The cases shared with the transaction's authority for one of ``accesses`` and in force
    # on lotse.today: the share is not revoked, its consent given, not withdrawn, not
    # expired, and it still names the authority (models/scoping/rule.py _valid_share_of).
    # Reading the owner's consent needs the bypass, which the function sets for its own
    # duration only.
    """
    CREATE FUNCTION lotse_shared_case_ids(accesses text[]) RETURNS integer[]
    LANGUAGE sql STABLE
    SET lotse.unscoped = 'share validity'
    AS $$
        SELECT COALESCE(array_agg(s.case_id), '{}')
        FROM case_share s JOIN consent c ON c.id = s.consent_id
        WHERE lotse_sees_client_data()
          AND s.authority_id = lotse_authority()
          AND s.access = ANY(accesses)
          AND s.revoked_on IS NULL
          AND c.given_on <= lotse_today()
          AND (c.withdrawn_on IS NULL OR c.withdrawn_on > lotse_today())
          AND (c.valid_until IS NULL OR c.valid_until >= lotse_today())
          AND EXISTS (SELECT 1 FROM consent_authority r
                      WHERE r.consent_id = c.id AND r.authority_id = lotse_authority())
    $$
    """,
    # The clients of those cases, for the client table's policy.
    """
    CREATE FUNCTION lotse_shared_client_ids() RETURNS integer[]
    LANGUAGE sql STABLE
    SET lotse.unscoped = 'shared clients'
    AS $$
        SELECT COALESCE(array_agg(client_id), '{}') FROM "case"
        WHERE id = ANY(lotse_shared_case_ids(ARRAY['read', 'write']))
    $$
    """,
    # The authorities whose own rows of client data the transaction reads: every one in an
    # unscoped context, its own for a role that sees client data, none otherwise. A policy
    # reads it as ``authority_id = ANY(…)``, which the authority-led indexes answer; a
    # condition such as ``lotse_unscoped() OR authority_id = …`` could use no index.
    """
    CREATE FUNCTION lotse_visible_authorities() RETURNS integer[]
    LANGUAGE sql STABLE
    AS $$ SELECT CASE
        WHEN lotse_unscoped() THEN ARRAY(SELECT id FROM authority)
        WHEN lotse_sees_client_data() THEN ARRAY[lotse_authority()]
        ELSE '{}'::integer[] END $$
    """,
    # The audit trail's: every authority unscoped, else the own one, whatever the role.
    """
    CREATE FUNCTION lotse_audit_authorities() RETURNS integer[]
    LANGUAGE sql STABLE
    AS $$ SELECT CASE
        WHEN lotse_unscoped() THEN ARRAY(SELECT id FROM authority)
        WHEN lotse_authority() IS NOT NULL THEN ARRAY[lotse_authority()]
        ELSE '{}'::integer[] END $$
    """,
)
TODAY = """
    CREATE FUNCTION lotse_today() RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT COALESCE(NULLIF(current_setting('lotse.today', true), '')::date,
                          current_date) $$
"""

# Scalar subqueries (InitPlans, run once per statement), cast so ANY reads them as arrays:
# the authorities whose own rows are visible, the cases shared for reading (read or write
# access) and those shared for writing, and the clients of the shared cases. Every arm of a
# policy is an indexed column compared with one of them, so PostgreSQL combines indexes
# (BitmapOr) instead of scanning the table.
VISIBLE = "(SELECT lotse_visible_authorities())::integer[]"
SHARED = "(SELECT lotse_shared_case_ids(ARRAY['read', 'write']))::integer[]"
SHARED_FOR_WRITING = "(SELECT lotse_shared_case_ids(ARRAY['write']))::integer[]"
SHARED_CLIENTS = "(SELECT lotse_shared_client_ids())::integer[]"
OWN_ROW = f"authority_id = ANY({VISIBLE})"


def _policies() -> dict[str, tuple[str, str]]:
    """Each table's (read, write) conditions. Reading follows ``_add_authority_criteria``,
    writing the flush guard (``models/scoping/guard.py``): the own authority's rows, and
    the parts of cases shared for writing; the case, its client, the shares and the
    structural issues stay with their owner. The unscoped context and the roles without
    client data are in ``lotse_visible_authorities`` and ``lotse_shared_case_ids``."""
    policies = {table: (OWN_ROW, OWN_ROW) for table in OWN}
    part_writing = f"{OWN_ROW} OR case_id = ANY({SHARED_FOR_WRITING})"
    for table in OWN_OR_SHARED_CASE:
        policies[table] = (f"{OWN_ROW} OR case_id = ANY({SHARED})", part_writing)
    for table in SHARED_CASE_NOT_CONFIDENTIAL:
        reading = f"{OWN_ROW} OR (NOT confidential AND case_id = ANY({SHARED}))"
        policies[table] = (reading, part_writing)
    policies["case"] = (f"{OWN_ROW} OR id = ANY({SHARED})", OWN_ROW)
    policies["client"] = (f"{OWN_ROW} OR id = ANY({SHARED_CLIENTS})", OWN_ROW)
    policies["case_share"] = (
        f"owner_authority_id = ANY({VISIBLE}) OR authority_id = ANY({VISIBLE})",
        f"owner_authority_id = ANY({VISIBLE})",
    )
    # Structural issues carry no personal data: team leads and auditors read every one.
    policies["structural_issue"] = (f"lotse_reads_all_issues() OR {OWN_ROW}", OWN_ROW)
    return policies


AUDIT_ACTIONS_0001 = (
    "create", "update", "archive", "delete", "read", "export", "login", "login_failed",
    "logout", "denied", "share", "unshare", "transition", "purge",
)
AUDIT_ACTIONS = (*AUDIT_ACTIONS_0001, "unscoped")

SQLITE_CHAIN_TRIGGER = """
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


def _audit_actions(actions) -> None:
    check = "action IN ({})".format(", ".join(f"'{a}'" for a in actions))
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_audit_event_action"), "audit_event", type_="check")
        op.create_check_constraint(op.f("ck_audit_event_action"), "audit_event", check)
        return
    # SQLite rebuilds the table to change a CHECK; its chain trigger goes with the old one.
    op.execute("DROP TRIGGER IF EXISTS audit_event_chain")
    with op.batch_alter_table("audit_event", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_event_action"), type_="check")
        batch_op.create_check_constraint(op.f("ck_audit_event_action"), sa.text(check))
    op.execute(SQLITE_CHAIN_TRIGGER)


def upgrade():
    _audit_actions(AUDIT_ACTIONS)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(TODAY)
    for statement in FUNCTIONS:
        op.execute(statement)
    for table, (reading, writing) in _policies().items():
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        on = f'ON "{table}"'
        op.execute(f"CREATE POLICY lotse_read {on} FOR SELECT USING ({reading})")
        op.execute(f"CREATE POLICY lotse_append {on} FOR INSERT WITH CHECK ({writing})")
        op.execute(
            f"CREATE POLICY lotse_change {on} FOR UPDATE USING ({writing}) WITH CHECK ({writing})"
        )
        op.execute(f"CREATE POLICY lotse_remove {on} FOR DELETE USING ({writing})")
    # The audit trail: each authority reads its own events; anyone may append (a failed
    # login has no scope yet); changing or deleting is the purge's, under the bypass (and
    # the append-only trigger of 0002 refuses it otherwise).
    op.execute('ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY')
    op.execute('ALTER TABLE audit_event FORCE ROW LEVEL SECURITY')
    op.execute(
        "CREATE POLICY lotse_read ON audit_event FOR SELECT USING ("
        "authority_id = ANY((SELECT lotse_audit_authorities())::integer[])"
        " OR (authority_id IS NULL AND (SELECT lotse_unscoped())))"
    )
    op.execute("CREATE POLICY lotse_append ON audit_event FOR INSERT WITH CHECK (true)")
    op.execute("CREATE POLICY lotse_change ON audit_event FOR UPDATE USING (lotse_unscoped())")
    op.execute("CREATE POLICY lotse_remove ON audit_event FOR DELETE USING (lotse_unscoped())")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for name in POLICIES:
                op.execute(f'DROP POLICY IF EXISTS {name} ON "{table}"')
            op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
        for name in (
            "lotse_audit_authorities",
            "lotse_visible_authorities",
            "lotse_shared_client_ids",
            "lotse_shared_case_ids",
            "lotse_reads_all_issues",
            "lotse_sees_client_data",
            "lotse_unscoped",
            "lotse_authority",
            "lotse_today",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {name}")
    _audit_actions(AUDIT_ACTIONS_0001)
