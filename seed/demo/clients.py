"""The demo's clients: who they are, where they live, their household."""

from __future__ import annotations

import random
from datetime import date, timedelta
from types import SimpleNamespace

from ..bulk import Batch
from . import texts
from .common import (
    PERMANENT_STATUSES,
    PROTECTION_STATUSES,
    SHORT_STATUSES,
    UKRAINE_WAR,
    DemoCase,
    Plan,
    Profile,
    _ascii,
    _gendered,
    _weighted,
)


class ClientParts:
    """The part of ``DemoGenerator`` that makes up a case's client and household."""

    def _client(self, plan: Plan, r: random.Random, batch: Batch) -> tuple[dict, Profile]:
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
        words = {
            "country": texts.COUNTRY_NAMES[nationality],
            "profession": r.choice(texts.PROFESSIONS),
        }
        profile = Profile(client, name_gender, age, minor, status, words)
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

    def _household(self, case: DemoCase, profile: Profile, r: random.Random) -> None:
        client = case.client
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
            birth_date = min(
                client["birth_date"] + timedelta(days=r.randint(-2500, 2500)),
                self.today - timedelta(days=365 * 19),
            )
            _member(case, "spouse", family, given, birth_date, abroad=spouse_abroad)
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
                birth_date = self.today - timedelta(days=age * 365 + r.randint(0, 364))
                _member(
                    case,
                    "child",
                    family,
                    given,
                    birth_date,
                    abroad=abroad,
                    needs_childcare_or_school=needs,
                )
        if refugee and r.random() < 0.06:
            gender = r.choice(("female", "male"))
            family = _gendered(profile.family, nationality, gender)
            given = self.names.given(nationality, gender, r)
            birth_date = client["birth_date"] - timedelta(days=r.randint(7300, 12000))
            _member(case, "parent", family, given, birth_date, abroad=True)
        profile.spouse_abroad = spouse_abroad


def _member(case: DemoCase, relation, family, given, birth_date, *, abroad, **values) -> None:
    """A member of the client's household: living with them, or abroad in their country."""
    case.add_for_client(
        "household_member",
        relation=relation,
        family_name=family,
        given_names=given,
        birth_date=birth_date,
        lives="abroad" if abroad else "same_household",
        country=case.client["nationality"] if abroad else None,
        **values,
    )
