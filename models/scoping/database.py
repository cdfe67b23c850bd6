"""The authority rule's second line: PostgreSQL's row-level security (docs/row-level-security.md).

Migration 0009 gives every table with client data ``ENABLE`` and ``FORCE ROW LEVEL
SECURITY`` and a policy that admits the rows the rule of ``rule.RULES`` admits, read from
settings of the current transaction. This module sets them, from the same scope the ORM rule
reads (``scopes``), before the first statement of a transaction that needs them and again
whenever the scope changes within it:

* ``lotse.authority_id`` and ``lotse.role``: whose eyes the transaction reads with;
* ``lotse.today``: the day share validity is judged on, the one the ORM rule uses;
* ``lotse.unscoped``: the reason of an explicit ``unscoped(reason)`` context, the one way
  past the policies (the CLI's audited entry is ``cli.common.maintenance``).

Every setting is transaction-local (``set_config(…, true)``): a pooled connection never
carries a scope from one transaction to the next. Without settings, as for an anonymous
visitor or SQL written past the application, the policies admit no row of client data.

The policies bind only roles that are neither superuser nor ``BYPASSRLS``: the application
connects as such a role in production (README, "PostgreSQL"); the schema's owner, which runs
the migrations and backups, bypasses them. SQLite has no row-level security and keeps the
ORM rule alone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..transactions import forget_when_transaction_ends
from .scopes import current_scope

# What the transaction of a connection was last told, in ``connection.info``.
_SET = "lotse_rls_settings"
# No settings at all: what a transaction starts with, and what admits nothing.
NOTHING = ("", "", "", "")
SETTINGS_SQL = (
    "SELECT set_config('lotse.authority_id', %s, true), set_config('lotse.role', %s, true),"
    " set_config('lotse.today', %s, true), set_config('lotse.unscoped', %s, true)"
)


def settings_of(scope) -> tuple[str, str, str, str]:
    """``(authority_id, role, today, unscoped reason)`` of ``scope``, as the policies read them."""
    if scope is None:
        return NOTHING
    today = date.today().isoformat()
    if scope.unrestricted:
        return ("", "", today, scope.reason or "unscoped")
    if scope.authority_id is None:
        return NOTHING
    return (str(scope.authority_id), scope.role or "", today, "")


@event.listens_for(Engine, "before_cursor_execute")
def _publish_scope(conn, cursor, statement, parameters, context, executemany):
    if conn.dialect.name != "postgresql":
        return
    # Without loading the user: the user's own statement runs on tables without policies.
    wanted = settings_of(current_scope(load_user=False))
    if conn.info.get(_SET, NOTHING) == wanted:
        return
    # On a cursor of its own, so the statement's cursor and its results stay untouched; the
    # settings join the transaction the statement runs in (psycopg begins it here if the
    # statement would have).
    with conn.connection.dbapi_connection.cursor() as own:
        own.execute(SETTINGS_SQL, wanted)
    conn.info[_SET] = wanted


# Settings are transaction-local: what this module knows of them ends with the transaction
# (a savepoint rolled back may have undone settings made inside it).
forget_when_transaction_ends(_SET, savepoints=True)
