"""The case lifecycle (docs/design.md §3): every transition and refusal, through the endpoint."""

from datetime import date

import pytest

from models import Case, CaseChecklistItem, Client, Evaluation, Goal, Need, db
from models.scoping import unscoped
from tests import factories


@pytest.fixture
def case_id(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(authority)
        case = factories.make_case(client, caseworker_id=world.caseworker)
        db.session.commit()
        return case.id


def _case(app, case_id):
    with app.app_context(), unscoped("test check"):
        case = db.session.get(Case, case_id)
        return case.status, case.closed_on, case.closure_reason_id, case.version


def _arrange(app, case_id, fn):
    with app.app_context(), unscoped("test arrangement"):
        case = db.session.get(Case, case_id)
        fn(case)
        db.session.commit()


def _go(client, case_id, to, **extra):
    response = client.post(f"/admin/case/transition/?id={case_id}", data={"to": to, **extra})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _ready_for_planning(case):
    case.client.privacy_notice_given_on = date(2026, 3, 1)
    db.session.add(Need(case=case, authority_id=case.authority_id, need_area_id=1))


def _agreed_goal(case, status="open"):
    db.session.add(
        Goal(
            case=case,
            authority_id=case.authority_id,
            description="B1 erreichen",
            agreed_on=date(2026, 3, 5),
            status=status,
        )
    )


def _tick_required(case):
    for item in db.session.query(CaseChecklistItem).filter_by(case_id=case.id):
        item.done_at = factories.utcnow_for_tests()


def test_intake_to_planning_needs_a_need_and_the_privacy_notice(app, caseworker_client, case_id):
    html = _go(caseworker_client, case_id, "planning")
    assert "Es ist noch kein Bedarf erfasst." in html
    assert "Datenschutzhinweis (Art. 13 DSGVO)" in html
    assert _case(app, case_id)[0] == "intake"

    _arrange(app, case_id, _ready_for_planning)
    html = _go(caseworker_client, case_id, "planning")
    assert "Planung" in html
    assert _case(app, case_id)[0] == "planning"


def test_planning_to_active_needs_an_agreed_goal(app, caseworker_client, case_id):
    _arrange(app, case_id, _ready_for_planning)
    _go(caseworker_client, case_id, "planning")
    html = _go(caseworker_client, case_id, "active")
    assert "kein Ziel mit der Klient:in vereinbart" in html
    assert _case(app, case_id)[0] == "planning"
    _arrange(app, case_id, _agreed_goal)
    _go(caseworker_client, case_id, "active")
    assert _case(app, case_id)[0] == "active"


def _to_active(app, client, case_id, goal_status="open"):
    _arrange(app, case_id, _ready_for_planning)
    _go(client, case_id, "planning")
    _arrange(app, case_id, lambda case: _agreed_goal(case, goal_status))
    _go(client, case_id, "active")
    assert _case(app, case_id)[0] == "active"


def test_active_to_evaluation_needs_final_goals_and_required_items(app, caseworker_client, case_id):
    _to_active(app, caseworker_client, case_id)
    html = _go(caseworker_client, case_id, "evaluation")
    assert "noch keinen abschließenden Status" in html
    assert "Offene Pflichtpunkte der Checkliste: Datenschutzhinweis ausgehändigt." in html
    assert _case(app, case_id)[0] == "active"

    def finish(case):
        for goal in case.goals:
            goal.status = "achieved"
        _tick_required(case)

    _arrange(app, case_id, finish)
    _go(caseworker_client, case_id, "evaluation")
    assert _case(app, case_id)[0] == "evaluation"


def test_evaluation_to_closed_needs_an_evaluation_and_a_reason(app, caseworker_client, case_id):
    _to_active(app, caseworker_client, case_id, goal_status="partly_achieved")
    _arrange(app, case_id, _tick_required)
    _go(caseworker_client, case_id, "evaluation")

    html = _go(caseworker_client, case_id, "closed")
    assert "Bitte einen Abschlussgrund angeben." in html
    html = _go(caseworker_client, case_id, "closed", closure_reason="goals_reached")
    assert "Es gibt noch keine Abschlussbewertung." in html
    assert _case(app, case_id)[0] == "evaluation"

    _arrange(
        app,
        case_id,
        lambda case: db.session.add(
            Evaluation(
                case=case,
                authority_id=case.authority_id,
                evaluated_on=date(2026, 6, 1),
                success_rating=4,
            )
        ),
    )
    _go(caseworker_client, case_id, "closed", closure_reason="goals_reached")
    status, closed_on, reason_id, _version = _case(app, case_id)
    assert status == "closed"
    assert closed_on == date.today()
    assert reason_id is not None


def test_early_closure_only_with_a_reason_that_needs_no_evaluation(app, caseworker_client, case_id):
    html = _go(caseworker_client, case_id, "closed", closure_reason="goals_reached")
    assert "ohne Abschlussbewertung" in html
    assert _case(app, case_id)[0] == "intake"
    _go(caseworker_client, case_id, "closed", closure_reason="moved_away")
    assert _case(app, case_id)[0] == "closed"


def test_unknown_closure_reason_and_impossible_target_are_refused(app, caseworker_client, case_id):
    html = _go(caseworker_client, case_id, "closed", closure_reason="abducted_by_aliens")
    assert "Unbekannter Abschlussgrund." in html
    html = _go(caseworker_client, case_id, "evaluation")
    assert "kann nicht in „Auswertung“ wechseln" in html
    html = _go(caseworker_client, case_id, "nonsense")
    assert "Unbekannter Zielstatus." in html
    assert _case(app, case_id)[:2] == ("intake", None)


def test_intake_can_be_declined(app, caseworker_client, case_id):
    _go(caseworker_client, case_id, "declined")
    assert _case(app, case_id)[0] == "declined"


def test_active_case_can_rest_and_resume(app, caseworker_client, case_id):
    _to_active(app, caseworker_client, case_id)
    _go(caseworker_client, case_id, "on_hold")
    assert _case(app, case_id)[0] == "on_hold"
    _go(caseworker_client, case_id, "active")
    assert _case(app, case_id)[0] == "active"


def test_only_a_team_lead_reopens_a_closed_case(app, login_as, case_id):
    caseworker, team_lead = login_as("caseworker"), login_as("team_lead")
    _arrange(app, case_id, lambda case: db.session.add(Goal(
        case=case, authority_id=case.authority_id, description="x", agreed_on=date(2026, 3, 2)
    )))  # fmt: skip
    _go(caseworker, case_id, "closed", closure_reason="moved_away")
    html = _go(caseworker, case_id, "active")
    assert "darf Ihre Rolle nicht" in html
    assert _case(app, case_id)[0] == "closed"
    _go(team_lead, case_id, "active")
    status, closed_on, reason_id, _version = _case(app, case_id)
    assert (status, closed_on, reason_id) == ("active", None, None)


def test_closed_case_is_read_only(app, caseworker_client, case_id):
    _go(caseworker_client, case_id, "closed", closure_reason="moved_away")
    version = _case(app, case_id)[3]
    response = caseworker_client.post(
        "/admin/need/new/", data={"case": str(case_id), "need_area": "1", "priority": "low"}
    )
    assert "abgeschlossen" in response.get_data(as_text=True)
    with app.app_context(), unscoped("test check"):
        assert db.session.query(Need).filter_by(case_id=case_id).count() == 0
        client_id = db.session.get(Case, case_id).client_id
    response = caseworker_client.post(
        f"/admin/case/edit/?id={case_id}",
        data={"version_token": str(version), "client": str(client_id), "opened_on": "2026-01-01"},
    )
    assert "abgeschlossen" in response.get_data(as_text=True)
    assert _case(app, case_id)[3] == version


def test_roles_without_case_rights_cannot_transition(app, login_as, case_id):
    for role in ("it_admin", "auditor"):
        response = login_as(role).post(
            f"/admin/case/transition/?id={case_id}", data={"to": "declined"}
        )
        assert response.status_code == 403
    assert _case(app, case_id)[0] == "intake"


def test_foreign_authority_cannot_transition(app, foreign_client, case_id):
    response = foreign_client.post(f"/admin/case/transition/?id={case_id}", data={"to": "declined"})
    assert response.status_code == 404
    assert _case(app, case_id)[0] == "intake"


def test_case_file_offers_only_the_users_transitions(app, login_as, case_id):
    _arrange(app, case_id, lambda case: setattr(case, "status", "closed"))
    caseworker_page = login_as("caseworker").get(f"/admin/case/details/?id={case_id}")
    team_lead_page = login_as("team_lead").get(f"/admin/case/details/?id={case_id}")
    assert "Fall wieder öffnen" not in caseworker_page.get_data(as_text=True)
    assert "Fall wieder öffnen" in team_lead_page.get_data(as_text=True)


def test_client_master_data_unchanged_by_transitions(app, caseworker_client, case_id):
    _go(caseworker_client, case_id, "declined")
    with app.app_context(), unscoped("test check"):
        assert db.session.query(Client).one().version == 1
