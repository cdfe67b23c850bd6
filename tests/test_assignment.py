"""The assignment rule as a service: who may be given a case, and who may give it."""

import pytest

from models import db
from services.assignment import (
    NOT_ASSIGNABLE,
    NOT_YOURS_TO_GIVE,
    AssignmentRefused,
    assign_cases,
    assignable_staff,
    check_assignment,
    is_assignable,
    own_cases,
)
from tests.factories import build_world, make_case, make_client, make_user


@pytest.fixture
def staff(system):
    world = build_world()
    world["inactive"] = make_user("alt@kreis-lippe.example", "caseworker", world["authority"])
    world["inactive"].active = False
    db.session.flush()
    return world


def test_only_active_case_workers_of_the_own_authority_are_assignable(staff):
    authority = staff["authority"].id
    assert is_assignable(staff["caseworker"], authority)
    assert is_assignable(staff["team_lead"], authority)
    assert not is_assignable(staff["it_admin"], authority)  # role does not work cases
    assert not is_assignable(staff["auditor"], authority)
    assert not is_assignable(staff["inactive"], authority)
    assert not is_assignable(staff["foreign_caseworker"], authority)
    names = [u.email for u in assignable_staff(authority)]
    assert sorted(names) == sorted([staff["caseworker"].email, staff["team_lead"].email])


def test_taking_a_case_oneself_needs_no_right_giving_it_does(staff):
    caseworker, team_lead = staff["caseworker"], staff["team_lead"]
    check_assignment(caseworker, caseworker, may_assign_others=False)
    with pytest.raises(AssignmentRefused) as refused:
        check_assignment(team_lead, caseworker, may_assign_others=False)
    assert refused.value.message == NOT_YOURS_TO_GIVE
    check_assignment(caseworker, team_lead, may_assign_others=True)
    for wrong in ("it_admin", "auditor", "inactive", "foreign_caseworker"):
        with pytest.raises(AssignmentRefused) as refused:
            check_assignment(staff[wrong], team_lead, may_assign_others=True)
        assert refused.value.message == NOT_ASSIGNABLE


def test_only_own_cases_are_assigned_and_a_refusal_changes_none(staff):
    own = make_case(make_client(staff["authority"]))
    foreign = make_case(make_client(staff["foreign_authority"], family_name="Nowak"))
    # Unscoped here, so only the rule of the service keeps the foreign case out.
    assert [c.id for c in own_cases([own.id, foreign.id], staff["authority"].id)] == [own.id]

    before = own.caseworker_id
    with pytest.raises(AssignmentRefused):
        assign_cases([own], staff["foreign_caseworker"], staff["team_lead"], may_assign_others=True)
    db.session.flush()
    assert own.caseworker_id == before
    assign_cases([own], staff["caseworker"], staff["team_lead"], may_assign_others=True)
    db.session.flush()
    assert own.caseworker_id == staff["caseworker"].id
