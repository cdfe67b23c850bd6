"""What a bulk load writes: its tables, parents before their parts, and how they refer to
each other."""

from __future__ import annotations

from sqlalchemy import Table


class BulkLoadError(Exception):
    """The load cannot go on; the message is German and nothing of it was kept."""


class Tables:
    """The tables of a load in the order of the inserts (parents first).

    ``keyed``: the tables with an ``id`` of their own (the others are association tables).
    ``references``: per table, the columns that name a row of another written table by its
    ``id``. Such a row is always one of the same batch (batches are independent), so a batch
    built with keys of its own can take the writer's keys afterwards (``Batch.rekey``).
    """

    def __init__(self, tables: tuple[Table, ...]):
        self.tables = tables
        self.names = tuple(t.name for t in tables)
        self.keyed = tuple(t.name for t in tables if "id" in t.c)
        self.references: dict[str, tuple[tuple[str, str], ...]] = {
            t.name: tuple(
                sorted(
                    {
                        (fk.parent.key, fk.column.table.name)
                        for fk in t.foreign_keys
                        if fk.column.table.name in self.keyed and fk.column.key == "id"
                    }
                )
            )
            for t in tables
        }

    def __iter__(self):
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)


def defaults(table: Table) -> dict:
    """A row of ``table`` with every column (a bulk insert needs the same keys in each row)."""
    row = {}
    for column in table.columns:
        default = column.default
        row[column.key] = default.arg if default is not None and default.is_scalar else None
    return row
