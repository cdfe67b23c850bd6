"""Who may be given a case, and who may give it (docs/design.md §4, "Fallzuweisung").

A case is worked by one caseworker of the owning authority: an active account whose role
works cases. Everyone may take a case themselves; giving a case to someone else is the
team lead's (the role table's ``assign`` operation on cases). The case form, the bulk
assignment of the case list and the tests use these functions; a view only turns an
``AssignmentRefused`` into its German message.
"""

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from models import Case, User, db
from models.scoping import owned_by

# The roles whose accounts work cases (and so may be given one).
ASSIGNABLE_ROLES = ("caseworker", "team_lead")

NOT_YOURS_TO_GIVE = _l("Nur die Teamleitung weist Fälle anderen zu.")
NOT_ASSIGNABLE = _l("Bitte eine aktive Fallmanager:in der eigenen Behörde wählen.")


class AssignmentRefused(Exception):
    """The assignment breaks the rule; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def works_cases():
    """The SQL condition of an account that may be given a case (before the authority)."""
    return and_(User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))


def is_assignable(assignee: User, authority_id: int) -> bool:
    """An active account of ``authority_id`` whose role works cases."""
    return (
        assignee.active
        and assignee.role in ASSIGNABLE_ROLES
        and assignee.authority_id == authority_id
    )


def check_assignment(assignee: User, by: User, *, may_assign_others: bool) -> None:
    """Refuse unless ``by`` may give a case of their authority to ``assignee``."""
    if assignee.id != by.id and not may_assign_others:
        raise AssignmentRefused(NOT_YOURS_TO_GIVE)
    if not is_assignable(assignee, by.authority_id):
        raise AssignmentRefused(NOT_ASSIGNABLE)


def assignable_staff(authority_id: int) -> list[User]:
    """The accounts a case of ``authority_id`` may be given to, by name."""
    return db.session.scalars(
        select(User)
        .where(
            User.authority_id == authority_id,
            works_cases(),
        )
        .order_by(User.display_name)
    ).all()


def own_cases(ids: Sequence[int], authority_id: int) -> list[Case]:
    """The cases among ``ids`` that ``authority_id`` owns: only the owner assigns a case,
    a shared case keeps the caseworker of the authority that owns it."""
    return db.session.scalars(
        select(Case).where(Case.id.in_(ids), owned_by(authority_id, Case))
    ).all()


def assign_cases(cases: Sequence[Case], assignee: User, by: User, *, may_assign_others: bool):
    """Give every case in ``cases`` (from ``own_cases``) to ``assignee``, or refuse them all."""
    check_assignment(assignee, by, may_assign_others=may_assign_others)
    for case in cases:
        case.caseworker = assignee
