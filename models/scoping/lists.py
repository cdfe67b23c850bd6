"""List pages at region scale: counting and paging the rows the rule admits in two
disjoint parts, each served by the authority-led indexes (docs/access-at-scale.md)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal_column, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators

from .rule import (
    OWN,
    OWN_PART,
    RULES,
    SHARED_PART,
    STEERING,
    _dialect,
    _dialect_of,
    _part_condition,
)
from .scopes import current_scope


def _parts(model, statement):
    """``statement`` narrowed to the own and to the shared part of ``model``'s rule, or None
    when the current scope gives ``model`` no shared part (then the rule is one condition
    that the indexes serve as it is)."""
    scope = current_scope()
    if (
        model not in RULES
        or scope is None
        or scope.unrestricted
        or not scope.sees_client_data
        or RULES[model] in (OWN, STEERING)
    ):
        return None
    today, rule = date.today(), RULES[model]
    return tuple(
        statement.where(_part_condition(model, rule, scope, today, part, _dialect.get()))
        for part in (OWN_PART, SHARED_PART)
    )


def visible_count(session: Session, statement, model, limit: int | None = None) -> int:
    """How many rows of ``model`` the ``statement`` finds under the current scope.

    ``statement`` selects from ``model`` (with any joins and filters); its columns do not
    matter. The own authority's rows and the shared rows of other authorities are disjoint,
    so they are counted apart and added, in one statement: the own part is a plain
    ``authority_id = :a`` count that the authority-led indexes answer without reading the
    table, where one count of ``authority_id = :a OR id IN (shares)`` must visit every row
    it counts.

    With ``limit``, each part stops counting past ``limit`` rows, so a result above
    ``limit`` means "more than ``limit``" and costs no more than ``limit`` index entries.
    """

    def counted(rows):
        if limit is not None:
            rows = rows.limit(limit + 1)
        return select(func.count()).select_from(rows.subquery()).scalar_subquery()

    rows = statement.with_only_columns(literal_column("1"), maintain_column_froms=True)
    with _dialect_of(session):
        parts = _parts(model, rows)
        if parts is None:
            return session.execute(select(counted(rows))).scalar_one()
        own, shared = parts
        total = select(counted(own) + counted(shared))
    # Each part names its half of ``model``'s rule itself, so the hook leaves ``model`` to
    # them and scopes every other class as usual.
    return session.execute(total.execution_options(lotse_scoped_by_hand=model)).scalar_one()


def visible_page(session: Session, ordered, model, offset: int, limit: int):
    """A condition that admits the rows ``offset`` to ``offset + limit`` of ``ordered``
    (a statement of ``model`` with its joins, filters and ORDER BY) under the current
    scope, and the execution options a statement using it needs; None if ``model``'s rule
    is one condition that the indexes serve as it is.

    The visible rows up to ``offset + limit`` are among as many own rows and as many
    shared rows, and each part is read in order from an authority-led index
    (``authority_id, opened_on``, say). The page is picked from those few ids, so the
    statement that loads the page reads ``limit`` rows, instead of walking a sort index of
    the whole table and filtering by authority (``authority_id = :a OR id IN (shares)``
    cannot use the authority-led indexes for the order).
    """
    keys = []
    for clause in ordered._order_by_clauses:
        descending = getattr(clause, "modifier", None) is operators.desc_op
        keys.append((getattr(clause, "element", clause), descending))
    columns = [model.id.label("id"), *(key.label(f"k{i}") for i, (key, _d) in enumerate(keys))]
    ranked = ordered.with_only_columns(*columns, maintain_column_froms=True).order_by(None)
    ranked = ranked.order_by(*(key.desc() if d else key.asc() for key, d in keys))
    with _dialect_of(session):
        parts = _parts(model, ranked)
    if parts is None:
        return None
    candidates = union_all(
        *(select(part.limit(offset + limit).subquery()) for part in parts)
    ).subquery()
    page = (
        select(candidates.c.id)
        .order_by(
            *(
                candidates.c[f"k{i}"].desc() if d else candidates.c[f"k{i}"].asc()
                for i, (_key, d) in enumerate(keys)
            )
        )
        .offset(offset)
        .limit(limit)
    )
    return model.id.in_(page), {"lotse_scoped_by_hand": model}
