"""The demo content's constants, its summary and plan, and small helpers."""

from __future__ import annotations

import importlib
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import Table

import models
from models.case import case_conference_agency
from models.choices import CASE_STATUS
from models.client import consent_agency, consent_authority

from ..bulk import Batch, Tables
from . import texts

DEMO_REFERENCE_DATE = date(2026, 11, 2)
DEFAULT_CASES = 30
DEFAULT_SEED = 42
BATCH_SIZE = 2000
BULK_CASES = 5000  # from this many cases: one transaction, keys or indexes built at its end


class DemoCase:
    """A case as its parts see it while the demo builds it: its row and its client's, the
    batch they go into, and its checklist items, which are ticked at the end."""

    def __init__(self, row: dict, client: dict, batch: Batch):
        self.row = row
        self.client = client
        self.batch = batch
        self.items: list[dict] = []

    def __getattr__(self, column: str):
        """The case's own columns (``id``, ``status``, ``opened_on``, …) from its row."""
        try:
            return self.__dict__["row"][column]
        except KeyError:
            raise AttributeError(column) from None

    def add(self, table: str, **values) -> dict:
        """A row of one of the case's parts, which names the case."""
        return self.batch.add(table, case_id=self.row["id"], **values)

    def add_for_client(self, table: str, **values) -> dict:
        """A row of the client's (a household member, a consent), which names the client."""
        return self.batch.add(table, client_id=self.client["id"], **values)


class Profile:
    """Who a demo client is beyond the client's row: what their household, needs and case
    texts are drawn from. ``gender`` is the one their names were drawn for."""

    def __init__(self, client: dict, gender: str, age: int, minor: bool, status: str, words):
        self.client = client
        self.gender = gender
        self.age = age
        self.minor = minor
        self.status = status  # the residence status's code
        self.words = words  # for the case texts' placeholders
        self.spouse: SimpleNamespace | None = None
        self.spouse_abroad = False
        self.children: list[SimpleNamespace] = []

    # What the client's row says: attribute → column.
    _FROM_ROW = {
        "nationality": "nationality",
        "languages": "languages",
        "interpreter": "interpreter_language",
        "family": "family_name",
    }

    def __getattr__(self, name: str):
        if name not in Profile._FROM_ROW:
            raise AttributeError(name)
        return self.client[Profile._FROM_ROW[name]]

    @property
    def given(self) -> str:
        """The first given name."""
        return self.client["given_names"].split()[0]


class StateProfile(NamedTuple):
    """What a demo case in one state is like."""

    weight: int  # its share of the cases
    age: tuple[int, int]  # how long ago (in days) it was opened, at least and at most
    contacts: tuple[int, int]  # how many contacts it has had, at least and at most
    ticked: float  # the share of its checklist that is done


STATE_PROFILES = {
    "intake": StateProfile(10, (1, 21), (1, 2), 0.25),
    "planning": StateProfile(12, (12, 60), (2, 4), 0.5),
    "active": StateProfile(32, (45, 420), (3, 9), 0.65),
    "on_hold": StateProfile(7, (75, 420), (3, 7), 0.6),
    "evaluation": StateProfile(9, (160, 480), (5, 12), 0.85),
    "closed": StateProfile(24, (200, 700), (5, 14), 1.0),
    "declined": StateProfile(6, (10, 400), (1, 2), 0.25),
}
STATES = tuple(STATE_PROFILES)
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

# The tables the generator writes, parents before their parts (the order of the inserts).
TABLES: tuple[Table, ...] = (
    models.Client.__table__,
    models.Case.__table__,
    models.HouseholdMember.__table__,
    models.Consent.__table__,
    consent_agency,
    consent_authority,
    models.Need.__table__,
    models.Goal.__table__,
    models.Measure.__table__,
    models.Referral.__table__,
    models.CaseShare.__table__,
    models.Activity.__table__,
    models.CaseConference.__table__,
    case_conference_agency,
    models.CaseChecklistItem.__table__,
    models.Evaluation.__table__,
    models.StructuralIssue.__table__,
)
LOAD = Tables(TABLES)  # the same, as the bulk loader takes them


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
