"""Small SQL constructs shared by the data layer and the views."""

from sqlalchemy import Column, ForeignKey, Index, Table, any_, func, text
from sqlalchemy.orm import mapped_column

from .db import db


def one_of(column, subquery, dialect: str | None):
    """``column IN (subquery)``, written so that an index on ``column`` can answer it.

    On PostgreSQL it is ``column = ANY(ARRAY(subquery))``: the subquery becomes an InitPlan
    computed once, and its array is looked up in the column's index. Inside an ``OR``
    (``authority_id = :a OR id IN (shares)``) this lets the planner combine two indexes (a
    BitmapOr), where ``IN (subquery)`` is a hashed filter applied to every row of the table,
    a sequential scan at region scale. Meant for subqueries that yield few values.
    """
    if dialect == "postgresql":
        return column == any_(func.array(subquery.scalar_subquery()))
    return column.in_(subquery)


def trigram_index(table: str, column: str) -> Index:
    """A PostgreSQL ``pg_trgm`` GIN index on ``column``, which serves ``ILIKE '%term%'``.

    Created by migration 0003 on PostgreSQL only; SQLite searches the embedded scale with
    ``LIKE``. ``info["dialect"]`` tells the schema comparison where the index exists.
    """
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        info={"dialect": "postgresql"},
    ).ddl_if(dialect="postgresql")


def exists_in(dialect: str):
    """An Alembic ``include_object`` that leaves out objects of another dialect."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        wanted = getattr(obj, "info", {}).get("dialect")
        return wanted is None or wanted == dialect

    return include


def covering_index(name: str, *columns: str, include=(), where: str | None = None) -> Index:
    """A B-tree index on ``columns`` that also holds ``include`` (PostgreSQL's ``INCLUDE``,
    for index-only scans; SQLite keeps the key columns) and, with ``where``, only the rows
    that match it, on both databases."""
    options = {}
    if include:
        options["postgresql_include"] = list(include)
    if where is not None:
        options["postgresql_where"] = text(where)
        options["sqlite_where"] = text(where)
    return Index(name, *columns, **options)


# The rows the steering figures count: those not archived.
LIVE = "archived_at IS NULL"


def authority_index(table: str, name: str, *columns: str) -> Index:
    """``ix_<table>_authority_<name>`` on the authority and ``columns``: one authority's
    rows, filtered or sorted on them."""
    return Index(f"ix_{table}_authority_{name}", "authority_id", *columns)


def figures_index(
    table: str, *columns: str, name: str | None = None, include=(), where: str | None = LIVE
) -> Index:
    """``ix_<table>_figures[_<name>]``: a covering index for the steering figures (migration
    0004), led by the authority; of the live rows only unless ``where`` says otherwise."""
    suffix = f"_{name}" if name else ""
    return covering_index(
        f"ix_{table}_figures{suffix}", "authority_id", *columns, include=include, where=where
    )


def link_table(owner: str, other: str) -> Table:
    """The association table ``<owner>_<other>`` linking rows of two tables by their ids.

    Deleting an ``owner`` row deletes its links; an ``other`` row cannot be deleted while a
    link names it. The primary key leads with ``owner_id``; ``other_id`` has an index of
    its own for the way back.
    """
    return Table(
        f"{owner}_{other}",
        db.metadata,
        Column(f"{owner}_id", ForeignKey(f"{owner}.id", ondelete="CASCADE"), primary_key=True),
        Column(
            f"{other}_id",
            ForeignKey(f"{other}.id", ondelete="RESTRICT"),
            primary_key=True,
            index=True,
        ),
    )


def reference_column(table: str, **options):
    """A column naming a row of ``table`` by its id: indexed for the way back, and that row
    cannot be deleted while named. Nullable as its annotation says (``Mapped[int | None]``).
    """
    return mapped_column(ForeignKey(f"{table}.id", ondelete="RESTRICT"), index=True, **options)
