"""bench/lists.py: the regions it times, their databases, and the facts the pages need."""

from __future__ import annotations

import contextlib
import sys
from argparse import Namespace
from dataclasses import dataclass
from datetime import date, timedelta

# Imported by bench/lists.py, which puts the project on sys.path first.
from sqlalchemy import create_engine, text

from bench.region import (
    CASEWORKER,
    TEAM_LEAD,
    generate,
    migrate,
)

BIG_CASE = "Benchmark: Fallakte mit vielen Teilen"
PAGE_SIZE = 25
SEARCH = "Kowalski"
OPEN = ("intake", "planning", "active", "on_hold", "evaluation")


@dataclass(frozen=True)
class RegionSpec:
    name: str
    cases: int
    authorities: int
    largest: int
    database: str


REGIONS = {
    "10k": RegionSpec("10k", 10_000, 50, 500, "lotse_bench_10k"),
    "100k": RegionSpec("100k", 100_000, 100, 5_000, "lotse_bench_100k"),
    "1m": RegionSpec("1m", 1_000_000, 200, 50_000, "lotse_bench"),
}


def progress(message: str) -> None:
    """Progress goes to stderr; the figures to stdout."""
    print(message, file=sys.stderr, flush=True)


# -- the region's database -------------------------------------------------------------------------


def case_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT to_regclass('public.\"case\"')")).scalar()
            if exists is None:
                return 0
            return connection.execute(text('SELECT count(*) FROM "case"')).scalar()
    finally:
        engine.dispose()


def prepare(spec: RegionSpec, url: str, args) -> None:
    cases = case_count(url)
    if args.reuse and cases:
        progress(f"  reusing {cases:,} cases; alembic upgrade head, ANALYZE …")
        migrate(url)
        return
    progress(
        f"  generating {spec.cases:,} cases in {spec.authorities} authorities "
        f"(largest {spec.largest:,}) …"
    )
    options = Namespace(
        cases=spec.cases,
        authorities=spec.authorities,
        largest=spec.largest,
        seed=args.seed,
        batch=20_000,
    )
    with contextlib.redirect_stdout(sys.stderr):
        generate(options, url)


def ensure_big_case(app) -> tuple[int, int]:
    """The case file page's case in the team lead's authority, created once: (case, client)."""
    from sqlalchemy import select

    from models import (
        Activity,
        Agency,
        Authority,
        Case,
        Client,
        Consent,
        Goal,
        Measure,
        Need,
        NeedArea,
        Referral,
        User,
        db,
    )
    from models.scoping import unscoped

    with app.app_context(), unscoped("benchmark: big case"):
        lead = db.session.scalars(select(User).where(User.email == TEAM_LEAD)).one()
        authority_id = lead.authority_id
        found = db.session.scalars(
            select(Case).where(Case.authority_id == authority_id, Case.intake_summary == BIG_CASE)
        ).first()
        if found is not None:
            return found.id, found.client_id
        worker = db.session.scalars(select(User).where(User.email == CASEWORKER)).one()
        client = db.session.scalars(
            select(Client).where(Client.authority_id == authority_id).order_by(Client.id)
        ).first()
        prefix = db.session.get(Authority, authority_id).case_number_prefix
        areas = db.session.scalars(
            select(NeedArea.id).where(NeedArea.active.is_(True)).order_by(NeedArea.position)
        ).all()
        agencies = db.session.scalars(
            select(Agency).where(Agency.active.is_(True)).order_by(Agency.position)
        ).all()
        today = date.today()
        opened = today - timedelta(days=400)
        case = Case(
            client_id=client.id,
            authority_id=authority_id,
            number=f"{prefix}-BENCH-000001",
            status="active",
            caseworker_id=worker.id,
            opened_on=opened,
            intake_on=opened + timedelta(days=7),
            intake_summary=BIG_CASE,
        )
        db.session.add(case)
        db.session.flush()
        owned = {"case_id": case.id, "authority_id": authority_id}
        goals = []
        for i in range(10):
            area = areas[i % len(areas)]
            if i < len(areas):
                db.session.add(Need(**owned, need_area_id=area, priority="medium"))
            goal = Goal(
                **owned,
                need_area_id=area,
                description=f"Ziel {i + 1}",
                target_date=today + timedelta(days=30 * (i + 1)),
                agreed_on=opened + timedelta(days=14),
                status="in_progress",
            )
            goals.append(goal)
        db.session.add_all(goals)
        db.session.flush()
        consent = Consent(
            client_id=client.id,
            authority_id=authority_id,
            purpose="Vermittlung",
            data_categories="Stammdaten",
            given_on=opened,
            form="written",
        )
        consent.recipient_agencies = agencies[:10]
        db.session.add(consent)
        db.session.flush()
        for i, goal in enumerate(goals):
            db.session.add(
                Measure(
                    **owned,
                    goal_id=goal.id,
                    description=f"Schritt {i + 1}",
                    responsible="case_manager",
                    due_on=today + timedelta(days=10 * (i - 3)),
                    status="planned",
                )
            )
            sent = opened + timedelta(days=20 + 10 * i)
            db.session.add(
                Referral(
                    **owned,
                    agency_id=agencies[i % len(agencies)].id,
                    need_area_id=goal.need_area_id,
                    goal_id=goal.id,
                    reason=f"Vermittlung {i + 1}",
                    consent_id=consent.id,
                    status="sent",
                    sent_on=sent,
                    follow_up_on=sent + timedelta(days=14),
                )
            )
        for i in range(50):
            db.session.add(
                Activity(
                    **owned,
                    occurred_on=opened + timedelta(days=8 * i),
                    kind=("meeting", "phone", "email")[i % 3],
                    duration_minutes=30,
                    summary=f"Kontakt {i + 1}",
                )
            )
        db.session.commit()
        return case.id, client.id


@dataclass
class Facts:
    """What the floors and URLs need to know about the region, read in-process."""

    authority_id: int
    lead_id: int
    caseworker_id: int
    caseworker_name: str
    list_limit: int | None  # LOTSE_LIST_COUNT_LIMIT: counts stop there
    search_limit: int | None  # LOTSE_SEARCH_COUNT_LIMIT, for searches
    cases: int
    largest: int
    big_case: int
    big_client: int
    named: int = 0  # clients named like SEARCH in the largest authority
    named_region: int = 0  # … and in the region


def read_facts(app, big_case: int, big_client: int) -> Facts:
    from sqlalchemy import select

    from models import User, db
    from models.scoping import unscoped

    with app.app_context(), unscoped("benchmark: facts"):
        lead = db.session.scalars(select(User).where(User.email == TEAM_LEAD)).one()
        worker = db.session.scalars(select(User).where(User.email == CASEWORKER)).one()
        cases = db.session.execute(text('SELECT count(*) FROM "case"')).scalar()
        largest = db.session.execute(
            text('SELECT count(*) FROM "case" WHERE authority_id = :a'), {"a": lead.authority_id}
        ).scalar()
        named = text("SELECT count(*) FILTER (WHERE authority_id = :a), count(*) FROM client "
                     "WHERE family_name ILIKE :p")  # fmt: skip
        named = db.session.execute(named, {"a": lead.authority_id, "p": f"%{SEARCH}%"}).one()
        return Facts(
            authority_id=lead.authority_id,
            lead_id=lead.id,
            caseworker_id=worker.id,
            caseworker_name=worker.display_name,
            list_limit=app.config.get("LOTSE_LIST_COUNT_LIMIT"),
            search_limit=app.config.get(
                "LOTSE_SEARCH_COUNT_LIMIT", app.config.get("LOTSE_LIST_COUNT_LIMIT")
            ),
            cases=cases,
            largest=largest,
            big_case=big_case,
            big_client=big_client,
            named=named[0],
            named_region=named[1],
        )
