"""Client and case numbers: ``<prefix>-<year>-<n>``, unique per authority under concurrency.

The counter row is incremented with a single ``UPDATE ... RETURNING`` inside the caller's
transaction. On PostgreSQL that row lock serialises two simultaneous creations in the same
authority until the first commits; SQLite serialises all writers anyway. Numbers of a
rolled-back transaction are handed out again, so there are no gaps.

``next_number`` numbers one new record; ``reserve_numbers`` moves a counter on by a whole
block at once (the bulk loader of the demo data, ``seed.bulk``), and ``next_number`` is that
with a block of one, so both hand out the same gapless sequence.
"""

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from models import Authority, NumberSequence, db

KINDS = {"client": "{prefix}-{year}-{n:05d}", "case": "{prefix}-F-{year}-{n:05d}"}


def reserve_numbers(conn, authority_id: int, kind: str, year: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive values of a counter in the transaction of ``conn`` (a
    session or a connection); returns the first. Values handed out later continue after
    them."""
    if kind not in KINDS:
        raise ValueError(f"unknown number kind {kind!r}")
    if count < 1:
        raise ValueError("count must be at least 1")
    bump = (
        update(NumberSequence)
        .where(
            NumberSequence.authority_id == authority_id,
            NumberSequence.kind == kind,
            NumberSequence.year == year,
        )
        .values(last_value=NumberSequence.last_value + count)
        .returning(NumberSequence.last_value)
    )
    last = conn.execute(bump).scalar_one_or_none()
    if last is None:
        dialect = conn.dialect if isinstance(conn, Connection) else conn.get_bind().dialect
        insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            insert(NumberSequence)
            .values(authority_id=authority_id, kind=kind, year=year, last_value=0)
            .on_conflict_do_nothing()
        )
        last = conn.execute(bump).scalar_one()
    return last - count + 1


def format_number(kind: str, prefix: str, year: int, value: int) -> str:
    """The number of ``kind`` with counter value ``value`` of an authority's ``prefix``."""
    return KINDS[kind].format(prefix=prefix, year=year, n=value)


def next_number(authority_id: int, kind: str, on: date | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown number kind {kind!r}")
    year = (on or date.today()).year
    # The new row that asks for a number may already be in the session, still without one.
    with db.session.no_autoflush:
        prefix = db.session.execute(
            select(Authority.case_number_prefix).where(Authority.id == authority_id)
        ).scalar_one()
        value = reserve_numbers(db.session, authority_id, kind, year)
    return format_number(kind, prefix, year, value)
