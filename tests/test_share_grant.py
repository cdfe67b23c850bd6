"""Granting a share needs a valid consent of the case's client naming the recipient."""

from datetime import date, timedelta

import pytest

from models import CaseShare, Consent, db
from models.scoping import unscoped
from tests import factories


@pytest.fixture
def arranged(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(authority)
        case = factories.make_case(client)
        other = factories.make_client(authority, family_name="Andere")
        consents = {}
        for name, owner, recipients, withdrawn in (
            ("valid", client, [world.foreign_authority], None),
            ("not_naming", client, [], None),
            ("withdrawn", client, [world.foreign_authority], date.today() - timedelta(1)),
            ("other_person", other, [world.foreign_authority], None),
        ):
            consent = Consent(
                client=owner,
                authority_id=owner.authority_id,
                purpose=f"Freigabe {name}",
                data_categories="Fall",
                given_on=date.today() - timedelta(days=10),
                withdrawn_on=withdrawn,
            )
            db.session.add(consent)
            db.session.flush()
            for recipient in recipients:
                consent.recipient_authorities.append(db.session.get(factories.Authority, recipient))
            consents[name] = consent.id
        db.session.commit()
        return {"case": case.id, **consents}


def _grant(client, world, arranged, consent):
    return client.post(
        "/admin/case_share/new/",
        data={
            "case": str(arranged["case"]),
            "authority": str(world.foreign_authority),
            "consent": str(arranged[consent]),
            "access": "read",
            "granted_on": date.today().isoformat(),
        },
    )


def _shares(app):
    with app.app_context(), unscoped("test check"):
        return [
            (s.case_id, s.authority_id, s.owner_authority_id) for s in db.session.query(CaseShare)
        ]


@pytest.mark.parametrize(
    ("consent", "message"),
    [
        ("not_naming", "nennt Stadt Detmold – Ausländerbehörde nicht als Empfängerin"),
        ("withdrawn", "nicht (mehr) gültig"),
        ("other_person", "gehört zu einer anderen Person"),
    ],
)
def test_share_without_a_fitting_consent_is_refused(
    app, team_lead_client, world, arranged, consent, message
):
    response = _grant(team_lead_client, world, arranged, consent)
    assert message in response.get_data(as_text=True)
    assert _shares(app) == []


def test_team_lead_shares_on_a_valid_consent(app, team_lead_client, world, arranged):
    assert _grant(team_lead_client, world, arranged, "valid").status_code == 302
    assert _shares(app) == [(arranged["case"], world.foreign_authority, world.authority)]
    with app.app_context(), unscoped("test check"):
        assert db.session.query(CaseShare).one().granted_by_id == world.team_lead


def test_caseworkers_do_not_share(app, caseworker_client, world, arranged):
    _grant(caseworker_client, world, arranged, "valid")
    assert _shares(app) == []
