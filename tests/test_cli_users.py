"""``flask users create|deactivate``: clear German errors, nothing half-written."""

import pytest

from models import User, db
from models.scoping import unscoped


def _users(app):
    with app.app_context(), unscoped("test check"):
        return {u.email: u for u in db.session.query(User)}


def test_create_user_with_password_from_stdin(app, runner, world):
    result = runner.invoke(
        args=[
            "users", "create", "neu@kreis-lippe.example", "--name", "Neue Kollegin",
            "--role", "team_lead", "--authority", "kreis_lippe_abh", "--password-stdin",
        ],
        input="ein-sehr-langes-passwort\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = _users(app)["neu@kreis-lippe.example"]
    assert user.role == "team_lead"
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("ein-sehr-langes-passwort")


def test_create_user_without_password_prints_a_generated_one(app, runner, world):
    result = runner.invoke(
        args=["users", "create", "gen@kreis-lippe.example", "--name", "G", "--role", "auditor",
              "--authority", "kreis_lippe_abh"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    password = result.output.split("Einmaliges Passwort: ")[1].strip()
    assert _users(app)["gen@kreis-lippe.example"].check_password(password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "admin", "--authority", "kreis_lippe_abh"], "unbekannte Rolle 'admin'"),
        (["--role", "caseworker", "--authority", "mars"], "unbekannte Behörde 'mars'"),
    ],
)
def test_bad_role_or_authority_exits_with_one_clear_line(app, runner, world, args, message):
    before = set(_users(app))
    result = runner.invoke(
        args=["users", "create", "x@kreis-lippe.example", "--name", "X", "--password-stdin", *args],
        input="ein-sehr-langes-passwort\n",
    )
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"Fehler: {message} (erlaubt: caseworker, team_lead, it_admin, auditor)"] or (
        len(lines) == 1 and message in lines[0]
    )
    assert "Traceback" not in result.output
    assert set(_users(app)) == before


def test_short_password_is_refused(app, runner, world):
    result = runner.invoke(
        args=["users", "create", "k@kreis-lippe.example", "--name", "K", "--role", "caseworker",
              "--authority", "kreis_lippe_abh", "--password-stdin"],
        input="kurz\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "mindestens 12 Zeichen" in result.output
    assert "k@kreis-lippe.example" not in _users(app)


def test_duplicate_email_is_refused(app, runner, world):
    result = runner.invoke(
        args=["users", "create", world.emails["caseworker"], "--name", "D", "--role",
              "caseworker", "--authority", "kreis_lippe_abh"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "gibt es schon" in result.output


def test_deactivate_ends_the_users_sessions(app, runner, world, caseworker_client):
    assert caseworker_client.get("/admin/client/").status_code == 200
    result = runner.invoke(args=["users", "deactivate", world.emails["caseworker"]])
    assert result.exit_code == 0, result.output
    assert not _users(app)[world.emails["caseworker"]].active
    assert caseworker_client.get("/admin/client/").status_code == 302


def test_deactivate_unknown_user(runner, world):
    result = runner.invoke(args=["users", "deactivate", "niemand@x.example"])
    assert result.exit_code == 1
    assert result.output.strip() == "Fehler: kein Benutzerkonto mit der E-Mail 'niemand@x.example'"


def test_list_shows_accounts_without_secrets(app, runner, world):
    result = runner.invoke(args=["users", "list", "--authority", "kreis_lippe_abh"])
    assert result.exit_code == 0
    assert "teamleitung@kreis-lippe.example\tteam_lead\tkreis_lippe_abh\taktiv" in result.output
    assert "argon2" not in result.output
    assert "detmold" not in result.output
    unknown = runner.invoke(args=["users", "list", "--authority", "mars"])
    assert unknown.exit_code == 1


def test_reset_password_prints_a_one_time_password_and_ends_sessions(
    app, runner, world, caseworker_client
):
    result = runner.invoke(args=["users", "reset-password", world.emails["caseworker"]])
    assert result.exit_code == 0, result.output
    password = result.output.split("Einmaliges Passwort: ")[1].strip()
    assert _users(app)[world.emails["caseworker"]].check_password(password)
    assert caseworker_client.get("/admin/client/").status_code == 302


def test_reset_password_from_stdin_and_unknown_email(app, runner, world):
    result = runner.invoke(
        args=["users", "reset-password", world.emails["auditor"], "--password-stdin"],
        input="ein-neues-sicheres-wort\n",
    )
    assert result.exit_code == 0
    assert _users(app)[world.emails["auditor"]].check_password("ein-neues-sicheres-wort")
    missing = runner.invoke(args=["users", "reset-password", "niemand@x.example"])
    assert missing.exit_code == 1
    assert len(missing.output.strip().splitlines()) == 1


def test_set_role(app, runner, world):
    result = runner.invoke(args=["users", "set-role", world.emails["caseworker"], "team_lead"])
    assert result.exit_code == 0
    assert _users(app)[world.emails["caseworker"]].role == "team_lead"
    bad = runner.invoke(args=["users", "set-role", world.emails["caseworker"], "king"])
    assert bad.exit_code == 1
    assert "unbekannte Rolle 'king'" in bad.output
