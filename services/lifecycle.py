"""The case lifecycle of docs/design.md §3: transitions as functions with their conditions.

``transition(case, to, user, closure_reason_code=None)`` either moves the case or raises
``TransitionRefused`` with German reasons, having changed nothing. The case file's buttons,
the transition endpoint, the demo generator and the tests all come through here.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from models import (
    FINAL_GOAL_STATUSES,
    OPEN_STATUSES,
    Activity,
    Case,
    CaseChecklistItem,
    ClosureReason,
    Evaluation,
    Goal,
    Need,
    db,
)
from models.choices import CASE_STATUS

from .due import CLOSED_STATUSES


class TransitionRefused(ValueError):
    """A transition whose conditions do not hold; ``reasons`` are German sentences."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Transition:
    source: tuple[str, ...]
    target: str
    label: object
    operation: str = "transition"  # the role-table operation a user needs


TRANSITIONS = (
    Transition(("intake",), "planning", _l("Planung beginnen")),
    Transition(("intake",), "declined", _l("Fall ablehnen")),
    Transition(("planning", "on_hold"), "active", _l("Umsetzung beginnen")),
    Transition(("active",), "on_hold", _l("Fall ruhen lassen")),
    Transition(("active",), "evaluation", _l("Abschlussbewertung beginnen")),
    Transition(OPEN_STATUSES, "closed", _l("Fall abschließen")),
    Transition(("closed",), "active", _l("Fall wieder öffnen"), operation="reopen"),
)


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if status in t.source]


def find_transition(status: str, target: str) -> Transition | None:
    return next((t for t in transitions_from(status) if t.target == target), None)


def effort_minutes(case_id: int) -> int:
    """The summed duration of a case's activities, the effort of docs/design.md §2."""
    total = db.session.execute(
        select(func.coalesce(func.sum(Activity.duration_minutes), 0)).where(
            Activity.case_id == case_id
        )
    ).scalar_one()
    return int(total)


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _open_required_items(case: Case) -> list[str]:
    return list(
        db.session.scalars(
            select(CaseChecklistItem.text)
            .where(
                CaseChecklistItem.case_id == case.id,
                CaseChecklistItem.required.is_(True),
                CaseChecklistItem.done_at.is_(None),
            )
            .order_by(CaseChecklistItem.need_area_id, CaseChecklistItem.position)
        )
    )


@dataclass(frozen=True)
class CaseFacts:
    """What the conditions count, taken from a case's parts already loaded (the case file).

    Counted as ``missing_conditions`` counts them itself: archived needs and goals left out.
    """

    needs: int
    agreed_goals: int
    open_goals: int  # goals without a final status
    open_required_items: int  # required checklist items not done
    evaluations: int


# What each count of ``CaseFacts`` counts: a case's rows of a class that match conditions.
_COUNTED = {
    "needs": (Need, Need.archived_at.is_(None)),
    "agreed_goals": (Goal, Goal.agreed_on.is_not(None), Goal.archived_at.is_(None)),
    "open_goals": (Goal, Goal.archived_at.is_(None), Goal.status.not_in(FINAL_GOAL_STATUSES)),
    "evaluations": (Evaluation,),
}


def _case_count(facts: CaseFacts | None, name: str, case: Case) -> int:
    """``facts.<name>`` when the case's parts are loaded, else counted for ``case``."""
    if facts is not None:
        return getattr(facts, name)
    model, *where = _COUNTED[name]
    return _count(model, model.case_id == case.id, *where)


def missing_conditions(
    case: Case,
    target: str,
    closure_reason: ClosureReason | None = None,
    *,
    facts: CaseFacts | None = None,
) -> list[str]:
    """Why ``case`` cannot move to ``target`` now; empty when it can.

    Without ``facts`` the counts are queried; with them, only the texts of open required
    checklist items are, and only when there are some.
    """
    missing = []
    if target == "planning":
        needs = _case_count(facts, "needs", case)
        if needs == 0:
            missing.append(_("Es ist noch kein Bedarf erfasst."))
        if case.client.privacy_notice_given_on is None:
            missing.append(
                _("Der Datenschutzhinweis (Art. 13 DSGVO) ist bei der Klient:in nicht vermerkt.")
            )
    elif target == "active" and case.status in ("planning", "on_hold", "closed"):
        agreed = _case_count(facts, "agreed_goals", case)
        if agreed == 0:
            missing.append(_("Es ist noch kein Ziel mit der Klient:in vereinbart."))
    elif target == "evaluation":
        open_goals = _case_count(facts, "open_goals", case)
        if open_goals:
            missing.append(
                ngettext(
                    "%(num)s Ziel hat noch keinen abschließenden Status "
                    "(erreicht, teilweise erreicht, nicht erreicht, aufgegeben).",
                    "%(num)s Ziele haben noch keinen abschließenden Status "
                    "(erreicht, teilweise erreicht, nicht erreicht, aufgegeben).",
                    open_goals,
                )
            )
        items = _open_required_items(case) if facts is None or facts.open_required_items else []
        if items:
            missing.append(
                _("Offene Pflichtpunkte der Checkliste: %(items)s.", items="; ".join(items))
            )
    elif target == "closed":
        if closure_reason is None:
            missing.append(_("Bitte einen Abschlussgrund angeben."))
        elif not closure_reason.active:
            missing.append(_("Dieser Abschlussgrund ist nicht mehr aktiv."))
        elif case.status == "evaluation":
            evaluations = _case_count(facts, "evaluations", case)
            if evaluations == 0:
                missing.append(_("Es gibt noch keine Abschlussbewertung."))
        elif closure_reason.requires_evaluation:
            missing.append(
                _(
                    "Vor der Auswertung kann ein Fall nur mit einem Abschlussgrund ohne "
                    "Abschlussbewertung beendet werden (z. B. Wegzug, kein Kontakt)."
                )
            )
    return missing


def transition(
    case: Case,
    target: str,
    *,
    allowed_operations: set[str] | frozenset[str],
    closure_reason_code: str | None = None,
    note: str | None = None,
    on: date | None = None,
) -> Case:
    """Move ``case`` to ``target`` or raise ``TransitionRefused``; the caller commits."""
    if target not in CASE_STATUS:
        raise TransitionRefused([_("Unbekannter Zielstatus.")])
    step = find_transition(case.status, target)
    if step is None:
        raise TransitionRefused(
            [
                _(
                    "Ein Fall im Status „%(source)s“ kann nicht in „%(target)s“ wechseln.",
                    source=CASE_STATUS.label(case.status),
                    target=CASE_STATUS.label(target),
                )
            ]
        )
    if step.operation not in allowed_operations:
        raise TransitionRefused([_("Diesen Statuswechsel darf Ihre Rolle nicht vornehmen.")])
    reason = None
    if target == "closed" and closure_reason_code:
        reason = db.session.execute(
            select(ClosureReason).where(ClosureReason.code == closure_reason_code)
        ).scalar_one_or_none()
        if reason is None:
            raise TransitionRefused([_("Unbekannter Abschlussgrund.")])
    missing = missing_conditions(case, target, reason)
    if missing:
        raise TransitionRefused(missing)

    today = on or date.today()
    if target in CLOSED_STATUSES:
        case.closure_reason = reason
        case.closed_on = today
        if note:
            case.closure_note = note
    elif case.status == "closed":  # reopening
        case.closed_on = None
        case.closure_reason = None
    if target == "planning" and case.intake_on is None:
        case.intake_on = today
    case.status = target
    return case
