"""Benchmark of the dashboard and the steering report on a region-sized PostgreSQL database.

It empties the PostgreSQL database it is given, migrates it, loads the pilot region's
reference data, and generates a region (default: 1,000,000 cases in 200 authorities, the
largest holding 50,000) with every part the figures read: clients, cases, needs, goals,
measures, referrals with consents, contacts, evaluations with lessons, household members,
structural issues and case shares. Rows are written with PostgreSQL's COPY, in batches,
with the plain indexes dropped during the load and built afterwards; foreign keys are not
checked during the load (``session_replication_role = replica``), since the generator
writes consistent rows, and the tables are vacuumed and analysed at the end. The generator
is ``bench/region.py``, shared with ``bench/lists.py``.

Then it logs in, in-process through Flask's test client, as a team lead and as a
caseworker of the largest authority, and requests each page (the team lead's and the
caseworker's dashboard, the steering report for the own authority and across authorities,
and its xlsx) once with cold caches and then ``--requests`` times more. It does this twice:
with the figures cache as in production (``LOTSE_STATISTICS_CACHE_SECONDS``, default 120 s:
figures of an authority and totals across authorities are kept per process and refreshed
in the background), and with the cache switched off, so that every request computes every
figure. It prints the first request, the time the background computation it started took,
and p50, p95 and the slowest of the other requests. Target: p95 ≤ 300 ms.

    .venv/bin/python bench/dashboard.py                     # the full region
    .venv/bin/python bench/dashboard.py --cases 200000 --largest 50000
    .venv/bin/python bench/dashboard.py --reuse             # time again, same data

The database named by ``--database-url`` is dropped and created again: name one that holds
nothing else (default ``postgresql+psycopg://postgres@127.0.0.1:5432/lotse_bench``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOTSE_ENV", "development")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import region  # noqa: E402

# -- timing ------------------------------------------------------------------------------------


def login(app, email):
    from bench import second_factor

    browser = app.test_client()
    response = second_factor.login(app, browser, email, region.PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return browser


def time_page(browser, url, requests: int) -> dict:
    """The first request (caches cold), then ``requests`` more once the background
    computations it started have finished."""
    from services import statistics as stats

    timings = []
    first = None
    for i in range(requests + 1):
        started = time.perf_counter()
        response = browser.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i == 0:
            first = elapsed
            settle = time.perf_counter()
            stats.figures_cache.wait()
            background = (time.perf_counter() - settle) * 1000
        else:
            timings.append(elapsed)
    timings.sort()
    return {
        "first": first,
        "background": background,
        "p50": statistics.median(timings),
        "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
        "max": timings[-1],
        "n": len(timings),
    }


PAGES = (
    ("team lead: dashboard", region.TEAM_LEAD, "/admin/"),
    ("caseworker: dashboard", region.CASEWORKER, "/admin/"),
    ("team lead: report, own authority", region.TEAM_LEAD, "/admin/report/"),
    ("team lead: report, all authorities", region.TEAM_LEAD, "/admin/report/?authority=all"),
    ("team lead: report as xlsx", region.TEAM_LEAD, "/admin/report/xlsx/"),
)


def measure(url: str, requests: int):
    from models import db
    from services import statistics as stats

    for cache_seconds, label in ((120, "cache on (default)"), (0, "cache off")):
        stats.figures_cache.clear()
        app = region.make_app(url, cache_seconds)
        browsers = {email: login(app, email) for email in (region.TEAM_LEAD, region.CASEWORKER)}
        for name, email, page in PAGES:
            yield f"{name} [{label}]", time_page(browsers[email], page, requests)
        stats.figures_cache.clear()
        with app.app_context():
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("LOTSE_BENCH_DATABASE_URL", region.DEFAULT_URL)
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--authorities", type=int, default=200)
    parser.add_argument("--largest", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="time the existing data again")
    args = parser.parse_args()  # fmt: skip
    url = args.database_url
    if not make_url(url).drivername.startswith("postgresql"):
        sys.exit("bench/dashboard.py needs a PostgreSQL database (--database-url)")
    if args.largest > args.cases:
        sys.exit("--largest cannot exceed --cases")

    print(f"Lotse dashboard benchmark on {make_url(url).render_as_string(hide_password=True)}")
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}")
    if not args.reuse:
        print(
            f"Generating {args.cases:,} cases in {args.authorities} authorities "
            f"(largest {args.largest:,}) …"
        )
        counts = region.generate(args, url)
        print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
        cases = connection.execute(text('SELECT count(*) FROM "case"')).scalar()
        biggest = connection.execute(
            text('SELECT count(*) FROM "case" GROUP BY authority_id ORDER BY 1 DESC LIMIT 1')
        ).scalar()
    engine.dispose()
    print(f"PostgreSQL {version}; {cases:,} cases, largest authority {biggest:,}")
    print(f"Timing {args.requests} requests per page (after one warm-up request), in ms:")
    print(
        "  first: the first request, caches cold; background: what it left to compute in "
        "the background; p50/p95/max: the requests after that"
    )
    print(f"  {'page':<58} {'first':>7} {'backgr.':>7} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, result in measure(url, args.requests):
        print(
            f"  {name:<58} {result['first']:>7.0f} {result['background']:>7.0f} "
            f"{result['p50']:>7.0f} {result['p95']:>7.0f} {result['max']:>7.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
