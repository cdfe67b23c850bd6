"""The run of a bulk load: batches built (ahead, where possible), written and committed."""

from __future__ import annotations

import contextlib
import math
from collections import Counter
from collections.abc import Callable, Iterator

from models import db
from models.types import utcnow

from .aside import write_in_one_transaction
from .batch import Batch
from .keys import Keys, LocalKeys
from .processes import ahead, ahead_mode, in_processes
from .tables import Tables
from .writer import Writer


def load(
    tables: Tables,
    count: int,
    build: Callable[[int, Batch], None],
    *,
    batch_size: int,
    ahead_in: str | None = None,
    bulk: bool = False,
    written: Callable[[Counter], None] | None = None,
) -> None:
    """Build and write ``count`` items, ``batch_size`` to a batch: ``build(position, batch)``
    adds the rows of the item at ``position`` (0 to ``count - 1``, in this order) to
    ``batch``. ``written`` is called with each batch's ``tally`` once it is written.

    ``ahead_in`` (``processes.ahead_mode``) says where the batches are built while one is
    written: forked processes, a helper thread, or ``"off"``; a single batch is built in
    place. Neither it nor ``batch_size`` changes the rows, so ``build`` must draw nothing
    from state shared between items.

    Transactions: with ``bulk``, the whole load is one transaction (committed here, with
    what the caller has pending), with the indexes (and on PostgreSQL the foreign keys) set
    aside meanwhile (``aside.write_in_one_transaction``); otherwise each batch is committed,
    so a failure keeps the batches before. Either way a batch is dropped once written."""
    mode = ahead_mode(ahead_in)
    engine = db.session.get_bind()
    keys = Keys(engine, tables.keyed)
    keys.catch_up()
    writer = Writer(tables, engine.dialect)
    if count <= batch_size:
        mode = "off"  # one batch: nothing to overlap

    def batches(*, catch_up: bool, part=(0, 1)) -> Iterator[Batch]:
        """The batches, built one after another; with ``part`` (k, n), only every n-th from
        the k-th, with keys of their own (``LocalKeys``). Otherwise they touch the database
        only for keys (``catch_up``: SQLite, counted on from the ids written so far)."""
        mine, parts = part
        for number, start in enumerate(range(0, count, batch_size)):
            if number % parts != mine:
                continue
            if catch_up and start:
                keys.catch_up()
            batch = Batch(tables, keys if parts == 1 else LocalKeys(tables.keyed), utcnow())
            for position in range(start, min(start + batch_size, count)):
                build(position, batch)
            yield batch

    if mode == "process":
        produced = in_processes(
            lambda mine, parts: batches(catch_up=False, part=(mine, parts)),
            math.ceil(count / batch_size),
            keys,
            writer.prepare,
        )
    elif mode == "thread":
        produced = ahead(batches(catch_up=False))
    else:
        produced = batches(catch_up=True)
    if bulk:
        # One transaction, what the caller has pending included: all or nothing.
        tallies = write_in_one_transaction(produced, writer, db.session.connection())
    else:
        tallies = _write_in_session(produced, writer)
    # On failure, closing stops the generator's process or thread.
    with contextlib.closing(produced), contextlib.closing(tallies):
        for tally in tallies:
            if written:
                written(tally)
    if bulk:
        db.session.commit()
    db.session.expunge_all()  # what the caller loaded before; nothing else is held


def _write_in_session(batches: Iterator[Batch], writer: Writer):
    """Each batch in a transaction of its own: a failure keeps the batches before."""
    for batch in batches:
        writer.write(batch, db.session.connection())
        db.session.commit()
        db.session.expunge_all()  # what the caller loaded before; nothing else is held
        yield batch.tally
        del batch  # bounded memory: a batch is dropped once written
