"""The case-state conditions of services/due.py (docs/design.md §3, §5): the follow-up list,
the team-lead presets of the case list and the dashboard agree on every case, and a closed
case is read-only."""

import html as html_lib
import re
from datetime import date, timedelta

import pytest

from models import Activity, CaseChecklistItem, Consent, Goal, Measure, Need, Referral, db
from models.case import Case
from models.scoping import unscoped
from services import statistics as stats
from services.due import CaseClosed, ensure_editable, is_editable
from services.followups import followups
from tests import factories
from tests.statistics_data import rows

TODAY = date.today()
KINDS = ("measure", "referral", "goal", "no_contact")
# due: open and overdue; the controls must not count: a closed case, an archived case, and
# a date on the boundary (due today, or the last contact exactly 30 days ago).
VARIANTS = ("due", "closed", "archived", "boundary")
LABELS = {
    "measure": "Maßnahme fällig",
    "referral": "Vermittlung ohne Antwort",
    "goal": "Zieldatum überschritten",
    "no_contact": "Seit 30 Tagen kein Kontakt",
}
CONSENT = {"purpose": "Vermittlung", "data_categories": "Stammdaten", "given_on": TODAY}
PRESETS = {
    "dated": "flt0_ueberfaellig_ist=1",
    "no_contact": "flt0_ohne_kontakt_seit_30_tagen_ist=1",
}


def _family(kind, variant):
    return f"{kind.replace('_', '').title()}{variant.title()}"


def _add_part(world, case, consent, kind, on):
    owned = {"case": case, "authority_id": case.authority_id}
    if kind == "no_contact":
        db.session.add(Activity(occurred_on=on, duration_minutes=20, **owned))
        return
    # Every other case had a contact today, so that only its part makes it due.
    db.session.add(Activity(occurred_on=TODAY, duration_minutes=20, **owned))
    goal = Goal(
        description=f"Ziel {case.number}",
        target_date=on if kind == "goal" else TODAY + timedelta(days=90),
        **owned,
    )
    db.session.add(goal)
    if kind == "measure":
        db.session.add(Measure(goal=goal, description="Kurs anmelden", due_on=on, **owned))
    elif kind == "referral":
        sent = {"status": "sent", "sent_on": on - timedelta(days=14), "follow_up_on": on}
        db.session.add(
            Referral(agency_id=world.jobcenter, consent=consent, reason="Beratung", **sent, **owned)
        )


@pytest.fixture
def cases(app, world):
    """{(kind, variant): (case id, case number, client's family name)}."""
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        made = {}
        for kind in KINDS:
            for variant in VARIANTS:
                client = factories.make_client(authority, family_name=_family(kind, variant))
                case = factories.make_case(
                    client, caseworker_id=world.caseworker, opened_on=TODAY - timedelta(days=60)
                )
                case.status = "active"
                consent = Consent(client=client, authority_id=client.authority_id, **CONSENT)
                db.session.add(consent)
                db.session.flush()
                consent.recipient_agencies.append(db.session.get(factories.Agency, world.jobcenter))
                if kind == "no_contact":
                    on = TODAY - timedelta(days=30 if variant == "boundary" else 31)
                else:
                    on = TODAY if variant == "boundary" else TODAY - timedelta(days=3)
                _add_part(world, case, consent, kind, on)
                if variant == "closed":
                    case.status, case.closed_on = "closed", TODAY - timedelta(days=1)
                if variant == "archived":
                    case.archived_at = factories.utcnow_for_tests()
                made[kind, variant] = (case.id, case.number, client.family_name)
        db.session.commit()
        return made


def _shown(html, cases, kind):
    """The variants of ``kind`` whose client is named on a case list page."""
    return {v for v in VARIANTS if f"{cases[kind, v][2]}, Amira" in html}


def _overdue_rows(html):
    """{(kind label, case number)} of the follow-up page's rows marked overdue."""
    found = set()
    for css, row in re.findall(r'<tr class="([^"]*)">(.*?)</tr>', html, re.S):
        if "table-warning" in css:
            cells = re.findall(r"<td>(?:<a [^>]*>)?([^<]*)", row)
            found.add((cells[1], cells[2]))
    return found


def test_follow_up_list_presets_and_dashboard_agree_on_each_case(
    app, world, cases, login_as, team_lead_client
):
    with app.app_context(), unscoped("test check"):
        items = followups(world.authority, today=TODAY)
        counts = stats.follow_up_counts(world.authority, day=TODAY)
    ids = {case_id: key for key, (case_id, _number, _name) in cases.items()}
    overdue = {ids[i.case_id] for i in items if i.due_on < TODAY and i.case_id in ids}
    expected = {(kind, "due") for kind in KINDS}
    # The follow-up list (service): each kind's due case, none of the controls.
    assert overdue == expected
    assert all(ids[i.case_id][0] == i.kind for i in items if i.due_on < TODAY)
    # The rendered follow-up list.
    page = login_as("caseworker").get("/admin/followups/?scope=team").get_data(as_text=True)
    assert _overdue_rows(page) == {(LABELS[k], cases[k, "due"][1]) for k in KINDS}
    # The presets, through the links of the team lead's menu.
    menu = team_lead_client.get("/admin/").get_data(as_text=True)
    links = {
        name: html_lib.unescape(re.search(rf'href="([^"]*{re.escape(arg)}[^"]*)"', menu)[1])
        for name, arg in PRESETS.items()
    }
    listed = {name: team_lead_client.get(url).get_data(as_text=True) for name, url in links.items()}
    for kind in KINDS:
        preset = listed["no_contact" if kind == "no_contact" else "dated"]
        assert _shown(preset, cases, kind) == {"due"}, kind
        # The dashboard: one overdue of each kind, as the list and the preset say.
        assert counts[kind]["overdue"] == 1, kind
    team = rows(menu, "team-followups")
    for kind in KINDS:
        assert team[LABELS[kind]][0] == "1", kind


def test_the_boundary_is_due_but_not_overdue(app, world, cases):
    """Due today: the list shows the measure and the referral, not yet overdue; a goal is
    listed once its date has passed; a case's 30 days end the day after the 30th."""
    with app.app_context(), unscoped("test check"):
        items = followups(world.authority, today=TODAY)
        counts = stats.follow_up_counts(world.authority, day=TODAY)
    listed = {(i.kind, i.due_on) for i in items if i.case_id == cases[i.kind, "boundary"][0]}
    assert listed == {("measure", TODAY), ("referral", TODAY)}
    for kind in ("measure", "referral", "goal", "no_contact"):
        assert counts[kind]["week"] >= 1, kind  # the boundary case is due this week


def test_a_preset_says_no_for_the_cases_it_leaves_out(app, cases, team_lead_client):
    html = team_lead_client.get("/admin/case/?flt0_ueberfaellig_ist=0").get_data(as_text=True)
    assert _shown(html, cases, "measure") == {"closed", "archived", "boundary"}
    html = team_lead_client.get("/admin/case/?flt0_ohne_kontakt_seit_30_tagen_ist=0").get_data(
        as_text=True
    )
    assert _shown(html, cases, "no_contact") == {"closed", "archived", "boundary"}


# -- the closed-case rule ------------------------------------------------------------------


@pytest.fixture
def case_id(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        case = factories.make_case(factories.make_client(authority), caseworker_id=world.caseworker)
        db.session.commit()
        return case.id


def _set_status(app, case_id, status):
    with app.app_context(), unscoped("test arrangement"):
        db.session.get(Case, case_id).status = status
        db.session.commit()


@pytest.mark.parametrize("status", ["closed", "declined"])
def test_ensure_editable_refuses_a_closed_case(app, case_id, status):
    _set_status(app, case_id, status)
    with app.app_context(), unscoped("test check"):
        case = db.session.get(Case, case_id)
        assert not is_editable(case)
        with pytest.raises(CaseClosed):
            ensure_editable(case)
        # Setting the status in the same change does not unlock it.
        case.status = "active"
        with pytest.raises(CaseClosed):
            ensure_editable(case)
        db.session.rollback()


@pytest.mark.parametrize("status", ["intake", "planning", "active", "on_hold", "evaluation"])
def test_ensure_editable_lets_an_open_case_change(app, case_id, status):
    _set_status(app, case_id, status)
    with app.app_context(), unscoped("test check"):
        case = db.session.get(Case, case_id)
        assert is_editable(case)
        ensure_editable(case)
        case.status = "closed"  # the change that closes it is still allowed
        ensure_editable(case)
        db.session.rollback()
    assert CaseClosed.message == "Der Fall ist abgeschlossen und kann nicht mehr geändert werden."


def test_a_new_case_is_editable(app):
    with app.app_context():
        ensure_editable(Case(status="closed"))


def test_views_refuse_needs_and_ticks_on_a_closed_case(app, case_id, caseworker_client):
    _set_status(app, case_id, "closed")
    with app.app_context(), unscoped("test check"):
        item = db.session.query(CaseChecklistItem).filter_by(case_id=case_id).first()
        item_id = item.id
    response = caseworker_client.post(
        f"/admin/case/needs/?id={case_id}", data={"need_area": "1"}, follow_redirects=True
    )
    assert "Der Fall ist abgeschlossen und kann nicht mehr geändert werden." in response.get_data(
        as_text=True
    )
    response = caseworker_client.post(
        f"/admin/case/checklist/?id={case_id}",
        data={"item": str(item_id), "done": "1"},
        follow_redirects=True,
    )
    assert "Der Fall ist abgeschlossen und kann nicht mehr geändert werden." in response.get_data(
        as_text=True
    )
    with app.app_context(), unscoped("test check"):
        assert db.session.query(Need).filter_by(case_id=case_id).count() == 0
        assert db.session.get(CaseChecklistItem, item_id).done_at is None
