"""Users of the system, their passwords and their second factor (docs/design.md §9)."""

import contextlib
import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .choices import LOCALE, ROLE, ROLE_GRANT_STATUS, choice_check, choice_column
from .db import db
from .mixins import AuthorMixin, TimestampMixin, VersionMixin
from .privacy import gdpr
from .reference import Authority
from .sql import reference_column
from .types import UTCDateTime, utcnow

# argon2id; by default the library's RFC 9106 low-memory profile (t=3, 64 MiB, p=4).
# LOTSE_ARGON2_TIME_COST and LOTSE_ARGON2_MEMORY_KIB tune it (the test suite uses a cheaper,
# still argon2id, setting); hashes made with other settings are upgraded at the next login.
_DEFAULT_HASHER = PasswordHasher()


@cache
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _hasher() -> PasswordHasher:
    if not has_app_context():
        return _DEFAULT_HASHER
    config = current_app.config
    time_cost = config.get("LOTSE_ARGON2_TIME_COST", _DEFAULT_HASHER.time_cost)
    memory_kib = config.get("LOTSE_ARGON2_MEMORY_KIB", _DEFAULT_HASHER.memory_cost)
    return _hasher_for(time_cost, memory_kib)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, AuthorMixin, VersionMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), nullable=False, unique=True, info=gdpr("staff"))
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, info=gdpr("staff"))
    authority_id: Mapped[int] = reference_column("authority", info=gdpr("staff"))
    role: Mapped[str] = choice_column(ROLE, info=gdpr("staff"))
    active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, index=True, info=gdpr("staff")
    )
    password_hash: Mapped[str | None] = mapped_column(
        String(255), info={"secret": True, **gdpr("staff_security")}
    )
    session_token: Mapped[str] = mapped_column(
        String(64),
        nullable=False,
        unique=True,
        default=new_session_token,
        info={"secret": True, **gdpr("staff_security")},
    )
    failed_logins: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, info=gdpr("staff_security")
    )
    locked_until: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), info=gdpr("staff_security")
    )
    last_login_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), info=gdpr("staff_security")
    )
    locale: Mapped[str] = choice_column(LOCALE, default="de", index=False, info=gdpr("staff"))
    # The second factor (TOTP, RFC 6238): the secret encrypted with a key derived from
    # SECRET_KEY (services/second_factor.py); set but not yet enrolled while the enrolment
    # waits for its first code. The last accepted time step refuses a code used again.
    totp_secret: Mapped[str | None] = mapped_column(
        String(255), info={"secret": True, **gdpr("staff_security")}
    )
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), info=gdpr("staff_security")
    )
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, info=gdpr("staff_security"))

    authority: Mapped[Authority] = relationship(foreign_keys=[authority_id])

    def __str__(self) -> str:
        return self.display_name

    # Flask-Login identifies the session by its token, so rotating the token ends every
    # session of this user at once (logout everywhere, deactivation, password change).
    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher().hash(password)
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        hasher = _hasher()
        try:
            hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(self.password_hash):
            self.password_hash = hasher.hash(password)
        return True

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()


def secret_hash(value: str) -> str:
    """An argon2id hash of ``value`` (a recovery code), with the configured cost."""
    return _hasher().hash(value)


def secret_matches(hashed: str, value: str) -> bool:
    try:
        return _hasher().verify(hashed, value)
    except (VerificationError, InvalidHashError):
        return False


class RecoveryCode(db.Model):
    """One of a user's one-time recovery codes, kept only as an argon2id hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        info=gdpr("staff_security"),
    )
    code_hash: Mapped[str] = mapped_column(
        String(255), nullable=False, info={"secret": True, **gdpr("staff_security")}
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, info=gdpr("staff_security")
    )
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info=gdpr("staff_security"))


def dummy_password_check(password: str) -> None:
    """Spend the time of a real check, so an unknown email cannot be told apart by timing."""
    hasher = _hasher()
    with contextlib.suppress(VerificationError):
        hasher.verify(_dummy_hash(hasher.time_cost, hasher.memory_cost), password)


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    return _hasher_for(time_cost, memory_kib).hash(secrets.token_urlsafe(16))


STAFF = gdpr("staff")


class RoleGrant(TimestampMixin, VersionMixin, db.Model):
    """A request to give an account a role that takes a second person's confirmation.

    ``services.role_grants`` holds the rule (docs/design.md §9, "four eyes"); the row keeps
    who asked, for whom, until when, and who decided. At most one request per account is
    pending at a time (a partial unique index, on both databases). The version counter
    makes two people deciding at the same moment collide instead of both winning.
    """

    __tablename__ = "role_grant"
    __table_args__ = (
        choice_check("role", ROLE),
        choice_check("previous_role", ROLE),
        choice_check("status", ROLE_GRANT_STATUS),
        Index(
            "uq_role_grant_pending_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = reference_column("user", info=STAFF)
    role: Mapped[str] = choice_column(ROLE, index=False, info=STAFF)
    previous_role: Mapped[str] = choice_column(ROLE, index=False, info=STAFF)
    status: Mapped[str] = choice_column(ROLE_GRANT_STATUS, default="pending", info=STAFF)
    requested_by_id: Mapped[int] = reference_column("user", info=STAFF)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, info=STAFF)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, info=STAFF)
    decided_by_id: Mapped[int | None] = reference_column("user", info=STAFF)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), info=STAFF)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __str__(self) -> str:
        return f"{self.id}: {ROLE.label(self.role)}"
