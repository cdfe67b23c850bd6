"""Four eyes for the IT role: giving an account ``it_admin`` takes a second it_admin.

An it_admin who gives an account the role only *requests* it (``request_role``); the
account keeps its role until a second, different, active it_admin confirms
(``confirm``). Neither the requester nor the account itself can confirm, a request
expires after ``LOTSE_ROLE_GRANT_HOURS`` (72 by default), and any active it_admin but the
account itself may reject it (the requester so withdraws it). The web view and the CLI
only map a ``RoleGrantRefused`` to their German message.

Bootstrap: a confirmation takes an it_admin besides the one who asks. While the
installation has fewer than two active it_admins (a fresh one, or one with a single IT
administrator), nobody could confirm, so the role is given at once (``needs_confirmation``
is false): the first two it_admins come so, every later one by four eyes. Creating a new
account with the role is refused otherwise: it is created with another role and the role
is then requested.

Every step is in the audit trail: the request row's insert and each decision's update are
recorded by the audit hook (models/auditing.py), the new role by the account's update, a
refused decision by the caller with ``record_refusal``.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from models import RoleGrant, User, db
from models.auditing import record
from models.choices import ROLE, ROLE_GRANT_STATUS
from models.scoping import unscoped
from models.types import utcnow

from .users import UserError, account_changed, check_role, find_user

# Roles given under the four-eyes rule.
CONFIRMED_ROLES = frozenset({"it_admin"})
CONFIRMER_ROLE = "it_admin"
DEFAULT_HOURS = 72


class RoleGrantRefused(UserError):
    """A request or a decision was refused; the message is German; nothing changed."""


def _hours() -> int:
    return current_app.config.get("LOTSE_ROLE_GRANT_HOURS", DEFAULT_HOURS)


def active_confirmers() -> int:
    """How many active accounts hold the confirming role, in the whole installation (IT is
    installation-wide): counted past the authority rule, which shows a team lead or a
    caseworker only the accounts of their own authority."""
    # As stored: an account being changed in this session does not count itself.
    with db.session.no_autoflush, unscoped("four eyes: the installation's it_admins, counted"):
        return db.session.scalar(
            select(func.count(User.id)).where(User.role == CONFIRMER_ROLE, User.active.is_(True))
        )


# A request and its confirmation take two different it_admins.
CONFIRMERS_NEEDED = 2


def needs_confirmation(role: str) -> bool:
    """Whether giving ``role`` takes a second confirmation now (not while bootstrapping:
    with a single it_admin, nobody but the one asking could decide)."""
    return role in CONFIRMED_ROLES and active_confirmers() >= CONFIRMERS_NEEDED


def _ensure_confirmer(user: User | None) -> User:
    if user is None or not user.active or user.role != CONFIRMER_ROLE:
        raise RoleGrantRefused(
            _(
                "Nur ein aktives Konto der IT-Administration kann die Rolle "
                "%(role)s beantragen, bestätigen oder ablehnen.",
                role=ROLE.label(CONFIRMER_ROLE),
            )
        )
    return user


def check_new_account_role(role: str) -> None:
    """A new account gets a confirmed role only while nobody could confirm it."""
    if needs_confirmation(role):
        raise RoleGrantRefused(
            _(
                "Ein neues Konto kann die Rolle %(role)s nicht sofort erhalten. Legen Sie es "
                "mit einer anderen Rolle an und beantragen Sie die Rolle danach; eine zweite "
                "Person der IT-Administration bestätigt sie.",
                role=ROLE.label(role),
            )
        )


def pending_for(user: User) -> RoleGrant | None:
    return db.session.scalars(
        select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.status == "pending")
    ).one_or_none()


def request_role(target: User, role: str, *, by: User) -> RoleGrant:
    """``by`` asks to give ``target`` the ``role``; the account keeps its role meanwhile."""
    if role not in CONFIRMED_ROLES:
        raise ValueError(f"{role} is given without a confirmation")
    _ensure_confirmer(by)
    if by.id == target.id:
        raise RoleGrantRefused(_("Die eigene Rolle kann man nicht selbst ändern."))
    if target.role == role:
        raise RoleGrantRefused(
            _("%(email)s hat die Rolle %(role)s schon.", email=target.email, role=ROLE.label(role))
        )
    if not target.active:
        raise RoleGrantRefused(
            _(
                "Das Konto %(email)s ist deaktiviert und erhält keine neue Rolle.",
                email=target.email,
            )
        )
    now = utcnow()
    waiting = pending_for(target)
    if waiting is not None and waiting.expires_at <= now:
        waiting.status = "expired"  # it made way for a new request
        db.session.flush()
    elif waiting is not None:
        raise RoleGrantRefused(
            _(
                "Für %(email)s wartet schon der Antrag Nr. %(id)s auf Bestätigung.",
                email=target.email,
                id=waiting.id,
            )
        )
    grant = RoleGrant(
        user=target,
        role=role,
        previous_role=target.role,
        status="pending",
        requested_by=by,
        requested_at=now,
        expires_at=now + timedelta(hours=_hours()),
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def set_role(email: str, role: str, *, by: User | None = None) -> tuple[User, RoleGrant | None]:
    """Change an account's role: at once, or, for a role under the four-eyes rule, as a
    request of ``by`` (returned) that a second it_admin confirms. ``by`` is who acts; the
    CLI names them, the web view passes the logged-in user."""
    check_role(role)
    target = find_user(email)
    if target.role == role:
        return target, None
    if needs_confirmation(role):
        if by is None:
            raise RoleGrantRefused(
                _(
                    "Die Rolle %(role)s beantragt eine Person der IT-Administration; eine "
                    "zweite bestätigt sie.",
                    role=ROLE.label(role),
                )
            )
        return target, request_role(target, role, by=by)
    target.role = role
    account_changed(target, by=by, role_changed=True)
    return target, None


def account_saved(user: User, *, by: User) -> RoleGrant | None:
    """The rules of an account saved in the user form by ``by``: a new role under the
    four-eyes rule becomes a request (returned) and the account keeps its role; any other
    change follows ``account_changed``."""
    history = sa_inspect(user).attrs.role.history
    before = history.deleted[0] if history.deleted else user.role
    was_active = sa_inspect(user).attrs.active.history.deleted
    if was_active == [False] and user.active and before == user.role:
        # Reactivating an account gives its role back, which four eyes must not miss.
        ensure_reactivation_allowed(user)
    grant = None
    if user.role != before and needs_confirmation(user.role):
        requested, user.role = user.role, before
        grant = request_role(user, requested, by=by)
    account_changed(user, by=by, role_changed=user.role != before)
    return grant


def ensure_reactivation_allowed(user: User) -> None:
    """A deactivated account with a role under four eyes comes back only with another role."""
    if needs_confirmation(user.role):
        raise RoleGrantRefused(
            _(
                "Ein deaktiviertes Konto der %(role)s wird nur mit einer anderen Rolle wieder "
                "aktiviert; die Rolle %(role)s ist danach neu zu beantragen.",
                role=ROLE.label(user.role),
            )
        )


def find_grant(grant_id) -> RoleGrant:
    grant = None
    if isinstance(grant_id, int) or (isinstance(grant_id, str) and grant_id.isdigit()):
        grant = db.session.get(RoleGrant, int(grant_id))
    if grant is None:
        raise RoleGrantRefused(_("Es gibt keinen Rollenantrag Nr. %(id)s.", id=grant_id))
    return grant


def _ensure_pending(grant: RoleGrant, now) -> None:
    if grant.status == "pending" and grant.expires_at <= now:
        raise RoleGrantRefused(
            _(
                "Der Antrag Nr. %(id)s ist abgelaufen; er muss neu gestellt werden.",
                id=grant.id,
            )
        )
    if grant.status != "pending":
        raise RoleGrantRefused(
            _(
                "Über den Antrag Nr. %(id)s ist schon entschieden (%(status)s).",
                id=grant.id,
                status=ROLE_GRANT_STATUS.label(grant.status),
            )
        )


def _ensure_decider(grant: RoleGrant, by: User | None, own_account: str) -> None:
    """The request is still pending, ``by`` is an active it_admin and not the account the
    request is for (refused with ``own_account``)."""
    _ensure_pending(grant, utcnow())
    if by is not None and by.id == grant.user_id:
        raise RoleGrantRefused(own_account)
    _ensure_confirmer(by)


def _decided(grant: RoleGrant, status: str, by: User) -> RoleGrant:
    grant.status = status
    grant.decided_by = by
    grant.decided_at = utcnow()
    db.session.flush()
    return grant


def confirm(grant: RoleGrant, *, by: User) -> RoleGrant:
    """A second it_admin confirms: the account gets the role, its sessions end."""
    _ensure_decider(
        grant, by, _("Eine Rolle für das eigene Konto kann man nicht selbst bestätigen.")
    )
    if by.id == grant.requested_by_id:
        raise RoleGrantRefused(
            _(
                "Den eigenen Antrag kann man nicht selbst bestätigen; das muss eine zweite "
                "Person der IT-Administration tun."
            )
        )
    requester = grant.requested_by
    if not requester.active or requester.role != CONFIRMER_ROLE:
        raise RoleGrantRefused(
            _(
                "%(email)s, die den Antrag Nr. %(id)s gestellt hat, gehört nicht mehr zur "
                "IT-Administration; der Antrag kann nur abgelehnt werden.",
                email=requester.email,
                id=grant.id,
            )
        )
    target = grant.user
    if not target.active:
        raise RoleGrantRefused(
            _(
                "Das Konto %(email)s ist deaktiviert und erhält keine neue Rolle.",
                email=target.email,
            )
        )
    target.role = grant.role
    account_changed(target, by=by, role_changed=True)
    return _decided(grant, "confirmed", by)


def reject(grant: RoleGrant, *, by: User) -> RoleGrant:
    """Any active it_admin but the account itself rejects (or, as requester, withdraws)."""
    _ensure_decider(
        grant, by, _("Über eine Rolle für das eigene Konto entscheidet man nicht selbst.")
    )
    return _decided(grant, "rejected", by)


def record_refusal(step: str, refused: RoleGrantRefused, *, by: User | None, grant_id=None):
    """Put a refused step in the audit trail; the caller has rolled back and commits."""
    record(
        "denied",
        "role_grant",
        grant_id if isinstance(grant_id, int) else None,
        {"operation": step, "reason": str(refused)},
        user_id=by.id if by is not None else None,
        authority_id=by.authority_id if by is not None else None,
    )


def open_grants() -> list[RoleGrant]:
    """Pending requests, oldest first, those past their time included (``is_pending``)."""
    return list(
        db.session.scalars(
            select(RoleGrant).where(RoleGrant.status == "pending").order_by(RoleGrant.requested_at)
        )
    )


def recent_decisions(limit: int = 20) -> list[RoleGrant]:
    return list(
        db.session.scalars(
            select(RoleGrant)
            .where(RoleGrant.status != "pending")
            .order_by(RoleGrant.updated_at.desc(), RoleGrant.id.desc())
            .limit(limit)
        )
    )


def is_pending(grant: RoleGrant) -> bool:
    return grant.status == "pending" and grant.expires_at > utcnow()
