"""The demo data set: realistic German casework, deterministic, written in bulk.

Determinism: every random choice comes from ``random.Random`` and Faker instances seeded from
the ``seed``, and every date is derived from ``reference_date`` (the day the data set
describes), never from the clock. The same seed and the same reference date give the same
clients, cases and numbers on an empty database, whatever the batch size. ``flask seed demo``
uses the fixed ``DEMO_REFERENCE_DATE`` unless told otherwise; ``flask seed first-run`` passes
today's date, so a fresh demo installation shows current follow-ups.

Each case gets its own seed, drawn up front, so one case's randomness never shifts another's.
Cases are generated in order of their opening date, with the rules the application's services
apply (``services.cases``: client and case numbers from the per-authority counters, the general
process checklist in every case, each need's checklist copied in), under the identity of their
caseworker (``created_by_id``), and every part carries its case's authority.

Speed: the rows of ``batch_size`` cases are built as plain dicts and written with one bulk
statement per table (``COPY`` on PostgreSQL, the driver's ``executemany`` on SQLite, see
``_Writer``), so 100,000 cases (about 4 million rows) take two minutes or so, not an hour
(``bench/demo.py``, README "Benchmarks"). The batches are built by two forked processes
side by side while this one writes (``_in_processes``), each with keys of its own that take
the writer's keys, in the order of the batches, before they are sent; elsewhere a helper
thread builds the next batch (``_ahead``). Client and case numbers are reserved for a whole
batch with one counter update per authority, kind and year (``_reserve_numbers``), so later
``services.numbering.next_number`` calls continue after them. Large runs are one
transaction, with the secondary indexes of the written tables, and on PostgreSQL their
foreign keys, built again at its end (``_write_in_one_transaction``); smaller ones commit
each batch. Either way a batch is dropped once written: memory stays bounded.

Audit: these Core inserts bypass the ORM flush, and with it the audit trail of
``models.auditing`` (one ``audit_event`` row per created row). That is deliberate for
synthetic demo data: it would double the rows written and record nothing anyone did. The demo
caseworker accounts are still created through the ORM and so are audited.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import itertools
import math
import multiprocessing
import operator
import pickle
import queue
import random
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import click
from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError

from models import (
    AccessRoute,
    Activity,
    Agency,
    Authority,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    ChecklistTemplate,
    ClosureReason,
    Consent,
    Evaluation,
    Goal,
    HouseholdMember,
    Measure,
    MeasureType,
    Municipality,
    Need,
    NeedArea,
    NumberSequence,
    Referral,
    ResidenceStatus,
    StructuralIssue,
    TargetGroup,
    User,
    db,
)
from models.case import case_conference_agency
from models.choices import CASE_STATUS
from models.client import Client, consent_agency, consent_authority
from models.types import LOCAL_TZ, utcnow
from services.numbering import KINDS

from . import demo_texts as texts

DEMO_REFERENCE_DATE = date(2026, 11, 2)
DEFAULT_CASES = 30
DEFAULT_SEED = 42
BATCH_SIZE = 2000
SQLITE_CACHE_KIB = 128 * 1024  # while a batch is written
BULK_CASES = 5000  # from this many cases: one transaction, keys or indexes built at its end
AHEAD_MODES = ("process", "thread", "off")  # where the next batch is generated
GENERATORS = 2  # processes building batches side by side (``_in_processes``)
GENERATOR_SILENCE_SECONDS = 300  # a batch takes seconds; this long without one is a hang

STATES = ("intake", "planning", "active", "on_hold", "evaluation", "closed", "declined")
STATE_WEIGHTS = (10, 12, 32, 7, 9, 24, 6)
# How long ago (in days) a case in this state was opened.
CASE_AGE = {
    "intake": (1, 21),
    "planning": (12, 60),
    "active": (45, 420),
    "on_hold": (75, 420),
    "evaluation": (160, 480),
    "closed": (200, 700),
    "declined": (10, 400),
}
AUTHORITY_WEIGHTS = {
    "kreis_lippe_abh": 35,
    "detmold_abh": 25,
    "kreis_lippe_ki": 25,
    "detmold_ki": 15,
}
CASES_PER_CASEWORKER = 40
EXISTING_ACCOUNT_SHARE = 3
FINAL_STATES = ("evaluation", "closed")
GOAL_STATES = ("planning", "active", "on_hold", "evaluation", "closed")
EARLY_CLOSURES = ("moved_away", "withdrew", "no_contact", "transferred")
PERMANENT_STATUSES = {"aufenthg_9", "aufenthg_9a", "aufenthg_26_3", "freizuegg_4a"}
SHORT_STATUSES = {"asylg_55", "aufenthg_60a", "aufenthg_60c", "aufenthg_60d", "aufenthg_81"}
PROTECTION_STATUSES = {
    "aufenthg_25_1",
    "aufenthg_25_2_refugee",
    "aufenthg_25_2_subsidiary",
    "aufenthg_25_3",
    "aufenthg_22_23",
}
UKRAINE_WAR = date(2022, 2, 24)
ACTIVITY_MINUTES = {
    "meeting": (30, 90),
    "phone": (5, 30),
    "video": (20, 60),
    "email": (5, 15),
    "letter": (10, 20),
    "home_visit": (45, 120),
    "accompaniment": (60, 240),
}
TICKED_SHARE = {
    "intake": 0.25,
    "planning": 0.5,
    "active": 0.65,
    "on_hold": 0.6,
    "evaluation": 0.85,
    "closed": 1.0,
    "declined": 0.25,
}

# The tables the generator writes, parents before their parts (the order of the inserts).
TABLES: tuple[Table, ...] = (
    Client.__table__,
    Case.__table__,
    HouseholdMember.__table__,
    Consent.__table__,
    consent_agency,
    consent_authority,
    Need.__table__,
    Goal.__table__,
    Measure.__table__,
    Referral.__table__,
    CaseShare.__table__,
    Activity.__table__,
    CaseConference.__table__,
    case_conference_agency,
    CaseChecklistItem.__table__,
    Evaluation.__table__,
    StructuralIssue.__table__,
)
# Tables with an ``id`` of their own (the others are association tables).
KEYED = tuple(t.name for t in TABLES if "id" in t.c)
# Per table, the columns that name a row of another written table by its ``id``: always a
# row of the same batch (batches are independent), so a batch built with keys of its own
# can take the writer's keys afterwards (``_Batch.rekey``).
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    t.name: tuple(
        sorted(
            {
                (fk.parent.key, fk.column.table.name)
                for fk in t.foreign_keys
                if fk.column.table.name in KEYED and fk.column.key == "id"
            }
        )
    )
    for t in TABLES
}


class DemoError(Exception):
    """The demo cannot be generated; the message is German."""


@dataclass
class DemoSummary:
    seed: int
    reference_date: date
    cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    authorities: int = 0
    staff_created: int = 0
    issues: int = 0

    def line(self) -> str:
        states = ", ".join(
            f"{CASE_STATUS.label(s)} {self.by_status[s]}" for s in STATES if self.by_status[s]
        )
        return (
            f"Demodaten erzeugt: {self.cases} Fälle mit Klient:innen in {self.authorities} "
            f"Behörden ({states}), {self.staff_created} Fallmanagement-Konten neu "
            f"(ohne Passwort), {self.issues} Systemlücken; Startwert {self.seed}, "
            f"Stichtag {self.reference_date:%d.%m.%Y}."
        )


@dataclass(frozen=True)
class Plan:
    index: int
    state: str
    authority: SimpleNamespace
    opened_on: date
    seed: int


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _weighted(r: random.Random, weights: dict):
    """A key drawn by weight: ``r.choices(list(weights), list(weights.values()))[0]``,
    without building the lists (the same draw from the same state)."""
    x = r.random() * (sum(weights.values()) + 0.0)
    cumulative = 0
    for key, weight in weights.items():
        cumulative += weight
        if cumulative > x:
            return key
    return key  # rounding at the very top, as choices() clamps


def _spread(values, weights, n: int, r: random.Random) -> list:
    """``n`` values in proportion to their weights, each at least once if ``n`` allows,
    in random order (largest-remainder apportionment, so small sets keep the mix)."""
    total = sum(weights)
    minimum = 1 if n >= len(values) else 0
    counts = [max(minimum, n * w // total) for w in weights]
    by_remainder = sorted(range(len(values)), key=lambda i: (-(n * weights[i] % total), i))
    k = 0
    while sum(counts) < n:
        counts[by_remainder[k % len(values)]] += 1
        k += 1
    while sum(counts) > n:
        counts[max(range(len(values)), key=lambda i: counts[i])] -= 1
    spread = [v for v, c in zip(values, counts, strict=True) for _ in range(c)]
    r.shuffle(spread)
    return spread


def _between(r: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=r.randint(0, (end - start).days))


def _ascii(text: str) -> str:
    normalized = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ı", "i"))
    kept = "".join(c for c in normalized if c.isascii() and (c.isalnum() or c in " -"))
    return kept.lower().replace(" ", "-")


def _gendered(family: str, nationality: str, gender: str) -> str:
    """The family name in the form of ``gender`` (Slavic names differ by gender)."""
    for female, male in texts.GENDERED_ENDINGS.get(nationality, ()):
        if gender == "female" and family.endswith(male) and not family.endswith(female):
            return family[: -len(male)] + female
        if gender == "male" and family.endswith(female):
            return family[: -len(female)] + male
    return family


class _Random(random.Random):
    """``random.Random`` with cheaper ``randint`` and ``choice``: one ``random()`` call each
    instead of ``randrange``'s rejection sampling on ``getrandbits`` (about 4 µs a call, a
    quarter of the generator's time at 100,000 cases). The bias of ``int(random() * n)`` is
    below 2**-40 for the small ranges drawn here; the draws stay deterministic per seed."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class _Names:
    """Plausible names per nationality, from Faker where it has a fitting locale."""

    def __init__(self):
        self._fakers: dict = {}

    def faker(self, locale: str, seed: int):
        fake = self._fakers.get(locale)
        if fake is None:
            from faker import Faker  # only the generator needs it, not the web app

            fake = self._fakers[locale] = Faker(locale)
        fake.seed_instance(seed)
        return fake

    def given(self, nationality: str, gender: str, r: random.Random) -> str:
        return self._person(nationality, gender, r)[0]

    def family(self, nationality: str, gender: str, r: random.Random) -> str:
        return self._person(nationality, gender, r)[1]

    def person(self, nationality: str, gender: str, r: random.Random) -> tuple[str, str]:
        given, family = self._person(nationality, gender, r)
        if r.random() < 0.15 and nationality in ("SYR", "AFG", "IRQ", "TUR", "IRN", "ITA"):
            second = self._person(nationality, gender, r)[0]
            if second != given:
                given = f"{given} {second}"
        return given, family

    def _person(self, nationality: str, gender: str, r: random.Random) -> tuple[str, str]:
        source = texts.NATIONALITIES[nationality]["names"]
        female = gender == "female"
        if not source.startswith("faker:"):
            males, females, families = texts.NAMES[source]
            given = r.choice(females if female else males)
            return given, _gendered(r.choice(families), nationality, gender)
        locale = source.removeprefix("faker:")
        fake = self.faker(locale, r.getrandbits(32))
        given = fake.first_name_female() if female else fake.first_name_male()
        family = fake.last_name_female() if female else fake.last_name_male()
        if locale in ("uk_UA", "ru_RU"):
            # As in the passport: Latin transliteration of the Cyrillic names.
            translit = importlib.import_module(f"faker.providers.person.{locale}").translit
            given, family = translit(given), translit(family)
        return given, family


# --------------------------------------------------------------------------------------
# Reference data, as plain ids (they survive the session being emptied between batches)
# --------------------------------------------------------------------------------------


@dataclass
class _Refs:
    authorities: list[SimpleNamespace]
    need_areas: dict[str, int]
    measure_types: dict[str, list[tuple[int, str]]]
    agencies: dict[str, list[tuple[int, str]]]
    agency_names: dict[int, str]
    statuses: dict[str, int]
    target_groups: dict[str, int]
    access_routes: dict[str, int]
    closure_reasons: dict[str, int]
    municipalities: dict[str, tuple[int, str]]
    # The items ``services.cases.copy_checklist`` copies, per need area (None: the general
    # process): (template item id, text, required, position).
    checklists: dict[int | None, list[tuple[int, str, bool, int]]]

    @classmethod
    def load(cls) -> _Refs:
        def active(model):
            return db.session.scalars(
                select(model).where(model.active.is_(True)).order_by(model.position, model.code)
            ).all()

        def codes(model):
            return {obj.code: obj.id for obj in active(model)}

        authorities = [
            SimpleNamespace(
                id=a.id,
                code=a.code,
                name=a.name,
                kind=a.kind,
                municipality_id=a.municipality_id,
                prefix=a.case_number_prefix,
            )
            for a in active(Authority)
        ]
        areas = {a.id: a.code for a in active(NeedArea)}
        measure_types: dict[str, list] = {}
        for mt in active(MeasureType):
            if mt.need_area_id in areas:
                measure_types.setdefault(areas[mt.need_area_id], []).append((mt.id, mt.name))
        agencies: dict[str, list] = {}
        agency_names = {}
        for agency in active(Agency):
            if not agency.accepts_referrals:
                continue
            agency_names[agency.id] = agency.name
            for area in agency.need_areas:
                agencies.setdefault(area.code, []).append((agency.id, agency.name))
        checklists: dict[int | None, list] = {}
        for template in active(ChecklistTemplate):
            checklists.setdefault(template.need_area_id, []).extend(
                (item.id, item.text, item.required, item.position) for item in template.items
            )
        return cls(
            authorities=authorities,
            need_areas={code: id_ for id_, code in areas.items()},
            measure_types=measure_types,
            agencies=agencies,
            agency_names=agency_names,
            statuses=codes(ResidenceStatus),
            target_groups=codes(TargetGroup),
            access_routes=codes(AccessRoute),
            closure_reasons=codes(ClosureReason),
            municipalities={m.code: (m.id, m.name) for m in active(Municipality)},
            checklists=checklists,
        )


# --------------------------------------------------------------------------------------
# Writing in bulk: keys, numbers, one bulk statement per table and batch
# --------------------------------------------------------------------------------------


def _defaults(table: Table) -> dict:
    """A row of ``table`` with every column (a bulk insert needs the same keys in each row)."""
    row = {}
    for column in table.columns:
        default = column.default
        row[column.key] = default.arg if default is not None and default.is_scalar else None
    return row


class _Keys:
    """Primary keys handed out by the generator, so that parts can name their parents without
    a round trip per row.

    PostgreSQL: drawn in blocks from each table's own sequence (``nextval``, on a connection
    of their own, so the generator can run in a helper thread): they never collide with rows
    the application inserts meanwhile, and the sequence stays ahead of them. SQLite: counted
    on from the largest id, read at the start (and before each batch if none is generated
    ahead). The generator is meant to be the only writer there (the development database); a
    row written meanwhile at worst makes a batch fail on its primary key, it never mixes up
    rows."""

    FIRST_BLOCK, LARGEST_BLOCK = 64, 16384

    def __init__(self, engine):
        self.engine = engine
        self.sequences = engine.dialect.name == "postgresql"
        self._free: dict[str, Iterator[int]] = {name: iter(()) for name in KEYED}
        self._block = dict.fromkeys(KEYED, self.FIRST_BLOCK // 2)
        if self.sequences:
            # Named once, here: ``nextval`` on the sequence itself then needs no lock on its
            # table (which a bulk load holds exclusively, see ``_write_in_one_transaction``).
            with engine.connect() as conn:
                self._sequence = {
                    name: conn.execute(
                        text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{name}"'}
                    ).scalar_one()
                    for name in KEYED
                }

    def catch_up(self) -> None:
        """SQLite: continue after the largest id of each table."""
        if self.sequences:
            return
        for name in KEYED:
            largest = db.session.execute(text(f'SELECT max(id) FROM "{name}"')).scalar()  # noqa: S608 (names from metadata)
            self._free[name] = itertools.count((largest or 0) + 1)

    def next(self, name: str) -> int:
        try:
            return next(self._free[name])
        except StopIteration:  # PostgreSQL only: the block is used up
            self._free[name] = iter(self._reserve(name))
            return next(self._free[name])

    def take(self, name: str, count: int):
        """``count`` keys of a table at once, in order (SQLite: a ``range``)."""
        if count == 0:
            return ()
        if self.sequences:
            return [self.next(name) for _ in range(count)]
        first = next(self._free[name])
        self._free[name] = itertools.count(first + count)
        return range(first, first + count)

    def _reserve(self, name: str) -> list[int]:
        # Blocks grow with use, so a small demo leaves only a small gap in the sequence.
        size = self._block[name] = min(self.LARGEST_BLOCK, 2 * self._block[name])
        with self.engine.connect() as conn:
            keys = (
                conn.execute(
                    text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                    {"s": self._sequence[name], "n": size},
                )
                .scalars()
                .all()
            )
            conn.commit()
        return keys


class _LocalKeys:
    """The keys of one batch built in a generator process: counted from 1 per table, then
    replaced by the writer's keys (``_Batch.rekey``) once the batches before have theirs."""

    def __init__(self):
        self._last = dict.fromkeys(KEYED, 0)

    def next(self, name: str) -> int:
        self._last[name] += 1
        return self._last[name]


def _reserve_numbers(conn, authority_id: int, kind: str, year: int, count: int) -> int:
    """Reserve ``count`` consecutive numbers of a counter on ``conn``; returns the first.

    As ``services.numbering.next_number`` does for one number: the counter row is moved on
    in a transaction, so numbers handed out later continue after these.
    """
    counters = NumberSequence.__table__
    bump = (
        update(counters)
        .where(
            counters.c.authority_id == authority_id,
            counters.c.kind == kind,
            counters.c.year == year,
        )
        .values(last_value=counters.c.last_value + count)
        .returning(counters.c.last_value)
    )
    last = conn.execute(bump).scalar_one_or_none()
    if last is None:
        upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            upsert(counters)
            .values(authority_id=authority_id, kind=kind, year=year, last_value=0)
            .on_conflict_do_nothing()
        )
        last = conn.execute(bump).scalar_one()
    return last - count + 1


class _Batch:
    """The rows of one batch of cases, as dicts per table, until they are written."""

    def __init__(self, keys: _Keys, now: datetime):
        self.keys = keys
        self.now = now
        self.rows: dict[str, list[dict]] = {table.name: [] for table in TABLES}
        self.numbered: list[tuple[dict, int, str, int]] = []  # in the order of creation
        self.templates = {table.name: _defaults(table) for table in TABLES if "id" in table.c}
        self.owned: dict = {}
        self.by_status: Counter = Counter()
        self.cases = self.issues = 0
        self.prepared = False  # values converted for the driver (``_Writer.prepare``)

    def counts(self) -> tuple[int, Counter, int]:
        return self.cases, self.by_status, self.issues

    def key_counts(self) -> dict[str, int]:
        return {name: len(self.rows[name]) for name in KEYED}

    def rekey(self, keys: dict) -> None:
        """Replace the batch's own keys (``_LocalKeys``: 1, 2, ... per table) by ``keys``
        (per table, a sequence indexed by the own key less one), references included."""
        for table in TABLES:
            own = keys.get(table.name)
            references = [(column, keys[target]) for column, target in REFERENCES[table.name]]
            for row in self.rows[table.name]:
                if own is not None:
                    row["id"] = own[row["id"] - 1]
                for column, target in references:
                    value = row[column]
                    if value is not None:
                        row[column] = target[value - 1]

    # A batch built in the generator process travels to the writer by pickle: its rows, the
    # numbers still to assign (they name rows of the same pickle, so they stay the same dicts)
    # and its counts; the keys and row templates stay behind.
    _TRAVELS = ("rows", "numbered", "by_status", "cases", "issues", "prepared")

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self._TRAVELS}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def start_case(self, plan: Plan, worker_id: int) -> None:
        """What every row of the next case carries: its authority and its author."""
        self.owned = {
            "authority_id": plan.authority.id,
            "created_by_id": worker_id,
            "updated_by_id": worker_id,
            "created_at": self.now,
            "updated_at": self.now,
        }
        self.by_status[plan.state] += 1
        self.cases += 1

    def add(self, name: str, **values) -> dict:
        row = {**self.templates[name], **self.owned, "id": self.keys.next(name), **values}
        self.rows[name].append(row)
        return row

    def link(self, table: Table, **values) -> None:
        self.rows[table.name].append(values)

    def number(self, row: dict, kind: str, on: date) -> None:
        """Number ``row`` (a client or case) as ``services.numbering`` would, when written."""
        self.numbered.append((row, row["authority_id"], kind, on.year))

    def assign_numbers(self, conn, prefixes: dict[int, str]) -> None:
        """Reserve the batch's client and case numbers on ``conn`` and fill them in."""
        counts = Counter((authority, kind, year) for _, authority, kind, year in self.numbered)
        # Counters in a fixed order (clients before cases, as the application takes them),
        # so that a concurrent registration cannot deadlock with the batch on PostgreSQL.
        following = {
            key: _reserve_numbers(conn, *key, counts[key])
            for key in sorted(counts, key=lambda k: (k[0], k[1] != "client", k[2]))
        }
        for row, authority, kind, year in self.numbered:
            n = following[authority, kind, year]
            following[authority, kind, year] = n + 1
            row["number"] = KINDS[kind].format(prefix=prefixes[authority], year=year, n=n)
        self.numbered = []


class _Writer:
    """Writes a batch on a connection: its client and case numbers, then one bulk statement
    per table, parents first. The caller commits.

    PostgreSQL: binary ``COPY ... FROM STDIN`` (psycopg adapts the values, typed from the
    columns); SQLite: the driver's ``executemany``, with the values converted beforehand by
    SQLAlchemy's own bind processors (``prepare``, memoised: most values repeat; done in the
    generator process where there is one). Both skip SQLAlchemy's per-row parameter handling.
    Measured at 10,000 cases: on PostgreSQL a Core ``insert(table)`` executemany (psycopg's
    pipelined executemany) took 1.6 times as long to write as ``COPY``; on SQLite
    SQLAlchemy's per-row work cost about as much CPU as SQLite's own. Other databases get the
    Core executemany.
    """

    def __init__(self, prefixes: dict[int, str], dialect):
        self.prefixes = prefixes
        self.dialect = dialect

    def prepare(self, batch: _Batch) -> _Batch:
        """SQLite: convert the values as SQLAlchemy would bind them (dates to ISO text, JSON
        to text); other databases take them as they are. Converts in place, once."""
        if batch.prepared or self.dialect.name != "sqlite":
            return batch
        for table in TABLES:
            rows = batch.rows[table.name]
            if not rows:
                continue
            for key in rows[0]:
                impl = table.c[key].type.dialect_impl(self.dialect)
                process = impl.bind_processor(self.dialect)
                if process is None:
                    continue
                seen: dict = {}  # most values repeat (dates, flags, the batch's timestamp)
                for row in rows:
                    value = row[key]
                    if value is None:
                        continue
                    try:
                        row[key] = seen[value]
                    except KeyError:
                        row[key] = seen[value] = process(value)
                    except TypeError:  # not hashable (JSON)
                        row[key] = process(value)
        batch.prepared = True
        return batch

    def write(self, batch: _Batch, conn) -> None:
        if batch.numbered:
            batch.assign_numbers(conn, self.prefixes)
        self.prepare(batch)
        driver = conn.connection.driver_connection
        with self._page_cache(driver):
            for table in TABLES:
                rows = batch.rows[table.name]
                if not rows:
                    continue
                if self.dialect.name not in ("postgresql", "sqlite"):
                    conn.execute(insert(table), rows)
                    continue
                try:
                    if self.dialect.name == "postgresql":
                        self._copy(driver, table, rows)
                    else:
                        self._executemany(driver, table, rows)
                except self.dialect.loaded_dbapi.Error as exc:
                    # As SQLAlchemy raises it for its own statements (IntegrityError, ...).
                    raise DBAPIError.instance(
                        f'INSERT INTO "{table.name}"', None, exc, self.dialect.loaded_dbapi.Error
                    ) from exc

    def _page_cache(self, driver):
        """SQLite: a larger page cache while a batch is written. The default (2 MiB) is far
        smaller than the hot part of the indexes, so each insert would re-read and spill
        pages: gigabytes of I/O at 100,000 cases."""
        if self.dialect.name != "sqlite":
            return contextlib.nullcontext()
        return _sqlite_settings(driver, cache_size=-SQLITE_CACHE_KIB)

    def _copy(self, driver, table: Table, rows: list[dict]) -> None:
        columns = list(rows[0])
        types = [
            table.c[key].type.compile(dialect=self.dialect).split("(")[0].lower() for key in columns
        ]
        values = operator.itemgetter(*columns)
        names = ", ".join(f'"{key}"' for key in columns)
        statement = f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT BINARY)'
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(values(row))

    @staticmethod
    def _executemany(driver, table: Table, rows: list[dict]) -> None:
        columns = list(rows[0])
        names = ", ".join(f'"{key}"' for key in columns)
        marks = ", ".join("?" * len(columns))
        statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608 (names from metadata)
        driver.executemany(statement, map(operator.itemgetter(*columns), rows))


@contextlib.contextmanager
def _sqlite_settings(driver, **settings: int):
    """SQLite: ``PRAGMA name = value`` for each setting meanwhile; the connection's own
    values are restored afterwards."""
    before = {name: driver.execute(f"PRAGMA {name}").fetchone()[0] for name in settings}
    for name, value in settings.items():
        driver.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        for name, value in before.items():
            driver.execute(f"PRAGMA {name} = {int(value)}")


def _catalog(conn, query: str) -> list[tuple]:
    """PostgreSQL: the rows of a catalog ``query`` about the tables the generator writes
    (``:tables``, an array of regclass)."""
    tables = [f'"{table.name}"' for table in TABLES]
    return [tuple(row) for row in conn.execute(text(query), {"tables": tables})]


def _foreign_keys(conn) -> list[tuple]:
    """The foreign keys of the written tables, as (table, name, definition), definitions
    as ``pg_get_constraintdef`` gives them back."""
    return _catalog(
        conn,
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.contype = 'f' "
        "AND c.conrelid = ANY(CAST(:tables AS regclass[])) ORDER BY c.conname",
    )


def _postgres_indexes(conn) -> list[tuple]:
    """The secondary indexes of the written tables (not unique, not a key), as (name,
    ``CREATE INDEX`` statement)."""
    return _catalog(
        conn,
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i WHERE NOT i.indisunique AND NOT i.indisprimary "
        "AND i.indrelid = ANY(CAST(:tables AS regclass[])) ORDER BY 1",
    )


def _sqlite_indexes(driver) -> list[tuple[str, str]]:
    """SQLite: the indexes of the tables the generator writes that no constraint needs (not
    unique, not a key), as (name, ``CREATE INDEX`` statement)."""
    marks = ", ".join("?" * len(TABLES))
    query = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608 (placeholders only)
        f"AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN ({marks}) ORDER BY name"
    )
    return driver.execute(query, [table.name for table in TABLES]).fetchall()


def _write_in_one_transaction(batches: Iterator[_Batch], writer: _Writer, conn):
    """Large runs: every batch in the transaction of ``conn``, with what costs most per row
    set aside for the load and built again at its end, all at once, as a database's own
    restore does (PostgreSQL's "Populating a Database" advice):

    - The secondary indexes of the written tables (not the unique ones, nor keys): about
      ten per row, on SQLite a third of the writing time; ``CREATE INDEX`` sorts once.
    - PostgreSQL: also the foreign keys of the written tables. Row by row, their checks
      are most of the server's work (one query per key and row, some seven per checklist
      item) and grow slower as the tables outgrow the buffer cache: 100,000 cases took
      750 s with them. Created again, each is checked by one query over all rows. (SQLite
      checks a key by one index look-up: cheap enough to keep.)

    Nothing is committed here: the caller commits, and a failure, a bad key included,
    leaves the database as it was, indexes and keys with it. Meanwhile the written tables
    are locked for other sessions; on PostgreSQL, if another session holds a lock there, the
    run stops at once instead of waiting. Yields each batch's counts."""
    if conn.dialect.name == "postgresql":
        restore = _set_keys_aside(conn)
    elif conn.dialect.name == "sqlite":
        restore = _set_indexes_aside(conn)
    else:
        restore = None
    for batch in batches:
        writer.write(batch, conn)
        yield batch.counts()
        del batch
    if restore:
        restore()


def _set_keys_aside(conn) -> Callable[[], None]:
    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
    try:
        keys = _foreign_keys(conn)
        for table, name, _definition in keys:
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        indexes = _postgres_indexes(conn)
        for name, _definition in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise DemoError(
                "Die Falltabellen sind gerade in Benutzung (offene Transaktionen anderer "
                "Verbindungen). Bitte später erneut versuchen; es wurde nichts geändert."
            ) from exc
        raise
    conn.execute(text("SET LOCAL lock_timeout = DEFAULT"))

    def restore() -> None:
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # for the sorts
        for _name, definition in indexes:
            conn.execute(text(definition))
        conn.execute(text("SET LOCAL work_mem = '64MB'"))  # for the checks' hash joins
        for table, name, definition in keys:
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        # Fresh statistics, so the first queries on the new rows are planned for their size.
        conn.execute(text("ANALYZE " + ", ".join(f'"{table.name}"' for table in TABLES)))

    return restore


def _set_indexes_aside(conn) -> Callable[[], None]:
    driver = conn.connection.driver_connection
    if not driver.in_transaction:
        # The driver starts a transaction only before a write; DDL would commit on its own.
        driver.execute("BEGIN")
    indexes = _sqlite_indexes(driver)
    for name, _sql in indexes:
        driver.execute(f'DROP INDEX "{name}"')

    def restore() -> None:
        # A large cache and helper threads for the sorts.
        with _sqlite_settings(driver, cache_size=-SQLITE_CACHE_KIB, threads=2):
            for _name, sql in indexes:
                driver.execute(sql)

    return restore


def _in_processes(
    build: Callable[[int, int], Iterator[_Batch]],
    count: int,
    keys: _Keys,
    prepare: Callable[[_Batch], _Batch],
    processes: int = GENERATORS,
) -> Iterator[_Batch]:
    """The ``count`` batches, built by ``processes`` forked processes side by side (process
    ``k`` builds every batch ``n`` with ``n % processes == k``: ``build(k, processes)``)
    while this one writes: the generator's work is pure Python, and a thread would share
    the GIL with the writer.

    A batch is built with keys of its own (``_LocalKeys``); its process then tells its row
    counts, gets the writer's keys for it (taken in the order of the batches, so they are
    the keys a single generator would have used), puts them in (``_Batch.rekey``), prepares
    the values (``prepare``) and sends the batch, pickled. Each process has a pipe of its
    own, read in the order of the batches, whose buffer holds it back: memory stays bounded
    (about two batches per process). An exception in a process is raised here; closing
    stops them. They inherit the generator's state and never touch the database: its
    connections stay this process's (see the garbage collector below)."""
    context = multiprocessing.get_context("fork")
    links = [context.Pipe() for _ in range(processes)]

    def produce(part: int) -> None:
        link = links[part][1]
        for number, (own, theirs) in enumerate(links):
            own.close()
            if number != part:
                theirs.close()
        try:
            for batch in build(part, processes):
                link.send_bytes(pickle.dumps(("counts", batch.key_counts())))
                batch.rekey(pickle.loads(link.recv_bytes()))  # noqa: S301 (our own parent)
                message = ("batch", prepare(batch))
                link.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
                del batch, message
        except BaseException as exc:  # handed to the parent, which raises it
            try:
                message = pickle.dumps(("error", exc))
            except Exception:  # noqa: BLE001 (an exception that does not pickle)
                message = pickle.dumps(("error", RuntimeError(repr(exc))))
            with contextlib.suppress(OSError):  # the parent is gone
                link.send_bytes(message)
        finally:
            link.close()

    workers: list = []

    def start() -> None:
        # The processes inherit this one's objects, database connections included; frozen,
        # the garbage collector there never finalises one (which would close it for us too).
        gc.collect()
        gc.freeze()
        try:
            for part in range(processes):
                worker = context.Process(
                    target=produce, args=(part,), name=f"demo-generator-{part}", daemon=True
                )
                worker.start()
                workers.append(worker)
        finally:
            gc.unfreeze()
        for _own, theirs in links:
            theirs.close()

    def receive(number: int, expected: str):
        link, worker = links[number % processes][0], workers[number % processes]
        try:
            if not link.poll(GENERATOR_SILENCE_SECONDS):
                raise DemoError(
                    "Ein Prozess, der die Demodaten erzeugt, antwortet nicht mehr; der Lauf "
                    "wurde abgebrochen."
                )
            kind, value = pickle.loads(link.recv_bytes())  # noqa: S301 (our own child)
        except EOFError:
            worker.join()
            raise DemoError(
                "Ein Prozess, der die Demodaten erzeugt, ist unerwartet beendet worden "
                f"(Status {worker.exitcode})."
            ) from None
        if kind == "error":
            raise value
        if kind != expected:
            raise RuntimeError(f"demo generator protocol: {kind} instead of {expected}")
        return link, value

    def hand_keys(number: int) -> None:
        link, counts = receive(number, "counts")
        taken = {name: keys.take(name, n) for name, n in counts.items()}
        link.send_bytes(pickle.dumps(taken, pickle.HIGHEST_PROTOCOL))

    try:
        start()
        if count:
            hand_keys(0)
        for number in range(count):
            if number + 1 < count:
                hand_keys(number + 1)  # the next process goes on while this batch is written
            _link, batch = receive(number, "batch")
            yield batch
            del batch
    finally:
        for link, theirs in links:
            link.close()
            theirs.close()  # closed already unless a process could not be started
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _ahead_mode(ahead: str | None) -> str:
    """``process`` where a fork is safe (Linux, this process has no other threads),
    else ``thread``; an explicit choice is kept."""
    if ahead is not None:
        if ahead not in AHEAD_MODES:
            raise ValueError(f"ahead must be one of {AHEAD_MODES}")
        return ahead
    forks = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    return "process" if forks and threading.active_count() == 1 else "thread"


def _ahead(items: Iterator[_Batch]) -> Iterator[_Batch]:
    """``items``, produced one ahead in a helper thread: the next batch is generated while
    the database works on one (the SQLite library and the PostgreSQL server release the GIL
    while they do). An exception in the thread is raised here; closing stops the thread."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand(item):
                    return
            hand(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            hand(exc)

    thread = threading.Thread(target=produce, name="demo-generator", daemon=True)
    thread.start()
    try:
        while (item := handoff.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


@contextlib.contextmanager
def terminal_progress(total: int, *, stream=None):
    """A progress bar for ``generate_demo(progress=...)`` if ``stream`` (stderr) is a
    terminal; otherwise ``None``, so logs (CI, pipes, tests) stay clean."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield None
        return
    with click.progressbar(length=total, label="Demodaten", file=stream) as bar:
        done = 0

        def advance(position: int, _total: int) -> None:
            nonlocal done
            bar.update(position - done)
            done = position

        yield advance


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


class DemoGenerator:
    def __init__(self, cases: int, seed: int, reference_date: date):
        self.n = cases
        self.seed = seed
        self.today = reference_date
        self.rng = _Random(seed)
        self.names = _Names()
        self.summary = DemoSummary(seed=seed, reference_date=reference_date)

    # -- set-up ----------------------------------------------------------------------

    def plan(self, authorities: list[SimpleNamespace]) -> list[Plan]:
        r = self.rng
        states = _spread(STATES, STATE_WEIGHTS, self.n, r)
        weights = [AUTHORITY_WEIGHTS.get(a.code, 10) for a in authorities]
        owners = _spread(authorities, weights, self.n, r)
        plans = []
        for i, (state, authority) in enumerate(zip(states, owners, strict=True)):
            opened_on = self.today - timedelta(days=r.randint(*CASE_AGE[state]))
            plans.append(Plan(i, state, authority, opened_on, r.getrandbits(64)))
        plans.sort(key=lambda p: (p.opened_on, p.index))
        return plans

    def staff(self, authorities: list[SimpleNamespace], plans: list[Plan]) -> dict[int, list]:
        """Caseworkers per authority: generated ones (reused if present) plus existing ones."""
        per_authority = Counter(p.authority.id for p in plans)
        staff_seed = self.rng.getrandbits(32)
        pools: dict[int, list] = {}
        for number, authority in enumerate(authorities):
            wanted = min(200, max(2, math.ceil(per_authority[authority.id] / CASES_PER_CASEWORKER)))
            fake = self.names.faker("de_DE", staff_seed + number)
            domain = f"{authority.code.replace('_', '-')}.demo.lotse.example"
            pool, emails = [], set()
            while len(pool) < wanted:
                given, family = fake.first_name(), fake.last_name()
                email = f"{_ascii(given)}.{_ascii(family)}@{domain}"
                if email in emails:
                    continue
                emails.add(email)
                user = db.session.scalars(select(User).where(User.email == email)).first()
                if user is None:
                    user = User(
                        email=email,
                        display_name=f"{given} {family}",
                        role="caseworker",
                        authority_id=authority.id,
                        active=True,
                        locale="de",
                        password_hash=None,  # no login: demo staff only own cases
                    )
                    db.session.add(user)
                    db.session.flush()
                    self.summary.staff_created += 1
                elif user.authority_id != authority.id:
                    continue
                pool.append(
                    SimpleNamespace(id=user.id, authority_id=authority.id, role="caseworker")
                )
            known = {u.id for u in pool}
            for user in db.session.scalars(
                select(User)
                .where(
                    User.authority_id == authority.id,
                    User.role == "caseworker",
                    User.active.is_(True),
                )
                .order_by(User.email)
            ):
                if user.id not in known:
                    # Accounts someone can log in with (e.g. the first-run demo account) get
                    # a larger share, so that "my cases" is not nearly empty in the demo.
                    member = SimpleNamespace(
                        id=user.id, authority_id=authority.id, role="caseworker"
                    )
                    pool.extend([member] * EXISTING_ACCOUNT_SHARE)
            pools[authority.id] = pool
        return pools

    def issue_slots(self, count: int) -> dict[int, int]:
        """Positions (in creation order) of the cases that report a structural issue."""
        if count == 0:
            return {}
        wanted = min(len(texts.STRUCTURAL_ISSUES), max(1, count // 6))
        return {min(count - 1, (k * count) // wanted + 1): k for k in range(wanted)}

    # -- the run -----------------------------------------------------------------------

    def run(
        self,
        batch_size: int,
        progress: Callable[[int, int], None] | None,
        ahead: str | None = None,
        bulk: bool | None = None,
    ) -> DemoSummary:
        refs = _Refs.load()
        if not refs.authorities:
            raise DemoError(
                "Es gibt noch keine Behörden. Bitte zuerst die Referenzdaten laden "
                "(„flask seed reference“)."
            )
        if not refs.need_areas:
            raise DemoError("Es gibt keine aktiven Handlungsfelder; die Referenzdaten fehlen.")
        mode = _ahead_mode(ahead)  # before any helper thread or connection of ours exists
        plans = self.plan(refs.authorities)
        self.pools = self.staff(refs.authorities, plans)
        self.summary.authorities = len({p.authority.id for p in plans})
        slots = self.issue_slots(len(plans))
        self.refs = refs
        engine = db.session.get_bind()
        keys = _Keys(engine)
        keys.catch_up()
        writer = _Writer({a.id: a.prefix for a in refs.authorities}, engine.dialect)
        if bulk is None:
            bulk = len(plans) >= BULK_CASES
        if len(plans) <= batch_size:
            mode = "off"  # one batch (the first run's 30 cases): nothing to overlap

        def batches() -> Iterator[_Batch]:
            return self._batches(plans, slots, batch_size, keys, catch_up=mode == "off")

        if mode == "process":
            produced = _in_processes(
                lambda mine, parts: self._batches(
                    plans, slots, batch_size, keys, catch_up=False, part=(mine, parts)
                ),
                math.ceil(len(plans) / batch_size),
                keys,
                writer.prepare,
            )
        elif mode == "thread":
            produced = _ahead(batches())
        else:
            produced = batches()
        if bulk:
            # One transaction, the staff accounts above included: all or nothing.
            written = _write_in_one_transaction(produced, writer, db.session.connection())
        else:
            written = self._write_in_session(produced, writer)
        # On failure, closing stops the generator's process or thread.
        with contextlib.closing(produced), contextlib.closing(written):
            for cases, by_status, issues in written:
                self.summary.cases += cases
                self.summary.by_status.update(by_status)
                self.summary.issues += issues
                if progress:
                    progress(self.summary.cases, len(plans))
        if bulk:
            db.session.commit()
        db.session.expunge_all()  # the staff accounts loaded above; nothing else is held
        return self.summary

    @staticmethod
    def _write_in_session(batches, writer: _Writer):
        """Each batch in a transaction of its own: a failure keeps the batches before."""
        for batch in batches:
            writer.write(batch, db.session.connection())
            db.session.commit()
            db.session.expunge_all()  # the staff accounts loaded above; nothing else is held
            yield batch.counts()
            del batch  # bounded memory: a batch is dropped once written

    def _batches(
        self, plans, slots, batch_size, keys, *, catch_up, part=(0, 1)
    ) -> Iterator[_Batch]:
        """The batches of cases, generated one after another; with ``part`` (k, n), only
        every n-th from the k-th, with keys of their own (``_LocalKeys``). Otherwise they
        touch the database only for keys (``catch_up``: SQLite, counted on from the ids
        written so far)."""
        mine, parts = part
        for number, start in enumerate(range(0, len(plans), batch_size)):
            if number % parts != mine:
                continue
            if catch_up and start:
                keys.catch_up()
            batch = _Batch(keys if parts == 1 else _LocalKeys(), utcnow())
            for position in range(start, min(start + batch_size, len(plans))):
                self.build(plans[position], slots.get(position), batch)
            yield batch

    # -- one case ----------------------------------------------------------------------

    def build(self, plan: Plan, issue: int | None, batch: _Batch) -> None:
        r = _Random(plan.seed)
        worker = r.choice(self.pools[plan.authority.id])
        batch.start_case(plan, worker.id)
        case = self._build(plan, r, worker, batch)
        if issue is not None:
            self._issue(case, r, issue, batch)
        self._tick_checklist(case, r, worker)

    def _build(self, plan: Plan, r: random.Random, worker, batch: _Batch) -> SimpleNamespace:
        refs, today, state = self.refs, self.today, plan.state
        opened = plan.opened_on
        client, profile = self._client(plan, r, batch)

        # The timeline of the case.
        intake_on = None
        if state != "intake" or r.random() < 0.6:
            intake_on = min(today, opened + timedelta(days=r.randint(0, 7)))
        start = intake_on or opened
        closed_on = evaluated_on = None
        if state == "closed":
            closed_on = today - timedelta(days=r.randint(3, (today - opened).days - 160))
            evaluated_on = closed_on - timedelta(days=r.randint(0, 7))
            activity_end = evaluated_on
        elif state == "declined":
            closed_on = min(today, start + timedelta(days=r.randint(1, 14)))
            activity_end = closed_on
        elif state == "evaluation":
            activity_end = today - timedelta(days=r.randint(0, 14))
            if r.random() < 0.5:
                evaluated_on = activity_end
        elif state == "on_hold":
            activity_end = max(start, today - timedelta(days=r.randint(32, 75)))
        else:
            activity_end = max(start, today - timedelta(days=r.randint(0, 10)))

        if state != "intake" or r.random() < 0.5:
            client["privacy_notice_given_on"] = start
        batch.number(client, "client", start)  # register_client: the year of ``start``

        row = batch.add(
            "case",
            client_id=client["id"],
            status=state,
            caseworker_id=worker.id,
            access_route_id=self._access_route(plan, r),
            opened_on=opened,
            intake_on=intake_on,
        )
        batch.number(row, "case", opened)  # open_case: the year of the opening
        # The case as the parts see it; its checklist items are ticked at the end.
        case = SimpleNamespace(
            row=row,
            id=row["id"],
            client=client,
            status=state,
            opened_on=opened,
            intake_on=intake_on,
            closed_on=None,
            items=[],
            batch=batch,
        )
        self._copy_checklist(case, None)  # open_case: the general process
        self._household(client, profile, r, batch)

        # Needs, goals, measures, referrals.
        needs = self._needs(profile, state, r)
        if intake_on:
            summary = r.choice(texts.INTAKE_SUMMARIES)
            if profile.interpreter:
                language = texts.LANGUAGE_NAMES.get(profile.interpreter, profile.interpreter)
                summary += f" Sprachmittlung: {language}."
            row["intake_summary"] = summary
        for code, priority in needs:  # record_needs: each need copies its area's checklist
            area_id = refs.need_areas[code]
            need = batch.add("need", case_id=case.id, need_area_id=area_id, priority=priority)
            self._copy_checklist(case, area_id)
            templates = texts.NEED_TEXTS.get(code)
            if templates:
                need["description"] = r.choice(templates).format(**profile.words)

        goals = []
        if state in GOAL_STATES:
            goals = self._goals(case, needs, profile, state, start, activity_end, r)
        closure_code = None
        if state == "closed":
            early = r.choice(EARLY_CLOSURES) if r.random() < 0.2 else None
            self._final_goal_statuses(goals, early, r)
            closure_code = early or self._closure_from_goals(goals)
        elif state == "evaluation":
            self._final_goal_statuses(goals, None, r)
        for goal, code in goals:
            self._measures(case, goal, code, state, activity_end, r)
        referrals = []
        if state in ("active", "on_hold", "evaluation", "closed"):
            referrals = self._referrals(case, goals, state, activity_end, r)
        self._consent_for_referrals(case, referrals, opened, r)
        if state in ("planning", "active", "on_hold", "evaluation"):
            self._share(case, plan, start, worker, r)

        activities = self._activities(case, profile, plan, state, start, activity_end, r)
        sent = [ref for ref in referrals if ref["sent_on"]]
        if sent and r.random() < 0.3:
            self._conference(case, sent, activity_end, r)

        if evaluated_on is not None:
            self._evaluation(case, goals, activities, evaluated_on, closure_code, r)
        if state in ("closed", "declined"):
            code = closure_code if state == "closed" else "no_case_management_need"
            case.closed_on = row["closed_on"] = closed_on
            row["closure_reason_id"] = refs.closure_reasons.get(code) or next(
                iter(refs.closure_reasons.values()), None
            )
            row["closure_note"] = texts.CLOSURE_NOTES.get(code)
        return case

    def _copy_checklist(self, case: SimpleNamespace, need_area_id: int | None) -> None:
        """As ``services.cases.copy_checklist``: the text is copied, not referenced."""
        for template_item_id, item_text, required, position in self.refs.checklists.get(
            need_area_id, ()
        ):
            case.items.append(
                case.batch.add(
                    "case_checklist_item",
                    case_id=case.id,
                    template_item_id=template_item_id,
                    need_area_id=need_area_id,
                    text=item_text,
                    required=required,
                    position=position,
                )
            )

    # -- the client ----------------------------------------------------------------------

    def _client(self, plan: Plan, r: random.Random, batch: _Batch) -> tuple[dict, SimpleNamespace]:
        refs, today = self.refs, self.today
        nationality = _weighted(r, {k: v["weight"] for k, v in texts.NATIONALITIES.items()})
        profile_data = texts.NATIONALITIES[nationality]
        gender = _weighted(r, {"female": 48, "male": 48, "diverse": 1, "unknown": 3})
        name_gender = gender if gender in ("female", "male") else r.choice(("female", "male"))
        given, family = self.names.person(nationality, name_gender, r)
        minor = nationality in ("AFG", "SYR", "ERI", "IRQ") and r.random() < 0.05
        age = r.randint(15, 17) if minor else int(r.triangular(18, 64, 31))
        birth_date = today - timedelta(days=age * 365 + r.randint(0, 364))

        status = "asylg_55" if minor else _weighted(r, profile_data["statuses"])
        arrival = plan.opened_on - timedelta(days=r.randint(14, 400 if minor else 365 * 7))
        if status == "aufenthg_24":
            arrival = max(arrival, UKRAINE_WAR + timedelta(days=r.randint(5, 120)))
            arrival = min(arrival, plan.opened_on)
        arrival = min(
            max(arrival, birth_date + timedelta(days=365 * 14)),
            plan.opened_on - timedelta(days=7),
        )
        languages = list(r.choice(profile_data["languages"]))
        years = (plan.opened_on - arrival).days / 365
        if r.random() < (0.7 if years > 3 else 0.2):
            languages.append("deu")
        interpreter = languages[0] if "deu" not in languages and r.random() < 0.75 else None

        valid_until = self._valid_until(status, r)
        municipality_id, town, postcode = self._municipality(plan, r)
        address = f"{r.choice(texts.STREETS)} {r.randint(1, 120)}, {postcode} {town}"
        client = batch.add(
            "client",
            family_name=family,
            given_names=given,
            birth_date=birth_date,
            gender=gender,
            nationality=nationality,
            languages=languages,
            interpreter_language=interpreter,
            arrival_date=arrival,
            residence_status_id=refs.statuses.get(status),
            residence_valid_until=valid_until,
            target_group_id=refs.target_groups.get(self._target_group(status, minor)),
            municipality_id=municipality_id,
            address=address,
        )
        if r.random() < 0.7:
            client["phone"] = f"0151 0{r.randint(1000000, 9999999)}"
        if r.random() < 0.35:
            local = f"{_ascii(given.split()[0])}.{_ascii(family)}"
            client["email"] = f"{local}@mail.example"
        profile = SimpleNamespace(
            nationality=nationality,
            gender=name_gender,
            given=given.split()[0],
            family=family,
            age=age,
            minor=minor,
            status=status,
            languages=languages,
            interpreter=interpreter,
            words={
                "country": texts.COUNTRY_NAMES[nationality],
                "profession": r.choice(texts.PROFESSIONS),
            },
            spouse=None,
            children=[],
        )
        return client, profile

    def _valid_until(self, status: str, r: random.Random) -> date | None:
        if status.startswith("freizuegg") or status in PERMANENT_STATUSES:
            return None
        if status in SHORT_STATUSES:
            days = r.randint(14, 180)
        elif status == "aufenthg_24":
            days = r.randint(60, 400)
        elif r.random() < 0.12:
            days = r.randint(5, 85)  # expiring soon: shows in the follow-up list
        else:
            days = r.randint(90, 1000)
        return self.today + timedelta(days=days)

    @staticmethod
    def _target_group(status: str, minor: bool) -> str:
        if minor:
            return "unaccompanied_minors"
        if status == "asylg_55":
            return "asylum_seekers"
        if status in ("aufenthg_60a", "aufenthg_60c", "aufenthg_60d", "aufenthg_104c"):
            return "tolerated_persons"
        if status == "aufenthg_24":
            return "temporary_protection"
        if status.startswith("freizuegg"):
            return "eu_citizens"
        if status in PROTECTION_STATUSES or status in ("aufenthg_25a", "aufenthg_25b"):
            return "recognised_refugees"
        if status == "aufenthg_16b":
            return "students"
        if status in ("aufenthg_16a", "aufenthg_16d", "aufenthg_18a", "aufenthg_18b"):
            return "skilled_workers"
        if status in ("aufenthg_18g", "aufenthg_20a", "aufenthg_19c"):
            return "skilled_workers"
        if status in ("aufenthg_28", "aufenthg_30", "aufenthg_31", "aufenthg_32", "aufenthg_36a"):
            return "family_members"
        return "third_country_nationals"

    def _municipality(self, plan: Plan, r: random.Random) -> tuple[int | None, str, str]:
        code = plan.authority.code
        candidates = {
            key: weight
            for key, (_, weight) in texts.MUNICIPALITIES.items()
            if key in self.refs.municipalities
        }
        if code.startswith("detmold") and texts.DETMOLD in candidates:
            key = texts.DETMOLD
        else:
            if code == "kreis_lippe_abh":
                # Detmold has its own immigration office.
                candidates.pop(texts.DETMOLD, None)
            if not candidates:
                return None, "Detmold", "32756"
            key = _weighted(r, candidates)
        municipality_id, name = self.refs.municipalities[key]
        return municipality_id, name, texts.MUNICIPALITIES[key][0]

    def _access_route(self, plan: Plan, r: random.Random) -> int | None:
        if plan.authority.kind == "immigration_office":
            weights = {
                "self": 30,
                "jobcenter": 15,
                "mbe": 15,
                "volunteers": 10,
                "employer": 10,
                "school": 5,
                "social_office": 5,
                "other": 5,
            }
        else:
            weights = {
                "self": 25,
                "immigration_office": 20,
                "jobcenter": 12,
                "mbe": 10,
                "school": 8,
                "kita": 5,
                "jmd": 5,
                "youth_office": 5,
                "volunteers": 10,
            }
        weights = {k: v for k, v in weights.items() if k in self.refs.access_routes}
        if not weights:
            return None
        return self.refs.access_routes[_weighted(r, weights)]

    def _household(
        self, client: dict, profile: SimpleNamespace, r: random.Random, batch: _Batch
    ) -> None:
        if profile.minor:
            return
        nationality = profile.nationality
        refugee = profile.status in PROTECTION_STATUSES | {"aufenthg_24", "asylg_55"}
        spouse_abroad = False
        if r.random() < 0.55:
            spouse_gender = "male" if profile.gender == "female" else "female"
            spouse_abroad = r.random() < (0.35 if refugee else 0.12)
            given = self.names.given(nationality, spouse_gender, r)
            if nationality in texts.GENDERED_ENDINGS or nationality in ("TUR", "ROU", "ITA"):
                family = _gendered(profile.family, nationality, spouse_gender)
            else:
                family = self.names.family(nationality, spouse_gender, r)
            profile.spouse = SimpleNamespace(given=given, gender=spouse_gender)
            batch.add(
                "household_member",
                client_id=client["id"],
                relation="spouse",
                family_name=family,
                given_names=given,
                birth_date=min(
                    client["birth_date"] + timedelta(days=r.randint(-2500, 2500)),
                    self.today - timedelta(days=365 * 19),
                ),
                lives="abroad" if spouse_abroad else "same_household",
                country=nationality if spouse_abroad else None,
            )
        if profile.age < 52 and r.random() < 0.55:
            father = profile.given if profile.gender == "male" else None
            if father is None and profile.spouse is not None:
                father = profile.spouse.given
            for _ in range(r.choice((1, 1, 2, 2, 3, 4))):
                age = r.randint(0, min(17, profile.age - 17))
                gender = r.choice(("female", "male"))
                given = self.names.given(nationality, gender, r)
                if nationality == "ERI" and father:
                    family = father  # Eritrean children carry their father's given name
                else:
                    family = _gendered(profile.family, nationality, gender)
                abroad = spouse_abroad and r.random() < 0.6
                needs = not abroad and age >= 1 and r.random() < (0.55 if age < 6 else 0.35)
                profile.children.append(SimpleNamespace(age=age, abroad=abroad, needs=needs))
                batch.add(
                    "household_member",
                    client_id=client["id"],
                    relation="child",
                    family_name=family,
                    given_names=given,
                    birth_date=self.today - timedelta(days=age * 365 + r.randint(0, 364)),
                    lives="abroad" if abroad else "same_household",
                    country=nationality if abroad else None,
                    needs_childcare_or_school=needs,
                )
        if refugee and r.random() < 0.06:
            gender = r.choice(("female", "male"))
            batch.add(
                "household_member",
                client_id=client["id"],
                relation="parent",
                family_name=_gendered(profile.family, nationality, gender),
                given_names=self.names.given(nationality, gender, r),
                birth_date=client["birth_date"] - timedelta(days=r.randint(7300, 12000)),
                lives="abroad",
                country=nationality,
            )
        profile.spouse_abroad = spouse_abroad

    # -- needs and goals -------------------------------------------------------------

    def _needs(self, profile: SimpleNamespace, state: str, r: random.Random) -> list:
        chosen: dict[str, str] = {}

        def add(code: str, priority: str) -> None:
            if code in self.refs.need_areas and code not in chosen:
                chosen[code] = priority

        if getattr(profile, "spouse_abroad", False) or any(c.abroad for c in profile.children):
            add("family_reunification", "high")
        if any(c.needs and c.age < 6 for c in profile.children):
            add("childcare", "high")
        if any(c.needs and c.age >= 6 for c in profile.children):
            add("school", "high")
        if profile.minor:
            add("school", "high")
            add("residence", "high")
        if "deu" not in profile.languages:
            add("language", "high" if r.random() < 0.6 else "medium")
        if profile.status in SHORT_STATUSES and r.random() < 0.6:
            add("residence", "high")
        if profile.status == "aufenthg_60a" or r.random() < 0.08:
            add("documents", "medium")
        eu = profile.status.startswith("freizuegg")
        if not profile.minor and r.random() < (0.35 if eu else 0.3):
            add("recognition", "medium")
        if not profile.minor and r.random() < 0.5:
            add("work", "medium")
        if profile.age < 27 and r.random() < 0.45:
            add("training", "medium")
        if r.random() < 0.3:
            add("housing", r.choice(("medium", "low")))
        if r.random() < 0.25:
            add("benefits", "medium")
        if r.random() < 0.15:
            add("health", r.choice(("high", "medium")))
        if profile.status in PERMANENT_STATUSES and r.random() < 0.6:
            add("naturalisation", "low")
        if r.random() < 0.2:
            add("participation", "low")
        if not chosen:
            add("work" if "deu" in profile.languages else "language", "medium")
        needs = list(chosen.items())[:5]
        if state == "intake":
            needs = needs[: r.choice((0, 1, 2, len(needs)))]
        elif state == "declined":
            needs = needs[: r.choice((0, 1))]
        return needs

    def _goals(self, case, needs, profile, state, start, activity_end, r) -> list:
        goals = []
        for number, (code, _priority) in enumerate(needs):
            if number > 0 and r.random() < 0.15:
                continue
            description, indicator = r.choice(texts.GOAL_TEXTS.get(code) or [("Ziel", None)])
            if state == "planning":
                agreed_on = (
                    min(self.today, start + timedelta(days=r.randint(3, 20)))
                    if r.random() < 0.4
                    else None
                )
            else:
                agreed_on = _between(
                    r, start + timedelta(days=2), min(start + timedelta(days=30), activity_end)
                )
            basis = agreed_on or self.today
            goal = case.batch.add(
                "goal",
                case_id=case.id,
                need_area_id=self.refs.need_areas[code],
                description=description.format(**profile.words),
                indicator=indicator.format(**profile.words) if indicator else None,
                agreed_on=agreed_on,
                target_date=basis + timedelta(days=r.randint(60, 300)),
                status="open",
            )
            if state in ("active", "on_hold"):
                goal["status"] = _weighted(r, {"open": 30, "in_progress": 50, "achieved": 20})
                if goal["status"] == "achieved":
                    goal["attainment_note"] = r.choice(texts.ATTAINMENT_NOTES["achieved"])
            goals.append((goal, code))
        return goals

    @staticmethod
    def _closure_from_goals(goals) -> str:
        statuses = {goal["status"] for goal, _ in goals}
        if statuses == {"achieved"}:
            return "goals_reached"
        if statuses & {"achieved", "partly_achieved"}:
            return "goals_partly_reached"
        return "goals_not_reached"

    def _final_goal_statuses(self, goals, closure_code, r) -> None:
        early = closure_code in EARLY_CLOSURES
        weights = (
            {"dropped": 60, "partly_achieved": 30, "achieved": 10}
            if early
            else {"achieved": 50, "partly_achieved": 25, "not_achieved": 13, "dropped": 12}
        )
        for goal, _code in goals:
            goal["status"] = _weighted(r, weights)
            goal["attainment_note"] = r.choice(texts.ATTAINMENT_NOTES[goal["status"]])

    def _measures(self, case, goal, code, state, activity_end, r) -> None:
        types = self.refs.measure_types.get(code) or [
            (None, "Unterstützung durch das Fallmanagement")
        ]
        agencies = self.refs.agencies.get(code) or []
        start = goal["agreed_on"] or self.today
        for _ in range(r.randint(1, 2 if state == "planning" else 3)):
            type_id, type_name = r.choice(types)
            responsible = _weighted(
                r, {"client": 25, "case_manager": 30, "agency": 30, "joint": 15}
            )
            agency_id = None
            if responsible == "agency":
                if agencies:
                    agency_id = r.choice(agencies)[0]
                else:
                    responsible = "case_manager"
            due_on = _between(r, start + timedelta(days=7), goal["target_date"])
            status, done_on = "planned", None
            if state in ("active", "on_hold"):
                status = (
                    "done"
                    if goal["status"] == "achieved"
                    else _weighted(r, {"done": 35, "in_progress": 35, "planned": 30})
                )
            elif state in FINAL_STATES:
                status = {
                    "achieved": "done",
                    "partly_achieved": r.choice(("done", "not_done")),
                    "not_achieved": r.choice(("not_done", "cancelled")),
                    "dropped": "cancelled",
                }[goal["status"]]
            if status == "done":
                done_on = _between(r, start, min(due_on, activity_end))
            case.batch.add(
                "measure",
                case_id=case.id,
                goal_id=goal["id"],
                measure_type_id=type_id,
                description=type_name,
                responsible=responsible,
                agency_id=agency_id,
                due_on=due_on,
                status=status,
                done_on=done_on,
            )

    def _referrals(self, case, goals, state, activity_end, r) -> list[dict]:
        referrals = []
        for goal, code in goals:
            agencies = self.refs.agencies.get(code)
            if not agencies or len(referrals) >= 2 or r.random() > 0.5:
                continue
            agency_id, _name = r.choice(agencies)
            if state in FINAL_STATES:
                status = _weighted(r, {"completed": 60, "rejected": 25, "withdrawn": 15})
            else:
                status = _weighted(
                    r,
                    {
                        "draft": 15,
                        "sent": 25,
                        "accepted": 20,
                        "in_progress": 20,
                        "completed": 10,
                        "rejected": 10,
                    },
                )
            referral = case.batch.add(
                "referral",
                case_id=case.id,
                goal_id=goal["id"],
                agency_id=agency_id,
                need_area_id=self.refs.need_areas[code],
                reason=texts.REFERRAL_REASONS.get(code, "Vermittlung") + ".",
                status=status,
            )
            if status != "draft":
                base = goal["agreed_on"] or case.opened_on
                sent_on = _between(
                    r, base + timedelta(days=1), min(base + timedelta(days=25), activity_end)
                )
                referral["sent_on"] = sent_on
                referral["follow_up_on"] = sent_on + timedelta(days=14)
            if status in ("accepted", "in_progress", "completed", "rejected"):
                referral["answered_on"] = _between(
                    r,
                    referral["sent_on"] + timedelta(days=2),
                    min(referral["sent_on"] + timedelta(days=30), activity_end),
                )
            if status == "rejected":
                referral["rejection_reason"] = r.choice(texts.REJECTION_REASONS)
            if status == "completed":
                referral["outcome_note"] = r.choice(texts.REFERRAL_OUTCOMES)
            referrals.append(referral)
        return referrals

    def _agencies_of(self, referrals: list[dict]) -> list[int]:
        """The agencies of ``referrals``, each once, in order."""
        return list(dict.fromkeys(ref["agency_id"] for ref in referrals))

    def _consent_for_referrals(self, case, referrals, opened, r) -> None:
        """Every referral beyond a draft rests on a consent naming its agency."""
        sent = [ref for ref in referrals if ref["status"] != "draft"]
        if not sent:
            return
        first = min(ref["sent_on"] for ref in sent)
        agencies = self._agencies_of(sent)
        given_on = _between(r, max(opened, first - timedelta(days=10)), first)
        consent = case.batch.add(
            "consent",
            client_id=case.client["id"],
            purpose="Weitergabe der für die Vermittlung nötigen Daten an: "
            + ", ".join(self.refs.agency_names[a] for a in agencies),
            data_categories=(
                "Stammdaten, Kontaktdaten, Aufenthaltsstatus, Sprachkenntnisse, Bedarfe und Ziele"
            ),
            given_on=given_on,
            form=_weighted(r, {"written": 70, "electronic": 20, "verbal": 10}),
            valid_until=given_on + timedelta(days=730),
        )
        for agency_id in agencies:
            case.batch.link(consent_agency, consent_id=consent["id"], agency_id=agency_id)
        for ref in sent:
            ref["consent_id"] = consent["id"]

    def _share(self, case, plan, start, worker, r) -> None:
        """Some open cases are shared with the partner office of the same place."""
        if r.random() > 0.15:
            return
        partners = [
            a
            for a in self.refs.authorities
            if a.id != plan.authority.id
            and a.kind != plan.authority.kind
            and a.code.split("_")[0] == plan.authority.code.split("_")[0]
        ]
        if not partners:
            return
        partner = partners[0]
        consent = case.batch.add(
            "consent",
            client_id=case.client["id"],
            purpose=f"Austausch mit {partner.name} im Rahmen des Case Managements",
            data_categories="Stammdaten, Aufenthaltsstatus, Bedarfe, Ziele und Maßnahmen",
            given_on=start,
            form="written",
            valid_until=self.today + timedelta(days=r.randint(60, 365)),  # still valid
        )
        case.batch.link(consent_authority, consent_id=consent["id"], authority_id=partner.id)
        case.batch.add(
            "case_share",
            case_id=case.id,
            owner_authority_id=plan.authority.id,
            authority_id=partner.id,
            consent_id=consent["id"],
            access=_weighted(r, {"read": 70, "write": 30}),
            granted_by_id=worker.id,
            granted_on=start,
        )

    # -- contacts, conferences, evaluation --------------------------------------------

    def _activities(self, case, profile, plan, state, start, end, r) -> list[dict]:
        low, high = {
            "intake": (1, 2),
            "planning": (2, 4),
            "active": (3, 9),
            "on_hold": (3, 7),
            "evaluation": (5, 12),
            "closed": (5, 14),
            "declined": (1, 2),
        }[state]
        count = r.randint(low, high)
        days = sorted(_between(r, start, end) for _ in range(count - 1))
        counselling = plan.authority.kind == "integration_office"
        activities = []
        for number, occurred_on in enumerate([start, *days]):
            kind = (
                "meeting"
                if number == 0
                else _weighted(
                    r,
                    {
                        "meeting": 40,
                        "phone": 25,
                        "email": 10,
                        "video": 5,
                        "letter": 5,
                        "home_visit": 5,
                        "accompaniment": 10,
                    },
                )
            )
            low_m, high_m = ACTIVITY_MINUTES[kind]
            duration = 5 * r.randint(low_m // 5, high_m // 5)
            spoken = kind in ("meeting", "phone", "video", "home_visit", "accompaniment")
            confidential = counselling and number > 0 and r.random() < 0.12
            summary = (
                "Erstgespräch: Anliegen, Unterlagen und Lebenssituation aufgenommen."
                if number == 0
                else r.choice(
                    texts.CONFIDENTIAL_SUMMARIES if confidential else texts.ACTIVITY_SUMMARIES[kind]
                )
            )
            activities.append(
                case.batch.add(
                    "activity",
                    case_id=case.id,
                    occurred_on=occurred_on,
                    kind=kind,
                    duration_minutes=duration,
                    interpreter_used=bool(profile.interpreter and spoken and r.random() < 0.7),
                    summary=summary,
                    confidential=confidential,
                )
            )
        return activities

    def _conference(self, case, sent, end, r) -> None:
        agencies = self._agencies_of(sent)
        first = min(ref["sent_on"] for ref in sent)
        conference = case.batch.add(
            "case_conference",
            case_id=case.id,
            held_on=_between(r, first, end),
            participants_note="Klient:in, Fallmanagement, "
            + ", ".join(self.refs.agency_names[a] for a in agencies),
            results=r.choice(texts.CONFERENCE_TEXTS["results"]),
            agreed_actions=r.choice(texts.CONFERENCE_TEXTS["agreed_actions"]),
        )
        for agency_id in agencies:
            case.batch.link(
                case_conference_agency, case_conference_id=conference["id"], agency_id=agency_id
            )

    def _evaluation(self, case, goals, activities, evaluated_on, closure_code, r) -> None:
        scores = {"achieved": 5, "partly_achieved": 3, "not_achieved": 1, "dropped": 2}
        values = [scores.get(goal["status"], 3) for goal, _ in goals] or [3]
        success = max(1, min(5, round(sum(values) / len(values))))
        jointly = closure_code not in ("moved_away", "no_contact")
        satisfaction = None
        if jointly and r.random() < 0.9:
            satisfaction = max(1, min(5, success + r.choice((-1, 0, 0, 1))))
        effort = sum(a["duration_minutes"] for a in activities)
        expected = 180 * max(1, len(goals))
        assessment = (
            "lower"
            if effort < 0.7 * expected
            else "higher"
            if effort > 1.4 * expected
            else "as_expected"
        )
        case.batch.add(
            "evaluation",
            case_id=case.id,
            evaluated_on=evaluated_on,
            jointly_with_client=jointly,
            effort_minutes=effort,
            effort_assessment=assessment,
            success_rating=success,
            client_satisfaction=satisfaction,
            client_view=r.choice(texts.EVALUATION_TEXTS["client_view"]) if jointly else None,
            caseworker_view=r.choice(texts.EVALUATION_TEXTS["caseworker_view"]),
            lessons=r.choice(texts.EVALUATION_TEXTS["lessons"]),
        )

    def _tick_checklist(self, case, r, worker) -> None:
        share = TICKED_SHARE[case.status]
        # The general process first, then by need area, each in the order of its template.
        items = sorted(
            case.items,
            key=lambda i: (i["need_area_id"] is not None, i["need_area_id"] or 0, i["position"]),
        )
        groups: dict = {}
        for item in items:
            groups.setdefault(item["need_area_id"], []).append(item)
        end = case.closed_on or self.today
        for group in groups.values():
            for item in group[: math.ceil(share * len(group))]:
                day = _between(r, case.intake_on or case.opened_on, end)
                moment = time(r.randint(8, 16), r.choice((0, 15, 30, 45)), tzinfo=LOCAL_TZ)
                item["done_at"] = datetime.combine(day, moment)
                item["done_by_id"] = worker.id

    def _issue(self, case, r, number: int, batch: _Batch) -> None:
        code, title, description = texts.STRUCTURAL_ISSUES[number]
        status = _weighted(
            r,
            {
                "reported": 35,
                "in_discussion": 25,
                "measure_agreed": 20,
                "resolved": 10,
                "rejected": 10,
            },
        )
        batch.add(
            "structural_issue",
            need_area_id=self.refs.need_areas.get(code),
            case_id=case.id if r.random() < 0.6 else None,
            title=title,
            description=description,
            reported_on=_between(r, case.intake_on or case.opened_on, case.closed_on or self.today),
            status=status,
            steering_note=texts.ISSUE_STEERING_NOTES.get(status),
        )
        batch.issues += 1


def generate_demo(
    cases: int = DEFAULT_CASES,
    seed: int = DEFAULT_SEED,
    *,
    reference_date: date = DEMO_REFERENCE_DATE,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    ahead: str | None = None,
    bulk: bool | None = None,
) -> DemoSummary:
    """Create ``cases`` demo cases.

    Needs the reference data (``flask seed reference``) and an explicit scope around it
    (``unscoped(...)``); each row is authored by its case's caseworker. ``progress`` is
    called with (cases written, cases in all) after each batch (``terminal_progress`` gives a
    progress bar).

    Transactions: a single batch is written in the caller's transaction. With more, each
    batch is committed (what the caller has pending goes with the first), so a failure keeps
    the batches before; from ``BULK_CASES`` cases (or with ``bulk=True``) the whole run is
    one transaction instead, with the secondary indexes (and on PostgreSQL the foreign keys)
    built again at its end (``_write_in_one_transaction``), and the caller's pending work is
    committed with it.

    ``ahead`` says where the batches are generated while one is written: ``"process"``
    (``GENERATORS`` forked processes: the default on Linux when no other thread runs),
    ``"thread"`` (a helper thread: the default elsewhere) or ``"off"``. Neither it nor
    ``batch_size`` nor ``bulk`` changes the data: the same seed gives the same rows.
    """
    if cases < 1:
        raise DemoError("Die Anzahl der Fälle muss mindestens 1 sein.")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    return DemoGenerator(cases, seed, reference_date).run(batch_size, progress, ahead, bulk)
