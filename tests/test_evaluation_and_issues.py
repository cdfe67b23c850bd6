"""Evaluation snapshots the effort; structural issues come from cases without personal data."""

from datetime import date

import pytest

from models import Activity, Evaluation, StructuralIssue, db
from models.scoping import unscoped
from tests import factories


@pytest.fixture
def case_id(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        case = factories.make_case(factories.make_client(authority, family_name="Quelle"))
        from services.cases import record_needs

        record_needs(case, [db.session.get(factories.NeedArea, world.language)])
        db.session.add_all(
            [
                Activity(case=case, authority_id=case.authority_id, duration_minutes=m)
                for m in (30, 45, 15)
            ]
        )
        db.session.add(
            factories.Goal(
                case=case, authority_id=case.authority_id, description="B1", status="achieved"
            )
        )
        db.session.commit()
        return case.id


def test_evaluation_form_shows_goals_and_effort(team_lead_client, case_id):
    html = team_lead_client.get(f"/admin/evaluation/new/?case={case_id}").get_data(as_text=True)
    assert "B1 – <strong>erreicht</strong>" in html
    assert "Aufwand laut Kontakten: 90 Minuten" in html


def test_evaluation_stores_the_effort_as_a_snapshot(app, team_lead_client, case_id):
    response = team_lead_client.post(
        "/admin/evaluation/new/",
        data={
            "case": str(case_id),
            "evaluated_on": "2026-06-01",
            "jointly_with_client": "y",
            "effort_assessment": "as_expected",
            "success_rating": "4",
            "effort_minutes": "1",  # not a form field: ignored
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context(), unscoped("test arrangement"):
        evaluation = db.session.query(Evaluation).one()
        assert evaluation.effort_minutes == 90
        db.session.add(
            Activity(case_id=case_id, authority_id=evaluation.authority_id, duration_minutes=60)
        )
        db.session.commit()
        assert db.session.query(Evaluation).one().effort_minutes == 90  # a snapshot


def test_second_evaluation_of_a_case_is_refused(app, team_lead_client, case_id):
    data = {
        "case": str(case_id),
        "evaluated_on": "2026-06-01",
        "effort_assessment": "as_expected",
        "success_rating": "3",
    }
    assert team_lead_client.post("/admin/evaluation/new/", data=data).status_code == 302
    response = team_lead_client.post("/admin/evaluation/new/", data=data)
    assert "widerspricht einer Regel" in response.get_data(as_text=True)
    with app.app_context(), unscoped("test check"):
        assert db.session.query(Evaluation).count() == 1


def test_structural_issue_from_a_case_prefills_need_area_only(
    app, world, caseworker_client, case_id
):
    html = caseworker_client.get(f"/admin/structural_issue/new/?case={case_id}").get_data(
        as_text=True
    )
    assert f'value="{world.language}" selected' in html or (
        f'<option selected value="{world.language}"' in html
    )
    assert "Quelle" not in html.split('name="title"')[1].split("</form>")[0].split('name="case"')[0]


def _issue(app, world, status="reported"):
    with app.app_context(), unscoped("test arrangement"):
        issue = StructuralIssue(
            authority_id=world.authority,
            title="Zu wenige Kitaplätze",
            description="Wartezeit ein Jahr",
            need_area_id=world.language,
            status=status,
        )
        db.session.add(issue)
        db.session.commit()
        return issue.id


def _edit_issue(client, issue_id, status):
    return client.post(
        f"/admin/structural_issue/edit/?id={issue_id}",
        data={
            "version_token": "1",
            "title": "Zu wenige Kitaplätze",
            "description": "Wartezeit ein Jahr",
            "reported_on": date.today().isoformat(),
            "status": status,
        },
    )


def test_structural_issue_status_follows_the_workflow(app, world, team_lead_client):
    issue_id = _issue(app, world)
    response = _edit_issue(team_lead_client, issue_id, "resolved")
    assert "kann nicht von „gemeldet“ zu „behoben“ wechseln" in response.get_data(as_text=True)
    assert _edit_issue(team_lead_client, issue_id, "in_discussion").status_code == 302


def test_team_leads_of_every_authority_read_issues_without_the_case_link(
    app, world, case_id, login_as
):
    with app.app_context(), unscoped("test arrangement"):
        issue = StructuralIssue(
            authority_id=world.authority,
            case_id=case_id,
            title="Sprachkurse fehlen",
            description="Keine Plätze",
        )
        lead = factories.make_user(
            "teamleitung@detmold.example",
            "team_lead",
            db.session.get(factories.Authority, world.foreign_authority),
        )
        db.session.add(issue)
        db.session.commit()
        issue_id, lead_email = issue.id, lead.email
    foreign_lead = login_as(lead_email)
    listing = foreign_lead.get("/admin/structural_issue/").get_data(as_text=True)
    assert "Sprachkurse fehlen" in listing
    details = foreign_lead.get(f"/admin/structural_issue/details/?id={issue_id}").get_data(
        as_text=True
    )
    assert "Sprachkurse fehlen" in details
    assert "KL-ABH-F-" not in details
    own = login_as("team_lead").get(f"/admin/structural_issue/details/?id={issue_id}")
    assert "KL-ABH-F-" in own.get_data(as_text=True)
    assert "Sprachkurse fehlen" not in login_as("foreign_caseworker").get(
        "/admin/structural_issue/"
    ).get_data(as_text=True)
