"""``flask audit verify``: check the hash chain of the audit trail."""

import click
from flask.cli import with_appcontext

from models import db
from models.types import datetime_label
from services.audit_chain import record_verification, verify

from .common import fail, maintenance


@click.group(help="Das Protokoll (Audit-Trail) prüfen.")
def audit():
    pass


@audit.command("verify")
@with_appcontext
def verify_command():
    """Die Hash-Kette des Protokolls prüfen; Exit-Status 1 beim ersten Bruch."""
    with maintenance("audit chain verification (flask audit verify)"):
        reports = verify()
        record_verification(reports)
        db.session.commit()
    if not reports:
        click.echo("Das Protokoll ist leer: nichts zu prüfen.")
    for report in reports:
        if report.ok:
            cleared = (
                f", davon {report.cleared} durch die Löschfrist bereinigt" if report.cleared else ""
            )
            head = f", letzter Hash {report.last_hash[:16]}" if report.last_hash else ""
            click.echo(f"{report.name}: OK ({report.rows} Einträge{cleared}{head}).")
        else:
            broken = report.broken
            where = (
                f"Eintrag {broken.row_id} vom {datetime_label(broken.at)}"
                if broken.row_id is not None
                else "kein Eintrag"
            )
            click.echo(
                f"{report.name}: Kette unterbrochen bei {where}: {broken.reason}"
                f" ({report.rows} Einträge davor in Ordnung)."
            )
    broken = sum(not report.ok for report in reports)
    if broken:
        fail(f"Protokoll unterbrochen in {broken} von {len(reports)} Ketten.")
