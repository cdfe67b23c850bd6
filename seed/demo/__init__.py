"""The demo data set: realistic German casework, deterministic, written in bulk.

Determinism: every random choice comes from ``random.Random`` and Faker instances seeded from
the ``seed``, and every date is derived from ``reference_date`` (the day the data set
describes), never from the clock. The same seed and the same reference date give the same
clients, cases and numbers on an empty database, whatever the batch size. ``flask seed demo``
uses the fixed ``DEMO_REFERENCE_DATE`` unless told otherwise; ``flask seed first-run`` passes
today's date, so a fresh demo installation shows current follow-ups.

Each case gets its own seed, drawn up front, so one case's randomness never shifts another's.
Cases are generated in order of their opening date, with the rules the application's services
apply (``services.cases``: client and case numbers from the per-authority counters of
``services.numbering``, the general process checklist in every case, each need's checklist
copied in, from ``services.cases.checklist_copies``), under the identity of their caseworker
(``created_by_id``), and every part carries its case's authority.

The content is here (``generator``: the plan of the cases and their staff, ``clients`` and
``casework``: each case's parts; ``seed.demo_texts``: the text tables); the writing is the
bulk loader's, ``seed.bulk``: rows as plain dicts, one bulk statement per table and batch,
batches built by forked processes while this one writes, so 100,000 cases (about 4 million
rows) take two minutes or so, not an hour (``bench/demo.py``, README "Benchmarks").

Audit: the bulk loader's Core inserts bypass the ORM flush, and with it the audit trail of
``models.auditing``. That is deliberate for synthetic demo data: it would double the rows
written and record nothing anyone did. The demo caseworker accounts are still created through
the ORM and so are audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..bulk import terminal_progress
from .common import (
    BATCH_SIZE,
    BULK_CASES,
    DEFAULT_CASES,
    DEFAULT_SEED,
    DEMO_REFERENCE_DATE,
    STATES,
    TABLES,
    DemoError,
    DemoSummary,
    Plan,
)
from .generator import DemoGenerator

__all__ = [
    "BATCH_SIZE",
    "BULK_CASES",
    "DEFAULT_CASES",
    "DEFAULT_SEED",
    "DEMO_REFERENCE_DATE",
    "STATES",
    "TABLES",
    "DemoError",
    "DemoGenerator",
    "DemoSummary",
    "Plan",
    "generate_demo",
    "terminal_progress",
]


def generate_demo(
    cases: int = DEFAULT_CASES,
    seed: int = DEFAULT_SEED,
    *,
    reference_date: date = DEMO_REFERENCE_DATE,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    ahead: str | None = None,
    bulk: bool | None = None,
) -> DemoSummary:
    """Create ``cases`` demo cases.

    Needs the reference data (``flask seed reference``) and an explicit scope around it
    (``unscoped(...)``); each row is authored by its case's caseworker. ``progress`` is
    called with (cases written, cases in all) after each batch (``terminal_progress`` gives a
    progress bar).

    Transactions: a single batch is written in the caller's transaction. With more, each
    batch is committed (what the caller has pending goes with the first), so a failure keeps
    the batches before; from ``BULK_CASES`` cases (or with ``bulk=True``) the whole run is
    one transaction instead, with the secondary indexes (and on PostgreSQL the foreign keys)
    built again at its end (``seed.bulk.aside``), and the caller's pending work is
    committed with it.

    ``ahead`` says where the batches are generated while one is written: ``"process"``
    (``seed.bulk.GENERATORS`` forked processes: the default on Linux when no other thread runs),
    ``"thread"`` (a helper thread: the default elsewhere) or ``"off"``. Neither it nor
    ``batch_size`` nor ``bulk`` changes the data: the same seed gives the same rows.
    """
    if cases < 1:
        raise DemoError("Die Anzahl der Fälle muss mindestens 1 sein.")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    return DemoGenerator(cases, seed, reference_date).run(batch_size, progress, ahead, bulk)
