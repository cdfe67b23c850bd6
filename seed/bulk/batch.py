"""One batch of a bulk load: its rows as plain dicts per table, until they are written."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import Table

from services.numbering import format_number, reserve_numbers

from .tables import Tables, defaults


class Batch:
    """The rows of one batch, as dicts per table, with the client and case numbers still to
    assign and a ``tally`` of what the batch holds (the caller's counts, e.g. cases by
    status)."""

    def __init__(self, tables: Tables, keys, now: datetime):
        self.tables = tables
        self.keys = keys
        self.now = now
        self.rows: dict[str, list[dict]] = {name: [] for name in tables.names}
        self.numbered: list[tuple[dict, int, str, int]] = []  # in the order of creation
        self.templates = {table.name: defaults(table) for table in tables if "id" in table.c}
        self.owned: dict = {}
        self.tally: Counter = Counter()
        self.prepared = False  # values converted for the driver (``Writer.prepare``)

    def key_counts(self) -> dict[str, int]:
        return {name: len(self.rows[name]) for name in self.tables.keyed}

    def rekey(self, keys: dict) -> None:
        """Replace the batch's own keys (``LocalKeys``: 1, 2, ... per table) by ``keys``
        (per table, a sequence indexed by the own key less one), references included."""
        for table in self.tables:
            own = keys.get(table.name)
            references = [
                (column, keys[target]) for column, target in self.tables.references[table.name]
            ]
            for row in self.rows[table.name]:
                if own is not None:
                    row["id"] = own[row["id"] - 1]
                for column, target in references:
                    value = row[column]
                    if value is not None:
                        row[column] = target[value - 1]

    # A batch built in a generator process travels to the writer by pickle: its rows, the
    # numbers still to assign (they name rows of the same pickle, so they stay the same dicts)
    # and its tally; the keys and row templates stay behind.
    _TRAVELS = ("rows", "numbered", "tally", "prepared")

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self._TRAVELS}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def own(self, **values) -> None:
        """Values every row added from now on carries (e.g. its authority and author)."""
        self.owned = values

    def add(self, name: str, **values) -> dict:
        row = {**self.templates[name], **self.owned, "id": self.keys.next(name), **values}
        self.rows[name].append(row)
        return row

    def link(self, table: Table, **values) -> None:
        self.rows[table.name].append(values)

    def number(self, row: dict, kind: str, on: date) -> None:
        """Number ``row`` (a client or case) as ``services.numbering`` does, when written:
        the counter of its authority, ``kind`` and the year of ``on``."""
        self.numbered.append((row, row["authority_id"], kind, on.year))

    def assign_numbers(self, conn, prefixes: dict[int, str]) -> None:
        """Reserve the batch's client and case numbers on ``conn`` and fill them in: one
        ``services.numbering.reserve_numbers`` per authority, kind and year."""
        counts = Counter((authority, kind, year) for _, authority, kind, year in self.numbered)
        # Counters in a fixed order (clients before cases, as the application takes them),
        # so that a concurrent registration cannot deadlock with the batch on PostgreSQL.
        following = {
            key: reserve_numbers(conn, *key, counts[key])
            for key in sorted(counts, key=lambda k: (k[0], k[1] != "client", k[2]))
        }
        for row, authority, kind, year in self.numbered:
            n = following[authority, kind, year]
            following[authority, kind, year] = n + 1
            row["number"] = format_number(kind, prefixes[authority], year, n)
        self.numbered = []
