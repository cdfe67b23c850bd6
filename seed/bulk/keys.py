"""Primary keys for the rows of a bulk load, handed out before the rows are written."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from sqlalchemy import text

from models import db


class Keys:
    """Primary keys handed out by the loader, so that parts can name their parents without
    a round trip per row.

    PostgreSQL: drawn in blocks from each table's own sequence (``nextval``, on a connection
    of their own, so batches can be built in a helper thread): they never collide with rows
    the application inserts meanwhile, and the sequence stays ahead of them. SQLite: counted
    on from the largest id, read at the start (and before each batch if none is generated
    ahead). The loader is meant to be the only writer there (the development database); a
    row written meanwhile at worst makes a batch fail on its primary key, it never mixes up
    rows."""

    FIRST_BLOCK, LARGEST_BLOCK = 64, 16384

    def __init__(self, engine, keyed: tuple[str, ...]):
        self.engine = engine
        self.keyed = keyed
        self.sequences = engine.dialect.name == "postgresql"
        self._free: dict[str, Iterator[int]] = {name: iter(()) for name in keyed}
        self._block = dict.fromkeys(keyed, self.FIRST_BLOCK // 2)
        if self.sequences:
            # Named once, here: ``nextval`` on the sequence itself then needs no lock on its
            # table (which a bulk load holds exclusively, see ``aside.write_in_one_transaction``).
            with engine.connect() as conn:
                self._sequence = {
                    name: conn.execute(
                        text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{name}"'}
                    ).scalar_one()
                    for name in keyed
                }

    def catch_up(self) -> None:
        """SQLite: continue after the largest id of each table."""
        if self.sequences:
            return
        for name in self.keyed:
            largest = db.session.execute(text(f'SELECT max(id) FROM "{name}"')).scalar()  # noqa: S608 (names from metadata)
            self._free[name] = itertools.count((largest or 0) + 1)

    def next(self, name: str) -> int:
        try:
            return next(self._free[name])
        except StopIteration:  # PostgreSQL only: the block is used up
            self._free[name] = iter(self._reserve(name))
            return next(self._free[name])

    def take(self, name: str, count: int):
        """``count`` keys of a table at once, in order (SQLite: a ``range``)."""
        if count == 0:
            return ()
        if self.sequences:
            return [self.next(name) for _ in range(count)]
        first = next(self._free[name])
        self._free[name] = itertools.count(first + count)
        return range(first, first + count)

    def _reserve(self, name: str) -> list[int]:
        # Blocks grow with use, so a small demo leaves only a small gap in the sequence.
        size = self._block[name] = min(self.LARGEST_BLOCK, 2 * self._block[name])
        with self.engine.connect() as conn:
            keys = (
                conn.execute(
                    text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                    {"s": self._sequence[name], "n": size},
                )
                .scalars()
                .all()
            )
            conn.commit()
        return keys


class LocalKeys:
    """The keys of one batch built in a generator process (``processes.in_processes``):
    counted from 1 per table, then replaced by the writer's keys (``Batch.rekey``) once the
    batches before have theirs."""

    def __init__(self, keyed: tuple[str, ...]):
        self._last = dict.fromkeys(keyed, 0)

    def next(self, name: str) -> int:
        self._last[name] += 1
        return self._last[name]
