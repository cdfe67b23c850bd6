"""Small questions about ownership that views and services ask the rule instead of
comparing authorities by hand (docs/design.md §4)."""

from __future__ import annotations

from sqlalchemy import and_

from .rule import STEERING_READERS
from .scopes import current_scope


def reads_every_authoritys_issues() -> bool:
    """Whether the current scope reads the structural issues of every authority (the
    ``steering`` rule), so that figures about them can say whose they are."""
    scope = current_scope()
    return scope is not None and (scope.unrestricted or scope.role in STEERING_READERS)


def is_own(row) -> bool:
    """Whether the current scope's authority owns ``row``.

    For what a rule lets other authorities read but only the owner change or hand out:
    structural issues (read by every team lead, changed by the reporting authority) and a
    client's subject access export (only the owning authority answers it).
    """
    scope = current_scope()
    if scope is None:
        return False
    return scope.unrestricted or (
        scope.authority_id is not None and row.authority_id == scope.authority_id
    )


def owned_by(authority_id: int, *classes):
    """The rows of ``classes`` that ``authority_id`` owns: the own part of the rule.

    For pages that list only the own authority's work (the follow-ups), so that each
    class's authority-led index can lead the plan. The rule itself still applies on top.
    """
    return and_(*(cls.authority_id == authority_id for cls in classes))
