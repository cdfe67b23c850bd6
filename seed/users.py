"""``flask users create|deactivate``: user accounts for IT staff."""

import sys

import click
from flask.cli import with_appcontext

from models import db
from models.choices import ROLE
from services.users import UserError, create_user, deactivate_user


def _fail(message: str):
    click.echo(f"Fehler: {message}", err=True)
    sys.exit(1)


@click.group(help="Benutzerkonten verwalten.")
def users():
    pass


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
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user, generated = create_user(
            email=email,
            display_name=display_name,
            role=role,
            authority_code=authority_code,
            password=password,
            locale=locale,
        )
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        _fail(str(exc))
    click.echo(f"Benutzerkonto {user.email} angelegt ({ROLE.label(user.role)}).")
    if generated:
        click.echo(f"Einmaliges Passwort: {generated}")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email):
    """Ein Benutzerkonto deaktivieren und alle seine Sitzungen beenden."""
    try:
        user = deactivate_user(email)
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        _fail(str(exc))
    click.echo(f"Benutzerkonto {user.email} deaktiviert; alle Sitzungen sind beendet.")
