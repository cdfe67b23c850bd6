"""The demo generator: which cases there are, who works on them, and each case built."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from models import User, db
from models.types import LOCAL_TZ
from services.due import CLOSED_STATUSES

from ..bulk import Batch, BulkLoadError, ahead_mode, load
from . import texts
from .casework import CaseworkParts
from .clients import ClientParts
from .common import (
    AUTHORITY_WEIGHTS,
    BULK_CASES,
    CASES_PER_CASEWORKER,
    EARLY_CLOSURES,
    EXISTING_ACCOUNT_SHARE,
    GOAL_STATES,
    LOAD,
    STATE_PROFILES,
    STATES,
    DemoCase,
    DemoError,
    DemoSummary,
    Plan,
    _ascii,
    _between,
    _Names,
    _Random,
    _spread,
    _weighted,
)
from .refs import _Refs


class DemoGenerator(ClientParts, CaseworkParts):
    """The demo content: ``cases`` cases drawn from ``seed`` as of ``reference_date``."""

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
        states = _spread(STATES, [p.weight for p in STATE_PROFILES.values()], self.n, r)
        weights = [AUTHORITY_WEIGHTS.get(a.code, 10) for a in authorities]
        owners = _spread(authorities, weights, self.n, r)
        plans = []
        for i, (state, authority) in enumerate(zip(states, owners, strict=True)):
            opened_on = self.today - timedelta(days=r.randint(*STATE_PROFILES[state].age))
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
        mode = ahead_mode(ahead)  # before any helper thread or connection of ours exists
        plans = self.plan(refs.authorities)
        self.pools = self.staff(refs.authorities, plans)
        self.summary.authorities = len({p.authority.id for p in plans})
        slots = self.issue_slots(len(plans))
        self.refs = refs

        def build(position: int, batch: Batch) -> None:
            self.build(plans[position], slots.get(position), batch)

        def written(tally: Counter) -> None:
            self.summary.cases += tally["cases"]
            self.summary.issues += tally["issues"]
            self.summary.by_status.update(
                {key[1]: n for key, n in tally.items() if isinstance(key, tuple)}
            )
            if progress:
                progress(self.summary.cases, len(plans))

        try:
            # With ``bulk``, one transaction, the staff accounts above included.
            load(
                LOAD,
                len(plans),
                build,
                batch_size=batch_size,
                ahead_in=mode,
                bulk=len(plans) >= BULK_CASES if bulk is None else bulk,
                written=written,
            )
        except BulkLoadError as exc:
            raise DemoError(str(exc)) from exc
        return self.summary

    # -- one case ----------------------------------------------------------------------

    def build(self, plan: Plan, issue: int | None, batch: Batch) -> None:
        r = _Random(plan.seed)
        worker = r.choice(self.pools[plan.authority.id])
        # What every row of the case carries: its authority and its author.
        batch.own(
            authority_id=plan.authority.id,
            created_by_id=worker.id,
            updated_by_id=worker.id,
            created_at=batch.now,
            updated_at=batch.now,
        )
        batch.tally["cases"] += 1
        batch.tally["status", plan.state] += 1
        case = self._build(plan, r, worker, batch)
        if issue is not None:
            self._issue(case, r, issue, batch)
        self._tick_checklist(case, r, worker)

    def _build(self, plan: Plan, r: random.Random, worker, batch: Batch) -> DemoCase:
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
        case = DemoCase(row, client, batch)
        self._copy_checklist(case, None)  # open_case: the general process
        self._household(case, profile, r)

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
            need = case.add("need", need_area_id=area_id, priority=priority)
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
        if state in CLOSED_STATUSES:
            code = closure_code if state == "closed" else "no_case_management_need"
            row["closed_on"] = closed_on
            row["closure_reason_id"] = refs.closure_reasons.get(code) or next(
                iter(refs.closure_reasons.values()), None
            )
            row["closure_note"] = texts.CLOSURE_NOTES.get(code)
        return case

    def _copy_checklist(self, case: DemoCase, need_area_id: int | None) -> None:
        """As ``services.cases.copy_checklist`` does, from the values it copies
        (``services.cases.checklist_copies``)."""
        for values in self.refs.checklists.get(need_area_id, ()):
            case.items.append(case.add("case_checklist_item", **values))

    def _tick_checklist(self, case, r, worker) -> None:
        share = STATE_PROFILES[case.status].ticked
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

    def _issue(self, case, r, number: int, batch: Batch) -> None:
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
        batch.tally["issues"] += 1
