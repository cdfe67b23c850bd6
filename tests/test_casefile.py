"""The case file page and the case checklist (docs/design.md §5)."""

import re

import pytest

from models import Activity, CaseChecklistItem, Need, db
from models.scoping import unscoped
from services.cases import record_needs
from tests import factories


def _add_entries(app, world, case_id, n):
    """n more goals, measures, activities, referrals … on the same case."""
    with app.app_context(), unscoped("test arrangement"):
        case = db.session.get(factories.Case, case_id)
        consent = case.client.consents[0]
        for i in range(n):
            goal = factories.Goal(
                case=case, authority_id=case.authority_id, description=f"Ziel {i}"
            )
            db.session.add(goal)
            db.session.add_all(
                [
                    factories.Measure(
                        goal=goal, case=case, authority_id=case.authority_id, description=f"M{i}"
                    ),
                    Activity(case=case, authority_id=case.authority_id, duration_minutes=10),
                    factories.Referral(
                        case=case,
                        authority_id=case.authority_id,
                        agency_id=world.jobcenter,
                        reason=f"R{i}",
                        consent=consent,
                        status="sent",
                    ),
                    factories.CaseConference(
                        case=case,
                        authority_id=case.authority_id,
                        held_on=factories.date(2026, 4, 1),
                    ),
                ]
            )
        db.session.commit()


def test_case_file_shows_every_section_in_working_order(app, team_lead_client, case_id):
    html = team_lead_client.get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    order = [
        "Klient:in",
        "Einwilligungen",
        "Bedarfe",
        "Ziele und Maßnahmen",
        "Vermittlungen",
        "Kontakte",
        "Fallkonferenzen",
        "Checkliste",
        "Abschlussbewertung",
    ]
    positions = [html.index(f">{title}</h2>") for title in order]
    assert positions == sorted(positions)
    assert "Aufwand gesamt: 45 Minuten" in html
    assert "B1-Zertifikat erreichen" in html
    assert "Integrationskurs anmelden" in html


def test_case_file_links_add_entries_prefilled_with_the_case(app, team_lead_client, case_id):
    html = team_lead_client.get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    link = re.search(r'href="(/admin/activity/new/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    form = team_lead_client.get(link).get_data(as_text=True)
    assert re.search(rf'name="case"[^>]*value="{case_id}"', form) or (
        f'value="{case_id}"' in form and "KL-ABH-F-" in form
    )


def test_case_file_queries_do_not_grow_with_entries(
    app, world, team_lead_client, case_id, count_queries
):
    url = f"/admin/case/details/?id={case_id}"
    team_lead_client.get(url)
    with count_queries() as few:
        team_lead_client.get(url)
    _add_entries(app, world, case_id, 20)
    with count_queries() as many:
        html = team_lead_client.get(url).get_data(as_text=True)
    assert "Ziel 19" in html
    assert many.count == few.count


def _grow_to(app, world, case_id, parts=10, activities=50):
    """The case of ``make_full_case`` (one of each part) grown to ``parts`` needs, goals
    with a measure each and referrals, and ``activities`` contacts."""
    with app.app_context(), unscoped("test arrangement"):
        case = db.session.get(factories.Case, case_id)
        consent = case.client.consents[0]
        owned = {"case": case, "authority_id": case.authority_id}
        areas = [
            factories.NeedArea(code=f"grown_{i}", name=f"Feld {i}", position=50 + i)
            for i in range(1, parts)
        ]
        db.session.add_all(areas)
        db.session.flush()
        record_needs(case, areas)
        for i in range(1, parts):
            goal = factories.Goal(description=f"Ziel {i}", **owned)
            db.session.add_all(
                [
                    goal,
                    factories.Measure(goal=goal, description=f"Maßnahme {i}", **owned),
                    factories.Referral(
                        agency_id=world.jobcenter,
                        reason=f"Vermittlung {i}",
                        consent=consent,
                        status="sent",
                        **owned,
                    ),
                ]
            )
        db.session.add_all(
            Activity(duration_minutes=10, summary=f"Kontakt {i}", **owned)
            for i in range(1, activities)
        )
        db.session.commit()


@pytest.mark.parametrize("role", ["team_lead", "foreign_caseworker"])
@pytest.mark.parametrize("status", ["intake", "active"])
def test_big_case_file_takes_at_most_12_statements_as_many_as_a_small_one(
    app, world, login_as, case_id, count_queries, role, status
):
    """Everything counted: the user, the read record, the history, the reference lists."""
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(factories.Case, case_id).status = status
        db.session.commit()
    browser = login_as(role)
    url = f"/admin/case/details/?id={case_id}"
    browser.get(url)
    with count_queries() as small:
        assert browser.get(url).status_code == 200
    _grow_to(app, world, case_id)
    with count_queries() as big:
        html = browser.get(url).get_data(as_text=True)
    assert html.count('href="/admin/need/details/?id=') == 10
    assert html.count('href="/admin/goal/details/?id=') == 10
    assert html.count('href="/admin/measure/details/?id=') == 10
    assert html.count('href="/admin/referral/details/?id=') == 10
    assert html.count('href="/admin/activity/details/?id=') == 50
    assert big.count <= 12, "\n\n".join(big.statements)
    assert big.count == small.count


def _revoke_shares(app, case_id):
    with app.app_context(), unscoped("test arrangement"):
        for share in db.session.query(factories.CaseShare).filter_by(case_id=case_id):
            share.revoked_on = factories.date.today()
        db.session.commit()


def test_case_file_of_another_authority_is_not_found(app, foreign_client, case_id):
    assert foreign_client.get(f"/admin/case/details/?id={case_id}").status_code == 200  # shared
    _revoke_shares(app, case_id)
    assert foreign_client.get(f"/admin/case/details/?id={case_id}").status_code == 404


def _items(app, case_id):
    with app.app_context(), unscoped("test check"):
        return {
            i.text: (i.done_at, i.done_by_id, i.note)
            for i in db.session.query(CaseChecklistItem).filter_by(case_id=case_id)
        }


def test_checklist_groups_items_by_need_area_with_progress(app, caseworker_client, case_id):
    html = caseworker_client.get(f"/admin/case/checklist/?id={case_id}").get_data(as_text=True)
    assert "Allgemeiner Prozess" in html
    assert "0 von 2 Punkten erledigt" in html
    assert 'role="progressbar"' in html


def test_ticking_records_who_and_when_and_a_note(app, world, caseworker_client, case_id):
    with app.app_context(), unscoped("test check"):
        item_id = (
            db.session.query(CaseChecklistItem.id)
            .filter_by(case_id=case_id, text="Datenschutzhinweis ausgehändigt")
            .scalar()
        )
    response = caseworker_client.post(
        f"/admin/case/checklist/?id={case_id}",
        data={"item": str(item_id), "done": "1", "note": "per Post"},
    )
    assert response.status_code == 302
    done_at, done_by, note = _items(app, case_id)["Datenschutzhinweis ausgehändigt"]
    assert done_at is not None
    assert (done_by, note) == (world.caseworker, "per Post")
    page = caseworker_client.get(f"/admin/case/checklist/?id={case_id}").get_data(as_text=True)
    assert "erledigt von fallmanagement am" in page
    assert "1 von 2 Punkten erledigt" in page

    caseworker_client.post(
        f"/admin/case/checklist/?id={case_id}", data={"item": str(item_id), "done": "0"}
    )
    assert _items(app, case_id)["Datenschutzhinweis ausgehändigt"][:2] == (None, None)


def test_checklist_post_needs_csrf(app, csrf_app, world, case_id):
    from tests.conftest import csrf_login

    browser = csrf_app.test_client()
    csrf_login(browser, world.emails["caseworker"])
    with app.app_context(), unscoped("test check"):
        item_id = db.session.query(CaseChecklistItem.id).filter_by(case_id=case_id).first()[0]
    response = browser.post(
        f"/admin/case/checklist/?id={case_id}", data={"item": str(item_id), "done": "1"}
    )
    assert response.status_code == 400
    assert all(v[0] is None for v in _items(app, case_id).values())


def test_checklist_item_of_another_case_is_not_found(app, world, caseworker_client, case_id):
    with app.app_context(), unscoped("test arrangement"):
        other = factories.make_full_case(world, 1)
        db.session.commit()
        foreign_item = db.session.query(CaseChecklistItem.id).filter_by(case_id=other.id).first()[0]
    response = caseworker_client.post(
        f"/admin/case/checklist/?id={case_id}", data={"item": str(foreign_item), "done": "1"}
    )
    assert response.status_code == 404


def test_checklist_is_closed_to_other_authorities_and_roles(app, login_as, foreign_client, case_id):
    _revoke_shares(app, case_id)
    assert foreign_client.get(f"/admin/case/checklist/?id={case_id}").status_code == 404
    assert login_as("it_admin").get(f"/admin/case/checklist/?id={case_id}").status_code == 403


def test_read_share_cannot_tick_the_checklist(app, foreign_client, case_id):
    with app.app_context(), unscoped("test check"):
        item_id = db.session.query(CaseChecklistItem.id).filter_by(case_id=case_id).first()[0]
    response = foreign_client.post(
        f"/admin/case/checklist/?id={case_id}", data={"item": str(item_id), "done": "1"}
    )
    assert response.status_code == 404
    assert all(v[0] is None for v in _items(app, case_id).values())


def test_intake_records_several_needs_at_once_with_their_checklists(app, world, caseworker_client):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        case = factories.make_case(factories.make_client(authority, family_name="Viele"))
        db.session.commit()
        case_id = case.id
    page = caseworker_client.get(f"/admin/case/details/?id={case_id}").get_data(as_text=True)
    assert "Bedarfe aus dem Erstgespräch erfassen" in page
    response = caseworker_client.post(
        f"/admin/case/needs/?id={case_id}",
        data={"need_area": [str(world.language), str(world.work)]},
    )
    assert response.status_code == 302
    with app.app_context(), unscoped("test check"):
        needs = db.session.query(Need).filter_by(case_id=case_id).all()
        assert sorted(n.need_area.code for n in needs) == ["language", "work"]
        texts = [i.text for i in db.session.query(CaseChecklistItem).filter_by(case_id=case_id)]
        assert "Sprachstand erhoben" in texts


def test_needs_at_once_refuses_unknown_areas_and_other_authorities(
    app, world, caseworker_client, foreign_client, case_id
):
    response = caseworker_client.post(
        f"/admin/case/needs/?id={case_id}", data={"need_area": ["999999"]}, follow_redirects=True
    )
    assert "mindestens ein aktives Handlungsfeld" in response.get_data(as_text=True)
    _revoke_shares(app, case_id)
    response = foreign_client.post(
        f"/admin/case/needs/?id={case_id}", data={"need_area": [str(world.work)]}
    )
    assert response.status_code == 404
