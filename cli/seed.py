"""``flask seed reference|export|demo|first-run``.

Every message is German. Bad input exits non-zero with one line per problem, no traceback,
and leaves the database as it was.
"""

import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.scoping import unscoped
from seed.demo import (
    DEFAULT_CASES,
    DEFAULT_SEED,
    DEMO_REFERENCE_DATE,
    DemoError,
    generate_demo,
    terminal_progress,
)
from seed.first_run import first_run
from seed.loader import DATA_DIR, ReferenceDataError, export_reference, load_reference

from .common import fail, maintenance

MAX_DEMO_CASES = 1_000_000


def _directory_option(help_text: str):
    """``--dir VERZEICHNIS``: where the reference data's YAML files are read or written."""
    return click.option("--dir", "directory", default=None, metavar="VERZEICHNIS", help=help_text)


def _integer_option(name: str, default: int, metavar: str, help_text: str):
    """An option taking a whole number, read as text so that a wrong one is refused in
    German (by ``_parse_integer``)."""
    return click.option(
        name, default=str(default), show_default=True, metavar=metavar, help=help_text
    )


@click.group(help="Referenz- und Demodaten laden.")
def seed():
    pass


@seed.command("reference")
@_directory_option("Verzeichnis mit den YAML-Dateien (Vorgabe: seed/data).")
@click.option("--dry-run", is_flag=True, help="Nur anzeigen, was sich ändern würde.")
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="Einträge, die in den Dateien fehlen, deaktivieren.",
)
@with_appcontext
def reference_command(directory, dry_run, deactivate_missing):
    """Referenzdaten aus YAML-Dateien laden (alles oder nichts)."""
    directory = Path(directory) if directory else DATA_DIR
    with unscoped("seed reference"):  # reference data only
        try:
            report = load_reference(
                directory, dry_run=dry_run, deactivate_missing=deactivate_missing
            )
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
        except ReferenceDataError as exc:
            db.session.rollback()
            # One line per problem; nothing was written.
            for error in exc.errors:
                click.echo(f"Fehler: {error}", err=True)
            sys.exit(1)
        except SQLAlchemyError:
            db.session.rollback()
            fail("Die Datenbank hat die Referenzdaten abgelehnt; nichts wurde geändert.")
    for line in report.lines():
        click.echo(line)


@seed.command("export")
@_directory_option(
    "Zielverzeichnis (Pflicht); vorhandene Dateien gleichen Namens werden überschrieben."
)
@with_appcontext
def export_command(directory):
    """Referenzdaten als YAML-Dateien schreiben (im Format von seed/data)."""
    if not directory:
        fail("Bitte das Zielverzeichnis mit --dir angeben.")
    target = Path(directory)
    with unscoped("seed export"):  # reference data only
        try:
            counts = export_reference(target)
        except OSError:
            fail(f"In {target} kann nicht geschrieben werden.")
        finally:
            db.session.rollback()
    total = ", ".join(f"{label} {n}" for label, n in counts.items())
    click.echo(f"Referenzdaten nach {target} exportiert ({len(counts)} Dateien): {total}.")


def _parse_integer(raw: str, option: str, low: int | None = None, high: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        fail(f"{option} muss eine ganze Zahl sein, nicht {raw!r}.")
    if low is not None and not low <= value <= high:
        fail(f"{option} muss zwischen {low} und {high} liegen.")
    return value


def _parse_reference_date(raw: str | None) -> date:
    if raw is None:
        return DEMO_REFERENCE_DATE
    if raw.lower() in ("heute", "today"):
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"--reference-date muss ein Datum wie 2026-11-02 oder „heute“ sein, nicht {raw!r}.")


@seed.command("demo")
@_integer_option("--cases", DEFAULT_CASES, "N", "Anzahl der Demo-Fälle.")
@_integer_option(
    "--random-seed",
    DEFAULT_SEED,
    "S",
    "Startwert des Zufallsgenerators: gleicher Startwert, gleiche Daten.",
)
@click.option(
    "--reference-date",
    default=None,
    metavar="DATUM",
    help=(
        f"Stichtag, auf den sich alle Daten beziehen (Vorgabe: {DEMO_REFERENCE_DATE.isoformat()}, "
        "damit gleiche Startwerte gleiche Daten ergeben; „heute“ für das heutige Datum)."
    ),
)
@with_appcontext
def demo_command(cases, random_seed, reference_date):
    """Realistische Demodaten erzeugen (Klient:innen, Fälle und alle Fallteile)."""
    cases = _parse_integer(cases, "--cases", 1, MAX_DEMO_CASES)
    random_seed = _parse_integer(random_seed, "--random-seed")
    on = _parse_reference_date(reference_date)

    def lines(done, total):  # not a terminal (a log): a line per batch for large runs
        click.echo(f"… {done} von {total} Fällen gespeichert", err=True)

    with maintenance("seed demo"), terminal_progress(cases) as bar:
        progress = bar or (lines if cases > 1000 else None)
        try:
            summary = generate_demo(cases, random_seed, reference_date=on, progress=progress)
        except DemoError as exc:
            db.session.rollback()
            fail(str(exc))
        except SQLAlchemyError:
            db.session.rollback()
            fail(
                "Die Datenbank hat die Demodaten abgelehnt; was noch nicht gespeichert war, "
                "wurde verworfen."
            )
    click.echo(summary.line())


@seed.command("first-run")
@with_appcontext
def first_run_command():
    """Neue Datenbank: Referenzdaten, Demodaten und Demo-Zugänge anlegen (für „make run“)."""
    credentials = Path(current_app.config["LOTSE_DEMO_CREDENTIALS"])
    with maintenance("seed first-run"):
        first_run(credentials, echo=click.echo, fail=fail)
