"""``flask users …``: user accounts for IT staff."""

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import User, db
from models.choices import ROLE
from models.scoping import unscoped
from services.users import (
    UserError,
    create_user,
    deactivate_user,
    reset_password,
    reset_second_factor,
    set_role,
)

from .common import committed, fail


def _password(from_stdin: bool) -> str | None:
    """The password of the first line of stdin, if asked to read it (else one is generated)."""
    return sys.stdin.readline().rstrip("\r\n") if from_stdin else None


@click.group(help="Benutzerkonten verwalten.")
@click.pass_context
def users(ctx):
    # IT staff's tool: it sees every authority's accounts, by name and on purpose.
    ctx.with_resource(unscoped("flask users"))


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


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email):
    """Ein Benutzerkonto deaktivieren und alle seine Sitzungen beenden."""
    with committed(UserError):
        user = deactivate_user(email)
    click.echo(f"Benutzerkonto {user.email} deaktiviert; alle Sitzungen sind beendet.")


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


@users.command("set-role")
@click.argument("email")
@click.argument("role")
@with_appcontext
def set_role_command(email, role):
    """Die Rolle eines Kontos ändern."""
    with committed(UserError):
        user = set_role(email, role)
    click.echo(f"{user.email} hat jetzt die Rolle {ROLE.label(user.role)}.")


@users.command("reset-2fa")
@click.argument("email")
@with_appcontext
def reset_second_factor_command(email):
    """Den zweiten Faktor eines Kontos zurücksetzen (etwa bei verlorenem Telefon)."""
    with committed(UserError):
        user = reset_second_factor(email)
    click.echo(
        f"Zweiter Faktor für {user.email} zurückgesetzt; alle Sitzungen sind beendet. "
        "Bei der nächsten Anmeldung wird er neu eingerichtet."
    )
