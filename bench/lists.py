"""Benchmark of the pages staff open all day, at region scale, against the best SQL.

For each region (default: 10,000, 100,000 and 1,000,000 cases, the largest authority
holding 5 % of them) it serves Lotse with gunicorn (2 workers) on that database, logs in
over HTTP as the team lead of the largest authority (and its caseworker for "my
follow-ups"), and requests each page eight times per worker to warm up (the dashboard until
both workers have their figures; the floor runs as often on its connection), then
``--requests`` times more, one after another. Per page
it prints p50 and p95 of the wall time and the SQL statements of a request (the
``X-Lotse-Statements`` header, ``services/diagnostics.py``). Beside them, the floor: the
best SQL one can write for the same answer (the same rows and columns of the page, in the
same order, and the same count, shares included), run bare through psycopg on one
connection, and the ratio page p50 / floor p50. The "same" column says that the floor's
answer (count and sort keys of a list, follow-ups by kind and date, parts of a case file)
equals what the page's own code computes in-process.

    .venv/bin/python bench/lists.py                        # generate and time all three
    .venv/bin/python bench/lists.py --reuse --regions 1m   # time the 1M region again
    .venv/bin/python bench/lists.py --reuse --pages "case list" --requests 10

Without ``--reuse`` each region's database is emptied and generated again with
``bench/region.py`` (1,000,000 cases take about six minutes); with ``--reuse`` an existing
region is only migrated to the newest schema and analysed. Each region also gets, once,
a big case in the largest authority (10 needs, goals, measures and referrals, 50 contacts)
for the case file page. It prints the plan of the case list's count query as the
application sends it (``EXPLAIN (ANALYZE, BUFFERS)``), and at the end the workers' memory
after every page and two exports.
"""

# The floors are SQL text assembled from this file's own fragments; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOTSE_ENV", "development")

import psycopg  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import second_factor  # noqa: E402
from bench.list_floors import (  # noqa: E402
    CASE_SEARCH,
    CASE_SEARCH_SHARED,
    Floor,
    case_file_floor,
    case_list_floor,
    client_details_floor,
    client_list_floor,
    followups_floor,
    referral_list_floor,
)
from bench.list_region import (  # noqa: E402
    OPEN,
    REGIONS,
    SEARCH,
    Facts,
    RegionSpec,
    ensure_big_case,
    prepare,
    progress,
    read_facts,
)
from bench.list_server import (  # noqa: E402
    WARM_UP,
    Browser,
    Server,
    Timing,
    application_role,
    export_rows,
    time_floor,
    time_page,
)
from bench.region import (  # noqa: E402
    CASEWORKER,
    DEFAULT_URL,
    PASSWORD,
    TEAM_LEAD,
    make_app,
)

# -- the pages -------------------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    path: str
    user: str = TEAM_LEAD
    floor: Floor | None = None
    server: str = "cache on"
    # A list search is posted and kept in the session, never put in the URL (README,
    # "No personal data in URLs"): the page is timed with this term searched.
    search: str | None = None


def pages(facts: Facts, filter_args: dict[str, str]) -> list[Page]:
    today = date.today()
    params = {
        "a": facts.authority_id,
        "today": today,
        "me": facts.caseworker_id,
        "u": facts.lead_id,
        "open": list(OPEN),
        "soon": today + timedelta(days=7),
        "permit": today + timedelta(days=90),
        "silent": today - timedelta(days=30),
        "status": "active",
        "name": facts.caseworker_name,
        "pattern": f"%{SEARCH}%",
    }
    status, worker = filter_args["status"], filter_args["caseworker"]
    by_worker = (
        'c.caseworker_id = ANY(ARRAY(SELECT id FROM "user" '
        "WHERE authority_id = %(a)s AND display_name = %(name)s))"
    )
    client_search = (
        "c.number ILIKE %(pattern)s OR c.family_name ILIKE %(pattern)s "
        "OR c.given_names ILIKE %(pattern)s"
    )
    lead_params = {**params, "me": facts.lead_id}
    return [
        Page("case list", "/admin/case/", floor=case_list_floor(facts, params)),
        Page(
            "case list, status active",
            f"/admin/case/?{urlencode({f'flt0_{status}': 'active'})}",
            floor=case_list_floor(facts, params, "c.status = %(status)s"),
        ),
        Page(
            "case list, one caseworker",
            f"/admin/case/?{urlencode({f'flt0_{worker}': facts.caseworker_name})}",
            floor=case_list_floor(facts, params, by_worker),
        ),
        Page(
            f"case list, search {SEARCH}",
            "/admin/case/",
            search=SEARCH,
            floor=case_list_floor(
                facts, params, CASE_SEARCH, search=True, shared=CASE_SEARCH_SHARED
            ),
        ),
        Page(
            "case list, page 200",
            "/admin/case/?page=199",
            floor=case_list_floor(facts, params, page=199),
        ),
        Page("client list", "/admin/client/", floor=client_list_floor(facts, params)),
        Page(
            f"client list, search {SEARCH}",
            "/admin/client/",
            search=SEARCH,
            floor=client_list_floor(facts, params, client_search, search=True),
        ),
        Page("referral list", "/admin/referral/", floor=referral_list_floor(facts, params)),
        Page(
            "follow-ups, team (lead)",
            "/admin/followups/?scope=team",
            floor=followups_floor(lead_params, mine=False),
        ),
        Page(
            "follow-ups, mine (caseworker)",
            "/admin/followups/",
            user=CASEWORKER,
            floor=followups_floor(params, mine=True),
        ),
        Page(
            "case file, big case",
            f"/admin/case/details/?id={facts.big_case}",
            floor=case_file_floor(facts, params),
        ),
        Page(
            "client details",
            f"/admin/client/details/?id={facts.big_client}",
            floor=client_details_floor(facts, params),
        ),
        Page("dashboard", "/admin/"),
        Page("dashboard, cache off", "/admin/", server="cache off"),
        Page("report, own authority", "/admin/report/"),
        Page("report, all authorities", "/admin/report/?authority=all"),
    ]


EXPORTS = (
    ("case export csv", "/admin/case/export/csv/"),
    ("client export xlsx", "/admin/client/export/xlsx/"),
)


# -- in-process: the view's own answer, and the plan of its count ----------------------------------


def view_answer(app, facts: Facts, path: str, search: str | None = None):
    """(count, sort keys) the list view computes for the team lead, in-process."""
    from flask import session
    from flask_login import login_user

    from admin_views.lists import SEARCH_SESSION_KEY
    from models import User, db
    from models.scoping import bind_request_scope, unscoped

    endpoint = path.split("/")[2]
    view = app.extensions["lotse_admin_views"][endpoint]
    key = {"case": "opened_on", "client": "family_name", "referral": "follow_up_on"}[endpoint]
    with app.test_request_context(path):
        with unscoped("benchmark: load the team lead"):
            user = db.session.get(User, facts.lead_id)
        login_user(user)
        bind_request_scope(user)
        if search:
            session[SEARCH_SESSION_KEY] = [[endpoint, search]]
        args = view._get_list_extra_args()
        column = view._get_column_by_idx(args.sort)
        count, rows = view.get_list(
            args.page,
            column[0] if column is not None else None,
            args.sort_desc,
            args.search,
            args.filters,
            page_size=view.get_safe_page_size(args.page_size),
        )
        keys = [getattr(row, key) for row in rows]
        db.session.rollback()
    return int(count), keys


def app_answer(app, facts: Facts, page: Page):
    """What the page's own code computes, in-process, with the page user's scope."""
    from sqlalchemy import select

    from models import Consent, User, db
    from models.scoping import as_user, unscoped
    from services.casefile import load_case_file
    from services.followups import followups
    from services.history import history

    kind = page.floor.kind
    if kind == "list":
        return view_answer(app, facts, page.path, page.search)
    with app.app_context():
        with unscoped("benchmark: load the user"):
            user = db.session.scalars(select(User).where(User.email == page.user)).one()
        with as_user(user):
            if kind == "followups":
                mine = "scope=team" not in page.path
                items = followups(user.authority_id, user.id if mine else None)
                answer = sorted((item.kind, item.due_on) for item in items)
            elif kind == "case file":
                file = load_case_file(facts.big_case)
                answer = [
                    len(file.needs),
                    len(file.goals),
                    sum(len(goal.measures) for goal in file.goals),
                    len(file.referrals),
                    len(file.activities),
                    len(file.conferences),
                    len(file.shares),
                    int(file.evaluation is not None),
                    file.checklist.total,
                    len(history("case", facts.big_case)),
                ]
            else:
                consents = db.session.scalars(
                    select(Consent).where(Consent.client_id == facts.big_client)
                ).all()
                answer = [len(consents), len(history("client", facts.big_client))]
        db.session.rollback()
    return answer


def floor_answer(facts: Facts, floor: Floor, results: list):
    if floor.kind == "list":
        count = results[floor.count][0][0]
        if floor.limit is not None and count > floor.limit:
            count = floor.limit
        return count, [row[floor.key] for row in results[floor.rows]]
    if floor.kind == "followups":
        kinds = ("measure", "referral", "goal", "permit")
        answer = [
            (kind, row[1]) for kind, rows in zip(kinds, results, strict=False) for row in rows
        ]
        answer += [("no_contact", row[2] + timedelta(days=30)) for row in results[4]]
        return sorted(answer)
    if floor.kind == "case file":
        counted = (3, 4, 5, 6, 7, 8, 9, 10)
        return [*(len(results[i]) for i in counted), results[11][0][1], len(results[14])]
    return [len(results[2]), len(results[3])]


def check(app, facts: Facts, page: Page, results: list) -> str:
    """ "=" when the floor gives the page's answer: the same count and sort keys (lists),
    the same follow-ups by kind and date, or the same number of parts (details pages)."""
    if page.floor is None:
        return ""
    expected = app_answer(app, facts, page)
    got = floor_answer(facts, page.floor, results)
    if got == expected:
        return "="
    return f"≠ page code {str(expected)[:120]}, floor {str(got)[:120]}"


def explain_case_count(app, facts: Facts) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the count query the case list sends, as sent."""
    from models import db

    browser = app.test_client()
    response = second_factor.login(app, browser, TEAM_LEAD, PASSWORD)
    assert response.status_code == 302, response.status_code
    with app.app_context():
        engine = db.engine
    sent = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        response = browser.get("/admin/case/")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.status_code
    counts = [(s, p) for s, p in sent if "count(" in s.lower()]
    if not counts:
        return ["(the case list sent no count query)"]
    statement, parameters = counts[0]
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
        ).scalars()
        return list(plan)


# -- output ----------------------------------------------------------------------------------------


def ms(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


@dataclass
class Row:
    label: str
    page: Timing
    floor: Timing | None
    check: str = ""


@dataclass
class RegionResult:
    spec: RegionSpec
    facts: Facts
    rows: list[Row] = field(default_factory=list)


def print_table(result: RegionResult, requests: int) -> None:
    facts = result.facts
    print(
        f"\nRegion {result.spec.name}: {facts.cases:,} cases, largest authority "
        f"{facts.largest:,} (database {result.spec.database}); {requests} requests per page "
        f"after {WARM_UP} warm-up requests per worker; ms"
    )
    print(
        f"  clients named {SEARCH}: {facts.named:,} in the largest authority, "
        f"{facts.named_region:,} in the region"
    )
    print(
        f"  {'page':<32} {'p50':>6} {'p95':>6} {'stmts':>5} {'floor p50':>9} "
        f"{'floor p95':>9} {'ratio':>6}  same"
    )
    notes = []
    for row in result.rows:
        floor_p50 = row.floor.p50 if row.floor else None
        floor_p95 = row.floor.p95 if row.floor else None
        ratio = f"{row.page.p50 / floor_p50:,.0f}" if floor_p50 else "n/a"
        mark = row.check[:1]
        if len(row.check) > 1:
            notes.append(f"  {row.label}: {row.check}")
        print(
            f"  {row.label:<32} {ms(row.page.p50):>6} {ms(row.page.p95):>6} "
            f"{row.page.statements:>5} {ms(floor_p50, 1):>9} {ms(floor_p95, 1):>9} "
            f"{ratio:>6}  {mark}"
        )
    for note in notes:
        print(note)
    print(
        "  stmts: SQL statements per request (X-Lotse-Statements); floor: the best SQL for the "
        "same answer,\n  bare through psycopg; ratio: p50 / floor p50; same: = the floor's "
        "answer equals the page code's"
    )


def header(url: str, specs: list[RegionSpec]) -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
        buffers = connection.execute(text("SHOW shared_buffers")).scalar()
    engine.dispose()
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print("Lotse list pages benchmark (bench/lists.py)")
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), Python "
        f"{platform.python_version()}, PostgreSQL {version} (shared_buffers {buffers}); "
        f"gunicorn -w 2; regions {', '.join(s.name for s in specs)}; load average "
        f"{os.getloadavg()[0]:.1f} at the start"
    )


# -- main ------------------------------------------------------------------------------------------


def region_url(url: str, spec: RegionSpec) -> str:
    if spec.name == "1m":
        return url
    return make_url(url).set(database=spec.database).render_as_string(hide_password=False)


def filter_args(browser: Browser) -> dict[str, str]:
    """The URL names of the case list's status and caseworker "equals" filters, as the page
    offers them (``filter-groups-data``)."""
    status, _headers, data, _ms = browser.get("/admin/case/")
    assert status == 200, status
    match = re.search(r'<div id="filter-groups-data"[^>]*>(.*?)</div>', data.decode(), re.S)
    groups = json.loads(match.group(1))

    def arg(group: str) -> str:
        return next(f["arg"] for f in groups[group] if f["arg"].endswith("_equals"))

    return {"status": arg("Status"), "caseworker": arg("Fallmanager:in")}


def bench_region(spec: RegionSpec, url: str, args, log_dir: Path, last: bool) -> RegionResult:
    from models import db

    progress(f"[{spec.name}] {make_url(url).render_as_string(hide_password=True)}")
    prepare(spec, url, args)
    app = make_app(url, 0)
    big_case, big_client = ensure_big_case(app)
    facts = read_facts(app, big_case, big_client)
    result = RegionResult(spec, facts)
    servers = {}
    floor_db = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    served = application_role(app, url, args.app_role) if args.app_role else url
    try:
        servers["cache on"] = Server(served, f"{spec.name} cache on", log_dir)
        servers["cache off"] = Server(served, f"{spec.name} cache off", log_dir, cache_off=True)
        for server in servers.values():
            server.wait_ready()
        browsers = {}
        for label, server in servers.items():
            for email in (TEAM_LEAD, CASEWORKER):
                browsers[label, email] = Browser(server.port)
                second_factor.enrol(app, email)  # a known secret; the last step forgotten
                browsers[label, email].login(email, second_factor.code())
        chosen = [
            p
            for p in pages(facts, filter_args(browsers["cache on", TEAM_LEAD]))
            if not args.pages or args.pages.lower() in p.label.lower()
        ]
        with psycopg.connect(floor_db, options="-c jit=off") as connection:
            for page in chosen:
                server, browser = servers[page.server], browsers[page.server, page.user]
                if page.search:
                    browser.search(page.path, page.search)
                timing = time_page(browser, page.path, args.requests, server.log)
                if page.search:
                    browser.search(page.path, "")
                floor, mark = None, ""
                if page.floor is not None:
                    floor, results = time_floor(connection, page.floor, args.requests)
                    mark = check(app, facts, page, results)
                result.rows.append(Row(page.label, timing, floor, mark))
                progress(
                    f"  {page.label:<32} p50 {ms(timing.p50):>6} ms, floor "
                    f"{ms(floor.p50 if floor else None, 1)} ms {mark}"
                )
        exports = []
        if not args.pages or "export" in args.pages.lower():
            browser = browsers["cache on", TEAM_LEAD]
            for label, path in EXPORTS:
                status, headers, data, elapsed = browser.get(path)
                if status == 200:
                    answer = f"{export_rows(path, data):,} rows, {len(data) / 1024:,.0f} KiB"
                else:
                    answer = f"{status} → {headers.get('Location')}"
                exports.append(
                    f"  {label:<32} {elapsed:>6,.0f} ms, "
                    f"{headers.get('X-Lotse-Statements', '?')} statements: {answer}"
                )
                progress(exports[-1])
        print_table(result, args.requests)
        for line in exports:
            print(line)
        for label, server in servers.items():
            memory = ", ".join(f"{rss} MiB (peak {hwm})" for _pid, rss, hwm in server.memory())
            print(f"  gunicorn workers ({label}), resident memory: {memory}")
        if last and (not args.pages or "case list" in args.pages.lower()):
            print(
                f"\n  EXPLAIN (ANALYZE, BUFFERS) of the case list's count query, as sent "
                f"({spec.name}):"
            )
            for line in explain_case_count(app, facts):
                print(f"    {line}")
    finally:
        for server in servers.values():
            server.stop()
        with app.app_context():
            db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOTSE_BENCH_DATABASE_URL", DEFAULT_URL),
        help="the 1m region's database; the others are lotse_bench_10k and lotse_bench_100k "
        "on the same server",
    )
    parser.add_argument("--regions", default="10k,100k,1m", help="a subset of 10k,100k,1m")
    parser.add_argument("--reuse", action="store_true", help="keep a region's existing data")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--pages", default="", help="time only pages whose label contains this")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--app-role",
        default="lotse_bench_app",
        help="the workers' own PostgreSQL role, bound by row-level security as in production "
        "('' for the URL's own user)",
    )
    args = parser.parse_args()
    if not make_url(args.database_url).drivername.startswith("postgresql"):
        sys.exit("bench/lists.py needs a PostgreSQL database (--database-url)")
    try:
        specs = [REGIONS[name.strip().lower()] for name in args.regions.split(",") if name]
    except KeyError as unknown:
        sys.exit(f"unknown region {unknown}; choose from {', '.join(REGIONS)}")
    if args.requests < 1:
        sys.exit("--requests must be at least 1")

    header(args.database_url, specs)
    role = args.app_role or make_url(args.database_url).username
    print(f"The workers connect as {role}; the floors as {make_url(args.database_url).username}")
    results = []
    # The gunicorn logs are kept when something fails, and removed otherwise.
    logs = Path(tempfile.mkdtemp(prefix="lotse-bench-lists-"))
    for index, spec in enumerate(specs):
        url = region_url(args.database_url, spec)
        results.append(bench_region(spec, url, args, logs, index == len(specs) - 1))
    shutil.rmtree(logs)
    growth = [
        (r.spec.name, next((x for x in r.rows if x.label == "case list"), None)) for r in results
    ]
    growth = [(name, row) for name, row in growth if row is not None]
    if len(growth) > 1:
        steps = " → ".join(f"{name} {row.page.p50:,.0f} ms" for name, row in growth)
        factor = growth[-1][1].page.p50 / growth[0][1].page.p50
        floors = " → ".join(f"{name} {row.floor.p50:,.1f} ms" for name, row in growth)
        print(f"\nCase list p50: {steps} (×{factor:.1f}); its floor: {floors}")


if __name__ == "__main__":
    main()
