"""``flask db backup FILE`` and ``flask db restore FILE``, beside Flask-Migrate's commands."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_migrate.cli import db as db_group

from models import db
from models.auditing import record
from models.scoping import unscoped
from services.backup import BackupError, backup, restore

from .common import fail


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file):
    """Die Datenbank in eine Datei sichern (PostgreSQL: pg_dump, SQLite: Online-Backup)."""

    def recorded():
        # A backup is an export of everything: recorded first, so it is in the backup too.
        with unscoped("database backup (flask db backup)"):
            record("export", None, None, {"kind": "backup"})
            db.session.commit()

    try:
        size = backup(file, on_start=recorded)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"Datenbank nach {file} gesichert ({size:,} Bytes).".replace(",", "."))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file):
    """Eine Sicherung in die eingerichtete, leere Datenbank zurückspielen."""
    try:
        restore(file)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"Sicherung {file} wiederhergestellt. Danach: flask db upgrade, flask audit verify.")


def init_db_commands() -> None:
    """Add the commands to Flask-Migrate's ``db`` group (once; the group is shared)."""
    for command in (backup_command, restore_command):
        db_group.add_command(command)
