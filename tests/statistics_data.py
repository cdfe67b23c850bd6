"""A small hand-made data set with known figures, for the dashboard and the report tests.

The day the figures describe is ``TODAY``, Wednesday 4 November 2026; the dashboard's twelve
months run from 1 December 2025, its week to Sunday 8 November 2026. The expected figures
are worked out by hand in the tests, next to the cases they come from.

Authorities:
- ``A`` (the world's first authority): six open cases, four cases closed in the period, one
  closed before it, one declined.
- ``B`` (the world's second authority): one open case shared with ``A`` (it must never
  count for ``A``), one closed case.
- ``C`` (a third): eight open cases, so that some totals across authorities reach five.

Every free text of a client carries ``SECRET`` (and the client names ``SECRET_NAME``), so
the privacy tests can check that none of it reaches a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from types import SimpleNamespace

from sqlalchemy import select

from models import (
    Activity,
    Agency,
    Authority,
    Case,
    CaseShare,
    ClosureReason,
    Consent,
    Evaluation,
    Goal,
    HouseholdMember,
    Measure,
    Need,
    NeedArea,
    Referral,
    StructuralIssue,
    User,
    db,
)
from tests import factories

TODAY = date(2026, 11, 4)
SECRET = "GEHEIMTEXT"
SECRET_NAME = "Geheimname"
d = date


@dataclass
class Spec:
    authority: str
    status: str
    opened: date
    caseworker: str | None = None
    intake: date | None = None
    closed: date | None = None
    reason: str | None = None
    needs: tuple = ()
    goals: tuple = ()  # (area, status, target_date)
    measures: tuple = ()  # (due_on, status)
    referrals: tuple = ()  # (agency, area, status, sent_on, follow_up_on, answered_on)
    activities: tuple = ()  # dates
    effort: int | None = None  # an evaluation with this effort
    lessons: str | None = None
    permit: date | None = None
    issue: tuple | None = None  # (title, area, status)
    share_with: str | None = None
    extra: dict = field(default_factory=dict)


# Authority A: the figures the tests expect are worked out in the tests.
A_CASES = {
    # open
    "A1": Spec("A", "intake", d(2026, 10, 20), "cw", needs=("language",)),
    "A2": Spec(
        "A",
        "planning",
        d(2026, 9, 1),
        "cw",
        needs=("language", "work"),
        activities=(d(2026, 10, 1),),
        referrals=(("jobcenter", "work", "draft", None, None, None),),
    ),
    "A3": Spec(
        "A",
        "active",
        d(2026, 6, 15),
        "cw",
        needs=("work",),
        goals=(("work", "in_progress", d(2026, 11, 6)),),
        measures=(
            (d(2026, 11, 1), "planned"),
            (d(2026, 11, 7), "in_progress"),
            (d(2026, 11, 20), "planned"),
            (d(2026, 10, 1), "done"),
        ),
        referrals=(("jobcenter", "work", "sent", d(2026, 10, 1), d(2026, 10, 15), None),),
        activities=(d(2026, 10, 9),),
    ),
    "A4": Spec(
        "A",
        "active",
        d(2026, 3, 10),
        "cw2",
        needs=("school",),
        goals=(("school", "open", d(2026, 10, 1)),),
        referrals=(("vhs", "school", "withdrawn", d(2026, 4, 1), None, None),),
        activities=(d(2026, 11, 1),),
        permit=d(2026, 11, 6),
    ),
    "A5": Spec(
        "A", "on_hold", d(2026, 1, 15), None, needs=("language",), activities=(d(2026, 11, 2),)
    ),
    "A6": Spec(
        "A",
        "evaluation",
        d(2025, 11, 20),
        "cw",
        needs=("work",),
        goals=(("work", "achieved", None),),
        activities=(d(2026, 11, 3),),
    ),
    # closed in the period
    "C1": Spec(
        "A",
        "closed",
        d(2025, 12, 5),
        "cw",
        intake=d(2025, 12, 10),
        closed=d(2026, 2, 10),  # 62 days after the intake
        reason="completed",
        needs=("language",),
        goals=(("language", "achieved", None), ("language", "partly_achieved", None)),
        effort=120,
        lessons=f"Frühe Anmeldung half {SECRET_NAME}-C1 sehr; Rückruf unter 0521 987654.",
        issue=("Zu wenige Sprachkursplätze", "language", "reported"),
    ),
    "C2": Spec(
        "A",
        "closed",
        d(2026, 1, 10),
        "cw",
        closed=d(2026, 4, 10),  # no intake date: 90 days after the opening
        reason="completed",
        needs=("language", "work"),
        goals=(("language", "not_achieved", None), ("work", "achieved", None)),
        referrals=(("jobcenter", "work", "accepted", d(2026, 2, 1), None, d(2026, 2, 11)),),
        effort=300,
        lessons="Jobcenter früher einbinden.",
    ),
    "C3": Spec(
        "A",
        "closed",
        d(2026, 2, 1),
        "cw2",
        intake=d(2026, 2, 3),
        closed=d(2026, 5, 14),  # 100 days
        reason="completed",
        needs=("work",),
        goals=(("work", "dropped", None), ("work", "achieved", None)),
        referrals=(
            ("vhs", "work", "rejected", d(2026, 2, 10), None, d(2026, 2, 14)),
            ("jobcenter", "work", "completed", d(2026, 3, 1), None, d(2026, 3, 21)),
        ),
        effort=60,
        issue=("Anerkennungsverfahren dauern zu lange", "work", "in_discussion"),
    ),
    "C4": Spec(
        "A",
        "closed",
        d(2026, 3, 1),
        "cw",
        intake=d(2026, 3, 2),
        closed=d(2026, 3, 12),  # 10 days; closed early, without evaluation
        reason="moved_away",
        needs=("school",),
        goals=(("school", "open", None),),
    ),
    # closed before the period; declined
    "C5": Spec(
        "A",
        "closed",
        d(2025, 6, 1),
        "cw",
        intake=d(2025, 6, 2),
        closed=d(2025, 11, 20),
        reason="completed",
        needs=("language",),
        goals=(("language", "achieved", None),),
        effort=999,
        lessons="Vor dem Zeitraum: nicht im Bericht.",
    ),
    "D1": Spec("A", "declined", d(2026, 4, 1), "cw", closed=d(2026, 4, 2)),
}
B_CASES = {
    "B1": Spec(
        "B",
        "active",
        d(2026, 5, 1),
        "foreign_cw",
        needs=("language",),
        goals=(("language", "open", d(2026, 10, 1)),),
        measures=((d(2026, 10, 1), "planned"),),
        share_with="A",
    ),
    "B2": Spec(
        "B",
        "closed",
        d(2026, 1, 5),
        "foreign_cw",
        intake=d(2026, 1, 5),
        closed=d(2026, 6, 5),  # 151 days
        reason="completed",
        needs=("language",),
        goals=(("language", "achieved", None),),
        referrals=(("jobcenter", "language", "accepted", d(2026, 2, 1), None, d(2026, 2, 3)),),
        effort=10000,
        lessons="Lehre der Stadt: nie im Bericht des Kreises.",
        issue=("Fehlende Dolmetscher", "language", "reported"),
    ),
}
C_CASES = {
    **{f"K{i}": Spec("C", "intake", d(2026, 10, 1 + i)) for i in range(6)},
    **{f"K{i}": Spec("C", "active", d(2026, 7, 1 + i)) for i in range(6, 8)},
}


def build(world) -> SimpleNamespace:
    """Create the data set inside an ``unscoped`` context; returns ids and names."""
    get = db.session.get
    authorities = {
        "A": get(Authority, world.authority),
        "B": get(Authority, world.foreign_authority),
        "C": Authority(
            code="third_abh", name="Dritte Behörde", kind="other", case_number_prefix="DR-ABH"
        ),
    }
    db.session.add(authorities["C"])
    areas = {a.code: a for a in db.session.scalars(select(NeedArea))}
    jobcenter = get(Agency, world.jobcenter)
    vhs = Agency(code="vhs", name="Volkshochschule", kind="language_course_provider")
    db.session.add(vhs)
    agencies = {"jobcenter": jobcenter, "vhs": vhs}
    reasons = {"completed": get(ClosureReason, world.completed)}
    reasons["moved_away"] = get(ClosureReason, world.moved_away)
    users = {
        "cw": get(User, world.caseworker),
        "cw2": factories.make_user("zweite@kreis-lippe.example", "caseworker", authorities["A"]),
        "foreign_cw": get(User, world.foreign_caseworker),
        "foreign_lead": factories.make_user(
            "teamleitung@detmold.example", "team_lead", authorities["B"]
        ),
    }
    db.session.flush()
    cases, numbers = {}, []
    for key, spec in {**A_CASES, **B_CASES, **C_CASES}.items():
        case = _case(key, spec, authorities, areas, agencies, reasons, users)
        cases[key] = case.id
        numbers += [case.number, case.client.number]
    issue = StructuralIssue(
        title="Keine Kinderbetreuung während der Kurse",
        description=f"{SECRET}-Systemlücke",
        status="resolved",
        authority_id=authorities["A"].id,
    )
    db.session.add(issue)
    db.session.flush()
    return SimpleNamespace(
        cases=cases,
        numbers=numbers,
        authority_c=authorities["C"].id,
        cw2=users["cw2"].id,
        foreign_lead=users["foreign_lead"].email,
        areas={code: area.id for code, area in areas.items()},
        vhs=vhs.id,
    )


def _case(key, spec: Spec, authorities, areas, agencies, reasons, users) -> Case:
    authority = authorities[spec.authority]
    client = factories.make_client(
        authority,
        family_name=f"{SECRET_NAME}-{key}",
        given_names=f"Vorname{key}",
        birth_date=d(1990, 4, 12),
        residence_valid_until=spec.permit,
        notes=f"{SECRET}-Notiz",
    )
    case = factories.make_case(
        client,
        opened_on=spec.opened,
        caseworker_id=users[spec.caseworker].id if spec.caseworker else None,
    )
    owned = {"authority_id": authority.id}
    case.status = spec.status
    case.intake_on = spec.intake
    case.closed_on = spec.closed
    case.intake_summary = f"{SECRET}-Erstgespräch {key}"
    case.closure_note = f"{SECRET}-Abschluss" if spec.closed else None
    if spec.reason:
        case.closure_reason = reasons[spec.reason]
    db.session.add(
        HouseholdMember(
            client=client,
            relation="child",
            family_name=f"{SECRET_NAME}Kind",
            given_names=f"Kind{key}",
            **owned,
        )
    )
    for code in spec.needs:
        db.session.add(
            Need(case=case, need_area=areas[code], description=f"{SECRET}-Bedarf", **owned)
        )
    consent = None
    if spec.referrals or spec.share_with:
        consent = Consent(
            client=client,
            purpose=f"{SECRET}-Einwilligung",
            data_categories="Stammdaten",
            given_on=d(2025, 1, 1),
            **owned,
        )
        consent.recipient_agencies.extend(agencies.values())
        if spec.share_with:
            consent.recipient_authorities.append(authorities[spec.share_with])
        db.session.add(consent)
    goals = []
    for code, status, target in spec.goals:
        goal = Goal(
            case=case,
            need_area=areas[code],
            description=f"{SECRET}-Ziel",
            status=status,
            target_date=target,
            agreed_on=spec.opened,
            **owned,
        )
        goals.append(goal)
        db.session.add(goal)
    db.session.flush()
    for due_on, status in spec.measures:
        db.session.add(
            Measure(
                case=case,
                goal=goals[0],
                description=f"{SECRET}-Maßnahme",
                due_on=due_on,
                status=status,
                done_on=due_on if status == "done" else None,
                **owned,
            )
        )
    for agency, area, status, sent_on, follow_up_on, answered_on in spec.referrals:
        db.session.add(
            Referral(
                case=case,
                agency=agencies[agency],
                need_area=areas[area],
                reason=f"{SECRET}-Vermittlung",
                status=status,
                consent=consent if status != "draft" else None,
                sent_on=sent_on,
                follow_up_on=follow_up_on,
                answered_on=answered_on,
                **owned,
            )
        )
    for occurred_on in spec.activities:
        db.session.add(
            Activity(
                case=case,
                occurred_on=occurred_on,
                duration_minutes=30,
                summary=f"{SECRET}-Kontakt",
                **owned,
            )
        )
    if spec.effort is not None:
        db.session.add(
            Evaluation(
                case=case,
                evaluated_on=spec.closed,
                effort_minutes=spec.effort,
                success_rating=4,
                client_view=f"{SECRET}-Sicht der Klientin",
                caseworker_view=f"{SECRET}-Sicht des Fallmanagements",
                lessons=spec.lessons,
                **owned,
            )
        )
    if spec.issue:
        title, area, status = spec.issue
        db.session.add(
            StructuralIssue(
                title=title,
                description=f"{SECRET}-Beschreibung",
                need_area=areas[area],
                case=case,
                status=status,
                **owned,
            )
        )
    if spec.share_with:
        db.session.flush()
        db.session.add(
            CaseShare(
                case=case,
                owner_authority_id=authority.id,
                authority_id=authorities[spec.share_with].id,
                consent=consent,
                access="read",
            )
        )
    db.session.flush()
    return case


# Further closed cases of authority C, so that some report cells across authorities reach five.
C_CLOSED = {
    **{
        f"K{i}": Spec(
            "C",
            "closed",
            d(2026, 1, 1),
            intake=d(2026, 1, 1),
            closed=d(2026, 7, 1),  # 181 days
            reason="completed",
            needs=("work",),
            goals=(("work", "achieved", None),),
            effort=100,
        )
        for i in range(8, 14)
    },
    "K14": Spec(
        "C", "closed", d(2026, 1, 1), closed=d(2026, 7, 1), reason="moved_away", needs=("work",)
    ),
}


def add_region_closures(world, authority_c: int) -> None:
    get = db.session.get
    areas = {a.code: a for a in db.session.scalars(select(NeedArea))}
    reasons = {
        "completed": get(ClosureReason, world.completed),
        "moved_away": get(ClosureReason, world.moved_away),
    }
    for key, spec in C_CLOSED.items():
        _case(key, spec, {"C": get(Authority, authority_c)}, areas, {}, reasons, {})


def add_more_cases(world, count: int, prefix: str = "M") -> None:
    """Further cases of every kind for authority A, to show that query counts stay fixed."""
    get = db.session.get
    authority = get(Authority, world.authority)
    areas = {a.code: a for a in db.session.scalars(select(NeedArea))}
    agencies = {"jobcenter": get(Agency, world.jobcenter)}
    agencies["vhs"] = db.session.scalars(select(Agency).where(Agency.code == "vhs")).one()
    reasons = {"completed": get(ClosureReason, world.completed)}
    users = {"cw": get(User, world.caseworker)}
    for i in range(count):
        spec = A_CASES["C2"] if i % 2 else A_CASES["A3"]
        spec = Spec(**{**spec.__dict__, "issue": None})
        _case(f"{prefix}{i}", spec, {"A": authority}, areas, agencies, reasons, users)


# -- reading pages ------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every <table id=…> of a page as a list of rows of cell texts (header row included)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {
        key: [[c.replace("\xa0", " ") for c in row] for row in rows]
        for key, rows in parser.tables.items()
    }


def rows(html: str, table_id: str) -> dict[str, list[str]]:
    """{row label: [cells]} of one table, without its header row."""
    found = tables(html)
    assert table_id in found, f"no table {table_id!r}; found {sorted(found)}"
    return {row[0]: row[1:] for row in found[table_id][1:]}
