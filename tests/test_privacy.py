"""Subject access (Art. 15) and the retention purge (Art. 17)."""

import json
from datetime import date, timedelta

import pytest

from models import (
    Activity,
    AuditEvent,
    Case,
    Client,
    Evaluation,
    Goal,
    HouseholdMember,
    Need,
    db,
)
from models.scoping import unscoped
from tests import factories

LONG_AGO = date.today() - timedelta(days=4 * 365)


@pytest.fixture
def closed_long_ago(app, world):
    """A client whose only case closed four years ago, with texts everywhere."""
    with app.app_context(), unscoped("test arrangement"):
        case = factories.make_full_case(world)
        client = case.client
        client.notes = "Geheime Notiz"
        client.address = "Lagesche Str. 1"
        case.status = "closed"
        case.closed_on = LONG_AGO
        case.intake_summary = "Familie aus Aleppo, Vater krank"
        case.closure_reason_id = world.completed
        db.session.flush()
        goal = db.session.query(Goal).filter_by(case_id=case.id).first()
        goal.status = "achieved"
        db.session.commit()
        return {"client": client.id, "case": case.id, "number": client.number}


def test_cli_export_prints_everything_about_one_client(app, runner, closed_long_ago, tmp_path):
    out = tmp_path / "auskunft.json"
    result = runner.invoke(args=["privacy", "export", closed_long_ago["number"], "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["klient_in"]["family_name"] == "Haddad0"
    assert document["klient_in"]["notes"] == "Geheime Notiz"
    assert len(document["faelle"]) == 1
    case = document["faelle"][0]
    assert case["fall"]["intake_summary"] == "Familie aus Aleppo, Vater krank"
    assert case["goal"][0]["description"] == "B1-Zertifikat erreichen"
    assert case["activity"][0]["duration_minutes"] == 45
    assert document["einwilligungen"][0]["empfangende_stellen"] == ["Jobcenter Lippe"]
    assert "password_hash" not in out.read_text()
    with app.app_context(), unscoped("test check"):
        assert (
            db.session.query(AuditEvent)
            .filter_by(action="export", object_type="client", object_id=closed_long_ago["client"])
            .count()
            == 1
        )


def test_cli_export_of_unknown_number_fails_with_one_line(runner, world):
    result = runner.invoke(args=["privacy", "export", "XX-0000"])
    assert result.exit_code == 1
    assert result.output.strip() == "Fehler: keine Klient:in mit der Nummer 'XX-0000'"


def test_team_lead_downloads_subject_access_as_json_and_html(app, login_as, closed_long_ago):
    team_lead = login_as("team_lead")
    client_id = closed_long_ago["client"]
    page = team_lead.get(f"/admin/client/subject-access/?id={client_id}")
    assert page.status_code == 200
    assert "Geheime Notiz" in page.get_data(as_text=True)
    download = team_lead.get(f"/admin/client/subject-access/?id={client_id}&format=json")
    assert download.mimetype == "application/json"
    assert json.loads(download.get_data())["klient_in"]["notes"] == "Geheime Notiz"
    assert "Haddad" not in download.headers["Content-Disposition"]


def test_subject_access_is_for_the_owning_team_lead_only(app, login_as, closed_long_ago):
    client_id = closed_long_ago["client"]
    assert (
        login_as("caseworker").get(f"/admin/client/subject-access/?id={client_id}").status_code
        == 403
    )
    # The foreign authority sees the client through a share, but does not answer for it.
    foreign = login_as("foreign_caseworker")
    assert foreign.get(f"/admin/client/subject-access/?id={client_id}").status_code == 403
    assert (
        login_as("it_admin").get(f"/admin/client/subject-access/?id={client_id}").status_code == 403
    )


def _state(app, ids):
    with app.app_context(), unscoped("test check"):
        client = db.session.get(Client, ids["client"])
        case = db.session.get(Case, ids["case"])

        def parts(model):
            return db.session.query(model).filter_by(case_id=case.id).all()

        identity = ("family_name", "given_names", "birth_date", "notes", "address")
        return {
            "client": tuple(getattr(client, name) for name in identity)
            + (client.nationality, client.gender),
            "case": (
                case.status,
                case.opened_on,
                case.closed_on,
                case.closure_reason_id,
                case.intake_summary,
            ),
            "goals": [(g.status, g.description) for g in parts(Goal)],
            "needs": [n.need_area_id for n in parts(Need)],
            "effort": sum(a.duration_minutes for a in parts(Activity)),
            "evaluation": [(e.success_rating, e.effort_minutes) for e in parts(Evaluation)],
            "household": db.session.query(HouseholdMember).filter_by(client_id=client.id).count(),
            "audit_names": sum(
                "Haddad0" in json.dumps(e.changes or {}) for e in db.session.query(AuditEvent)
            ),
        }


def test_purge_dry_run_changes_nothing(app, runner, closed_long_ago):
    before = _state(app, closed_long_ago)
    result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 Klient:innen würden anonymisiert" in result.output
    assert _state(app, closed_long_ago) == before


def test_purge_removes_personal_data_and_keeps_the_statistics(app, runner, closed_long_ago):
    before = _state(app, closed_long_ago)
    assert before["audit_names"] > 0
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    after = _state(app, closed_long_ago)

    family, given, birth, notes, address, nationality, gender = after["client"]
    assert (family, given, birth, notes, address) == ("(gelöscht)", "(gelöscht)", None, None, None)
    assert (nationality, gender) == before["client"][5:]  # statistics, no identity
    assert after["case"][:4] == before["case"][:4]  # status, dates, outcome
    assert after["case"][4] is None  # the intake text is gone
    assert [s for s, _d in after["goals"]] == [s for s, _d in before["goals"]]
    assert all(d == "(gelöscht)" for _s, d in after["goals"])
    assert after["needs"] == before["needs"]
    assert after["effort"] == before["effort"]
    assert after["evaluation"] == before["evaluation"]
    assert after["household"] == 0
    assert after["audit_names"] == 0

    with app.app_context(), unscoped("test check"):
        event = db.session.query(AuditEvent).filter_by(action="purge").one()
        assert event.changes["clients"] == 1
        assert "Haddad" not in json.dumps(event.changes)


def test_purge_spares_recent_and_open_cases(app, runner, world, closed_long_ago):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        recent = factories.make_case(factories.make_client(authority, family_name="Neu"))
        recent.status, recent.closed_on = "closed", date.today() - timedelta(days=30)
        reopened = factories.make_case(db.session.get(Client, closed_long_ago["client"]))
        reopened.status = "active"
        db.session.commit()
    result = runner.invoke(args=["privacy", "purge"])
    assert "0 Klient:innen anonymisiert" in result.output
