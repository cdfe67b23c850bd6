"""Role permissions as data: which operations each role may use on which resource.

``PERMISSIONS`` is the role matrix of docs/design.md §4. Its resources are admin endpoint
names, its operations the constants below. Views never test a role: ``LotseModelView``
(admin_views/base.py) turns the table into ``is_accessible`` and the ``can_*`` flags, and a
custom view asks ``allowed(resource, operation)``. The start-up checks
(admin_views/checks.py) refuse a table that names a resource no view serves or an operation
outside ``KNOWN_OPERATIONS``. Which *rows* a user sees is not decided here but in
``models.scoping``.
"""

from flask_login import current_user

from models import REFERENCE_MODELS

VIEW, CREATE, EDIT, ARCHIVE, EXPORT = "view", "create", "edit", "archive", "export"
DELETE = "delete"  # reference data only, and only while nothing uses it
TRANSITION, REOPEN, ASSIGN = "transition", "reopen", "assign"
# Dashboard and report: the whole own authority's figures, and anonymised totals across
# authorities (docs/design.md §4, "dashboard").
TEAM, REGION = "team", "region"

# Every operation the role table may grant; a misspelt one fails the start-up checks.
KNOWN_OPERATIONS = frozenset(
    {VIEW, CREATE, EDIT, ARCHIVE, EXPORT, DELETE, TRANSITION, REOPEN, ASSIGN, TEAM, REGION}
)

CASE_DATA = (
    "client",
    "household_member",
    "consent",
    "case",
    "need",
    "goal",
    "measure",
    "referral",
    "activity",
    "case_conference",
    "evaluation",
)
# The reference tables (their endpoints are their table names).
REFERENCE_DATA = tuple(model.__tablename__ for model in REFERENCE_MODELS)


def _grant(resources, *ops) -> dict[str, frozenset[str]]:
    return dict.fromkeys(resources, frozenset(ops))


# The role matrix of docs/design.md §4. Resources are admin endpoint names.
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    "caseworker": {
        **_grant(CASE_DATA, VIEW, CREATE, EDIT),
        "case": frozenset({VIEW, CREATE, EDIT, TRANSITION}),
        # Documents are uploaded and read, never edited; archiving is the team lead's, as
        # for every other part of a case.
        "document": frozenset({VIEW, CREATE}),
        "followups": frozenset({VIEW}),
        **_grant(REFERENCE_DATA, VIEW),
        "structural_issue": frozenset({VIEW, CREATE}),
        "dashboard": frozenset({VIEW}),
    },
    "team_lead": {
        **_grant(CASE_DATA, VIEW, CREATE, EDIT, ARCHIVE, EXPORT),
        "case": frozenset({VIEW, CREATE, EDIT, ARCHIVE, EXPORT, TRANSITION, REOPEN, ASSIGN}),
        "document": frozenset({VIEW, CREATE, ARCHIVE}),
        "followups": frozenset({VIEW}),
        **_grant(REFERENCE_DATA, VIEW),
        "case_share": frozenset({VIEW, CREATE, EDIT}),
        "structural_issue": frozenset({VIEW, CREATE, EDIT}),
        "user": frozenset({VIEW}),
        "dashboard": frozenset({VIEW, TEAM, REGION}),
        "report": frozenset({VIEW, EXPORT, REGION}),
    },
    "it_admin": {
        **_grant(REFERENCE_DATA, VIEW, CREATE, EDIT, DELETE),
        "user": frozenset({VIEW, CREATE, EDIT}),
        # Requests for the IT role: read them; confirm or reject another's (four eyes).
        "role_grant": frozenset({VIEW, EDIT}),
    },
    "auditor": {
        **_grant(REFERENCE_DATA, VIEW),
        "structural_issue": frozenset({VIEW}),
        "user": frozenset({VIEW}),
        "audit_event": frozenset({VIEW, EXPORT}),
    },
}


# Roles that must have a second factor before they reach anything, with no grace period
# (docs/design.md §9): they see a whole authority's cases, or every account.
SECOND_FACTOR_ALWAYS: frozenset[str] = frozenset({"team_lead", "it_admin"})


def second_factor_always(role: str) -> bool:
    return role in SECOND_FACTOR_ALWAYS


def operations(resource: str) -> frozenset[str]:
    """The operations the logged-in user's role may use on ``resource``; none if anonymous."""
    if not current_user.is_authenticated:
        return frozenset()
    return PERMISSIONS.get(current_user.role, {}).get(resource, frozenset())


def allowed(resource: str, operation: str) -> bool:
    return operation in operations(resource)
