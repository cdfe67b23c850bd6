"""What every command does alike: a refusal is one German line on stderr and a non-zero exit,
and leaves the database as it was."""

import contextlib
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.auditing import record
from models.scoping import unscoped


def fail(message: str, code: int = 1):
    click.echo(f"Fehler: {message}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def refusing(refusal: type[Exception]):
    """A ``refusal`` raised in the block (its message is German) ends the command with it."""
    try:
        yield
    except refusal as exc:
        fail(str(exc))


@contextlib.contextmanager
def committed(refusal: type[Exception]):
    """Commit what the block did; a ``refusal`` (its message is German) rolls it back and
    fails with that message."""
    try:
        yield
    except refusal as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()


@contextlib.contextmanager
def maintenance(reason: str):
    """The CLI's way past the authority rule: ``unscoped(reason)``, recorded in the audit
    trail (action ``unscoped``, with the reason and the command) when the block ends, in a
    transaction of its own; also when it ends in an error, but not when the command refused
    its input (``fail``), which changes nothing, the trail included. On PostgreSQL the
    reason also opens the row-level security policies (``models/scoping/database.py``)."""
    refused = False
    with unscoped(reason):
        try:
            yield
        except SystemExit as exc:
            refused = exc.code not in (0, None)
            raise
        finally:
            # What the command left uncommitted would be rolled back at its end anyway.
            db.session.rollback()
            if not refused:
                _record_bypass(reason)


def _record_bypass(reason: str) -> None:
    try:
        context = click.get_current_context(silent=True)
        command = context.command_path if context else " ".join(sys.argv)[:200]
        record("unscoped", None, None, {"reason": reason, "command": command})
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        click.echo("Warnung: der Zugriff ließ sich nicht protokollieren.", err=True)
