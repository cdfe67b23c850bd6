"""``flask seed first-run``: what ``make run`` needs on a new database, and nothing otherwise.

On a database without any authority it loads the reference data, creates one demo account per
role in the county's immigration office, generates the pilot's 30 demo cases, and commits
that as one unit. The random passwords are printed once and kept in the file named by
``LOTSE_DEMO_CREDENTIALS`` (``instance/demo-accounts.txt``), readable only by its owner.

On a database that has data it says so in one line and changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from models import Authority, db
from models.choices import ROLE
from models.types import LOCAL_TZ
from services.users import UserError, create_user

from .demo import DEFAULT_CASES, DEFAULT_SEED, DemoError, generate_demo
from .loader import DATA_DIR, ReferenceDataError, load_reference

DEMO_AUTHORITY = "kreis_lippe_abh"
DEMO_ACCOUNTS = (
    ("caseworker", "fallmanagement@demo.lotse.example", "Demo Fallmanagement"),
    ("team_lead", "teamleitung@demo.lotse.example", "Demo Teamleitung"),
    ("it_admin", "it@demo.lotse.example", "Demo IT-Administration"),
    ("auditor", "datenschutz@demo.lotse.example", "Demo Datenschutz"),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str

    @property
    def role_label(self) -> str:
        return str(ROLE.label(self.role))


def database_has_data() -> bool:
    return db.session.execute(select(Authority.id).limit(1)).first() is not None


def create_demo_accounts() -> list[DemoAccount]:
    accounts = []
    for role, email, name in DEMO_ACCOUNTS:
        _user, password = create_user(
            email=email, display_name=name, role=role, authority_code=DEMO_AUTHORITY
        )
        accounts.append(DemoAccount(role, email, password))
    return accounts


def write_credentials(path: Path, accounts: list[DemoAccount], authority_name: str) -> None:
    """Write the accounts to ``path``, created with mode 600 so only the owner can read it."""
    now = datetime.now(LOCAL_TZ)
    lines = [
        "# Lotse – Demo-Zugänge der lokalen Demo-Installation",
        f"# Angelegt von „flask seed first-run“ am {now:%d.%m.%Y um %H:%M} Uhr.",
        f"# Behörde: {authority_name}. Nur für die Demo verwenden.",
        "# Rolle; E-Mail; Passwort",
        *(f"{a.role_label}; {a.email}; {a.password}" for a in accounts),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    path.chmod(0o600)  # also when the file existed with wider permissions


def first_run(
    credentials: Path,
    *,
    echo: Callable[[str], None],
    fail: Callable[[str], None],
    today: date | None = None,
) -> bool:
    """Seed a new database; returns False (and changes nothing) if it has data already.

    Must run inside an explicit scope (``unscoped``). ``fail`` prints a German error and
    ends the command.
    """
    try:
        has_data = database_has_data()
    except SQLAlchemyError:
        db.session.rollback()
        fail("Die Datenbank ist nicht eingerichtet; bitte zuerst „flask db upgrade“ ausführen.")
        return False
    if has_data:
        where = (
            f"die Demo-Zugänge stehen in {credentials}"
            if credentials.exists()
            else f"eine Datei mit Demo-Zugängen gibt es nicht ({credentials})"
        )
        echo(f"Die vorhandene Datenbank wird weiterverwendet; {where}.")
        return False

    try:
        load_reference(DATA_DIR)
        accounts = create_demo_accounts()
        authority_name = db.session.scalars(
            select(Authority.name).where(Authority.code == DEMO_AUTHORITY)
        ).one()
        # Commits at the end (for 30 cases, one batch): reference data, accounts and
        # demo cases are stored together or not at all.
        summary = generate_demo(DEFAULT_CASES, DEFAULT_SEED, reference_date=today or date.today())
    except ReferenceDataError as exc:
        db.session.rollback()
        fail(f"Die mitgelieferten Referenzdaten sind fehlerhaft: {exc.errors[0]}")
        return False
    except (UserError, DemoError) as exc:
        db.session.rollback()
        fail(str(exc))
        return False
    except SQLAlchemyError:
        db.session.rollback()
        fail("Die Datenbank hat die Erstbefüllung abgelehnt; nichts wurde gespeichert.")
        return False

    echo("Neue Datenbank: Referenzdaten, Demodaten und Demo-Zugänge angelegt.")
    echo(summary.line())
    echo(f"Demo-Zugänge ({authority_name}); die Passwörter werden nur jetzt angezeigt:")
    width = max(len(a.role_label) for a in accounts)
    for account in accounts:
        echo(f"  {account.role_label.ljust(width)}  {account.email:<36}  {account.password}")
    try:
        write_credentials(credentials, accounts, authority_name)
    except OSError:
        echo(
            f"Warnung: Die Zugänge konnten nicht in {credentials} gespeichert werden; "
            "bitte jetzt notieren."
        )
    else:
        echo(f"Die Zugänge stehen auch in {credentials} (nur für Sie lesbar).")
    echo(
        "Bei der ersten Anmeldung wird ein zweiter Faktor eingerichtet: den angezeigten "
        "QR-Code mit einer Authenticator-App scannen (Teamleitung und IT-Administration sofort, "
        "die anderen Rollen innerhalb der Übergangsfrist)."
    )
    return True
