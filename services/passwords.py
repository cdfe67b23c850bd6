"""Password rules (OWASP ASVS V6): length and a list of common passwords shipped here."""

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is not acceptable, as a German sentence; None if it is."""
    if len(password) < MIN_LENGTH:
        return _("Das Passwort muss mindestens %(num)s Zeichen lang sein.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Das Passwort darf höchstens %(num)s Zeichen lang sein.", num=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip("0123456789!?.") in common_passwords():
        return _("Dieses Passwort ist zu verbreitet. Bitte wählen Sie ein anderes.")
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return _("Das Passwort darf die E-Mail-Adresse nicht enthalten.")
    return None
