"""User accounts: creation and deactivation, shared by the CLI, seeding and tests."""

import secrets

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from models import Authority, User, db
from models.choices import LOCALE, ROLE

from .passwords import password_problem
from .second_factor import reset as reset_factor


class UserError(ValueError):
    """A user operation was refused; the message is German and names the problem."""


def check_role(role: str) -> None:
    if role not in ROLE:
        raise UserError(f"unbekannte Rolle {role!r} (erlaubt: {', '.join(ROLE.values)})")


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def create_user(
    *,
    email: str,
    display_name: str,
    role: str,
    authority_code: str,
    password: str | None = None,
    locale: str = "de",
) -> tuple[User, str | None]:
    """Create a user; returns the user and the generated password, if one was generated."""
    try:
        email = validate_email(
            email.strip(), check_deliverability=False, globally_deliverable=False
        ).normalized.lower()
    except EmailNotValidError:
        raise UserError(f"ungültige E-Mail-Adresse: {email!r}") from None
    check_role(role)
    # The four-eyes rule imports this module, so it is imported here (services/role_grants.py).
    from .role_grants import check_new_account_role

    check_new_account_role(role)
    if locale not in LOCALE:
        raise UserError(f"unbekannte Sprache {locale!r} (erlaubt: {', '.join(LOCALE.values)})")
    if not display_name.strip():
        raise UserError("der Name darf nicht leer sein")
    authority = db.session.execute(
        select(Authority).where(Authority.code == authority_code)
    ).scalar_one_or_none()
    if authority is None:
        raise UserError(f"unbekannte Behörde {authority_code!r}")
    exists = db.session.execute(
        select(User.id).where(func.lower(User.email) == email)
    ).scalar_one_or_none()
    if exists is not None:
        raise UserError(f"ein Benutzerkonto mit der E-Mail {email} gibt es schon")
    generated = None
    if password is None:
        password = generated = generate_password()
    problem = password_problem(password, email)
    if problem:
        raise UserError(problem[0].lower() + problem[1:].rstrip("."))
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        authority=authority,
        locale=locale,
        active=True,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user, generated


def change_password(user: User, current: str, new: str, repeated: str) -> None:
    """A user changes their own password after re-entering the current one.

    Setting the password rotates the session token, which ends every other session.
    """
    if not user.check_password(current):
        raise UserError(_("Das aktuelle Passwort ist falsch."))
    if new != repeated:
        raise UserError(_("Die beiden neuen Passwörter stimmen nicht überein."))
    if new == current:
        raise UserError(_("Das neue Passwort muss sich vom aktuellen unterscheiden."))
    problem = password_problem(new, user.email)
    if problem:
        raise UserError(problem)
    user.set_password(new)


def find_user(email: str) -> User:
    user = db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()
    if user is None:
        raise UserError(f"kein Benutzerkonto mit der E-Mail {email!r}")
    return user


def reset_password(email: str, password: str | None = None) -> tuple[User, str | None]:
    """Set a new password (generated if none is given); all sessions of the user end."""
    user = find_user(email)
    generated = None
    if password is None:
        password = generated = generate_password()
    problem = password_problem(password, user.email)
    if problem:
        raise UserError(problem[0].lower() + problem[1:].rstrip("."))
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    return user, generated


def account_changed(user: User, *, by: User | None = None, role_changed: bool) -> None:
    """The rules of every change to an account, from the web view or the CLI.

    Nobody changes their own role (``by`` is who made the change; the CLI has none). A new
    role, or a deactivation, ends the account's sessions: the new rights, or none, apply
    from the next request on.
    """
    if role_changed and by is not None and by.id == user.id:
        raise UserError(_("Die eigene Rolle kann man nicht selbst ändern."))
    if role_changed or not user.active:
        user.rotate_session_token()


def deactivate_user(email: str) -> User:
    user = find_user(email)
    user.active = False
    account_changed(user, role_changed=False)  # ends every session of this user at once
    return user


def reset_second_factor(email: str) -> User:
    """IT staff clear a user's second factor (a lost phone): the secret, the recovery codes
    and every session go; the user enrols again at the next login. The change of the
    account is audited like any other (``totp_enrolled_at`` → none)."""
    user = find_user(email)
    reset_factor(user)
    return user
