"""The steering report's own figures: closures per reason, the structural issues and the
lessons of the cases closed in a period."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from models import Case, Client, Evaluation, HouseholdMember, StructuralIssue, User, db
from models.scoping import owned_by

from .outcomes import ClosedCaseFigures, ClosureCount, _closed_cases
from .periods import Period
from .redaction import redact
from .scope import _owned_by
from .sql import _closed_in, _has_need, _part_of_case

LESSONS_LIMIT = 200  # the report lists at most this many lessons
ISSUES_LIMIT = 200


def closure_outcomes(
    authority_id: int | None, period: Period, *, need_area_id: int | None = None
) -> list[ClosureCount]:
    """Cases closed in ``period`` per need area and closure reason. Two queries: the
    counts, and the closure reasons (reference data) to name and order them."""
    return _closed_cases(authority_id, period, need_area_id=need_area_id, closures=True)[1]


def closed_case_report(
    authority_id: int | None, period: Period, *, need_area_id: int | None = None
) -> tuple[ClosedCaseFigures, list[ClosureCount]]:
    """``closed_case_figures(by_need_area=True)`` and ``closure_outcomes`` of the report,
    from one pass over the closed cases and their needs (plus the closure reasons)."""
    return _closed_cases(
        authority_id, period, by_need_area=True, need_area_id=need_area_id, closures=True
    )


@dataclass(frozen=True)
class IssueLine:
    need_area_id: int | None
    title: str
    status: str


def linked_issue_counts(
    authority_id: int | None, period: Period, *, need_area_id: int | None = None
) -> dict[tuple, int]:
    """{(need_area_id, status): n} of structural issues whose source case closed in
    ``period``. Per need area, an issue counts in its own."""
    statement = (
        select(StructuralIssue.need_area_id, StructuralIssue.status, func.count())
        .join(Case, _part_of_case(StructuralIssue))
        .where(
            *_closed_in(authority_id, period),
            _owned_by(StructuralIssue, authority_id),
            StructuralIssue.archived_at.is_(None),
        )
        .group_by(StructuralIssue.need_area_id, StructuralIssue.status)
    )
    if need_area_id is not None:
        statement = statement.where(StructuralIssue.need_area_id == need_area_id)
    return {(area, status): n for area, status, n in db.session.execute(statement)}


def linked_issues(
    authority_id: int, period: Period, *, need_area_id: int | None = None
) -> list[IssueLine]:
    """The own authority's structural issues whose source case closed in ``period``.

    Titles carry no personal data by design; they are redacted all the same, with the
    names of the source case's client.
    """
    statement = (
        select(
            StructuralIssue.need_area_id,
            StructuralIssue.title,
            StructuralIssue.status,
            Client.family_name,
            Client.given_names,
        )
        .join(Case, Case.id == StructuralIssue.case_id)
        .join(Client, Client.id == Case.client_id)
        .where(
            *_closed_in(authority_id, period),
            owned_by(authority_id, StructuralIssue),
            StructuralIssue.archived_at.is_(None),
        )
        .order_by(StructuralIssue.title)
        .limit(ISSUES_LIMIT)
    )
    if need_area_id is not None:
        statement = statement.where(StructuralIssue.need_area_id == need_area_id)
    return [
        IssueLine(area, redact(title, names=(family, given)), status)
        for area, title, status, family, given in db.session.execute(statement)
    ]


@dataclass(frozen=True)
class Lessons:
    texts: list[str]
    total: int  # lessons in the period; more than ``texts`` when the list is capped


def lessons(authority_id: int, period: Period, *, need_area_id: int | None = None) -> Lessons:
    """The evaluations' lessons of the own authority's cases closed in ``period``.

    Without any personal data: no case, client, date or author goes with a lesson, the list
    is in alphabetical order, and ``redact`` removes the names of the case's client, the
    client's household and the caseworker, as well as numbers, dates, e-mail addresses and
    phone numbers from the text. Other authorities' lessons are never read: they are not
    aggregates. Two queries (the lessons, then the household names for the redaction).
    """
    statement = (
        select(
            Evaluation.lessons,
            Client.id,
            Client.family_name,
            Client.given_names,
            User.display_name,
            func.count().over(),
        )
        .select_from(Evaluation)
        .join(Case, Case.id == Evaluation.case_id)
        .join(Client, Client.id == Case.client_id)
        .outerjoin(User, User.id == Case.caseworker_id)
        .where(
            *_closed_in(authority_id, period),
            _has_need(need_area_id),
            owned_by(authority_id, Evaluation),
            Evaluation.archived_at.is_(None),
            Evaluation.lessons.is_not(None),
            func.length(func.trim(Evaluation.lessons)) > 0,
        )
        .order_by(Evaluation.lessons, Evaluation.id)
        .limit(LESSONS_LIMIT)
    )
    rows = db.session.execute(statement).all()
    household: dict[int, list[str]] = {}
    if rows:
        members = db.session.execute(
            select(
                HouseholdMember.client_id,
                HouseholdMember.family_name,
                HouseholdMember.given_names,
            ).where(
                HouseholdMember.client_id.in_({row[1] for row in rows}),
                owned_by(authority_id, HouseholdMember),
            )
        )
        for client_id, family, given in members:
            household.setdefault(client_id, []).extend((family, given))
    texts = sorted(
        redact(text, names=(family, given, staff, *household.get(client_id, ())))
        for text, client_id, family, given, staff, _total in rows
    )
    return Lessons(texts=texts, total=rows[0][-1] if rows else 0)
