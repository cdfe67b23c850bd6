"""The demo's casework: needs, goals, measures, referrals, consents, shares, contacts,
conferences and evaluations."""

from __future__ import annotations

import random
from datetime import timedelta

from models.case import case_conference_agency
from models.client import consent_agency, consent_authority

from . import texts
from .common import (
    ACTIVITY_MINUTES,
    EARLY_CLOSURES,
    FINAL_STATES,
    PERMANENT_STATUSES,
    SHORT_STATUSES,
    STATE_PROFILES,
    Profile,
    _between,
    _weighted,
)


class CaseworkParts:
    """The part of ``DemoGenerator`` that fills a case with its work."""

    def _needs(self, profile: Profile, state: str, r: random.Random) -> list:
        chosen: dict[str, str] = {}

        def add(code: str, priority: str) -> None:
            if code in self.refs.need_areas and code not in chosen:
                chosen[code] = priority

        if profile.spouse_abroad or any(c.abroad for c in profile.children):
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
            goal = case.add(
                "goal",
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
            responsible = self._responsible(agencies, r)
            due_on = _between(r, start + timedelta(days=7), goal["target_date"])
            case.add(
                "measure",
                goal_id=goal["id"],
                measure_type_id=type_id,
                description=type_name,
                **responsible,
                due_on=due_on,
                **self._progress(goal, state, start, min(due_on, activity_end), r),
            )

    @staticmethod
    def _responsible(agencies, r) -> dict:
        """Who carries out a measure: ``responsible``, and the ``agency_id`` if an agency."""
        responsible = _weighted(r, {"client": 25, "case_manager": 30, "agency": 30, "joint": 15})
        if responsible != "agency":
            return {"responsible": responsible, "agency_id": None}
        if not agencies:
            return {"responsible": "case_manager", "agency_id": None}
        return {"responsible": responsible, "agency_id": r.choice(agencies)[0]}

    @staticmethod
    def _progress(goal, state, start, last_day, r) -> dict:
        """How far a measure of ``goal`` got in a case in ``state``: its ``status``, and
        ``done_on``, between ``start`` and ``last_day``, if done."""
        status = "planned"
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
        done_on = _between(r, start, last_day) if status == "done" else None
        return {"status": status, "done_on": done_on}

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
            referral = case.add(
                "referral",
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
        consent = case.add_for_client(
            "consent",
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
        consent = case.add_for_client(
            "consent",
            purpose=f"Austausch mit {partner.name} im Rahmen des Case Managements",
            data_categories="Stammdaten, Aufenthaltsstatus, Bedarfe, Ziele und Maßnahmen",
            given_on=start,
            form="written",
            valid_until=self.today + timedelta(days=r.randint(60, 365)),  # still valid
        )
        case.batch.link(consent_authority, consent_id=consent["id"], authority_id=partner.id)
        case.add(
            "case_share",
            owner_authority_id=plan.authority.id,
            authority_id=partner.id,
            consent_id=consent["id"],
            access=_weighted(r, {"read": 70, "write": 30}),
            granted_by_id=worker.id,
            granted_on=start,
        )

    # -- contacts, conferences, evaluation --------------------------------------------

    def _activities(self, case, profile, plan, state, start, end, r) -> list[dict]:
        count = r.randint(*STATE_PROFILES[state].contacts)
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
                case.add(
                    "activity",
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
        conference = case.add(
            "case_conference",
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
        rating = self._rating(goals, closure_code, r)
        views = texts.EVALUATION_TEXTS
        case.add(
            "evaluation",
            evaluated_on=evaluated_on,
            **rating,
            **self._effort(goals, activities),
            client_view=r.choice(views["client_view"]) if rating["jointly_with_client"] else None,
            caseworker_view=r.choice(views["caseworker_view"]),
            lessons=r.choice(views["lessons"]),
        )

    @staticmethod
    def _rating(goals, closure_code, r) -> dict:
        """The success the goals show, and whether (and how satisfied) the client took part."""
        scores = {"achieved": 5, "partly_achieved": 3, "not_achieved": 1, "dropped": 2}
        values = [scores.get(goal["status"], 3) for goal, _ in goals] or [3]
        success = max(1, min(5, round(sum(values) / len(values))))
        jointly = closure_code not in ("moved_away", "no_contact")
        satisfaction = None
        if jointly and r.random() < 0.9:
            satisfaction = max(1, min(5, success + r.choice((-1, 0, 0, 1))))
        return {
            "success_rating": success,
            "jointly_with_client": jointly,
            "client_satisfaction": satisfaction,
        }

    @staticmethod
    def _effort(goals, activities) -> dict:
        """The contacts' minutes, and how they compare with what the goals lead one to expect."""
        effort = sum(a["duration_minutes"] for a in activities)
        expected = 180 * max(1, len(goals))
        if effort < 0.7 * expected:
            assessment = "lower"
        elif effort > 1.4 * expected:
            assessment = "higher"
        else:
            assessment = "as_expected"
        return {"effort_minutes": effort, "effort_assessment": assessment}
