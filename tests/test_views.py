"""Every admin screen renders for a role that may use it, with data in it."""

import pytest
from flask import url_for

from models import db
from models.scoping import unscoped
from tests import factories

CASE_ENDPOINTS = [
    "case",
    "need",
    "goal",
    "measure",
    "activity",
    "case_conference",
    "evaluation",
    "client",
    "household_member",
    "consent",
    "referral",
]
TEAM_LEAD_ENDPOINTS = [*CASE_ENDPOINTS, "case_share", "structural_issue"]
REFERENCE_ENDPOINTS = [
    "authority",
    "agency",
    "need_area",
    "measure_type",
    "residence_status",
    "target_group",
    "access_route",
    "closure_reason",
    "checklist_template",
    "municipality",
]


@pytest.fixture
def full_case(app, world):
    """One case with an entry in every part table."""
    with app.app_context(), unscoped("test arrangement"):
        case = factories.make_full_case(world)
        db.session.commit()
        return case.id


def _first_id(app, endpoint):
    with app.app_context(), unscoped("test lookup"):
        view = next(v for v in app.extensions["lotse_admin"]._views if v.endpoint == endpoint)
        return db.session.query(view.model.id).order_by(view.model.id).first()[0]


@pytest.mark.parametrize("endpoint", TEAM_LEAD_ENDPOINTS)
def test_team_lead_screens_render(app, team_lead_client, full_case, endpoint):
    row_id = _first_id(app, endpoint)
    with app.test_request_context():
        urls = [
            url_for(f"{endpoint}.index_view"),
            url_for(f"{endpoint}.create_view"),
            url_for(f"{endpoint}.details_view", id=row_id),
            url_for(f"{endpoint}.edit_view", id=row_id),
        ]
    for url in urls:
        response = team_lead_client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[-3000:])
        assert 'lang="de"' in response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", [*REFERENCE_ENDPOINTS, "user"])
def test_it_admin_screens_render(app, it_admin_client, full_case, endpoint):
    row_id = _first_id(app, endpoint)
    with app.test_request_context():
        urls = [
            url_for(f"{endpoint}.index_view"),
            url_for(f"{endpoint}.create_view"),
            url_for(f"{endpoint}.details_view", id=row_id),
            url_for(f"{endpoint}.edit_view", id=row_id),
        ]
    for url in urls:
        response = it_admin_client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[-3000:])


def test_auditor_reads_audit_trail(app, auditor_client, full_case):
    response = auditor_client.get("/admin/audit_event/")
    assert response.status_code == 200
    assert "Anmeldung" in response.get_data(as_text=True)


def test_dashboard_renders_for_every_role(app, world, login_as):
    for role in ("caseworker", "team_lead", "it_admin", "auditor"):
        response = login_as(role).get("/admin/")
        assert response.status_code == 200
        assert "Übersicht" in response.get_data(as_text=True)
