"""Benchmark of the pages staff open all day, at region scale, against the best SQL.

For each region (default: 10,000, 100,000 and 1,000,000 cases, the largest authority
holding 5 % of them) it serves Lotse with gunicorn (2 workers) on that database, logs in
over HTTP as the team lead of the largest authority (and its caseworker for "my
follow-ups"), and requests each page once per worker to warm up (the dashboard until both
workers have their figures), then ``--requests`` times more, one after another. Per page
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
import contextlib
import http.client
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from argparse import Namespace
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOTSE_ENV", "development")

import psycopg  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.region import (  # noqa: E402
    CASEWORKER,
    DEFAULT_URL,
    PASSWORD,
    TEAM_LEAD,
    generate,
    make_app,
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
        )


# -- the floors: the best SQL for each page's answer -----------------------------------------------

# The cases shared with authority %(a)s by a share in force (models/scoping/).
SHARED = """ARRAY(SELECT s.case_id FROM case_share s JOIN consent k ON k.id = s.consent_id
    WHERE s.authority_id = %(a)s AND s.access IN ('read', 'write') AND s.revoked_on IS NULL
      AND k.given_on <= %(today)s
      AND (k.withdrawn_on IS NULL OR k.withdrawn_on > %(today)s)
      AND (k.valid_until IS NULL OR k.valid_until >= %(today)s)
      AND EXISTS (SELECT 1 FROM consent_authority r
                  WHERE r.consent_id = k.id AND r.authority_id = %(a)s))"""
SHARED_CLIENTS = f'ARRAY(SELECT client_id FROM "case" WHERE id = ANY({SHARED}))'


@dataclass
class Floor:
    """Statements run in order; ``count``/``rows`` index the ones a check compares, and
    ``key`` is the column of ``rows`` the page is sorted by."""

    statements: list[tuple[str, dict]]
    count: int | None = None
    rows: int | None = None
    key: int | None = None
    kind: str = "list"
    limit: int | None = None  # the count's cap, as the page's


def _count(own: str, shared: str, limit: int | None) -> str:
    capped = f"{own} LIMIT {limit + 1}" if limit is not None else own
    return f"SELECT (SELECT count(*) FROM ({capped}) o) + (SELECT count(*) FROM ({shared}) s)"


def _own_and_shared_floor(
    params: dict, limit: int | None, source: str, shared_ids: str, condition: str, sql: dict
) -> Floor:
    """A list page of the own authority's rows of ``source`` (aliased ``c``) and those
    shared with it: the count, and the page's rows as ``sql["rows"]`` selects them from
    ``{page}``, the page's ``sql["columns"]`` in ``sql["order"]``."""
    own = f"FROM {source} WHERE c.authority_id = %(a)s AND ({condition})"
    shared = (
        f"FROM {source} WHERE c.id = ANY({shared_ids}) AND c.authority_id <> %(a)s "
        f"AND ({condition})"
    )
    columns, order, page = sql["columns"], sql["order"], sql.get("page", 0)
    offset = f" OFFSET {page * PAGE_SIZE}" if page else ""
    rows = sql["rows"].format(
        page=f"""((SELECT {columns} {own} ORDER BY c.{order} LIMIT {(page + 1) * PAGE_SIZE})
      UNION ALL (SELECT {columns} {shared})
      ORDER BY {order} LIMIT {PAGE_SIZE}{offset})"""
    )
    count = _count(f"SELECT 1 {own}", f"SELECT 1 {shared}", limit)
    return Floor([(count, params), (rows, params)], count=0, rows=1, key=sql["key"], limit=limit)


CASE_LIST = {
    "columns": "c.id, c.number, c.client_id, c.status, c.caseworker_id, c.opened_on, "
    "c.access_route_id",
    "order": "opened_on DESC",
    "key": 7,
    "rows": """
SELECT p.id, p.number, cl.family_name, cl.given_names, cl.number, p.status, u.display_name,
       p.opened_on, ar.name
FROM {page} p
LEFT JOIN client cl ON cl.id = p.client_id
LEFT JOIN "user" u ON u.id = p.caseworker_id AND u.authority_id = %(a)s
LEFT JOIN access_route ar ON ar.id = p.access_route_id
ORDER BY p.opened_on DESC""",
}
CLIENT_LIST = {
    "columns": "c.id, c.number, c.family_name, c.given_names, c.birth_date, c.nationality, "
    "c.residence_status_id, c.residence_valid_until, c.municipality_id",
    "order": "family_name",
    "key": 2,
    "rows": """
SELECT p.id, p.number, p.family_name, p.given_names, p.birth_date, p.nationality, rs.name,
       p.residence_valid_until, m.name
FROM {page} p
LEFT JOIN residence_status rs ON rs.id = p.residence_status_id
LEFT JOIN municipality m ON m.id = p.municipality_id
ORDER BY p.family_name""",
}


def case_list_floor(
    facts: Facts, params: dict, condition="TRUE", join="", page=0, search=False
) -> Floor:
    limit = facts.search_limit if search else facts.list_limit
    sql = {**CASE_LIST, "page": page}
    return _own_and_shared_floor(params, limit, f'"case" c {join}', SHARED, condition, sql)


def client_list_floor(facts: Facts, params: dict, condition="TRUE", search=False) -> Floor:
    limit = facts.search_limit if search else facts.list_limit
    return _own_and_shared_floor(params, limit, "client c", SHARED_CLIENTS, condition, CLIENT_LIST)


def referral_list_floor(facts: Facts, params: dict) -> Floor:
    columns = (
        "r.id, r.case_id, r.agency_id, r.need_area_id, r.status, r.sent_on, r.follow_up_on, "
        "r.answered_on"
    )
    own = "FROM referral r WHERE r.authority_id = %(a)s"
    shared = f"FROM referral r WHERE r.case_id = ANY({SHARED}) AND r.authority_id <> %(a)s"
    rows = f"""
SELECT p.id, c.number, ag.name, na.name, p.status, p.sent_on, p.follow_up_on, p.answered_on
FROM ((SELECT {columns} {own} ORDER BY r.follow_up_on LIMIT {PAGE_SIZE})
      UNION ALL (SELECT {columns} {shared})
      ORDER BY follow_up_on LIMIT {PAGE_SIZE}) p
LEFT JOIN "case" c ON c.id = p.case_id
LEFT JOIN agency ag ON ag.id = p.agency_id
LEFT JOIN need_area na ON na.id = p.need_area_id
ORDER BY p.follow_up_on"""
    count = _count(f"SELECT 1 {own}", f"SELECT 1 {shared}", facts.list_limit)
    return Floor([(count, params), (rows, params)], count=0, rows=1, key=6, limit=facts.list_limit)


def followups_floor(params: dict, mine: bool) -> Floor:
    """The five lists of services/followups.py, for the own authority's open cases."""
    scope = "c.authority_id = %(a)s AND c.status = ANY(%(open)s) AND c.archived_at IS NULL" + (
        " AND c.caseworker_id = %(me)s" if mine else ""
    )
    statements = [
        # A caseworker's few cases first; for the whole authority, one index range per
        # status (authority_id, status, due_on), merged in due order.
        f"""SELECT m.id, m.due_on, m.description, c.id, c.number FROM measure m
            JOIN "case" c ON c.id = m.case_id
            WHERE {scope} AND m.archived_at IS NULL
              AND m.status IN ('planned', 'in_progress') AND m.due_on <= %(soon)s
            ORDER BY m.due_on LIMIT 200"""
        if mine
        else f"""SELECT m.id, m.due_on, m.description, c.id, c.number
            FROM ((SELECT id, due_on, description, case_id FROM measure
                   WHERE authority_id = %(a)s AND status = 'planned' AND due_on <= %(soon)s
                     AND archived_at IS NULL ORDER BY due_on)
                  UNION ALL
                  (SELECT id, due_on, description, case_id FROM measure
                   WHERE authority_id = %(a)s AND status = 'in_progress'
                     AND due_on <= %(soon)s AND archived_at IS NULL ORDER BY due_on)) m
            JOIN "case" c ON c.id = m.case_id
            WHERE {scope} ORDER BY m.due_on LIMIT 200""",
        f"""SELECT r.id, r.follow_up_on, r.reason, c.id, c.number FROM referral r
            JOIN "case" c ON c.id = r.case_id
            WHERE {scope} AND r.authority_id = %(a)s AND r.archived_at IS NULL
              AND r.status = 'sent' AND r.answered_on IS NULL AND r.follow_up_on <= %(today)s
            ORDER BY r.follow_up_on LIMIT 200""",
        f"""SELECT g.id, g.target_date, g.description, c.id, c.number FROM goal g
            JOIN "case" c ON c.id = g.case_id
            WHERE {scope} AND g.authority_id = %(a)s AND g.archived_at IS NULL
              AND g.status IN ('open', 'in_progress') AND g.target_date < %(today)s
            ORDER BY g.target_date LIMIT 200""",
        f"""SELECT cl.id, cl.residence_valid_until, c.id, c.number FROM client cl
            JOIN "case" c ON c.client_id = cl.id
            WHERE {scope} AND cl.authority_id = %(a)s
              AND cl.residence_valid_until <= %(permit)s
            ORDER BY cl.residence_valid_until LIMIT 200""",
        f"""SELECT c.id, c.number, coalesce(l.last_on, c.opened_on) AS since FROM "case" c
            LEFT JOIN LATERAL (SELECT max(a.occurred_on) AS last_on FROM activity a
                               WHERE a.case_id = c.id) l ON true
            WHERE {scope} AND coalesce(l.last_on, c.opened_on) < %(silent)s
            ORDER BY since LIMIT 200""",
    ]
    return Floor([(sql, params) for sql in statements], kind="followups")


def _audit_read(kind: str, page: str) -> str:
    return f"""INSERT INTO audit_event (at, user_id, authority_id, action, object_type,
        object_id, changes, remote_addr)
        VALUES (now(), %(u)s, %(a)s, 'read', '{kind}', %(id)s, '{{"page": "{page}"}}',
                '127.0.0.1')"""


def _history(kind: str) -> str:
    return f"""SELECT e.id, e.at, e.action, e.changes, u.display_name FROM audit_event e
        LEFT JOIN "user" u ON u.id = e.user_id AND u.authority_id = %(a)s
        WHERE e.object_type = '{kind}' AND e.object_id = %(id)s AND e.authority_id = %(a)s
        ORDER BY e.at DESC, e.id DESC LIMIT 50"""


def case_file_floor(facts: Facts, params: dict) -> Floor:
    params = {**params, "id": facts.big_case, "client": facts.big_client}
    statements = [
        f"""SELECT c.*, cl.*, rs.name, u.display_name, ar.name, cr.name FROM "case" c
            JOIN client cl ON cl.id = c.client_id
            LEFT JOIN residence_status rs ON rs.id = cl.residence_status_id
            LEFT JOIN "user" u ON u.id = c.caseworker_id AND u.authority_id = %(a)s
            LEFT JOIN access_route ar ON ar.id = c.access_route_id
            LEFT JOIN closure_reason cr ON cr.id = c.closure_reason_id
            WHERE c.id = %(id)s AND (c.authority_id = %(a)s OR c.id = ANY({SHARED}))""",
        _audit_read("case", "case.details_view"),
        """SELECT k.*, ARRAY(SELECT ag.name FROM consent_agency x JOIN agency ag
                             ON ag.id = x.agency_id WHERE x.consent_id = k.id)
            FROM consent k WHERE k.client_id = %(client)s AND k.authority_id = %(a)s
            ORDER BY k.given_on DESC""",
        """SELECT n.*, na.name FROM need n JOIN need_area na ON na.id = n.need_area_id
            WHERE n.case_id = %(id)s""",
        """SELECT g.*, na.name FROM goal g LEFT JOIN need_area na ON na.id = g.need_area_id
            WHERE g.case_id = %(id)s ORDER BY g.id""",
        """SELECT m.*, ag.name, mt.name FROM measure m
            LEFT JOIN agency ag ON ag.id = m.agency_id
            LEFT JOIN measure_type mt ON mt.id = m.measure_type_id
            WHERE m.case_id = %(id)s ORDER BY m.goal_id, m.id""",
        """SELECT r.*, ag.name, na.name FROM referral r JOIN agency ag ON ag.id = r.agency_id
            LEFT JOIN need_area na ON na.id = r.need_area_id
            WHERE r.case_id = %(id)s ORDER BY r.id""",
        """SELECT * FROM activity WHERE case_id = %(id)s ORDER BY occurred_on DESC""",
        """SELECT f.*, ARRAY(SELECT ag.name FROM case_conference_agency x JOIN agency ag
                             ON ag.id = x.agency_id WHERE x.case_conference_id = f.id)
            FROM case_conference f WHERE f.case_id = %(id)s ORDER BY f.held_on DESC""",
        """SELECT s.*, au.name FROM case_share s JOIN authority au ON au.id = s.authority_id
            WHERE s.case_id = %(id)s ORDER BY s.granted_on DESC""",
        """SELECT * FROM evaluation WHERE case_id = %(id)s LIMIT 1""",
        """SELECT count(done_at), count(*), count(*) FILTER (WHERE required AND done_at IS NULL)
            FROM case_checklist_item WHERE case_id = %(id)s""",
        """SELECT id, name FROM need_area WHERE active ORDER BY position""",
        """SELECT id, name FROM closure_reason WHERE active ORDER BY position""",
        _history("case"),
    ]
    return Floor([(sql, params) for sql in statements], kind="case file")


def client_details_floor(facts: Facts, params: dict) -> Floor:
    params = {**params, "id": facts.big_client}
    statements = [
        f"""SELECT cl.*, rs.name, tg.name, m.name FROM client cl
            LEFT JOIN residence_status rs ON rs.id = cl.residence_status_id
            LEFT JOIN target_group tg ON tg.id = cl.target_group_id
            LEFT JOIN municipality m ON m.id = cl.municipality_id
            WHERE cl.id = %(id)s
              AND (cl.authority_id = %(a)s OR cl.id = ANY({SHARED_CLIENTS}))""",
        _audit_read("client", "client.details_view"),
        """SELECT k.*,
                  ARRAY(SELECT au.name FROM consent_authority x JOIN authority au
                        ON au.id = x.authority_id WHERE x.consent_id = k.id),
                  ARRAY(SELECT ag.name FROM consent_agency x JOIN agency ag
                        ON ag.id = x.agency_id WHERE x.consent_id = k.id)
            FROM consent k WHERE k.client_id = %(id)s AND k.authority_id = %(a)s
            ORDER BY k.given_on DESC""",
        _history("client"),
    ]
    return Floor([(sql, params) for sql in statements], kind="client")


# -- the pages -------------------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    path: str
    user: str = TEAM_LEAD
    floor: Floor | None = None
    server: str = "cache on"


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
    case_search = (
        "c.number ILIKE %(pattern)s OR cl.family_name ILIKE %(pattern)s "
        "OR cl.number ILIKE %(pattern)s"
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
            f"/admin/case/?search={SEARCH}",
            floor=case_list_floor(
                facts,
                params,
                case_search,
                join="JOIN client cl ON cl.id = c.client_id",
                search=True,
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
            f"/admin/client/?search={SEARCH}",
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


# -- HTTP against gunicorn -------------------------------------------------------------------------


class Browser:
    """A cookie-keeping HTTP client for one user; one connection per request, as gunicorn's
    sync workers close it after each response."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        for raw in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(raw).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data, elapsed

    def get(self, path: str):
        return self.request("GET", path)

    def login(self, email: str) -> None:
        status, _headers, data, _ms = self.get("/login")
        assert status == 200, f"GET /login answered {status}"
        html = data.decode()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html
        )
        assert match, "no CSRF token on /login"
        form = {"email": email, "password": PASSWORD, "csrf_token": match.group(1)}
        status, headers, _data, _ms = self.request("POST", "/login", form)
        location = headers.get("Location", "")
        if status != 302 or "/login" in location:
            raise RuntimeError(f"login of {email} failed: {status} {location}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with two workers on one region's database."""

    def __init__(self, url: str, label: str, log_dir: Path, cache_off: bool = False):
        self.label = label
        self.port = free_port()
        self.log = log_dir / f"gunicorn-{label.replace(' ', '-')}.log"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LOTSE_ENV": "development",
            "SECRET_KEY": "bench",
            "LOTSE_STATEMENT_COUNT_HEADER": "1",
            "LOTSE_LOGIN_RATE_LIMIT": "1000 per minute",
        }
        target = "app:create_app()"
        if cache_off:
            env["LOTSE_STATISTICS_CACHE_SECONDS"] = "0"
            # config.py does not read LOTSE_STATISTICS_CACHE_SECONDS from the environment
            # (yet); the factory's test_config sets it all the same.
            target = 'app:create_app({"LOTSE_STATISTICS_CACHE_SECONDS": 0})'
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "600",
            target,
        ]
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        for _ in range(300):  # up to 60 s
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.label}) exited; see {self.log}")
            try:
                status, *_ = Browser(self.port).get("/login")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.label}) did not answer; see {self.log}")

    def workers(self) -> list[int]:
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            return [int(c) for c in children]
        except OSError:
            found = []
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text()
                    except OSError:
                        continue
                    if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry.name))
            return found

    def memory(self) -> list[tuple[int, int, int]]:
        """(pid, VmRSS, VmHWM) in MiB of each worker."""
        result = []
        for pid in sorted(self.workers()):
            status = Path(f"/proc/{pid}/status").read_text()
            values = dict(
                line.split(":", 1) for line in status.splitlines() if line.startswith("Vm")
            )
            rss = int(values["VmRSS"].split()[0]) // 1024
            hwm = int(values["VmHWM"].split()[0]) // 1024
            result.append((pid, rss, hwm))
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
            except ProcessLookupError:
                pass
        self.log_file.close()


# -- timing ----------------------------------------------------------------------------------------


def export_rows(path: str, data: bytes) -> int:
    """The data rows of a CSV or xlsx export (without the header row)."""
    if path.rstrip("/").endswith("xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True).active
        return sum(1 for _row in sheet.iter_rows()) - 1
    return data.decode("utf-8-sig").count("\r\n") - 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Timing:
    p50: float
    p95: float
    statements: str = ""


# The dashboard says so while the totals across authorities are computed in the background.
PENDING = "Die Summen werden gerade berechnet"


def time_page(browser: Browser, path: str, requests: int, log: Path) -> Timing:
    def fetch():
        status, headers, data, elapsed = browser.get(path)
        if status != 200:
            where = headers.get("Location", "")
            raise RuntimeError(f"{path} answered {status} {where}; see {log}")
        return headers.get("X-Lotse-Statements", "?"), elapsed, PENDING in data.decode()

    def on_both_workers() -> bool:
        """One request per worker, at the same time; True if either said "pending"."""
        answers, errors = [], []

        def one():
            try:
                answers.append(fetch()[2])
            except Exception as exc:  # noqa: BLE001 (re-raised below)
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return any(answers)

    # Warm-up: both workers serve the page (and fill their figures caches) before the timed
    # requests; a page whose totals are still being computed in the background is asked
    # again, once a second, until both workers have them (at most two minutes).
    for _ in range(120):
        if not on_both_workers():
            break
        time.sleep(1)
    times, counts = [], []
    for _ in range(requests):
        count, elapsed, _pending = fetch()
        times.append(elapsed)
        counts.append(count)
    distinct = sorted(set(counts), key=lambda c: int(c) if c.isdigit() else 0)
    shown = distinct[0] if len(distinct) == 1 else f"{distinct[0]}–{distinct[-1]}"
    return Timing(statistics.median(times), percentile(times, 0.95), shown)


def run_floor(connection, floor: Floor):
    results = []
    with connection.cursor() as cursor:
        for sql, params in floor.statements:
            cursor.execute(sql, params)
            results.append(cursor.fetchall() if cursor.description else None)
    connection.commit()
    return results


def time_floor(connection, floor: Floor, requests: int) -> tuple[Timing, list]:
    results = run_floor(connection, floor)  # warm-up
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        results = run_floor(connection, floor)
        times.append((time.perf_counter() - started) * 1000)
    return Timing(statistics.median(times), percentile(times, 0.95)), results


# -- in-process: the view's own answer, and the plan of its count ----------------------------------


def view_answer(app, facts: Facts, path: str):
    """(count, sort keys) the list view computes for the team lead, in-process."""
    from flask_login import login_user

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
        return view_answer(app, facts, page.path)
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
    response = browser.post("/login", data={"email": TEAM_LEAD, "password": PASSWORD})
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
        "after a warm-up request per worker; ms"
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
    try:
        servers["cache on"] = Server(url, f"{spec.name} cache on", log_dir)
        servers["cache off"] = Server(url, f"{spec.name} cache off", log_dir, cache_off=True)
        for server in servers.values():
            server.wait_ready()
        browsers = {}
        for label, server in servers.items():
            for email in (TEAM_LEAD, CASEWORKER):
                browsers[label, email] = Browser(server.port)
                browsers[label, email].login(email)
        chosen = [
            p
            for p in pages(facts, filter_args(browsers["cache on", TEAM_LEAD]))
            if not args.pages or args.pages.lower() in p.label.lower()
        ]
        with psycopg.connect(floor_db, options="-c jit=off") as connection:
            for page in chosen:
                server = servers[page.server]
                timing = time_page(
                    browsers[page.server, page.user], page.path, args.requests, server.log
                )
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
