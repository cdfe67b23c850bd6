"""Follow-ups, team-lead presets, bulk assignment and referral rules (docs/design.md §3, §5)."""

from datetime import date, timedelta

import pytest

from models import Activity, Case, Consent, Goal, Measure, Referral, db
from models.scoping import unscoped
from tests import factories

TODAY = date.today()


@pytest.fixture
def due(app, world):
    """One open case of the caseworker with one item of each follow-up kind."""
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(
            authority, family_name="Fällig", residence_valid_until=TODAY + timedelta(days=60)
        )
        case = factories.make_case(
            client, caseworker_id=world.caseworker, opened_on=TODAY - timedelta(days=60)
        )
        case.status = "active"
        owned = {"case": case, "authority_id": case.authority_id}
        goal = Goal(description="Ziel überfällig", target_date=TODAY - timedelta(days=3), **owned)
        consent = Consent(
            client=client,
            authority_id=client.authority_id,
            purpose="Vermittlung",
            data_categories="Stammdaten",
            given_on=TODAY - timedelta(days=40),
        )
        db.session.add_all([goal, consent])
        db.session.flush()
        consent.recipient_agencies.append(db.session.get(factories.Agency, world.jobcenter))
        db.session.add_all(
            [
                Measure(goal=goal, description="Maßnahme fällig", due_on=TODAY, **owned),
                Referral(
                    agency_id=world.jobcenter,
                    reason="Vermittlung ohne Antwort",
                    consent=consent,
                    status="sent",
                    sent_on=TODAY - timedelta(days=20),
                    follow_up_on=TODAY - timedelta(days=6),
                    **owned,
                ),
                Activity(occurred_on=TODAY - timedelta(days=45), duration_minutes=30, **owned),
            ]
        )
        db.session.commit()
        return case.id


def test_followups_list_all_five_kinds_sorted_by_date(app, caseworker_client, due):
    html = caseworker_client.get("/admin/followups/").get_data(as_text=True)
    labels = [
        "Zieldatum überschritten",
        "Vermittlung ohne Antwort",
        "Seit 30 Tagen kein Kontakt",
        "Maßnahme fällig",
        "Aufenthaltstitel läuft ab",
    ]
    for label in labels:
        assert label in html
    dates = [
        (TODAY - timedelta(days=15)).strftime("%d.%m.%Y"),  # last contact + 30 days
        (TODAY - timedelta(days=6)).strftime("%d.%m.%Y"),
        (TODAY - timedelta(days=3)).strftime("%d.%m.%Y"),
        TODAY.strftime("%d.%m.%Y"),
        (TODAY + timedelta(days=60)).strftime("%d.%m.%Y"),
    ]
    positions = [html.index(f"<td>{d}</td>") for d in dates]
    assert positions == sorted(positions)
    assert "/admin/referral/details/?id=" in html


def test_mine_and_my_team(app, world, login_as, due):
    team_lead = login_as("team_lead")
    assert "Maßnahme fällig" not in team_lead.get("/admin/followups/").get_data(as_text=True)
    team = team_lead.get("/admin/followups/?scope=team").get_data(as_text=True)
    assert "Maßnahme fällig" in team


def test_followups_use_a_constant_number_of_queries(
    app, world, caseworker_client, due, count_queries
):
    with count_queries() as one:
        caseworker_client.get("/admin/followups/")
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        for i in range(10):
            client = factories.make_client(
                authority, family_name=f"F{i}", residence_valid_until=TODAY + timedelta(days=5)
            )
            factories.make_case(
                client, caseworker_id=world.caseworker, opened_on=TODAY - timedelta(60)
            )
        db.session.commit()
    with count_queries() as many:
        html = caseworker_client.get("/admin/followups/").get_data(as_text=True)
    assert html.count("<td>Aufenthaltstitel läuft ab</td>") == 11
    assert many.count == one.count


def test_followups_of_other_authorities_stay_hidden(app, foreign_client, due):
    html = foreign_client.get("/admin/followups/?scope=team").get_data(as_text=True)
    assert "Nichts fällig." in html


def test_followups_are_closed_to_it_and_audit_roles(login_as, world):
    assert login_as("it_admin").get("/admin/followups/").status_code == 403
    assert login_as("auditor").get("/admin/followups/").status_code == 403


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("/admin/case/?flt0_ueberfaellig_ist=1", True),
        ("/admin/case/?flt0_nicht_zugewiesen_ist=1", False),
        ("/admin/case/?flt0_ohne_kontakt_seit_30_tagen_ist=1", True),
        ("/admin/case/?flt0_status_equals=evaluation", False),
        ("/admin/case/?flt0_handlungsfeld_ist=language", False),
    ],
)
def test_preset_lists_filter_the_cases(app, team_lead_client, due, preset, expected):
    html = team_lead_client.get(preset).get_data(as_text=True)
    assert ("Fällig, Amira" in html) is expected


def test_team_lead_menu_has_the_preset_links(team_lead_client, caseworker_client):
    html = team_lead_client.get("/admin/").get_data(as_text=True)
    for url in (
        "flt0_ueberfaellig_ist=1",
        "flt0_nicht_zugewiesen_ist=1",
        "flt0_status_equals=evaluation",
        "flt0_ohne_kontakt_seit_30_tagen_ist=1",
        "/admin/case/?sort=",
        "/admin/need/?sort=",
    ):
        assert url in html
    assert "flt0_ueberfaellig_ist" not in caseworker_client.get("/admin/").get_data(as_text=True)


def test_team_lead_assigns_cases_to_an_active_caseworker(app, world, team_lead_client, due):
    response = team_lead_client.post(
        "/admin/case/action/", data={"action": "assign", "rowid": str(due)}
    )
    assert response.status_code == 302
    page = team_lead_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "fallmanagement" in page
    assert "it@" not in page  # only caseworkers and team leads are offered
    team_lead_client.post(
        "/admin/case/assign/", data={"ids": str(due), "caseworker": str(world.team_lead)}
    )
    with app.app_context(), unscoped("test check"):
        assert db.session.get(Case, due).caseworker_id == world.team_lead


def test_assign_refuses_users_of_other_authorities_and_caseworkers(
    app, world, login_as, team_lead_client, due
):
    team_lead_client.post(
        "/admin/case/assign/", data={"ids": str(due), "caseworker": str(world.foreign_caseworker)}
    )
    with app.app_context(), unscoped("test check"):
        assert db.session.get(Case, due).caseworker_id == world.caseworker
    assert login_as("caseworker").get(f"/admin/case/assign/?ids={due}").status_code == 403
    assert login_as("foreign_caseworker").get(f"/admin/case/assign/?ids={due}").status_code == 403


def _referral_form(case_id, world, **overrides):
    data = {
        "case": str(case_id),
        "agency": str(world.jobcenter),
        "reason": "Arbeitsvermittlung",
        "status": "sent",
        "sent_on": TODAY.isoformat(),
    }
    data.update(overrides)
    return data


def _consent_id(app, case_id):
    with app.app_context(), unscoped("test check"):
        client_id = db.session.get(Case, case_id).client_id
        return db.session.query(Consent.id).filter_by(client_id=client_id).scalar()


def test_sent_referral_gets_follow_up_14_days_later(app, world, caseworker_client, due):
    consent = _consent_id(app, due)
    caseworker_client.post(
        "/admin/referral/new/", data=_referral_form(due, world, consent=str(consent))
    )
    with app.app_context(), unscoped("test check"):
        newest = db.session.query(Referral).order_by(Referral.id.desc()).first()
        assert newest.follow_up_on == TODAY + timedelta(days=14)


def test_referral_needs_consent_naming_the_agency(app, world, caseworker_client, due):
    consent = _consent_id(app, due)
    with app.app_context(), unscoped("test arrangement"):
        other = factories.Agency(
            code="mbe", name="Migrationsberatung", kind="migration_counselling"
        )
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    response = caseworker_client.post(
        "/admin/referral/new/",
        data=_referral_form(due, world, consent=str(consent), agency=str(other_id)),
    )
    assert "nennt Migrationsberatung nicht als Empfänger" in response.get_data(as_text=True)


def test_agency_pausing_referrals_gets_none(app, world, caseworker_client, due):
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(factories.Agency, world.jobcenter).accepts_referrals = False
        db.session.commit()
    response = caseworker_client.post(
        "/admin/referral/new/", data=_referral_form(due, world, status="draft")
    )
    assert "nimmt derzeit keine Vermittlungen an" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"status": "accepted"}, "Datum der Antwort"),
        ({"status": "rejected", "answered_on": TODAY.isoformat()}, "Ablehnungsgrund"),
    ],
)
def test_answers_need_a_date_and_rejections_a_reason(
    app, world, caseworker_client, due, overrides, message
):
    consent = _consent_id(app, due)
    before = _count_referrals(app)
    response = caseworker_client.post(
        "/admin/referral/new/", data=_referral_form(due, world, consent=str(consent), **overrides)
    )
    assert message in response.get_data(as_text=True)
    assert _count_referrals(app) == before


def _count_referrals(app):
    with app.app_context(), unscoped("test check"):
        return db.session.query(Referral).count()


def test_each_followup_links_to_its_case_and_its_record(app, caseworker_client, due):
    import re

    with app.app_context(), unscoped("test check"):
        case = db.session.get(Case, due)
        expected = {("measure", m.id) for m in db.session.query(Measure).filter_by(case_id=due)} | {
            ("referral", r.id) for r in db.session.query(Referral).filter_by(case_id=due)
        }
        expected |= {("goal", g.id) for g in db.session.query(Goal).filter_by(case_id=due)}
        expected |= {("client", case.client_id), ("case", due)}
    html = caseworker_client.get("/admin/followups/").get_data(as_text=True)
    rows = re.findall(
        r'<a href="/admin/case/details/\?id=(\d+)">[^<]*</a></td>\s*'
        r'<td><a href="/admin/([a-z_]+)/details/\?id=(\d+)">',
        html,
    )
    assert len(rows) == 5
    assert {int(case_id) for case_id, _e, _i in rows} == {due}
    assert {(endpoint, int(i)) for _c, endpoint, i in rows} == expected
