"""The audit trail (docs/design.md §2, §8): every change, read, login, denial and export."""

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from models import AuditEvent, CaseShare, Client, Consent, User, db
from models.scoping import unscoped
from tests import factories


def _events(app, **filters):
    with app.app_context(), unscoped("test check"):
        query = db.session.query(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)
        return [(e.action, e.object_type, e.object_id, e.user_id, e.changes) for e in query]


@pytest.fixture
def client_id(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(authority, family_name="Protokoll")
        db.session.commit()
        return client.id


def test_create_update_and_archive_are_recorded_with_old_and_new_values(
    app, world, login_as, client_id
):
    team_lead = login_as("team_lead")
    team_lead.post(
        f"/admin/client/edit/?id={client_id}",
        data={
            "version_token": "1",
            "family_name": "Neu",
            "given_names": "Amira",
            "gender": "female",
        },
    )
    team_lead.post("/admin/client/action/", data={"action": "archive", "rowid": str(client_id)})
    events = _events(app, object_type="client", object_id=client_id)
    actions = [e[0] for e in events]
    assert actions[0] == "create"
    update = next(e for e in events if e[0] == "update")
    assert update[3] == world.team_lead
    assert update[4]["family_name"] == ["Protokoll", "Neu"]
    assert update[4]["gender"] == ["unknown", "female"]
    assert "archive" in actions


def test_password_hashes_and_tokens_never_enter_the_trail(app, world, caseworker_client):
    caseworker_client.post(
        "/admin/profile/password/",
        data={
            "current": factories.PASSWORD,
            "new": "ein-ganz-neues-passwort",
            "repeated": "ein-ganz-neues-passwort",
        },
    )
    with app.app_context(), unscoped("test check"):
        user = db.session.get(User, world.caseworker)
        dump = str(_events(app, object_type="user"))
        assert user.password_hash not in dump
        assert user.session_token not in dump
        assert "$argon2id$" not in dump


def test_a_rolled_back_change_leaves_no_audit_row(app, world, client_id):
    with app.app_context(), unscoped("test arrangement"):
        before = db.session.query(AuditEvent).count()
        client = db.session.get(Client, client_id)
        client.notes = "wird verworfen"
        db.session.flush()
        assert db.session.query(AuditEvent).count() == before + 1
        db.session.rollback()
        assert db.session.query(AuditEvent).count() == before


def test_login_failed_login_and_logout_are_recorded(app, world, auth):
    auth.login(world.emails["caseworker"], "falsches-passwort!")
    auth.login("niemand@x.example", "falsches-passwort!")
    auth.login(world.emails["caseworker"])
    auth.logout()
    actions = [e[0] for e in _events(app) if e[0] in ("login", "login_failed", "logout")]
    assert actions == ["login_failed", "login_failed", "login", "logout"]
    dump = str(_events(app))
    assert "niemand@x.example" not in dump  # attempted unknown addresses are not kept


def test_denied_access_to_an_existing_id_is_recorded(app, world, login_as, client_id):
    with app.app_context(), unscoped("test arrangement"):
        for share in db.session.query(CaseShare):
            db.session.delete(share)
        db.session.commit()
    foreign = login_as("foreign_caseworker")
    assert foreign.get(f"/admin/client/details/?id={client_id}").status_code == 404
    assert login_as("it_admin").get("/admin/client/").status_code == 403
    denied = [e for e in _events(app) if e[0] == "denied"]
    assert ("client", client_id, world.foreign_caseworker) in [(e[1], e[2], e[3]) for e in denied]
    assert any(e[4]["status"] == 403 and e[3] == world.it_admin for e in denied)


def test_reads_of_client_and_case_pages_are_recorded(app, world, caseworker_client, client_id):
    with app.app_context(), unscoped("test arrangement"):
        case = factories.make_case(db.session.get(Client, client_id))
        db.session.commit()
        case_id = case.id
    caseworker_client.get(f"/admin/client/details/?id={client_id}")
    caseworker_client.get(f"/admin/client/edit/?id={client_id}")
    caseworker_client.get(f"/admin/case/details/?id={case_id}")
    reads = [(e[1], e[2]) for e in _events(app, action="read")]
    assert reads.count(("client", client_id)) == 2
    assert ("case", case_id) in reads


def test_history_shows_on_client_and_case_pages(app, world, login_as, client_id):
    team_lead = login_as("team_lead")
    team_lead.post(
        f"/admin/client/edit/?id={client_id}",
        data={
            "version_token": "1",
            "family_name": "Neu",
            "given_names": "Amira",
            "gender": "female",
        },
    )
    html = team_lead.get(f"/admin/client/details/?id={client_id}").get_data(as_text=True)
    assert "Verlauf" in html
    assert "Familienname: Protokoll → Neu" in html
    assert "teamleitung" in html


def test_export_is_recorded_and_readable_by_german_excel(app, world, login_as, client_id):
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(Client, client_id).given_names = '=HYPERLINK("http://evil.example","x")'
        db.session.commit()
    browser = login_as("team_lead")
    assert browser.post("/admin/client/search/", data={"search": "Protokoll"}).status_code == 303
    response = browser.get("/admin/client/export/csv/")
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Nummer"
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","x")'
    disposition = response.headers["Content-Disposition"]
    assert "Protokoll" not in disposition
    assert "lotse_client_" in disposition
    export = [e for e in _events(app) if e[0] == "export"][-1]
    assert export[1] == "client"
    assert export[4] == {"rows": 1, "filters": {}, "search": True}


@pytest.mark.parametrize("payload", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_exports_defuse_formulas(payload):
    from admin_views.base import escape_formula

    assert escape_formula(payload) == "'" + payload


def test_export_row_cap_gives_a_clear_message(database_url, app, world, client_id):
    from tests.conftest import AuthActions, make_app

    capped = make_app(database_url, LOTSE_EXPORT_MAX_ROWS=0)
    browser = capped.test_client()
    AuthActions(browser).login(world.emails["team_lead"])
    response = browser.get("/admin/client/export/csv/", follow_redirects=True)
    assert "auf 0 Zeilen begrenzt" in response.get_data(as_text=True)


def test_exports_are_for_team_leads_only(login_as, client_id, world):
    response = login_as("caseworker").get("/admin/client/export/csv/")
    assert response.status_code == 403
    assert not response.get_data().startswith("\ufeff".encode())


def test_share_and_revoke_are_recorded(app, world, client_id):
    with app.app_context(), unscoped("test arrangement"):
        client = db.session.get(Client, client_id)
        case = factories.make_case(client)
        consent = Consent(
            client=client,
            authority_id=client.authority_id,
            purpose="Freigabe",
            data_categories="Fall",
            given_on=date.today(),
        )
        db.session.add(consent)
        db.session.flush()
        share = CaseShare(
            case=case,
            owner_authority_id=case.authority_id,
            authority_id=world.foreign_authority,
            consent=consent,
        )
        db.session.add(share)
        db.session.commit()
        share.revoked_on = date.today()
        db.session.commit()
        share_id = share.id
    actions = [e[0] for e in _events(app, object_type="case_share", object_id=share_id)]
    assert actions == ["share", "unshare"]


def test_audit_trail_is_append_only_on_postgresql(app_ctx, world, client_id):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL")
    for statement in ("UPDATE audit_event SET action = 'read'", "DELETE FROM audit_event"):
        with db.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    with app_ctx.app_context(), unscoped("test check"):
        assert db.session.query(AuditEvent).count() > 0


def test_auditor_reads_own_authority_trail_and_others_cannot(app, world, login_as, client_id):
    foreign = login_as("foreign_caseworker")
    foreign.get("/admin/")
    auditor = login_as("auditor")
    html = auditor.get("/admin/audit_event/?page_size=100").get_data(as_text=True)
    assert "fallmanagement@detmold" not in html
    assert auditor.get("/admin/audit_event/export/csv/").status_code == 200
    for role in ("caseworker", "team_lead", "it_admin"):
        assert login_as(role).get("/admin/audit_event/").status_code == 403


def test_auditor_filters_by_user_action_and_date(app, world, login_as, client_id):
    auditor = login_as("auditor")
    since = (date.today() - timedelta(days=1)).isoformat()
    url = (
        f"/admin/audit_event/?flt0_aktion_equals=login&flt1_zeitpunkt_greater_than={since}+00:00:00"
    )
    response = auditor.get(url)
    assert response.status_code == 200
    assert "Anmeldung" in response.get_data(as_text=True)


def test_consent_withdrawal_blocks_new_referrals_at_once(app, world, caseworker_client, client_id):
    with app.app_context(), unscoped("test arrangement"):
        client = db.session.get(Client, client_id)
        case = factories.make_case(client)
        consent = Consent(
            client=client,
            authority_id=client.authority_id,
            purpose="Vermittlung",
            data_categories="Stammdaten",
            given_on=date.today() - timedelta(days=5),
            withdrawn_on=date.today(),
        )
        db.session.add(consent)
        db.session.flush()
        consent.recipient_agencies.append(db.session.get(factories.Agency, world.jobcenter))
        db.session.commit()
        case_id, consent_id = case.id, consent.id
    response = caseworker_client.post(
        "/admin/referral/new/",
        data={
            "case": str(case_id),
            "agency": str(world.jobcenter),
            "consent": str(consent_id),
            "reason": "Arbeit",
            "status": "sent",
        },
    )
    assert "nicht (mehr) gültig" in response.get_data(as_text=True)
