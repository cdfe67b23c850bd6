"""``flask db backup FILE``, ``flask db restore FILE`` and ``flask db grant-app ROLE``, beside
Flask-Migrate's commands."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_migrate.cli import db as db_group

from models import db
from models.auditing import record
from services.backup import BackupError, backup, restore
from services.migrate import RoleSetupError, grant_application_role

from .common import maintenance, refusing


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file):
    """Die Datenbank in eine Datei sichern (PostgreSQL: pg_dump, SQLite: Online-Backup)."""

    def recorded():
        # A backup is an export of everything: recorded first, so it is in the backup too.
        with maintenance("database backup (flask db backup)"):
            record("export", None, None, {"kind": "backup"})
            db.session.commit()

    with refusing(BackupError):
        size = backup(file, on_start=recorded)
    click.echo(f"Datenbank nach {file} gesichert ({size:,} Bytes).".replace(",", "."))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file):
    """Eine Sicherung in die eingerichtete, leere Datenbank zurückspielen."""
    with refusing(BackupError):
        restore(file)
    click.echo(f"Sicherung {file} wiederhergestellt. Danach: flask db upgrade, flask audit verify.")


@click.command("grant-app")
@click.argument("role")
@with_appcontext
def grant_app_command(role):
    """Einer PostgreSQL-Rolle die Rechte der Anwendung geben (als Eigentümer des Schemas)."""
    with refusing(RoleSetupError):
        grant_application_role(role)
    click.echo(
        f"Rolle {role} darf Zeilen lesen und schreiben; welche, entscheidet die Zeilensicherheit."
    )


def init_db_commands() -> None:
    """Add the commands to Flask-Migrate's ``db`` group (once; the group is shared)."""
    for command in (backup_command, restore_command, grant_app_command):
        db_group.add_command(command)
