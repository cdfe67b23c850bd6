"""Rules that used to live in views, as services: the steering workflow and ownership."""

from types import SimpleNamespace

import pytest

from models.choices import ISSUE_STATUS
from models.scoping import as_user, is_own, unscoped
from services.steering import (
    FIRST_STATUS,
    NEXT_STATUS,
    IssueWorkflowError,
    check_new_issue,
    check_status_change,
)


def test_a_new_issue_starts_as_reported(app):
    with app.test_request_context():
        check_new_issue(FIRST_STATUS)
        with pytest.raises(IssueWorkflowError, match="beginnt mit dem Status „gemeldet“"):
            check_new_issue("resolved")


def test_the_status_moves_only_along_the_workflow(app):
    with app.test_request_context():
        for before in ISSUE_STATUS.values:
            check_status_change(before, before)  # saving without a change is no move
            for after in ISSUE_STATUS.values:
                if after == before:
                    continue
                if after in NEXT_STATUS[before]:
                    check_status_change(before, after)
                else:
                    with pytest.raises(IssueWorkflowError, match="kann nicht von"):
                        check_status_change(before, after)


class _Row:
    def __init__(self, authority_id):
        self.authority_id = authority_id


def test_is_own_follows_the_scope(app):
    with app.app_context():
        assert not is_own(_Row(1))  # no scope: nothing is anybody's
        with as_user(SimpleNamespace(authority_id=1, id=1, role="team_lead")):
            assert is_own(_Row(1))
            assert not is_own(_Row(2))
        with unscoped("test"):
            assert is_own(_Row(2))


def test_account_changes_end_sessions_and_nobody_changes_their_own_role(app, world):
    from models import User, db
    from services.users import UserError, account_changed

    with app.test_request_context(), unscoped("test"):
        lead = db.session.get(User, world.team_lead)
        it = db.session.get(User, world.it_admin)
        token = lead.session_token
        account_changed(lead, by=it, role_changed=False)  # a new display name, say
        assert lead.session_token == token
        account_changed(lead, by=it, role_changed=True)
        assert lead.session_token != token
        token = lead.session_token
        lead.active = False
        account_changed(lead, by=it, role_changed=False)
        assert lead.session_token != token
        with pytest.raises(UserError, match="eigene Rolle"):
            account_changed(it, by=it, role_changed=True)
        account_changed(it, role_changed=True)  # the CLI names nobody: allowed
