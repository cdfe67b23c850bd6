"""What every command does alike: a refusal is one German line on stderr and a non-zero exit,
and leaves the database as it was."""

import contextlib
import sys

import click

from models import db


def fail(message: str, code: int = 1):
    click.echo(f"Fehler: {message}", err=True)
    sys.exit(code)


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
