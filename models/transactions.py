"""How a request's transaction ends on PostgreSQL: COMMIT where it wrote nothing.

psycopg forgets every prepared statement of a connection when the connection rolls back
(objects created in the transaction may be gone). Flask-SQLAlchemy ends each request by
closing its session, which rolls the open transaction back, so without this no statement
would stay prepared from one request to the next, and PostgreSQL would plan the authority
rule's long list statements anew for every page (docs/access-at-scale.md). A transaction
that ran nothing but SELECTs and holds no pending change ends the same way committed or
rolled back; such a transaction is committed instead. Anything else, and every request that
ended in an error, is rolled back as before.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from .db import db

_WROTE = "lotse_transaction_wrote"


def _reads_only(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    if not _reads_only(statement):
        conn.info[_WROTE] = True


def forget_when_transaction_ends(key: str, *, savepoints: bool = False) -> None:
    """Drop ``connection.info[key]`` whenever the connection's transaction ends: committed,
    rolled back, or reset by the pool as it takes the connection back; with ``savepoints``
    also when a savepoint is rolled back."""

    @event.listens_for(Engine, "commit")
    @event.listens_for(Engine, "rollback")
    def _ended(conn):
        # An invalidated connection (the server went away) has no info to forget: asking for
        # it would raise instead of letting the rollback finish; the pool clears the info of
        # the connection it opens in its place.
        if not conn.invalidated:
            conn.info.pop(key, None)

    if savepoints:

        @event.listens_for(Engine, "rollback_savepoint")
        def _savepoint_undone(conn, name, context):
            if not conn.invalidated:
                conn.info.pop(key, None)

    @event.listens_for(Pool, "reset")
    def _reset(dbapi_connection, connection_record, reset_state):
        connection_record.info.pop(key, None)

    @event.listens_for(Pool, "checkin")
    def _returned(dbapi_connection, connection_record):
        if connection_record is not None:
            connection_record.info.pop(key, None)


forget_when_transaction_ends(_WROTE)


def init_app(app) -> None:
    """Register the request end; after ``db.init_app``, so it runs before the session is
    removed (Flask runs the app context's teardown functions in reverse order)."""

    @app.teardown_appcontext
    def _commit_read_only_transaction(exc):
        session = db.session()  # the request's session, not the scoped proxy
        if exc is not None or not session.in_transaction():
            return
        if session.new or session.dirty or session.deleted:
            return
        if db.engine.dialect.name != "postgresql":
            return
        if session.connection().info.get(_WROTE):
            return
        # Nothing was written, so what is loaded is what the database holds: committing
        # must not expire it (objects still in use once the context ends stay readable,
        # as they would after the rollback of the session's removal).
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        except Exception:  # noqa: BLE001 - the session's removal rolls back, as it would have
            logging.getLogger(__name__).warning("a read-only transaction failed", exc_info=True)
        finally:
            session.expire_on_commit = expire
