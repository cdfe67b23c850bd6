"""Client and case numbers: ``<prefix>-<year>-<n>``, unique per authority under concurrency.

The counter row is incremented with a single ``UPDATE ... RETURNING`` inside the caller's
transaction. On PostgreSQL that row lock serialises two simultaneous creations in the same
authority until the first commits; SQLite serialises all writers anyway. Numbers of a
rolled-back transaction are handed out again, so there are no gaps.
"""

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from models import Authority, NumberSequence, db

KINDS = {"client": "{prefix}-{year}-{n:05d}", "case": "{prefix}-F-{year}-{n:05d}"}


def _next_value(authority_id: int, kind: str, year: int) -> int:
    bump = (
        update(NumberSequence)
        .where(
            NumberSequence.authority_id == authority_id,
            NumberSequence.kind == kind,
            NumberSequence.year == year,
        )
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    )
    value = db.session.execute(bump).scalar_one_or_none()
    if value is not None:
        return value
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(NumberSequence)
        .values(authority_id=authority_id, kind=kind, year=year, last_value=0)
        .on_conflict_do_nothing()
    )
    return db.session.execute(bump).scalar_one()


def next_number(authority_id: int, kind: str, on: date | None = None) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown number kind {kind!r}")
    year = (on or date.today()).year
    # The new row that asks for a number may already be in the session, still without one.
    with db.session.no_autoflush:
        prefix = db.session.execute(
            select(Authority.case_number_prefix).where(Authority.id == authority_id)
        ).scalar_one()
        value = _next_value(authority_id, kind, year)
    return KINDS[kind].format(prefix=prefix, year=year, n=value)
