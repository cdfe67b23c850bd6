"""Ticking checklist items of a case, with who and when (docs/design.md §5)."""

from models import CaseChecklistItem
from models.types import utcnow


def tick(item: CaseChecklistItem, user_id: int, done: bool, note: str | None = None):
    """Mark ``item`` done (or open again); a note may be kept either way."""
    if done and item.done_at is None:
        item.done_at = utcnow()
        item.done_by_id = user_id
    elif not done:
        item.done_at = None
        item.done_by_id = None
    if note is not None:
        item.note = note.strip() or None
    return item


def progress(items) -> tuple[int, int]:
    """(done, total) of a case's checklist items."""
    items = list(items)
    return sum(1 for i in items if i.done_at is not None), len(items)
