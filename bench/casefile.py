"""Benchmark of the case file page (Fallakte), ``GET /admin/case/details/?id=…``.

It builds, in a fresh database, the test suite's world of two authorities with one user
per role (``tests.factories``) and one big case: 10 needs, 10 goals with a measure each,
10 referrals and 50 contacts (activities), besides a consent, a case conference, an
evaluation and a share. Then it logs in as the team lead, in-process through Flask's test
client (no server), requests the case file ``--warmup`` times, and times ``--requests``
more; it prints p50 and p95 and the SQL statements per request (everything: the user
load, the read audit record, the history, the reference lists). Target: p50 ≤ 130 ms and
at most 12 statements on the 2-core benchmark machine.

    .venv/bin/python bench/casefile.py                    # SQLite in a temporary directory
    .venv/bin/python bench/casefile.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lotse_casefile_bench
    .venv/bin/python bench/casefile.py --profile          # pyinstrument over 20 requests

The PostgreSQL database named by ``--database-url`` is created for the run and dropped
afterwards: name one that holds nothing else.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOTSE_ENV", "development")

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PROFILED_REQUESTS = 20


@contextmanager
def postgres_database(url: str):
    """Create the database of ``url`` (dropping a leftover one) and drop it afterwards."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = target.database

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        drop()
        admin.dispose()


def make_app(url: str):
    import logging

    from alembic import command

    from app import create_app
    from models import db
    from services.migrate import MIGRATIONS_DIR

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "LOTSE_ENV": "development",
            "SECRET_KEY": "benchmark-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # argon2id all the same, cheaper than production (as in the test suite)
            "LOTSE_ARGON2_TIME_COST": 1,
            "LOTSE_ARGON2_MEMORY_KIB": 8192,
            "SERVER_NAME": "lotse.test",
        }
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        command.upgrade(config, "head")
        db.session.remove()
    return app


def build_case(app, parts: int = 10, activities: int = 50):
    """The world of the test suite and one case with ``parts`` needs, goals (with a
    measure each) and referrals, and ``activities`` contacts; its id and the world."""
    from models import Activity, Agency, Goal, Measure, NeedArea, Referral, db
    from models.scoping import unscoped
    from services.cases import record_needs
    from tests import factories

    with app.app_context(), unscoped("benchmark arrangement"):
        world = factories.World.ids(factories.build_world())
        case = factories.make_full_case(world)
        owned = {"case": case, "authority_id": case.authority_id}
        areas = [
            NeedArea(code=f"bench_area_{i}", name=f"Handlungsfeld {i}", position=100 + i)
            for i in range(parts - 1)
        ]
        agencies = [
            Agency(code=f"bench_agency_{i}", name=f"Kooperationspartner {i}", kind="other")
            for i in range(parts)
        ]
        db.session.add_all([*areas, *agencies])
        db.session.flush()
        record_needs(case, areas)
        consent = case.client.consents[0]
        start = date(2026, 3, 1)
        for i in range(parts - 1):
            goal = Goal(
                description=f"Ziel {i}: Teilhabe verbessern",
                indicator="Bescheinigung liegt vor",
                agreed_on=start + timedelta(days=i),
                target_date=start + timedelta(days=90 + i),
                need_area=areas[i],
                **owned,
            )
            db.session.add(goal)
            db.session.add(
                Measure(
                    goal=goal,
                    description=f"Maßnahme {i}",
                    agency=agencies[i],
                    due_on=start + timedelta(days=30 + i),
                    **owned,
                )
            )
        for i in range(parts - 1):
            db.session.add(
                Referral(
                    agency=agencies[i],
                    need_area=areas[i],
                    reason=f"Vermittlung {i}",
                    consent=consent,
                    status="sent",
                    sent_on=start + timedelta(days=i),
                    follow_up_on=start + timedelta(days=14 + i),
                    **owned,
                )
            )
        kinds = ("meeting", "phone", "email", "home_visit")
        for i in range(activities - 1):
            db.session.add(
                Activity(
                    occurred_on=start + timedelta(days=i),
                    kind=kinds[i % len(kinds)],
                    duration_minutes=15 + i % 4 * 15,
                    summary=f"Gespräch {i} zum Stand der Vermittlung",
                    confidential=i % 10 == 0,
                    **owned,
                )
            )
        case.intake_summary = "Sprachkurs und Arbeit sind die dringendsten Bedarfe."
        db.session.commit()
        return case.id, world


def login(app, email: str):
    from bench import second_factor
    from tests.factories import PASSWORD

    browser = app.test_client()
    response = second_factor.login(app, browser, email, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return browser


class StatementCounter:
    """Counts (and keeps) the statements sent to the database."""

    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, *args):
        self.statements.append(statement)


def fetch(browser, page: str):
    response = browser.get(page)
    assert response.status_code == 200, (response.status_code, response.get_data()[:300])
    return response


def run(url: str, requests: int, warmup: int, profile: bool, show_sql: bool) -> None:
    from models import db

    app = make_app(url)
    case_id, world = build_case(app)
    with app.app_context():
        engine = db.engine
    browser = login(app, world.emails["team_lead"])
    page = f"/admin/case/details/?id={case_id}"
    for _ in range(warmup):
        fetch(browser, page)

    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    timings, statements = [], []
    try:
        if show_sql:
            fetch(browser, page)
            for number, statement in enumerate(counter.statements, 1):
                print(f"-- {number}\n{statement}")
        for _ in range(requests):
            counter.statements.clear()
            started = time.perf_counter()
            fetch(browser, page)
            timings.append((time.perf_counter() - started) * 1000)
            statements.append(len(counter.statements))
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    counts = sorted(set(statements))
    print(
        f"case file, {requests} requests: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms; SQL statements per request: "
        + ", ".join(str(c) for c in counts)
    )

    if profile:
        from pyinstrument import Profiler  # a dev dependency (pyproject.toml, "dev")

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(PROFILED_REQUESTS):
            fetch(browser, page)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL; the database is created and dropped (default: SQLite)",
    )
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--profile", action="store_true", help=f"profile {PROFILED_REQUESTS} requests"
    )
    parser.add_argument("--sql", action="store_true", help="print the SQL of one request")
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}")
    if args.database_url:
        url = args.database_url
        if not make_url(url).drivername.startswith("postgresql"):
            sys.exit("--database-url must name a PostgreSQL database")
        print(f"database: {make_url(url).render_as_string(hide_password=True)}")
        with postgres_database(url):
            run(url, args.requests, args.warmup, args.profile, args.sql)
    else:
        with tempfile.TemporaryDirectory(prefix="lotse-casefile-") as directory:
            print("database: SQLite in a temporary directory")
            url = f"sqlite:///{directory}/casefile.db"
            run(url, args.requests, args.warmup, args.profile, args.sql)


if __name__ == "__main__":
    main()
