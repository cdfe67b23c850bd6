"""The benchmark region: a PostgreSQL database filled with a region's cases, by COPY.

Shared by ``bench/dashboard.py`` and ``bench/lists.py``. ``generate`` empties the database
it is given, migrates it, loads the pilot region's reference data, and generates a region
(default: 1,000,000 cases in 200 authorities, the largest holding 50,000) with every part
the pages read: clients, cases, needs, goals, measures, referrals with consents, contacts,
evaluations with lessons, household members, structural issues and case shares. Rows are
written with PostgreSQL's COPY, in batches, with the plain indexes dropped during the load
and built afterwards; foreign keys are not checked during the load
(``session_replication_role = replica``), since the generator writes consistent rows, and
the tables are vacuumed and analysed at the end. The first authority is the largest; its
team lead (``TEAM_LEAD``) and one caseworker (``CASEWORKER``) have the password
``PASSWORD``.
"""

from __future__ import annotations

import io
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOTSE_ENV", "development")

from alembic import command  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lotse_bench"
PASSWORD = "Benchmark-Passwort-2026!"  # noqa: S105 (a generated benchmark database)
TEAM_LEAD = "teamleitung@bench.lotse.example"
CASEWORKER = "fallmanagement@bench.lotse.example"
CASES_PER_CASEWORKER = 40
NOW = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S+00")

# How cases are spread over the lifecycle: per state, its weight, and how long ago (days, at
# least and at most) such a case was opened.
STATE_MIX = {
    "intake": (6, (0, 21)),
    "planning": (8, (10, 60)),
    "active": (24, (45, 500)),
    "on_hold": (5, (75, 500)),
    "evaluation": (6, (150, 600)),
    "closed": (46, (60, 1500)),
    "declined": (5, (5, 1500)),
}
STATES = tuple(STATE_MIX)
STATE_WEIGHTS = tuple(weight for weight, _days in STATE_MIX.values())
FINAL_GOALS = ("achieved", "partly_achieved", "not_achieved", "dropped")
FINAL_WEIGHTS = (45, 25, 15, 15)
REFERRAL_OUTCOMES = ("accepted", "completed", "in_progress", "rejected", "withdrawn", "sent")
REFERRAL_WEIGHTS = (20, 35, 10, 15, 5, 15)
LESSONS = (
    "Frühe Anmeldung zum Integrationskurs verkürzt die Wartezeit deutlich.",
    "Die Anerkennungsberatung sollte schon im Erstgespräch einbezogen werden.",
    "Ohne Dolmetschung waren die Termine beim Jobcenter kaum wirksam.",
    "Die Kita-Platzvergabe braucht einen festen Ansprechpartner im Jugendamt.",
    "Fallkonferenzen mit Schule und Jugendamt haben Doppelarbeit vermieden.",
)
GIVEN_NAMES = ("Amira", "Omar", "Olena", "Mehmet", "Anna", "Yusuf", "Maria", "Ali")
# Family names: the seven of the tests' and demo's world first, then Faker's family names of
# a dozen countries in Latin script, drawn with a Zipf-Mandelbrot weight 1 / (rank + 50), as
# family names are distributed: the most frequent (Kowalski) is about one client in 200, as
# "Müller" is about one German in 300, and most names are rare.
FIRST_FAMILY_NAMES = ("Kowalski", "Yilmaz", "Haddad", "Popescu", "Nowak", "Ahmadi", "Petrenko")
NAME_LOCALES = ("de_DE", "tr_TR", "ro_RO", "hr_HR", "cs_CZ", "hu_HU", "sk_SK", "sl_SI", "lt_LT",
                "lv_LV", "az_AZ")  # fmt: skip
NAME_RANK_SHIFT = 50


def family_names() -> tuple[tuple[str, ...], list[float]]:
    """The family names and their cumulative weights, the same for every run."""
    import importlib

    pool: set[str] = set()
    for locale in NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("last_names", "last_names_male", "last_names_female"):
            names = getattr(provider, attribute, ())
            pool.update(names.keys() if isinstance(names, dict) else names)
    rest = sorted(pool - set(FIRST_FAMILY_NAMES))
    random.Random(20261203).shuffle(rest)
    names = (*FIRST_FAMILY_NAMES, *rest)
    total, cumulative = 0.0, []
    for rank in range(1, len(names) + 1):
        total += 1 / (rank + NAME_RANK_SHIFT)
        cumulative.append(total)
    return names, cumulative


# -- COPY ------------------------------------------------------------------------------------


def _value(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


EDITABLE = ("created_at", "updated_at", "version")


@dataclass
class Table:
    name: str
    columns: tuple[str, ...]
    buffer: io.StringIO = field(default_factory=io.StringIO)
    rows: int = 0
    next_id: int = 1

    def add(self, *values) -> None:
        self.buffer.write("\t".join(map(_value, values)))
        self.buffer.write("\n")
        self.rows += 1

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value


def tables() -> dict[str, Table]:
    """The tables the region loads, in load order: referenced tables first."""
    owned = (*EDITABLE, "authority_id")
    specs = {
        "client": ("id", "number", "family_name", "given_names", "birth_date", "gender",
                   "languages", "residence_valid_until", "privacy_notice_given_on", *owned),
        "household_member": ("id", "client_id", "relation", "family_name", "given_names",
                             "lives", "needs_childcare_or_school", *owned),
        "consent": ("id", "client_id", "purpose", "data_categories", "given_on", "form", *owned),
        "consent_agency": ("consent_id", "agency_id"),
        "consent_authority": ("consent_id", "authority_id"),
        "case": ("id", "client_id", "number", "status", "caseworker_id", "opened_on",
                 "intake_on", "closed_on", "closure_reason_id", *owned),
        "need": ("id", "case_id", "need_area_id", "priority", *owned),
        "goal": ("id", "case_id", "need_area_id", "description", "target_date", "agreed_on",
                 "status", *owned),
        "measure": ("id", "case_id", "goal_id", "description", "responsible", "due_on",
                    "status", "done_on", *owned),
        "referral": ("id", "case_id", "agency_id", "need_area_id", "goal_id", "reason",
                     "consent_id", "status", "sent_on", "follow_up_on", "answered_on", *owned),
        "activity": ("id", "case_id", "occurred_on", "kind", "duration_minutes",
                     "interpreter_used", "confidential", *owned),
        "evaluation": ("id", "case_id", "evaluated_on", "jointly_with_client",
                       "effort_minutes", "effort_assessment", "success_rating", "lessons",
                       *owned),
        "structural_issue": ("id", "case_id", "need_area_id", "title", "description",
                             "reported_on", "status", *owned),
        "case_share": ("id", "case_id", "owner_authority_id", "authority_id", "consent_id",
                       "access", "granted_on", *EDITABLE),
    }  # fmt: skip
    return {name: Table(name, columns) for name, columns in specs.items()}


def flush(connection, all_tables: dict[str, Table]) -> None:
    with connection.cursor() as cursor:
        for name, table in all_tables.items():
            data = table.buffer.getvalue()
            if not data:
                continue
            columns = ", ".join(f'"{c}"' for c in table.columns)
            with cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
                copy.write(data)
            table.buffer = io.StringIO()
    connection.commit()


# -- the region ------------------------------------------------------------------------------


@dataclass
class Authority:
    id: int
    prefix: str
    cases: int
    caseworkers: list[int] = field(default_factory=list)
    client_seq: int = 0
    case_seq: int = 0


@dataclass
class Reference:
    need_areas: list[int]
    agencies: list[int]
    closure: dict[str, int]


class Region:
    def __init__(self, rng: random.Random, today: date, reference: Reference):
        self.rng = rng
        self.today = today
        self.ref = reference
        self.t = tables()
        self.family_names, self.family_weights = family_names()

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def case(self, authority: Authority, authorities: list[Authority]) -> None:
        rng, t, aid = self.rng, self.t, authority.id
        state = rng.choices(STATES, STATE_WEIGHTS)[0]
        opened = self.days_ago(*STATE_MIX[state][1])
        intake = opened + timedelta(days=rng.randint(0, 14)) if rng.random() < 0.9 else None
        start = intake or opened
        closed = None
        if state == "closed":
            closed = min(self.today, start + timedelta(days=rng.randint(20, 700)))
        elif state == "declined":
            closed = min(self.today, opened + timedelta(days=rng.randint(0, 10)))
        end = closed or self.today

        authority.client_seq += 1
        client_id = t["client"].new_id()
        permit = None
        if rng.random() < 0.6:
            permit = self.today + timedelta(days=rng.randint(-60, 900))
        t["client"].add(
            client_id,
            f"{authority.prefix}-{opened.year}-{authority.client_seq:06d}",
            rng.choices(self.family_names, cum_weights=self.family_weights)[0],
            rng.choice(GIVEN_NAMES),
            date(rng.randint(1960, 2008), rng.randint(1, 12), rng.randint(1, 28)),
            rng.choice(("female", "male")),
            '["deu"]',
            permit,
            opened,
            NOW,
            NOW,
            1,
            aid,
        )
        if rng.random() < 0.3:
            t["household_member"].add(
                t["household_member"].new_id(), client_id, "child", "Kind", "Sami",
                "same_household", True, NOW, NOW, 1, aid,
            )  # fmt: skip

        authority.case_seq += 1
        case_id = t["case"].new_id()
        caseworker = rng.choice(authority.caseworkers) if rng.random() < 0.93 else None
        early = state == "declined" or (state == "closed" and rng.random() < 0.25)
        reason = None
        if state == "closed":
            reason = rng.choice(
                ("moved_away", "withdrew", "no_contact", "transferred")
                if early
                else ("goals_reached", "goals_partly_reached", "goals_not_reached")
            )
        t["case"].add(
            case_id,
            client_id,
            f"{authority.prefix}-{opened.year}-{authority.case_seq:06d}",
            state,
            caseworker,
            opened,
            intake,
            closed,
            self.ref.closure.get(reason),
            NOW,
            NOW,
            1,
            aid,
        )
        areas = rng.sample(self.ref.need_areas, rng.choice((1, 1, 2, 2, 3)))
        if state in ("intake", "declined") and rng.random() < 0.5:
            areas = areas[:1]
        for area in areas:
            t["need"].add(t["need"].new_id(), case_id, area, "medium", NOW, NOW, 1, aid)

        goals = []
        if state not in ("intake", "declined"):
            for area in areas:
                if state in ("evaluation", "closed") and not early:
                    status = rng.choices(FINAL_GOALS, FINAL_WEIGHTS)[0]
                elif state == "closed":
                    status = rng.choice(("open", "in_progress", "dropped"))
                else:
                    status = rng.choice(("open", "in_progress", "in_progress", "achieved"))
                goal_id = t["goal"].new_id()
                target = start + timedelta(days=rng.randint(60, 400))
                t["goal"].add(
                    goal_id, case_id, area, "Ziel", target, start, status, NOW, NOW, 1, aid
                )
                goals.append((goal_id, area))
                due = start + timedelta(days=rng.randint(14, 300))
                done = state in ("evaluation", "closed") or due < self.today - timedelta(days=20)
                done = done and rng.random() < 0.85
                t["measure"].add(
                    t["measure"].new_id(), case_id, goal_id, "Schritt", "case_manager", due,
                    "done" if done else rng.choice(("planned", "in_progress")),
                    min(due, self.today) if done else None, NOW, NOW, 1, aid,
                )  # fmt: skip

        referrals = rng.choice((0, 0, 1, 1, 1, 2)) if goals else 0
        shared_with = None
        if len(authorities) > 1 and rng.random() < 0.005:
            shared_with = rng.choice(authorities)
            if shared_with.id == aid:
                shared_with = None
        consent_id = None
        if referrals or shared_with:
            consent_id = t["consent"].new_id()
            t["consent"].add(
                consent_id, client_id, "Vermittlung", "Stammdaten", start, "written",
                NOW, NOW, 1, aid,
            )  # fmt: skip
        used_agencies = set()
        for _ in range(referrals):
            goal_id, area = rng.choice(goals)
            agency = rng.choice(self.ref.agencies)
            used_agencies.add(agency)
            sent = self.between(start, end)
            status = rng.choices(REFERRAL_OUTCOMES, REFERRAL_WEIGHTS)[0]
            answered = None
            if status not in ("sent", "withdrawn"):
                answered = min(self.today, sent + timedelta(days=rng.randint(1, 45)))
            t["referral"].add(
                t["referral"].new_id(), case_id, agency, area, goal_id, "Vermittlung",
                consent_id, status, sent, sent + timedelta(days=14), answered,
                NOW, NOW, 1, aid,
            )  # fmt: skip
        for agency in used_agencies:
            t["consent_agency"].add(consent_id, agency)

        effort = 0
        for _ in range(rng.choice((0, 1, 2, 3, 4, 5, 6)) if state != "intake" else 1):
            minutes = rng.choice((15, 30, 45, 60, 90))
            effort += minutes
            t["activity"].add(
                t["activity"].new_id(), case_id, self.between(start, end),
                rng.choice(("meeting", "phone", "email")), minutes, rng.random() < 0.2,
                rng.random() < 0.05, NOW, NOW, 1, aid,
            )  # fmt: skip
        if state in ("evaluation", "closed") and not early:
            t["evaluation"].add(
                t["evaluation"].new_id(), case_id, closed or self.today, True, effort,
                "as_expected", rng.randint(1, 5),
                rng.choice(LESSONS) if rng.random() < 0.3 else None, NOW, NOW, 1, aid,
            )  # fmt: skip
        if goals and rng.random() < 0.002:
            t["structural_issue"].add(
                t["structural_issue"].new_id(), case_id, goals[0][1], "Wartezeit zu lang",
                "Strukturelles Problem ohne Personenbezug", self.between(start, end),
                rng.choice(("reported", "in_discussion", "measure_agreed", "resolved")),
                NOW, NOW, 1, aid,
            )  # fmt: skip
        if shared_with is not None:
            t["consent_authority"].add(consent_id, shared_with.id)
            t["case_share"].add(
                t["case_share"].new_id(), case_id, aid, shared_with.id, consent_id, "read",
                start, NOW, NOW, 1,
            )  # fmt: skip


def authority_sizes(total: int, count: int, largest: int, rng: random.Random) -> list[int]:
    """The largest authority first, the rest spread with some variation below it."""
    rest = total - largest
    if count == 1:
        return [total]
    weights = [rng.uniform(0.5, 1.5) for _ in range(count - 1)]
    scale = rest / sum(weights)
    sizes = [min(largest, int(w * scale)) for w in weights]
    sizes[-1] += rest - sum(sizes)
    return [largest, *sizes]


# -- database set-up ---------------------------------------------------------------------------


def reset_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(url: str, cache_seconds: int):
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "LOTSE_ENV": "development",
            "SECRET_KEY": "benchmark-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LOTSE_STATISTICS_CACHE_SECONDS": cache_seconds,
        }
    )


def plain_indexes(connection, names) -> list[tuple[str, str]]:
    """(name, definition) of indexes that no constraint owns, on the given tables."""
    rows = connection.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(:names) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ),
        {"names": list(names)},
    )
    return list(rows)


def generate(args, url: str) -> dict:
    from models import Agency, ClosureReason, NeedArea, User, db
    from models import Authority as AuthorityModel
    from models.scoping import unscoped
    from services.migrate import MIGRATIONS_DIR

    started = time.perf_counter()
    reset_database(url)
    app = make_app(url, 0)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        command.upgrade(config, "head")
        result = app.test_cli_runner().invoke(args=["seed", "reference"])
        assert result.exit_code == 0, result.output
        rng = random.Random(args.seed)
        with unscoped("benchmark: generate the region"):
            existing = db.session.scalars(
                select(AuthorityModel).order_by(AuthorityModel.position, AuthorityModel.id)
            ).all()
            for i in range(len(existing), args.authorities):
                db.session.add(
                    AuthorityModel(
                        code=f"bench_{i:03d}",
                        name=f"Behörde {i:03d}",
                        kind="integration_office",
                        case_number_prefix=f"B{i:03d}",
                        position=100 + i,
                    )
                )
            db.session.flush()
            rows = db.session.scalars(
                select(AuthorityModel).order_by(AuthorityModel.position, AuthorityModel.id)
            ).all()[: args.authorities]
            sizes = authority_sizes(args.cases, len(rows), args.largest, rng)
            authorities = [
                Authority(row.id, row.case_number_prefix, size)
                for row, size in zip(rows, sizes, strict=True)
            ]
            # Staff: one caseworker per 40 cases and a team lead, per authority.
            users = []
            for index, authority in enumerate(authorities):
                for n in range(max(1, authority.cases // CASES_PER_CASEWORKER)):
                    email = CASEWORKER if (index, n) == (0, 0) else f"cw{index}-{n}@bench.example"
                    users.append(
                        User(
                            email=email,
                            display_name=f"Fallmanager:in {index}-{n}",
                            role="caseworker",
                            authority_id=authority.id,
                        )
                    )
                email = TEAM_LEAD if index == 0 else f"lead{index}@bench.example"
                users.append(User(email=email, display_name=f"Teamleitung {index}",
                                  role="team_lead", authority_id=authority.id))  # fmt: skip
            db.session.add_all(users)
            db.session.flush()
            for user in users:
                if user.role == "caseworker":
                    next(a for a in authorities if a.id == user.authority_id).caseworkers.append(
                        user.id
                    )
                if user.email in (TEAM_LEAD, CASEWORKER):
                    user.set_password(PASSWORD)
            reference = Reference(
                need_areas=list(db.session.scalars(select(NeedArea.id))),
                agencies=list(db.session.scalars(select(Agency.id))),
                closure={c.code: c.id for c in db.session.scalars(select(ClosureReason))},
            )
            db.session.commit()
        today = date.today()
        raw = db.engine.raw_connection()
    connection = raw.driver_connection
    names = [*tables()]
    with app.app_context(), db.engine.begin() as sa_connection:
        dropped = plain_indexes(sa_connection, names)
        for name, _definition in dropped:
            sa_connection.execute(text(f'DROP INDEX "{name}"'))
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    connection.commit()

    region = Region(rng, today, reference)
    # Interleave the authorities, as cases arrive over time in a real region.
    order = [a for a in authorities for _ in range(a.cases)]
    rng.shuffle(order)
    load_started = time.perf_counter()
    for generated, authority in enumerate(order, start=1):
        region.case(authority, authorities)
        if generated % args.batch == 0:
            flush(connection, region.t)
            rate = generated / (time.perf_counter() - load_started)
            print(f"  {generated:>9,} cases written ({rate:,.0f}/s)", flush=True)
    flush(connection, region.t)
    loaded = time.perf_counter()
    print(f"  loaded in {loaded - load_started:,.0f} s; building indexes …", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in dropped:
            cursor.execute(definition)
        for name in names:
            table = region.t[name]
            if "id" in table.columns:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # noqa: S608
                    f'(SELECT coalesce(max(id), 1) FROM "{name}"))'  # (names from this file)
                )
    connection.commit()
    indexed = time.perf_counter()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    connection.autocommit = False
    raw.close()
    done = time.perf_counter()
    counts = {name: table.rows for name, table in region.t.items()}
    print(
        f"  indexes {indexed - loaded:,.0f} s, vacuum/analyse {done - indexed:,.0f} s; "
        f"total {done - started:,.0f} s"
    )
    return counts


def migrate(url: str) -> None:
    """Bring an existing region to the newest schema (``alembic upgrade head``, with the
    configuration ``generate`` uses), then ``ANALYZE`` it."""
    from models import db
    from services.migrate import MIGRATIONS_DIR

    app = make_app(url, 0)
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        command.upgrade(config, "head")
        db.engine.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
