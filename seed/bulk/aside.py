"""Large loads in one transaction, with indexes (and on PostgreSQL foreign keys) set aside
meanwhile and built again at its end."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from .batch import Batch
from .tables import BulkLoadError, Tables
from .writer import SQLITE_CACHE_KIB, Writer, sqlite_settings


def _catalog(conn, tables: Tables, query: str) -> list[tuple]:
    """PostgreSQL: the rows of a catalog ``query`` about the written ``tables`` (``:tables``,
    an array of regclass)."""
    names = [f'"{name}"' for name in tables.names]
    return [tuple(row) for row in conn.execute(text(query), {"tables": names})]


def _foreign_keys(conn, tables: Tables) -> list[tuple]:
    """The foreign keys of the written tables, as (table, name, definition), definitions
    as ``pg_get_constraintdef`` gives them back."""
    return _catalog(
        conn,
        tables,
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.contype = 'f' "
        "AND c.conrelid = ANY(CAST(:tables AS regclass[])) ORDER BY c.conname",
    )


def _postgres_indexes(conn, tables: Tables) -> list[tuple]:
    """The secondary indexes of the written tables (not unique, not a key), as (name,
    ``CREATE INDEX`` statement)."""
    return _catalog(
        conn,
        tables,
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i WHERE NOT i.indisunique AND NOT i.indisprimary "
        "AND i.indrelid = ANY(CAST(:tables AS regclass[])) ORDER BY 1",
    )


def _sqlite_indexes(driver, tables: Tables) -> list[tuple[str, str]]:
    """SQLite: the indexes of the written ``tables`` that no constraint needs (not unique,
    not a key), as (name, ``CREATE INDEX`` statement)."""
    marks = ", ".join("?" * len(tables))
    query = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608 (placeholders only)
        f"AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN ({marks}) ORDER BY name"
    )
    return driver.execute(query, list(tables.names)).fetchall()


def write_in_one_transaction(batches: Iterator[Batch], writer: Writer, conn):
    """Large runs: every batch in the transaction of ``conn``, with what costs most per row
    set aside for the load and built again at its end, all at once, as a database's own
    restore does (PostgreSQL's "Populating a Database" advice):

    - The secondary indexes of the written tables (not the unique ones, nor keys): about
      ten per row, on SQLite a third of the writing time; ``CREATE INDEX`` sorts once.
    - PostgreSQL: also the foreign keys of the written tables. Row by row, their checks
      are most of the server's work (one query per key and row, some seven per checklist
      item) and grow slower as the tables outgrow the buffer cache: 100,000 cases took
      750 s with them. Created again, each is checked by one query over all rows. (SQLite
      checks a key by one index look-up: cheap enough to keep.)

    Nothing is committed here: the caller commits, and a failure, a bad key included,
    leaves the database as it was, indexes and keys with it. Meanwhile the written tables
    are locked for other sessions; on PostgreSQL, if another session holds a lock there, the
    run stops at once instead of waiting. Yields each batch's tally."""
    if conn.dialect.name == "postgresql":
        restore = _set_keys_aside(conn, writer.tables)
    elif conn.dialect.name == "sqlite":
        restore = _set_indexes_aside(conn, writer.tables)
    else:
        restore = None
    for batch in batches:
        writer.write(batch, conn)
        yield batch.tally
        del batch
    if restore:
        restore()


def _set_keys_aside(conn, tables: Tables) -> Callable[[], None]:
    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
    try:
        keys = _foreign_keys(conn, tables)
        for table, name, _definition in keys:
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        indexes = _postgres_indexes(conn, tables)
        for name, _definition in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise BulkLoadError(
                "Die Falltabellen sind gerade in Benutzung (offene Transaktionen anderer "
                "Verbindungen). Bitte später erneut versuchen; es wurde nichts geändert."
            ) from exc
        raise
    conn.execute(text("SET LOCAL lock_timeout = DEFAULT"))

    def restore() -> None:
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # for the sorts
        for _name, definition in indexes:
            conn.execute(text(definition))
        conn.execute(text("SET LOCAL work_mem = '64MB'"))  # for the checks' hash joins
        for table, name, definition in keys:
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        # Fresh statistics, so the first queries on the new rows are planned for their size.
        conn.execute(text("ANALYZE " + ", ".join(f'"{name}"' for name in tables.names)))

    return restore


def _set_indexes_aside(conn, tables: Tables) -> Callable[[], None]:
    driver = conn.connection.driver_connection
    if not driver.in_transaction:
        # The driver starts a transaction only before a write; DDL would commit on its own.
        driver.execute("BEGIN")
    indexes = _sqlite_indexes(driver, tables)
    for name, _sql in indexes:
        driver.execute(f'DROP INDEX "{name}"')

    def restore() -> None:
        # A large cache and helper threads for the sorts.
        with sqlite_settings(driver, cache_size=-SQLITE_CACHE_KIB, threads=2):
            for _name, sql in indexes:
                driver.execute(sql)

    return restore
