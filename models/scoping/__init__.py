"""The authority rule of docs/design.md §4, in one place: this package.

Every ORM read of a session runs through ``rule._add_authority_criteria``, which adds
``with_loader_criteria`` for the classes that hold client data. That scopes lists, counts,
``session.get``, lazy loads, relationship dropdowns, ajax lookups and exports alike, so the
views never filter by authority themselves.

Every flush runs through ``guard._guard_writes``, which gives new rows their authority (from
their client or case, or from the user) and refuses to move a row to another authority or to
write a row of another authority.

Which scope applies (``scopes``):

* inside a request, the logged-in user's (anonymous visitors see no scoped row);
* outside a request (CLI, seeding, tests), only an explicit ``as_user(user)`` or
  ``unscoped("reason")`` context. Reading scoped data with neither raises ``ScopeError``:
  there is no silent bypass.
* for the anonymised figures across authorities, the read-only ``anonymised_figures()``.

The modules, one concern each: ``scopes`` (the scopes and their named contexts), ``rule``
(``RULES``, share validity, the criteria and the ORM hook), ``guard`` (the flush guard),
``lists`` (counting and paging list pages, ``visible_count`` and ``visible_page``) and
``ownership`` (``owned_by``, ``is_own``, ``reads_every_authoritys_issues``) and ``database``
(the second line: the settings PostgreSQL's row-level security policies read, per
transaction). Import their names from here.
"""

# Importing ``guard`` and ``rule`` registers their session hooks; each module imports the
# scopes first, so the read-only guards of ``anonymised_figures()`` come before the rule's.
from . import database  # noqa: F401  (publishes the scope to PostgreSQL's policies)
from .guard import ScopeViolation
from .lists import visible_count, visible_page
from .ownership import is_own, owned_by, reads_every_authoritys_issues
from .rule import (
    ALL,
    OWN,
    OWN_OR_SHARED_CASE,
    OWN_OR_SHARED_CLIENT,
    OWN_PART,
    RULES,
    SHARED_CASE,
    SHARED_CASE_NOT_CONFIDENTIAL,
    SHARED_PART,
    STEERING,
    STEERING_READERS,
    scoped_tables,
)
from .scopes import (
    ANONYMISED_FIGURES,
    ANONYMOUS,
    ROLES_WITHOUT_CLIENT_DATA,
    ReadOnlyViolation,
    Scope,
    ScopeError,
    anonymised_figures,
    as_user,
    bind_request_scope,
    current_scope,
    reading_anonymised_figures,
    scope_for_user,
    unscoped,
)

__all__ = [
    "ALL",
    "ANONYMISED_FIGURES",
    "ANONYMOUS",
    "OWN",
    "OWN_OR_SHARED_CASE",
    "OWN_OR_SHARED_CLIENT",
    "OWN_PART",
    "ROLES_WITHOUT_CLIENT_DATA",
    "RULES",
    "SHARED_CASE",
    "SHARED_CASE_NOT_CONFIDENTIAL",
    "SHARED_PART",
    "STEERING",
    "STEERING_READERS",
    "ReadOnlyViolation",
    "Scope",
    "ScopeError",
    "ScopeViolation",
    "anonymised_figures",
    "as_user",
    "bind_request_scope",
    "current_scope",
    "is_own",
    "owned_by",
    "reading_anonymised_figures",
    "reads_every_authoritys_issues",
    "scope_for_user",
    "scoped_tables",
    "unscoped",
    "visible_count",
    "visible_page",
]
