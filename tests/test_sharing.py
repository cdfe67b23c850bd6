"""Cases shared with another authority through a client's consent (docs/design.md §4).

Every test runs in both directions: the first authority shares a case with the second, and
the second with the first. Shares are arranged directly in the database, as there is no
service for granting them yet.
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import (
    Activity,
    Agency,
    Authority,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    Client,
    Consent,
    Evaluation,
    Goal,
    HouseholdMember,
    Measure,
    Need,
    NeedArea,
    Referral,
    User,
    db,
)
from models.scoping import as_user, unscoped
from services.cases import record_needs
from tests import factories
from tests.test_access import (
    list_count,
    read,
    row_of,
    searched,
    snapshot,
    text_of,
    url,
    with_version,
)

SHARED_PARTS = ("need", "goal", "measure", "referral", "activity", "case_conference", "evaluation")
VISIBLE_ON = "02.03.2026"  # the shared, visible activity
CONFIDENTIAL_ON = "17.03.2026"  # the confidential activity: never outside the owner


def _shared_case(world, owner: Authority, recipient: Authority) -> dict:
    """A case of ``owner`` with every part, shared with ``recipient`` for reading."""
    with db.session.no_autoflush:
        language = db.session.get(NeedArea, world.language)
        client = factories.make_client(owner, family_name="Freigabe-Nachname", given_names="Mira")
        case = factories.make_case(client)
        (need,) = record_needs(case, [language])
        consent = Consent(
            client=client,
            authority_id=owner.id,
            purpose="Freigabe an die andere Behörde",
            data_categories="Stammdaten, Bedarfe",
            given_on=date.today() - timedelta(days=60),  # in force whenever the test runs
        )
        consent.recipient_authorities.append(recipient)
        goal = Goal(
            case=case,
            authority_id=owner.id,
            description="Freigegebenes Ziel",
            need_area=language,
            agreed_on=date(2026, 3, 3),
        )
        db.session.add_all([consent, goal])
        db.session.flush()
        owned = {"case": case, "authority_id": owner.id}
        rows = {
            "client": client,
            "case": case,
            "need": need,
            "goal": goal,
            "consent": consent,
            "household_member": HouseholdMember(
                client=client,
                authority_id=owner.id,
                relation="child",
                family_name="Freigabe-Kind",
                given_names="Noor",
            ),
            "measure": Measure(goal=goal, description="Freigegebene Maßnahme", **owned),
            "referral": Referral(
                agency=db.session.get(Agency, world.jobcenter),
                reason="Freigegebene Vermittlung",
                consent=consent,
                status="sent",
                sent_on=date(2026, 3, 4),
                **owned,
            ),
            "activity": Activity(
                occurred_on=date(2026, 3, 2),
                duration_minutes=45,
                summary="Sichtbarer Kontakt",
                **owned,
            ),
            "confidential": Activity(
                occurred_on=date(2026, 3, 17),
                duration_minutes=77,
                summary="VERTRAULICH-Beratung",
                confidential=True,
                **owned,
            ),
            "case_conference": CaseConference(
                held_on=date(2026, 3, 10), results="Freigegebene Konferenz", **owned
            ),
            "evaluation": Evaluation(
                evaluated_on=date(2026, 6, 1), success_rating=4, client_view="Zufrieden", **owned
            ),
            "share": CaseShare(
                case=case,
                owner_authority_id=owner.id,
                authority_id=recipient.id,
                consent=consent,
                access="read",
                granted_on=date(2026, 3, 5),
            ),
        }
        db.session.add_all(rows.values())
        # The same client's second case is not shared.
        other_case = factories.make_case(client, opened_on=date(2026, 4, 1))
        rows["other_case"] = other_case
        rows["other_goal"] = Goal(
            case=other_case, authority_id=owner.id, description="Nicht freigegebenes Ziel"
        )
        db.session.add(rows["other_goal"])
        db.session.flush()
    return {name: row.id for name, row in rows.items()}


@pytest.fixture(params=["first_shares_with_second", "second_shares_with_first"])
def shared(request, app, world):
    with app.app_context(), unscoped("test arrangement"):
        first = db.session.get(Authority, world.authority)
        second = db.session.get(Authority, world.foreign_authority)
        second_team_lead = factories.make_user("teamleitung@detmold.example", "team_lead", second)
        emails = {
            first.id: (world.emails["caseworker"], world.emails["team_lead"]),
            second.id: (world.emails["foreign_caseworker"], second_team_lead.email),
        }
        if request.param == "first_shares_with_second":
            owner, recipient = first, second
        else:
            owner, recipient = second, first
        ids = _shared_case(world, owner, recipient)
        # The recipient's own case, which the owner must not see in return.
        own_client = factories.make_client(recipient, family_name="EIGEN-Nachname")
        own_case = factories.make_case(own_client)
        own_goal = Goal(case=own_case, authority_id=recipient.id, description="EIGEN-Ziel")
        third = Authority(
            code="dritte", name="Dritte Stelle", kind="other", case_number_prefix="DS"
        )
        db.session.add_all([own_goal, third])
        db.session.commit()
        return SimpleNamespace(
            **ids,
            owner=owner.id,
            recipient=recipient.id,
            owner_caseworker=emails[owner.id][0],
            recipient_caseworker=emails[recipient.id][0],
            recipient_team_lead=emails[recipient.id][1],
            case_number=db.session.get(Case, ids["case"]).number,
            other_case_number=db.session.get(Case, ids["other_case"]).number,
            recipients_client=own_client.id,
            recipients_case=own_case.id,
            recipients_case_number=own_case.number,
            recipients_goal=own_goal.id,
            third=third.id,
            world=world,
        )


def _change(app, fn):
    with app.app_context(), unscoped("test arrangement"):
        fn()
        db.session.commit()


def _details(app, endpoint, row_id):
    return url(app, f"{endpoint}.details_view", id=row_id)


def _edits(s) -> dict:
    """An edit of every shared row that would be valid for its owner: (endpoint, id) → form,
    with the attribute and value that show whether it was saved."""
    case = str(s.case)
    return {
        "client": (
            s.client,
            {"family_name": "Übernommen", "given_names": "Mira", "gender": "female"},
            "family_name",
        ),
        "case": (
            s.case,
            {"client": str(s.client), "opened_on": "2026-03-01", "intake_summary": "Übernommen"},
            "intake_summary",
        ),
        "need": (
            s.need,
            {"case": case, "need_area": str(s.world.language), "description": "Übernommen"},
            "description",
        ),
        "goal": (s.goal, {"case": case, "description": "Übernommen"}, "description"),
        "measure": (
            s.measure,
            {
                "goal": str(s.goal),
                "description": "Übernommen",
                "responsible": "client",
                "status": "planned",
            },
            "description",
        ),
        "referral": (
            s.referral,
            {
                "case": case,
                "agency": str(s.world.jobcenter),
                "reason": "Übernommen",
                "status": "draft",
            },
            "reason",
        ),
        "activity": (
            s.activity,
            {
                "case": case,
                "occurred_on": "2026-03-02",
                "kind": "phone",
                "duration_minutes": "45",
                "summary": "Übernommen",
            },
            "summary",
        ),
        "case_conference": (
            s.case_conference,
            {"case": case, "held_on": "2026-03-10", "results": "Übernommen"},
            "results",
        ),
        "evaluation": (
            s.evaluation,
            {
                "case": case,
                "evaluated_on": "2026-06-01",
                "success_rating": "2",
                "effort_minutes": "0",
                "effort_assessment": "higher",
                "client_view": "Übernommen",
            },
            "client_view",
        ),
    }


MODELS = {
    "client": Client,
    "case": Case,
    "need": Need,
    "goal": Goal,
    "measure": Measure,
    "referral": Referral,
    "activity": Activity,
    "case_conference": CaseConference,
    "evaluation": Evaluation,
}


def _post_edit(app, browser, endpoint, row_id, form):
    return browser.post(
        url(app, f"{endpoint}.edit_view", id=row_id),
        data=with_version(app, endpoint, row_id, form),
    )


def _set_access(app, s, access):
    _change(app, lambda: setattr(db.session.get(CaseShare, s.share), "access", access))


# -- reading ------------------------------------------------------------------------------------


def test_read_share_shows_the_case_its_parts_and_the_clients_master_data(app, login_as, shared):
    browser = login_as(shared.recipient_caseworker)
    for endpoint in ("case", "client", *SHARED_PARTS):
        response = browser.get(_details(app, endpoint, getattr(shared, endpoint)))
        assert response.status_code == 200, endpoint
    client_page = browser.get(_details(app, "client", shared.client)).get_data(as_text=True)
    assert "Freigabe-Nachname" in client_page
    goals = browser.get(url(app, "goal.index_view")).get_data(as_text=True)
    assert "Freigegebenes Ziel" in goals
    cases = browser.get(url(app, "case.index_view")).get_data(as_text=True)
    assert shared.case_number in cases

    def checklist(email):
        user = db.session.scalars(select(User).where(User.email == email)).one()
        with as_user(user):
            return db.session.scalars(
                select(CaseChecklistItem.text).where(CaseChecklistItem.case_id == shared.case)
            ).all()

    assert read(app, lambda: checklist(shared.recipient_caseworker)) == read(
        app, lambda: checklist(shared.owner_caseworker)
    )
    assert len(read(app, lambda: checklist(shared.owner_caseworker))) == 3


def test_read_share_opens_nothing_beyond_the_case_and_the_clients_master_data(
    app, login_as, shared
):
    browser = login_as(shared.recipient_caseworker)
    for endpoint, row_id in (
        ("case", shared.other_case),
        ("goal", shared.other_goal),
        ("household_member", shared.household_member),
        ("consent", shared.consent),
    ):
        assert browser.get(_details(app, endpoint, row_id)).status_code == 404, endpoint
    cases = browser.get(url(app, "case.index_view")).get_data(as_text=True)
    assert shared.other_case_number not in cases
    # The subject access report (Art. 15 GDPR) is the owning authority's to give.
    report = url(app, "client.subject_access_view", id=shared.client, format="json")
    assert login_as(shared.recipient_team_lead).get(report).status_code == 404


def test_read_share_never_shows_confidential_activities(app, login_as, shared):
    browser = login_as(shared.recipient_caseworker)
    assert browser.get(_details(app, "activity", shared.confidential)).status_code == 404

    def summaries():
        user = db.session.scalars(
            select(User).where(User.email == shared.recipient_caseworker)
        ).one()
        with as_user(user):
            return db.session.scalars(
                select(Activity.summary).where(Activity.case_id == shared.case)
            ).all()

    assert read(app, summaries) == ["Sichtbarer Kontakt"]

    team_lead = login_as(shared.recipient_team_lead)
    for export_type in ("csv", "xlsx"):
        export = team_lead.get(url(app, "activity.export", export_type=export_type))
        assert export.status_code == 200
        assert VISIBLE_ON in text_of(export)
        assert CONFIDENTIAL_ON not in text_of(export)

    listing = browser.get(url(app, "activity.index_view"))
    assert VISIBLE_ON in listing.get_data(as_text=True)
    assert CONFIDENTIAL_ON not in listing.get_data(as_text=True)
    # Not even the number of rows may tell that a confidential note exists.
    assert list_count(listing) == 1  # the recipient has no activities of its own
    owner = login_as(shared.owner_caseworker)
    assert list_count(searched(app, owner, "activity", "VERTRAULICH")) == 1, "control"
    assert list_count(searched(app, browser, "activity", "VERTRAULICH")) == 0


def test_owner_does_not_see_the_recipients_own_cases_in_return(app, login_as, shared):
    browser = login_as(shared.owner_caseworker)
    for endpoint, row_id in (
        ("client", shared.recipients_client),
        ("case", shared.recipients_case),
        ("goal", shared.recipients_goal),
    ):
        assert browser.get(_details(app, endpoint, row_id)).status_code == 404, endpoint
    for endpoint in ("client", "case", "goal"):
        page = browser.get(url(app, f"{endpoint}.index_view")).get_data(as_text=True)
        assert "EIGEN" not in page, endpoint
        assert shared.recipients_case_number not in page
    assert list_count(searched(app, browser, "client", "EIGEN")) == 0


# -- writing ------------------------------------------------------------------------------------


def test_read_share_refuses_every_edit_of_the_case_its_parts_and_the_client(app, login_as, shared):
    browser = login_as(shared.recipient_caseworker)
    before = snapshot(app)
    for endpoint, (row_id, form, attr) in _edits(shared).items():
        response = _post_edit(app, browser, endpoint, row_id, form)
        assert response.status_code in (403, 404), endpoint
        assert row_of(app, MODELS[endpoint], row_id, attr) != "Übernommen", endpoint
    new_need = {"case": str(shared.case), "need_area": str(shared.world.work), "priority": "low"}
    assert browser.post(url(app, "need.create_view"), data=new_need).status_code in (403, 404)
    assert snapshot(app) == before


def test_the_recipient_cannot_archive_widen_or_pass_on_the_share(app, login_as, shared):
    team_lead = login_as(shared.recipient_team_lead)
    before = snapshot(app)
    archive = {"action": "archive", "rowid": str(shared.goal)}
    response = team_lead.post(url(app, "goal.action_view"), data=archive)
    assert response.status_code in (302, 403, 404)
    widen = {
        "case": str(shared.case),
        "authority": str(shared.recipient),
        "consent": str(shared.consent),
        "access": "write",
        "granted_on": "2026-03-05",
    }
    response = _post_edit(app, team_lead, "case_share", shared.share, widen)
    assert response.status_code in (200, 403, 404)  # 200: the consent is no valid choice
    pass_on = {**widen, "authority": str(shared.third), "access": "read"}
    response = team_lead.post(url(app, "case_share.create_view"), data=pass_on)
    assert response.status_code in (200, 403, 404)
    assert snapshot(app) == before


def test_write_share_lets_the_recipient_edit_case_parts_but_not_the_case_or_the_client(
    app, login_as, shared
):
    _set_access(app, shared, "write")
    browser = login_as(shared.recipient_caseworker)
    edits = _edits(shared)

    row_id, form, attr = edits["goal"]
    form = {**form, "description": "Von der anderen Behörde ergänzt"}
    assert _post_edit(app, browser, "goal", row_id, form).status_code == 302
    assert row_of(app, Goal, row_id, attr) == "Von der anderen Behörde ergänzt"

    before = snapshot(app)
    for endpoint in ("client", "case"):
        row_id, form, attr = edits[endpoint]
        assert _post_edit(app, browser, endpoint, row_id, form).status_code in (403, 404)
        assert row_of(app, MODELS[endpoint], row_id, attr) != "Übernommen"
    confidential = {"case": str(shared.case), "occurred_on": "2026-03-17", "summary": "Übernommen"}
    response = _post_edit(app, browser, "activity", shared.confidential, confidential)
    assert response.status_code == 404
    assert browser.get(_details(app, "activity", shared.confidential)).status_code == 404
    assert snapshot(app) == before


# -- ending -------------------------------------------------------------------------------------


def _revoke(s):
    db.session.get(CaseShare, s.share).revoked_on = date.today()


def _withdraw(s):
    db.session.get(Consent, s.consent).withdrawn_on = date.today()


def _expire(s):
    db.session.get(Consent, s.consent).valid_until = date.today() - timedelta(days=1)


def _unname(s):
    consent = db.session.get(Consent, s.consent)  # keep a reference while changing it
    consent.recipient_authorities.remove(db.session.get(Authority, s.recipient))


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(_revoke, id="share-revoked-today"),
        pytest.param(_withdraw, id="consent-withdrawn-today"),
        pytest.param(_expire, id="consent-expired-yesterday"),
        pytest.param(_unname, id="authority-removed-from-consent"),
    ],
)
def test_access_ends_on_the_very_next_request(app, login_as, shared, end):
    _set_access(app, shared, "write")
    browser = login_as(shared.recipient_caseworker)
    pages = [_details(app, endpoint, getattr(shared, endpoint)) for endpoint in ("case", "client")]
    pages += [_details(app, endpoint, getattr(shared, endpoint)) for endpoint in SHARED_PARTS]
    assert [browser.get(page).status_code for page in pages] == [200] * len(pages)

    _change(app, lambda: end(shared))

    assert [browser.get(page).status_code for page in pages] == [404] * len(pages)
    cases = browser.get(url(app, "case.index_view")).get_data(as_text=True)
    assert shared.case_number not in cases
    before = snapshot(app)
    row_id, form, attr = _edits(shared)["goal"]
    assert _post_edit(app, browser, "goal", row_id, form).status_code in (403, 404)
    assert snapshot(app) == before
