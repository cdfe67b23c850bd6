"""Four eyes for the IT role: a second it_admin confirms, in the web view and the CLI."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, RoleGrant, User, db
from models.scoping import unscoped
from models.types import utcnow
from services import role_grants
from services.role_grants import RoleGrantRefused
from services.users import UserError, create_user
from tests import factories
from tests.conftest import csrf_token_from, submit_second_factor

PASSWORD = factories.PASSWORD


@pytest.fixture
def second_it(app, world):
    """A second it_admin, of the other authority: IT is installation-wide."""
    with app.app_context(), unscoped("test arrangement"):
        foreign = db.session.get(factories.Authority, world.foreign_authority)
        user = factories.make_user("it@detmold.example", "it_admin", foreign)
        db.session.commit()
        return user.email


def _user(app, email) -> User:
    with app.app_context(), unscoped("test check"):
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def _grants(app) -> list[tuple]:
    with app.app_context(), unscoped("test check"):
        rows = db.session.scalars(select(RoleGrant).order_by(RoleGrant.id))
        return [(g.id, g.user.email, g.role, g.status, g.requested_by.email) for g in rows]


def _audit(app, object_type="role_grant") -> list[tuple]:
    with app.app_context(), unscoped("test check"):
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == object_type).order_by(AuditEvent.id)
        )
        return [(e.action, e.user_id, e.object_id, e.changes) for e in rows]


def _get(email):
    return db.session.scalars(select(User).where(User.email == email)).one()


# -- the rule, as a service --------------------------------------------------------------------


def test_a_request_leaves_the_role_until_a_second_it_admin_confirms(app, world, second_it):
    target_email = world.emails["caseworker"]
    with app.test_request_context(), unscoped("test"):
        it, other, target = _get(world.emails["it_admin"]), _get(second_it), _get(target_email)
        token = target.session_token
        user, grant = role_grants.set_role(target_email, "it_admin", by=it)
        db.session.commit()
        assert grant.status == "pending"
        assert target.role == "caseworker"
        assert target.session_token == token
        assert grant.expires_at - grant.requested_at == timedelta(hours=72)

        role_grants.confirm(grant, by=other)
        db.session.commit()
        assert target.role == "it_admin"
        assert target.session_token != token  # the new rights apply from the next request
        assert (grant.status, grant.decided_by_id) == ("confirmed", other.id)
    actions = [(action, changes.get("status")) for action, _u, _o, changes in _audit(app)]
    assert actions == [("create", [None, "pending"]), ("update", ["pending", "confirmed"])]
    role_changes = [c for a, _u, _o, c in _audit(app, "user") if a == "update" and "role" in c]
    assert role_changes == [{"role": ["caseworker", "it_admin"], "session_token": ["***", "***"]}]


def test_neither_the_requester_nor_the_account_confirms(app, world, second_it):
    with app.test_request_context(), unscoped("test"):
        it, target = _get(world.emails["it_admin"]), _get(world.emails["team_lead"])
        grant = role_grants.request_role(target, "it_admin", by=it)
        db.session.commit()
        with pytest.raises(RoleGrantRefused, match="eigenen Antrag"):
            role_grants.confirm(grant, by=it)
        db.session.rollback()
        # Had the account come by the role some other way, it still could not confirm.
        target.role = "it_admin"
        with pytest.raises(RoleGrantRefused, match="eigene Konto"):
            role_grants.confirm(grant, by=target)
        db.session.rollback()
        with pytest.raises(RoleGrantRefused, match="Nur ein aktives Konto"):
            role_grants.confirm(grant, by=_get(world.emails["auditor"]))
        db.session.rollback()
        assert (grant.status, target.role) == ("pending", "team_lead")


def test_only_an_active_it_admin_requests_and_not_for_themselves(app, world, second_it):
    with app.test_request_context(), unscoped("test"):
        lead, it = _get(world.emails["team_lead"]), _get(world.emails["it_admin"])
        with pytest.raises(RoleGrantRefused, match="Nur ein aktives Konto"):
            role_grants.set_role(world.emails["caseworker"], "it_admin", by=lead)
        with pytest.raises(RoleGrantRefused, match="beantragt eine Person"):
            role_grants.set_role(world.emails["caseworker"], "it_admin", by=None)
        with pytest.raises(RoleGrantRefused, match="schon"):
            role_grants.request_role(_get(second_it), "it_admin", by=it)
        db.session.rollback()
        role_grants.request_role(_get(world.emails["caseworker"]), "it_admin", by=it)
        with pytest.raises(RoleGrantRefused, match="wartet schon der Antrag"):
            role_grants.request_role(_get(world.emails["caseworker"]), "it_admin", by=it)


def test_an_expired_request_cannot_be_confirmed_and_makes_way_for_a_new_one(app, world, second_it):
    with app.test_request_context(), unscoped("test"):
        it, target = _get(world.emails["it_admin"]), _get(world.emails["caseworker"])
        grant = role_grants.request_role(target, "it_admin", by=it)
        grant.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        with pytest.raises(RoleGrantRefused, match="abgelaufen"):
            role_grants.confirm(grant, by=_get(second_it))
        db.session.rollback()
        assert target.role == "caseworker"
        again = role_grants.request_role(target, "it_admin", by=it)
        db.session.commit()
        assert (grant.status, again.status) == ("expired", "pending")


def test_the_expiry_follows_the_configuration(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOTSE_ROLE_GRANT_HOURS", 4)
    with app.test_request_context(), unscoped("test"):
        target = _get(world.emails["caseworker"])
        grant = role_grants.request_role(target, "it_admin", by=_get(world.emails["it_admin"]))
        assert grant.expires_at - grant.requested_at == timedelta(hours=4)


def test_a_rejected_request_gives_nothing_and_cannot_be_confirmed_later(app, world, second_it):
    with app.test_request_context(), unscoped("test"):
        it, target = _get(world.emails["it_admin"]), _get(world.emails["caseworker"])
        grant = role_grants.request_role(target, "it_admin", by=it)
        role_grants.reject(grant, by=it)  # the requester withdraws
        db.session.commit()
        with pytest.raises(RoleGrantRefused, match="schon entschieden"):
            role_grants.confirm(grant, by=_get(second_it))
        assert target.role == "caseworker"


def test_other_roles_are_changed_at_once(app, world):
    with app.test_request_context(), unscoped("test"):
        user, grant = role_grants.set_role(world.emails["caseworker"], "team_lead")
        assert grant is None
        assert user.role == "team_lead"


def test_bootstrap_without_an_active_it_admin_gives_the_role_at_once(app, world):
    with app.test_request_context(), unscoped("test"):
        _get(world.emails["it_admin"]).active = False
        db.session.flush()
        assert not role_grants.needs_confirmation("it_admin")
        user, grant = role_grants.set_role(world.emails["caseworker"], "it_admin")
        assert grant is None
        assert user.role == "it_admin"


def test_a_new_account_gets_the_it_role_only_on_a_fresh_installation(app, world, second_it):
    kwargs = {"display_name": "Neu", "role": "it_admin", "authority_code": "kreis_lippe_abh"}
    with app.test_request_context(), unscoped("test"):
        with pytest.raises(UserError, match="nicht sofort erhalten"):
            create_user(email="neu@kreis-lippe.example", **kwargs)
        _get(world.emails["it_admin"]).active = False
        _get(second_it).active = False
        db.session.flush()
        user, _password = create_user(email="erst@kreis-lippe.example", **kwargs)
        assert user.role == "it_admin"


def test_a_single_it_admin_gives_the_role_at_once_as_nobody_could_confirm(app, world):
    """With one active it_admin, a request could never be confirmed: the second IT account
    of an installation gets the role at once, and from then on four eyes apply."""
    kwargs = {"display_name": "Zweite", "role": "it_admin", "authority_code": "kreis_lippe_abh"}
    with app.test_request_context(), unscoped("test"):
        assert role_grants.active_confirmers() == 1
        assert not role_grants.needs_confirmation("it_admin")
        second, _password = create_user(email="zweite@kreis-lippe.example", **kwargs)
        assert second.role == "it_admin"
        db.session.flush()
        assert role_grants.needs_confirmation("it_admin")
        with pytest.raises(UserError, match="nicht sofort erhalten"):
            create_user(email="dritte@kreis-lippe.example", **kwargs)
        user, grant = role_grants.set_role(
            world.emails["caseworker"], "it_admin", by=_get(world.emails["it_admin"])
        )
        assert grant is not None
        assert user.role == "caseworker"


def test_first_run_creates_the_demo_it_admin_on_a_fresh_installation(app):
    from seed.first_run import DEMO_AUTHORITY, create_demo_accounts

    with app.test_request_context(), unscoped("test"):
        db.session.add(
            factories.Authority(
                code=DEMO_AUTHORITY, name="Demo", kind="immigration_office", case_number_prefix="D"
            )
        )
        db.session.flush()
        accounts = create_demo_accounts()
        assert {a.role for a in accounts} == {"caseworker", "team_lead", "it_admin", "auditor"}


# -- the CLI -----------------------------------------------------------------------------------


def _cli(runner, *args, password=PASSWORD):
    return runner.invoke(args=["users", *args, "--password-stdin"], input=f"{password}\n")


def test_cli_requests_and_a_second_it_admin_confirms(app, runner, world, second_it):
    it, target = world.emails["it_admin"], world.emails["caseworker"]
    asked = _cli(runner, "set-role", target, "it_admin", "--by", it)
    assert asked.exit_code == 0, asked.output
    assert "Antrag Nr. 1" in asked.output
    assert "confirm-role 1" in asked.output
    assert _user(app, target).role == "caseworker"

    listed = runner.invoke(args=["users", "role-requests"])
    assert listed.output.startswith(f"1\t{target}\tit_admin\t{it}\t")

    own = _cli(runner, "confirm-role", "1", "--by", it)
    assert own.exit_code == 1
    assert own.output.strip().splitlines() == [
        "Fehler: Den eigenen Antrag kann man nicht selbst bestätigen; das muss eine zweite "
        "Person der IT-Administration tun."
    ]
    assert _user(app, target).role == "caseworker"
    assert _grants(app)[0][3] == "pending"

    done = _cli(runner, "confirm-role", "1", "--by", second_it)
    assert done.exit_code == 0, done.output
    assert _user(app, target).role == "it_admin"
    audit = _audit(app)
    denied = [(u, o, c["operation"]) for a, u, o, c in audit if a == "denied"]
    assert denied == [(_user(app, it).id, 1, "confirm")]
    assert [a for a, *_rest in audit if a != "denied"] == ["create", "update"]
    assert audit[-1][1] == _user(app, second_it).id  # the confirmation is the second person's


def test_cli_needs_the_acting_it_admins_password(app, runner, world, second_it):
    target = world.emails["caseworker"]
    missing = runner.invoke(args=["users", "set-role", target, "it_admin"])
    assert missing.exit_code == 1
    assert "beantragt eine Person" in missing.output
    wrong = _cli(runner, "set-role", target, "it_admin", "--by", second_it, password="falsch")
    assert wrong.exit_code == 1
    assert wrong.output.strip() == f"Fehler: das Passwort von {second_it} stimmt nicht"
    nobody = _cli(runner, "set-role", target, "it_admin", "--by", "niemand@x.example")
    assert nobody.exit_code == 1
    assert "kein Benutzerkonto" in nobody.output
    lead = _cli(runner, "set-role", target, "it_admin", "--by", world.emails["team_lead"])
    assert lead.exit_code == 1, lead.output
    assert "Nur ein aktives Konto" in lead.output
    assert _grants(app) == []
    assert "Traceback" not in wrong.output + lead.output
    unknown = _cli(runner, "confirm-role", "77", "--by", second_it)
    assert unknown.output.strip() == "Fehler: Es gibt keinen Rollenantrag Nr. 77."


def test_cli_reject_and_the_first_it_admin_of_a_fresh_installation(app, runner, world, second_it):
    it, target = world.emails["it_admin"], world.emails["caseworker"]
    assert _cli(runner, "set-role", target, "it_admin", "--by", it).exit_code == 0
    rejected = _cli(runner, "reject-role", "1", "--by", second_it)
    assert rejected.exit_code == 0, rejected.output
    assert _grants(app)[0][3] == "rejected"
    assert _user(app, target).role == "caseworker"

    created = runner.invoke(
        args=["users", "create", "neu@kreis-lippe.example", "--name", "N", "--role", "it_admin",
              "--authority", "kreis_lippe_abh"],
    )  # fmt: skip
    assert created.exit_code == 1
    assert "nicht sofort erhalten" in created.output
    for email in (it, second_it):
        assert runner.invoke(args=["users", "deactivate", email]).exit_code == 0
    first = runner.invoke(args=["users", "set-role", target, "it_admin"])
    assert first.exit_code == 0, first.output
    assert _user(app, target).role == "it_admin"


# -- the web view ------------------------------------------------------------------------------


def _user_form(user: User, role: str) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "authority": str(user.authority_id),
        "role": role,
        "active": "y",
        "locale": user.locale,
        "version_token": str(user.version),
    }


def test_web_the_user_form_requests_and_a_second_it_admin_confirms(app, login_as, world, second_it):
    target = _user(app, world.emails["caseworker"])
    it = login_as("it_admin")
    saved = it.post(
        f"/admin/user/edit/?id={target.id}",
        data=_user_form(target, "it_admin"),
        follow_redirects=True,
    )
    assert "ist beantragt (Antrag Nr. 1)" in saved.get_data(as_text=True)
    assert _user(app, target.email).role == "caseworker"

    page = it.get("/admin/role_grant/").get_data(as_text=True)
    assert target.email in page
    assert "Zurückziehen" in page
    assert 'value="confirm"' not in page
    refused = it.post(
        "/admin/role_grant/decide/", data={"id": "1", "decision": "confirm"}, follow_redirects=True
    )
    assert "Den eigenen Antrag kann man nicht selbst bestätigen" in refused.get_data(as_text=True)
    assert _user(app, target.email).role == "caseworker"

    other = login_as(second_it)
    assert 'value="confirm"' in other.get("/admin/role_grant/").get_data(as_text=True)
    done = other.post("/admin/role_grant/decide/", data={"id": "1", "decision": "confirm"})
    assert done.status_code == 302
    assert _user(app, target.email).role == "it_admin"
    assert _grants(app)[0][3] == "confirmed"
    page = other.get("/admin/role_grant/").get_data(as_text=True)
    assert "Keine offenen Anträge." in page
    assert "bestätigt" in page


def test_web_a_new_account_with_the_it_role_is_refused(app, login_as, world, second_it):
    it = login_as("it_admin")
    response = it.post(
        "/admin/user/new/",
        data={
            "email": "neu@kreis-lippe.example",
            "display_name": "Neu",
            "authority": str(world.authority),
            "role": "it_admin",
            "active": "y",
            "locale": "de",
        },
    )
    assert "nicht sofort erhalten" in response.get_data(as_text=True)
    with app.app_context(), unscoped("test check"):
        assert (
            db.session.scalars(select(User).where(User.email == "neu@kreis-lippe.example")).all()
            == []
        )


@pytest.mark.parametrize("role", ["caseworker", "team_lead", "auditor"])
def test_web_other_roles_get_403_and_a_denied_audit_row(app, login_as, world, role):
    with app.app_context(), unscoped("test arrangement"):
        factories.make_role_grant(_get(world.emails["caseworker"]), _get(world.emails["it_admin"]))
        db.session.commit()
    browser = login_as(role)
    assert browser.get("/admin/role_grant/").status_code == 403
    posted = browser.post("/admin/role_grant/decide/", data={"id": "1", "decision": "confirm"})
    assert posted.status_code == 403
    denied = [e for e in _audit(app) if e[0] == "denied"]
    assert len(denied) == 2
    assert {e[1] for e in denied} == {world.__dict__[role]}
    assert _grants(app)[0][3] == "pending"


def test_web_decisions_need_the_csrf_token(app, csrf_app, world, second_it):
    with app.app_context(), unscoped("test arrangement"):
        factories.make_role_grant(_get(world.emails["caseworker"]), _get(world.emails["it_admin"]))
        db.session.commit()
    browser = csrf_app.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"email": second_it, "password": PASSWORD, "csrf_token": token}
    )
    submit_second_factor(browser, second_it, response)
    forged = browser.post("/admin/role_grant/decide/", data={"id": "1", "decision": "confirm"})
    assert forged.status_code == 400
    assert _grants(app)[0][3] == "pending"
    token = csrf_token_from(browser.get("/admin/role_grant/").get_data(as_text=True))
    data = {"id": "1", "decision": "confirm", "csrf_token": token}
    assert browser.post("/admin/role_grant/decide/", data=data).status_code == 302
    assert _grants(app)[0][3] == "confirmed"


def test_web_a_deactivated_it_admin_comes_back_only_with_another_role(
    app, login_as, world, second_it
):
    with app.app_context(), unscoped("test arrangement"):
        _get(second_it).active = False
        # Two active it_admins stay, who could confirm a request.
        third = factories.make_user(
            "it2@kreis-lippe.example", "it_admin", _get(world.emails["it_admin"]).authority
        )
        assert third.active
        db.session.commit()
    former = _user(app, second_it)
    it = login_as("it_admin")
    form = {**_user_form(former, "it_admin"), "active": "y"}
    refused = it.post(f"/admin/user/edit/?id={former.id}", data=form)
    assert "nur mit einer anderen Rolle wieder aktiviert" in refused.get_data(as_text=True)
    assert not _user(app, second_it).active
    demoted = it.post(f"/admin/user/edit/?id={former.id}", data=_user_form(former, "auditor"))
    assert demoted.status_code == 302
    assert (_user(app, second_it).active, _user(app, second_it).role) == (True, "auditor")
