"""Whose rows the figures read: one authority's, or inside ``anonymised()`` every
authority's (the named context ``models.scoping.anonymised_figures``)."""

from __future__ import annotations

from sqlalchemy import and_, select, text, true

from models import Authority, db
from models.scoping import (
    ReadOnlyViolation,
    ScopeError,
    anonymised_figures,
    owned_by,
    reading_anonymised_figures,
)


def anonymised():
    """Read every authority's rows for aggregate figures, and nothing else: the named,
    read-only context ``models.scoping.anonymised_figures``. Only the functions of this
    package read inside it, and they return aggregates."""
    return anonymised_figures(db.session)


def prepare() -> None:
    """Call once per page, before its figures: settings for the figures' transaction.

    On PostgreSQL, JIT compilation is switched off for this transaction (``SET LOCAL``).
    The authority rule adds its criteria to every scoped table of a statement, so the
    figures' statements are large expression trees; past ``jit_above_cost`` PostgreSQL
    compiles them (over 1,500 functions for the follow-up counts), which took seconds
    where the query itself takes milliseconds.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _owned_by(part, authority_id: int | None):
    """The rows of ``part`` (a class or an alias) that ``authority_id`` owns
    (``models.scoping.owned_by``); all authorities only inside ``anonymised()``."""
    if authority_id is not None:
        return owned_by(authority_id, part)
    if not reading_anonymised_figures():
        raise ScopeError("figures across authorities are read only inside anonymised()")
    return true()


def _per_authority(part, authority_id: int | None):
    """``_owned_by(part, authority_id)``, for a statement that reads a range of an
    authority-led index, such as ``(authority_id, status, due_on)``.

    For one authority that is the plain ``column = :authority``. For the totals across
    authorities on PostgreSQL it adds ``column IN (every authority's id)``, which changes
    no result (every row belongs to an authority) but lets the same index serve the
    totals: PostgreSQL 15 cannot skip over an index's leading column, so without it a
    total reads the whole index (or table), with it one short range per authority, the
    rows it counts and no others. Not for indexes whose second column is no range
    (``(authority_id, case_id)``, read whole for a merge join): there the list only costs.
    Nor for the side of a join that is hashed: a scan with the list is not parallel-aware,
    so each parallel worker would build the whole hash again (seen in EXPLAIN).
    """
    condition = _owned_by(part, authority_id)
    if authority_id is not None or db.session.get_bind().dialect.name != "postgresql":
        return condition
    return and_(condition, part.authority_id.in_(_authority_ids()))


def _authority_ids() -> list[int]:
    """Every authority's id; read once per session, that is per request or background
    computation (reference data, not scoped)."""
    info = db.session.info
    if "lotse_statistics_authorities" not in info:
        info["lotse_statistics_authorities"] = list(
            db.session.execute(select(Authority.id).order_by(Authority.id)).scalars()
        )
    return info["lotse_statistics_authorities"]


__all__ = ["ReadOnlyViolation", "anonymised", "prepare"]
