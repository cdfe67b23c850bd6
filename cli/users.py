"""``flask users …``: user accounts for IT staff."""

import contextlib
import sys

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import User, db
from models.choices import ROLE, ROLE_GRANT_STATUS
from models.scoping import as_user
from models.types import datetime_label
from services import role_grants
from services.role_grants import RoleGrantRefused
from services.users import (
    UserError,
    create_user,
    deactivate_user,
    find_user,
    reset_password,
    reset_second_factor,
)

from .common import committed, fail, maintenance


def _password(from_stdin: bool) -> str | None:
    """The password of the first line of stdin, if asked to read it (else one is generated)."""
    return sys.stdin.readline().rstrip("\r\n") if from_stdin else None


@click.group(help="Benutzerkonten verwalten.")
@click.pass_context
def users(ctx):
    # IT staff's tool: it sees every authority's accounts, by name and on purpose. The app
    # context is the group's, so that it outlasts the audited bypass, which ends with it.
    if not current_app:
        ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
    ctx.with_resource(maintenance("flask users"))


@users.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="Anzeigename")
@click.option("--role", required=True, help="Rolle: " + ", ".join(ROLE.values))
@click.option("--authority", "authority_code", required=True, help="Schlüssel der Behörde")
@click.option("--password-stdin", is_flag=True, help="Passwort von der Standardeingabe lesen")
@click.option("--locale", default="de", show_default=True, help="Sprache: de oder en")
@with_appcontext
def create_command(email, display_name, role, authority_code, password_stdin, locale):
    """Ein Benutzerkonto anlegen."""
    with committed(UserError):
        user, generated = create_user(
            email=email,
            display_name=display_name,
            role=role,
            authority_code=authority_code,
            password=_password(password_stdin),
            locale=locale,
        )
    click.echo(f"Benutzerkonto {user.email} angelegt ({ROLE.label(user.role)}).")
    if generated:
        click.echo(f"Einmaliges Passwort: {generated}")


def _account_command(name: str, change, help_text: str, done: str):
    """``flask users NAME EMAIL``: ``change(email)`` committed, then ``done``."""

    @users.command(name, help=help_text)
    @click.argument("email")
    @with_appcontext
    def command(email):
        with committed(UserError):
            user = change(email)
        click.echo(done.format(email=user.email))

    return command


deactivate_command = _account_command(
    "deactivate",
    deactivate_user,
    "Ein Benutzerkonto deaktivieren und alle seine Sitzungen beenden.",
    "Benutzerkonto {email} deaktiviert; alle Sitzungen sind beendet.",
)


@users.command("list")
@click.option("--authority", "authority_code", default=None, help="nur diese Behörde")
@with_appcontext
def list_command(authority_code):
    """Benutzerkonten auflisten (ohne Passwörter)."""
    query = select(User).options(joinedload(User.authority)).order_by(User.email)
    users_ = [
        u
        for u in db.session.scalars(query)
        if authority_code is None or u.authority.code == authority_code
    ]
    if authority_code is not None and not users_:
        fail(f"keine Benutzerkonten für die Behörde {authority_code!r}")
    for user in users_:
        state = "aktiv" if user.active else "deaktiviert"
        click.echo(f"{user.email}\t{user.role}\t{user.authority.code}\t{state}")


@users.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Passwort von der Standardeingabe lesen")
@with_appcontext
def reset_password_command(email, password_stdin):
    """Ein neues Passwort setzen; alle Sitzungen des Kontos enden."""
    with committed(UserError):
        user, generated = reset_password(email, _password(password_stdin))
    click.echo(f"Neues Passwort für {user.email} gesetzt; alle Sitzungen sind beendet.")
    if generated:
        click.echo(f"Einmaliges Passwort: {generated}")


BY_HELP = "E-Mail des handelnden Kontos der IT-Administration (es bestätigt mit seinem Passwort)"


def _actor(email: str | None, from_stdin: bool) -> User | None:
    """The it_admin a command acts as, named by ``--by`` and proven by their password.

    The CLI has no logged-in user; without this anybody with a shell could play both
    parts of the four-eyes rule under two names.
    """
    if email is None:
        return None
    with committed(UserError):
        user = find_user(email)
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Passwort von {user.email}", hide_input=True, err=True)
    if not user.check_password(password):
        refused = RoleGrantRefused(f"das Passwort von {user.email} stimmt nicht")
        _refuse("authenticate", refused, user)
    return user


def _refuse(step: str, refused: RoleGrantRefused, actor: User | None, grant_id=None):
    db.session.rollback()
    role_grants.record_refusal(step, refused, by=actor, grant_id=grant_id)
    db.session.commit()
    fail(str(refused))


@contextlib.contextmanager
def _acting(step: str, actor: User | None, grant_id=None):
    """Commit the step; a refusal rolls it back, is put in the audit trail and fails."""
    with as_user(actor) if actor is not None else contextlib.nullcontext():
        try:
            yield
        except RoleGrantRefused as refused:
            _refuse(step, refused, actor, grant_id)
        except UserError as refused:
            db.session.rollback()
            fail(str(refused))
        db.session.commit()


@users.command("set-role")
@click.argument("email")
@click.argument("role")
@click.option("--by", "by_email", default=None, help=BY_HELP)
@click.option("--password-stdin", is_flag=True, help="Passwort von --by von der Standardeingabe")
@with_appcontext
def set_role_command(email, role, by_email, password_stdin):
    """Die Rolle eines Kontos ändern; die Rolle IT-Administration nur beantragen."""
    actor = _actor(by_email, password_stdin)
    with _acting("request", actor):
        user, grant = role_grants.set_role(email, role, by=actor)
    if grant is None:
        click.echo(f"{user.email} hat jetzt die Rolle {ROLE.label(user.role)}.")
        return
    click.echo(
        f"Antrag Nr. {grant.id}: {user.email} soll die Rolle {ROLE.label(grant.role)} erhalten; "
        f"bis {datetime_label(grant.expires_at)} bestätigt eine zweite Person der "
        f"IT-Administration mit „flask users confirm-role {grant.id} --by E-MAIL“."
    )


@users.command("role-requests")
@with_appcontext
def role_requests_command():
    """Offene Rollenanträge auflisten."""
    for grant in role_grants.open_grants():
        state = "offen" if role_grants.is_pending(grant) else ROLE_GRANT_STATUS.label("expired")
        click.echo(
            f"{grant.id}\t{grant.user.email}\t{grant.role}\t{grant.requested_by.email}\t"
            f"{datetime_label(grant.requested_at)}\t{datetime_label(grant.expires_at)}\t{state}"
        )


def _decision_command(name: str, step: str, decide, help_text: str, done: str):
    """``flask users NAME ID --by EMAIL``: ``decide(grant, by=actor)``, then ``done``."""

    @users.command(name, help=help_text)
    @click.argument("grant_id")
    @click.option("--by", "by_email", required=True, help=BY_HELP)
    @click.option(
        "--password-stdin", is_flag=True, help="Passwort von --by von der Standardeingabe"
    )
    @with_appcontext
    def command(grant_id, by_email, password_stdin):
        actor = _actor(by_email, password_stdin)
        with _acting(step, actor, _int(grant_id)):
            grant = decide(role_grants.find_grant(grant_id), by=actor)
        click.echo(done.format(id=grant.id, email=grant.user.email, role=ROLE.label(grant.role)))

    return command


confirm_role_command = _decision_command(
    "confirm-role",
    "confirm",
    role_grants.confirm,
    "Einen Rollenantrag als zweite Person der IT-Administration bestätigen.",
    "Antrag Nr. {id} bestätigt: {email} hat jetzt die Rolle {role}.",
)
reject_role_command = _decision_command(
    "reject-role",
    "reject",
    role_grants.reject,
    "Einen Rollenantrag ablehnen (oder als antragstellende Person zurückziehen).",
    "Antrag Nr. {id} abgelehnt: {email} behält die bisherige Rolle.",
)


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


reset_second_factor_command = _account_command(
    "reset-2fa",
    reset_second_factor,
    "Den zweiten Faktor eines Kontos zurücksetzen (etwa bei verlorenem Telefon).",
    "Zweiter Faktor für {email} zurückgesetzt; alle Sitzungen sind beendet. "
    "Bei der nächsten Anmeldung wird er neu eingerichtet.",
)
