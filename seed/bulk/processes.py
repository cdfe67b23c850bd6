"""Building the next batches while one is written: in forked processes or a helper thread."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import pickle
import queue
import sys
import threading
from collections.abc import Callable, Iterator

from .batch import Batch
from .keys import Keys
from .tables import BulkLoadError

AHEAD_MODES = ("process", "thread", "off")  # where the next batch is generated
GENERATORS = 2  # processes building batches side by side (``in_processes``)
GENERATOR_SILENCE_SECONDS = 300  # a batch takes seconds; this long without one is a hang


def in_processes(
    build: Callable[[int, int], Iterator[Batch]],
    count: int,
    keys: Keys,
    prepare: Callable[[Batch], Batch],
    processes: int = GENERATORS,
) -> Iterator[Batch]:
    """The ``count`` batches, built by ``processes`` forked processes side by side (process
    ``k`` builds every batch ``n`` with ``n % processes == k``: ``build(k, processes)``)
    while this one writes: the generator's work is pure Python, and a thread would share
    the GIL with the writer.

    A batch is built with keys of its own (``LocalKeys``); its process then tells its row
    counts, gets the writer's keys for it (taken in the order of the batches, so they are
    the keys a single generator would have used), puts them in (``Batch.rekey``), prepares
    the values (``prepare``) and sends the batch, pickled. Each process has a pipe of its
    own, read in the order of the batches, whose buffer holds it back: memory stays bounded
    (about two batches per process). An exception in a process is raised here; closing
    stops them. They inherit the generator's state and never touch the database: its
    connections stay this process's (see the garbage collector below)."""
    context = multiprocessing.get_context("fork")
    links = [context.Pipe() for _ in range(processes)]

    def produce(part: int) -> None:
        link = links[part][1]
        for number, (own, theirs) in enumerate(links):
            own.close()
            if number != part:
                theirs.close()
        try:
            for batch in build(part, processes):
                link.send_bytes(pickle.dumps(("counts", batch.key_counts())))
                batch.rekey(pickle.loads(link.recv_bytes()))  # noqa: S301 (our own parent)
                message = ("batch", prepare(batch))
                link.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
                del batch, message
        except BaseException as exc:  # handed to the parent, which raises it
            try:
                message = pickle.dumps(("error", exc))
            except Exception:  # noqa: BLE001 (an exception that does not pickle)
                message = pickle.dumps(("error", RuntimeError(repr(exc))))
            with contextlib.suppress(OSError):  # the parent is gone
                link.send_bytes(message)
        finally:
            link.close()

    workers: list = []

    def start() -> None:
        # The processes inherit this one's objects, database connections included; frozen,
        # the garbage collector there never finalises one (which would close it for us too).
        gc.collect()
        gc.freeze()
        try:
            for part in range(processes):
                worker = context.Process(
                    target=produce, args=(part,), name=f"demo-generator-{part}", daemon=True
                )
                worker.start()
                workers.append(worker)
        finally:
            gc.unfreeze()
        for _own, theirs in links:
            theirs.close()

    def receive(number: int, expected: str):
        link, worker = links[number % processes][0], workers[number % processes]
        try:
            if not link.poll(GENERATOR_SILENCE_SECONDS):
                raise BulkLoadError(
                    "Ein Prozess, der die Demodaten erzeugt, antwortet nicht mehr; der Lauf "
                    "wurde abgebrochen."
                )
            kind, value = pickle.loads(link.recv_bytes())  # noqa: S301 (our own child)
        except EOFError:
            worker.join()
            raise BulkLoadError(
                "Ein Prozess, der die Demodaten erzeugt, ist unerwartet beendet worden "
                f"(Status {worker.exitcode})."
            ) from None
        if kind == "error":
            raise value
        if kind != expected:
            raise RuntimeError(f"demo generator protocol: {kind} instead of {expected}")
        return link, value

    def hand_keys(number: int) -> None:
        link, counts = receive(number, "counts")
        taken = {name: keys.take(name, n) for name, n in counts.items()}
        link.send_bytes(pickle.dumps(taken, pickle.HIGHEST_PROTOCOL))

    try:
        start()
        if count:
            hand_keys(0)
        for number in range(count):
            if number + 1 < count:
                hand_keys(number + 1)  # the next process goes on while this batch is written
            _link, batch = receive(number, "batch")
            yield batch
            del batch
    finally:
        for link, theirs in links:
            link.close()
            theirs.close()  # closed already unless a process could not be started
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()


def ahead_mode(ahead: str | None) -> str:
    """``process`` where a fork is safe (Linux, this process has no other threads),
    else ``thread``; an explicit choice is kept."""
    if ahead is not None:
        if ahead not in AHEAD_MODES:
            raise ValueError(f"ahead must be one of {AHEAD_MODES}")
        return ahead
    forks = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    return "process" if forks and threading.active_count() == 1 else "thread"


def ahead(items: Iterator[Batch]) -> Iterator[Batch]:
    """``items``, produced one ahead in a helper thread: the next batch is generated while
    the database works on one (the SQLite library and the PostgreSQL server release the GIL
    while they do). An exception in the thread is raised here; closing stops the thread."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand(item):
                    return
            hand(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            hand(exc)

    thread = threading.Thread(target=produce, name="demo-generator", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
