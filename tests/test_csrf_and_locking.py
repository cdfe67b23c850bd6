"""CSRF guards every state-changing request; optimistic locking protects concurrent edits."""

import pytest

from models import Client, db
from models.scoping import unscoped
from tests import factories
from tests.conftest import AuthActions, csrf_token_from, submit_second_factor


@pytest.fixture
def arranged_client(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(authority, family_name="Haddad", given_names="Amira")
        db.session.commit()
        return client.id


def _client_state(app, client_id):
    with app.app_context(), unscoped("test check"):
        client = db.session.get(Client, client_id)
        return (client.family_name, client.version, client.archived_at) if client else None


def _count_clients(app):
    with app.app_context(), unscoped("test check"):
        return db.session.query(Client).count()


@pytest.fixture
def csrf_team_lead(csrf_app, world):
    test_client = csrf_app.test_client()
    page = test_client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    response = test_client.post(
        "/login",
        data={
            "email": world.emails["team_lead"],
            "password": factories.PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    submit_second_factor(test_client, world.emails["team_lead"], response)
    return test_client


def test_login_without_csrf_token_is_refused(csrf_app, world):
    response = AuthActions(csrf_app.test_client()).login(world.emails["caseworker"])
    assert response.status_code == 400
    assert "Formular ist abgelaufen" in response.get_data(as_text=True)


def test_create_without_csrf_token_is_refused(app, csrf_team_lead, arranged_client):
    before = _count_clients(app)
    response = csrf_team_lead.post(
        "/admin/client/new/", data={"family_name": "Neu", "given_names": "Nora", "gender": "female"}
    )
    assert response.status_code == 400
    assert _count_clients(app) == before


def test_edit_without_csrf_token_is_refused(app, csrf_team_lead, arranged_client):
    before = _client_state(app, arranged_client)
    response = csrf_team_lead.post(
        f"/admin/client/edit/?id={arranged_client}",
        data={"family_name": "Geändert", "given_names": "Amira", "gender": "female"},
    )
    assert response.status_code == 400
    assert _client_state(app, arranged_client) == before


def test_delete_and_actions_without_csrf_token_are_refused(app, csrf_team_lead, arranged_client):
    before = _client_state(app, arranged_client)
    delete = csrf_team_lead.post("/admin/client/delete/", data={"id": str(arranged_client)})
    archive = csrf_team_lead.post(
        "/admin/client/action/", data={"action": "archive", "rowid": str(arranged_client)}
    )
    assert (delete.status_code, archive.status_code) == (400, 400)
    assert _client_state(app, arranged_client) == before


def test_edit_with_csrf_token_is_saved(app, csrf_team_lead, arranged_client):
    url = f"/admin/client/edit/?id={arranged_client}"
    html = csrf_team_lead.get(url).get_data(as_text=True)
    response = csrf_team_lead.post(
        url,
        data={
            "csrf_token": csrf_token_from(html),
            "version_token": "1",
            "family_name": "Geändert",
            "given_names": "Amira",
            "gender": "female",
        },
    )
    assert response.status_code == 302
    assert _client_state(app, arranged_client)[:2] == ("Geändert", 2)


def test_logout_is_post_only(caseworker_client):
    assert caseworker_client.get("/logout").status_code == 405


def _edit(test_client, client_id, version, family_name):
    return test_client.post(
        f"/admin/client/edit/?id={client_id}",
        data={
            "version_token": str(version),
            "family_name": family_name,
            "given_names": "Amira",
            "gender": "female",
        },
    )


def test_second_save_of_a_stale_form_is_refused(app, login_as, arranged_client):
    first, second = login_as("caseworker"), login_as("team_lead")
    # Both open the edit form at version 1.
    for browser in (first, second):
        page = browser.get(f"/admin/client/edit/?id={arranged_client}").get_data(as_text=True)
        assert 'name="version_token" type="hidden" value="1"' in page

    assert _edit(first, arranged_client, 1, "Erste").status_code == 302
    refused = _edit(second, arranged_client, 1, "Zweite")

    assert refused.status_code == 200
    assert "inzwischen von jemand anderem geändert" in refused.get_data(as_text=True)
    assert _client_state(app, arranged_client)[:2] == ("Erste", 2)


def test_edit_without_version_is_refused(app, login_as, arranged_client):
    response = login_as("caseworker").post(
        f"/admin/client/edit/?id={arranged_client}",
        data={"family_name": "Ohne", "given_names": "Amira", "gender": "female"},
    )
    assert response.status_code == 200
    assert _client_state(app, arranged_client)[:2] == ("Haddad", 1)
