"""``flask privacy export|purge|register``: subject access, the retention purge and the
record of processing activities."""

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db
from services.privacy import (
    PrivacyError,
    find_client,
    purge,
    remove_purged_files,
    subject_access,
    subject_access_zip,
)
from services.register import build_register
from services.register_output import to_markdown, to_xlsx

from .common import committed, fail, maintenance


@click.group(
    help="Auskunft (Art. 15 DSGVO), Löschfristen (Art. 17 DSGVO) und das Verzeichnis von "
    "Verarbeitungstätigkeiten (Art. 30 DSGVO)."
)
def privacy():
    pass


@privacy.command("export")
@click.argument("client_number")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="in diese Datei")
@click.option(
    "--zip",
    "zip_file",
    type=click.Path(dir_okay=False, writable=True),
    help="als Zip mit den Dateien der Dokumente in diese Datei",
)
@with_appcontext
def export_command(client_number, out, zip_file):
    """Alle Daten zu einer Klient:in als JSON ausgeben (Art. 15 DSGVO)."""
    # Committed: the audit event of this export.
    with maintenance("subject access (flask privacy export)"), committed(PrivacyError):
        document = subject_access(find_client(client_number))
    if zip_file:
        with open(zip_file, "wb") as handle:
            handle.write(subject_access_zip(document))
        click.echo(f"Auskunft für {client_number} mit Dokumenten nach {zip_file} geschrieben.")
        return
    payload = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(payload + "\n")
        click.echo(f"Auskunft für {client_number} nach {out} geschrieben.")
    else:
        click.echo(payload)


@privacy.command("purge")
@click.option("--dry-run", is_flag=True, help="nur zählen, nichts ändern")
@with_appcontext
def purge_command(dry_run):
    """Klient:innen nach Ablauf der Löschfrist anonymisieren."""
    years = current_app.config["LOTSE_RETENTION_CASE_YEARS"]
    with maintenance("retention purge (flask privacy purge)"):
        result = purge(years, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
            remove_purged_files(result)
    counts = result.as_counts()
    verb = "würden anonymisiert" if dry_run else "anonymisiert"
    click.echo(
        f"Löschfrist {years} Jahre nach Fallabschluss: {counts['clients']} Klient:innen "
        f"{verb} ({counts['cases']} Fälle, {counts['household_members']} Haushaltsangehörige, "
        f"{counts['texts']} Texte, {counts['documents']} Dokumente, "
        f"{counts['audit_events']} Protokolleinträge bereinigt)."
    )
    if dry_run:
        click.echo("Probelauf: nichts wurde geändert.")


@privacy.command("register")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["md", "xlsx"]),
    default="md",
    show_default=True,
    help="Markdown oder Excel-Arbeitsmappe",
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="in diese Datei")
@with_appcontext
def register_command(output_format, output):
    """Das Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO) aus der Installation."""
    if output_format == "xlsx" and not output:
        fail("eine xlsx-Datei braucht --output DATEI")
    # Reads every authority's reference data and counts; writes nothing.
    with maintenance("record of processing activities (flask privacy register)"):
        register = build_register()
        content = to_xlsx(register) if output_format == "xlsx" else to_markdown(register)
    db.session.rollback()
    if not output:
        click.echo(content)
        return
    try:
        if isinstance(content, bytes):
            with open(output, "wb") as handle:
                handle.write(content)
        else:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(content + "\n")
    except OSError as exc:
        fail(f"{output} kann nicht geschrieben werden ({exc.strerror})")
    click.echo(f"Verzeichnis von Verarbeitungstätigkeiten nach {output} geschrieben.")
