"""A bulk loader: many rows of related tables, built as plain dicts and written in bulk.

The caller (the demo data, ``seed.demo``) names the tables (``Tables``, parents first) and
adds the rows of each item to a ``Batch``; ``load`` does the rest:

- Keys (``keys``): primary keys are handed out before the rows are written, so that parts
  name their parents without a round trip per row (PostgreSQL: blocks of each table's own
  sequence; SQLite: counted on from the largest id).
- Numbers (``Batch.number``): client and case numbers come from the application's counters,
  ``services.numbering.reserve_numbers``, one call per authority, kind and year for a whole
  batch, so later ``services.numbering.next_number`` calls continue after them without a gap.
- Writing (``writer``): one bulk statement per table and batch (``COPY`` on PostgreSQL, the
  driver's ``executemany`` on SQLite), skipping SQLAlchemy's per-row work.
- Ahead (``processes``): the next batches are built in two forked processes side by side
  while this one writes, each with keys of its own that take the writer's keys, in the order
  of the batches, before they are sent; elsewhere a helper thread builds the next batch.
- Large loads (``aside``): one transaction, with the secondary indexes of the written
  tables, and on PostgreSQL their foreign keys, built again at its end; smaller ones commit
  each batch. Either way a batch is dropped once written: memory stays bounded.

Audit: these Core inserts bypass the ORM flush, and with it the audit trail of
``models.auditing`` (one ``audit_event`` row per created row); the loader is for synthetic
data, where that would double the rows written and record nothing anyone did.
"""

from .batch import Batch
from .load import load
from .processes import AHEAD_MODES, GENERATORS, ahead_mode
from .progress import terminal_progress
from .tables import BulkLoadError, Tables

__all__ = [
    "AHEAD_MODES",
    "GENERATORS",
    "Batch",
    "BulkLoadError",
    "Tables",
    "ahead_mode",
    "load",
    "terminal_progress",
]
