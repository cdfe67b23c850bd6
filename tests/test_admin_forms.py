"""Creating records through the admin forms runs the services and refuses bad input in German."""

import pytest

from models import Case, CaseChecklistItem, Client, Goal, Measure, Need, Referral, db
from models.scoping import unscoped
from tests import factories
from tests.test_access import form_errors


@pytest.fixture
def arranged(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(authority)
        case = factories.make_case(client)
        goal = Goal(case=case, authority_id=case.authority_id, description="Arbeit finden")
        db.session.add(goal)
        db.session.commit()
        return {"client": client.id, "case": case.id, "goal": goal.id}


def _check(app, fn):
    with app.app_context(), unscoped("test check"):
        return fn()


def test_new_client_gets_the_next_number_of_its_authority(app, caseworker_client, world):
    response = caseworker_client.post(
        "/admin/client/new/",
        data={
            "family_name": "Yilmaz",
            "given_names": "Elif",
            "gender": "female",
            "nationality": "TUR",
            "languages": ["tur", "deu"],
            "birth_date": "1991-02-03",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    client = _check(app, lambda: db.session.query(Client).one())
    assert client.number.startswith("KL-ABH-")
    assert client.number.endswith("-00001")
    assert client.authority_id == world.authority
    assert client.languages == ["tur", "deu"]
    assert client.created_by_id == world.caseworker


def test_unknown_country_code_is_refused(app, caseworker_client, world):
    response = caseworker_client.post(
        "/admin/client/new/",
        data={"family_name": "X", "given_names": "Y", "gender": "female", "nationality": "ZZZ"},
    )
    assert response.status_code == 200
    assert _check(app, lambda: db.session.query(Client).count()) == 0


def test_new_case_is_numbered_and_gets_the_general_checklist(
    app, caseworker_client, world, arranged
):
    response = caseworker_client.post(
        "/admin/case/new/", data={"client": str(arranged["client"]), "opened_on": "2026-04-01"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]

    def created():
        case = db.session.query(Case).order_by(Case.id.desc()).first()
        items = db.session.query(CaseChecklistItem).filter_by(case_id=case.id).all()
        return case.number, case.caseworker_id, sorted(i.text for i in items)

    number, caseworker_id, items = _check(app, created)
    assert number == "KL-ABH-F-2026-00002"
    assert caseworker_id == world.caseworker
    assert items == ["Datenschutzhinweis ausgehändigt", "Erstgespräch dokumentiert"]


def test_new_need_copies_its_area_checklist(app, caseworker_client, world, arranged):
    response = caseworker_client.post(
        "/admin/need/new/",
        data={"case": str(arranged["case"]), "need_area": str(world.language), "priority": "high"},
    )
    assert response.status_code == 302
    texts = _check(
        app,
        lambda: [
            i.text
            for i in db.session.query(CaseChecklistItem).filter_by(
                case_id=arranged["case"], need_area_id=world.language
            )
        ],
    )
    assert texts == ["Sprachstand erhoben"]


def test_duplicate_need_area_gives_a_german_message_without_database_text(
    app, caseworker_client, world, arranged
):
    data = {"case": str(arranged["case"]), "need_area": str(world.work), "priority": "low"}
    assert caseworker_client.post("/admin/need/new/", data=data).status_code == 302
    response = caseworker_client.post("/admin/need/new/", data=data)
    html = response.get_data(as_text=True)
    assert "widerspricht einer Regel der Datenbank" in html
    assert "UNIQUE" not in html
    assert "IntegrityError" not in html
    assert (
        _check(app, lambda: db.session.query(Need).filter_by(need_area_id=world.work).count()) == 1
    )


def test_measure_takes_its_case_from_its_goal(app, caseworker_client, world, arranged):
    response = caseworker_client.post(
        "/admin/measure/new/",
        data={
            "goal": str(arranged["goal"]),
            "description": "Bewerbung schreiben",
            "responsible": "client",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    measure = _check(app, lambda: db.session.query(Measure).one())
    assert (measure.case_id, measure.authority_id) == (arranged["case"], world.authority)


def test_done_measure_without_date_is_refused_in_german(app, caseworker_client, world, arranged):
    response = caseworker_client.post(
        "/admin/measure/new/",
        data={
            "goal": str(arranged["goal"]),
            "description": "Bewerbung schreiben",
            "responsible": "client",
            "status": "done",
        },
    )
    assert "braucht ein Erledigungsdatum" in response.get_data(as_text=True)
    assert _check(app, lambda: db.session.query(Measure).count()) == 0


def test_sent_referral_without_consent_is_refused_in_german(
    app, caseworker_client, world, arranged
):
    response = caseworker_client.post(
        "/admin/referral/new/",
        data={
            "case": str(arranged["case"]),
            "agency": str(world.jobcenter),
            "reason": "Arbeitsvermittlung",
            "status": "sent",
            "sent_on": "2026-04-02",
        },
    )
    assert "braucht eine Einwilligung" in response.get_data(as_text=True)
    assert _check(app, lambda: db.session.query(Referral).count()) == 0


def test_bad_enumeration_value_in_a_form_is_refused(app, caseworker_client, world, arranged):
    response = caseworker_client.post(
        "/admin/need/new/",
        data={"case": str(arranged["case"]), "need_area": str(world.work), "priority": "urgent"},
    )
    assert response.status_code == 200
    assert "Keine gültige Auswahl" in response.get_data(as_text=True) or "gültig" in (
        response.get_data(as_text=True)
    )
    assert _check(app, lambda: db.session.query(Need).count()) == 0


def test_archive_action_archives_instead_of_deleting(app, team_lead_client, world, arranged):
    response = team_lead_client.post(
        "/admin/client/action/", data={"action": "archive", "rowid": str(arranged["client"])}
    )
    assert response.status_code == 302
    client = _check(app, lambda: db.session.get(Client, arranged["client"]))
    assert client is not None
    assert client.archived_at is not None


def test_caseworker_may_not_archive(app, caseworker_client, world, arranged):
    caseworker_client.post(
        "/admin/client/action/", data={"action": "archive", "rowid": str(arranged["client"])}
    )
    assert _check(app, lambda: db.session.get(Client, arranged["client"]).archived_at) is None


def test_delete_endpoint_deletes_nothing(app, team_lead_client, world, arranged):
    team_lead_client.post("/admin/client/delete/", data={"id": str(arranged["client"])})
    assert _check(app, lambda: db.session.get(Client, arranged["client"])) is not None


def test_dropdowns_offer_active_entries_and_keep_an_inactive_value(
    app, caseworker_client, world, arranged
):
    with app.app_context(), unscoped("test arrangement"):
        route = db.session.get(factories.AccessRoute, world.access_route)
        retired = factories.AccessRoute(code="fax", name="Per Fax", active=False)
        db.session.add(retired)
        db.session.flush()
        case = db.session.get(Case, arranged["case"])
        case.access_route = retired
        db.session.commit()
        retired_id, route_name = retired.id, route.name
    new_form = caseworker_client.get("/admin/case/new/").get_data(as_text=True)
    assert route_name in new_form
    assert "Per Fax" not in new_form
    edit_form = caseworker_client.get(f"/admin/case/edit/?id={arranged['case']}").get_data(
        as_text=True
    )
    assert f'selected value="{retired_id}">Per Fax' in edit_form or (
        "Per Fax" in edit_form and "selected" in edit_form.split("Per Fax")[0][-80:]
    )


def test_it_admin_deletes_an_unused_reference_entry(app, it_admin_client, world):
    with app.app_context(), unscoped("test arrangement"):
        unused = factories.TargetGroup(code="unused", name="Unbenutzt")
        db.session.add(unused)
        db.session.commit()
        unused_id = unused.id
    response = it_admin_client.post("/admin/target_group/delete/", data={"id": str(unused_id)})
    assert response.status_code == 302
    with app.app_context(), unscoped("test check"):
        assert db.session.get(factories.TargetGroup, unused_id) is None


def test_deleting_a_reference_entry_in_use_is_refused_in_german(
    app, it_admin_client, world, arranged
):
    response = it_admin_client.post(
        "/admin/need_area/delete/", data={"id": str(world.language)}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "„Sprache“ wird noch verwendet und kann nicht gelöscht werden" in html
    assert "IntegrityError" not in html
    assert "FOREIGN KEY" not in html
    with app.app_context(), unscoped("test check"):
        assert db.session.get(factories.NeedArea, world.language) is not None


def test_only_it_admins_delete_reference_data(app, team_lead_client, world):
    team_lead_client.post("/admin/need_area/delete/", data={"id": str(world.work)})
    with app.app_context(), unscoped("test check"):
        assert db.session.get(factories.NeedArea, world.work) is not None


def test_the_empty_choice_of_an_optional_relation_reads_as_a_dash(caseworker_client, world):
    html = caseworker_client.get("/admin/client/new/").get_data(as_text=True)
    select = html[html.index('id="residence_status"') :]
    select = select[: select.index("</select>")]
    assert '<option selected value="__None">–</option>' in select
    assert ">__None<" not in html


def test_a_caseworker_edits_a_colleagues_case_without_taking_it_over(
    app, login_as, world, arranged
):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        colleague = factories.make_user("kollegin@kreis-lippe.example", "caseworker", authority)
        db.session.get(Case, arranged["case"]).caseworker_id = world.caseworker
        db.session.commit()
        colleague_id = colleague.id
        version = db.session.get(Case, arranged["case"]).version
    browser = login_as("kollegin@kreis-lippe.example")
    form = {
        "version_token": str(version),
        "client": str(arranged["client"]),
        "caseworker": str(world.caseworker),
        "opened_on": "2026-03-01",
        "intake_summary": "ergänzt von der Kollegin",
    }
    saved = browser.post(f"/admin/case/edit/?id={arranged['case']}", data=form)
    assert saved.status_code == 302, form_errors(saved)
    # Giving the case to someone else stays the team lead's.
    form.update(version_token=str(version + 1), caseworker=str(world.team_lead))
    refused = browser.post(f"/admin/case/edit/?id={arranged['case']}", data=form)
    assert refused.status_code == 200
    assert "Nur die Teamleitung weist Fälle anderen zu." in refused.get_data(as_text=True)
    case = _check(app, lambda: db.session.get(Case, arranged["case"]))
    assert (case.intake_summary, case.caseworker_id, case.version) == (
        "ergänzt von der Kollegin",
        world.caseworker,
        version + 1,
    )
    assert colleague_id != world.caseworker
