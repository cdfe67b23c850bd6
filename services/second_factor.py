"""The second factor of every login: TOTP (RFC 6238) and one-time recovery codes.

docs/design.md §9 has the rules. The TOTP secret is kept encrypted with Fernet
(``cryptography``), under a key derived from ``SECRET_KEY`` with HKDF-SHA256; it is shown
once, while the enrolment waits for its first code, and never again. A code is accepted for
the time step before, at and after the current one (30 s each) and only for a later step
than the last accepted one, so that a code cannot be used twice. The ten recovery codes are
shown once and kept as argon2id hashes, each usable once. Whether a role needs the factor
always is the role table's to say (``admin_views/permissions.py``); callers pass it in.
"""

import base64
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from models import RecoveryCode, User, db
from models.types import utcnow
from models.user import secret_hash, secret_matches

ISSUER = "Lotse"
VALID_WINDOW = 1  # one time step of 30 s either side, for clocks that drift
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_LENGTH = 10

# What a submitted code turned out to be.
TOTP, RECOVERY, REUSED = "totp", "recovery_code", "reused_code"


class SecondFactorError(ValueError):
    """A second-factor operation was refused; the message is German and names the problem."""


@cache
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"lotse-totp-secret", info=b"lotse 2fa v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    return _fernet(current_app.config["SECRET_KEY"]).encrypt(secret.encode()).decode()


def decrypt_secret(token: str | None) -> str | None:
    """The secret, or None if there is none or it was encrypted under another SECRET_KEY."""
    if not token:
        return None
    try:
        return _fernet(current_app.config["SECRET_KEY"]).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def enrolled(user: User) -> bool:
    return user.totp_enrolled_at is not None


def enrolment_deadline(user: User) -> datetime:
    """The end of the grace period: from the account's creation or from
    ``LOTSE_2FA_GRACE_FROM``, whichever is later, ``LOTSE_2FA_GRACE_DAYS`` days on."""
    config = current_app.config
    start = user.created_at or utcnow()
    grace_from = config.get("LOTSE_2FA_GRACE_FROM")
    if grace_from is not None:
        start = max(start, datetime(grace_from.year, grace_from.month, grace_from.day, tzinfo=UTC))
    return start + timedelta(days=config["LOTSE_2FA_GRACE_DAYS"])


def must_enrol_now(user: User, *, always: bool, now: datetime | None = None) -> bool:
    """The account may do nothing before it has enrolled a second factor."""
    if enrolled(user):
        return False
    if always:
        return True
    if not current_app.config["LOTSE_2FA_REQUIRED"]:
        return False
    return (now or utcnow()) >= enrolment_deadline(user)


def in_grace_period(user: User, *, always: bool, now: datetime | None = None) -> bool:
    """Not enrolled, required to be, but the grace period still runs: enrolment is offered."""
    return (
        not enrolled(user)
        and current_app.config["LOTSE_2FA_REQUIRED"]
        and not must_enrol_now(user, always=always, now=now)
    )


def pending_secret(user: User) -> str:
    """The secret of an enrolment under way, made on first use and the same until confirmed."""
    if enrolled(user):
        raise SecondFactorError(_("Der zweite Faktor ist bereits eingerichtet."))
    secret = decrypt_secret(user.totp_secret)
    if secret is None:
        secret = pyotp.random_base32(32)
        user.totp_secret = encrypt_secret(secret)
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _step_of(secret: str, code: str, now: datetime) -> int | None:
    """The time step near ``now`` whose code is ``code``, or None."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes, replacing any earlier ones; returned in clear this once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=secret_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def confirm_enrolment(user: User, code: str, now: datetime | None = None) -> list[str]:
    """The first code confirms the enrolment; returns the recovery codes to show once."""
    now = now or utcnow()
    secret = pending_secret(user)
    step = _step_of(secret, _normalised(code), now)
    if step is None:
        raise SecondFactorError(
            _("Der Code stimmt nicht. Bitte geben Sie den aktuellen Code aus Ihrer App ein.")
        )
    user.totp_enrolled_at = now
    user.totp_last_step = step
    return new_recovery_codes(user)


def check_code(user: User, code: str, now: datetime | None = None) -> str | None:
    """What ``code`` proves for an enrolled ``user``: TOTP, RECOVERY, REUSED or None.

    An accepted TOTP code moves the last used time step on; an accepted recovery code is
    spent. Nothing is committed here.
    """
    now = now or utcnow()
    value = _normalised(code)
    secret = decrypt_secret(user.totp_secret)
    if not enrolled(user) or secret is None:
        return None
    step = _step_of(secret, value, now)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return REUSED
        user.totp_last_step = step
        return TOTP
    if len(value) != RECOVERY_LENGTH or not set(value) <= set(RECOVERY_ALPHABET):
        return None
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for recovery in unused:
        if secret_matches(recovery.code_hash, value):
            recovery.used_at = now
            return RECOVERY
    return None


def unused_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def reset(user: User) -> None:
    """The factor is gone; the user enrols again at the next login. Every session ends."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.rotate_session_token()
