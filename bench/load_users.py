"""bench/load.py: the simulated staff of four authorities (locust users), and the leak checker.

Each simulated user logs in with an account of its own that ``bench/load.py`` prepared
(``POOL``), and works only its own rows, so that every save should succeed: a save answered
with the form again counts as a failed save, one refused as a version conflict is counted
apart. Weights follow an office day: mostly lists and case files, some saves.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict, deque
from datetime import date

from locust import HttpUser, between, task

from bench.load_forms import (
    CONFLICT,
    MARKER,
    PASSWORD,
    SEARCH_TERMS,
    Account,
    Tally,
    checklist_items,
    csrf_token,
    ids_linked,
    marker_findings,
    model_form,
    moved_to_planning,
    need_area_offered,
    path,
    record_id,
)

# Filled by bench/load.py before the run: accounts per role, taken one per simulated user.
POOL: dict[str, deque[Account]] = defaultdict(deque)
TALLY = Tally()


class LotseUser(HttpUser):
    """A logged-in member of staff; ``role`` picks the account from ``POOL``."""

    abstract = True
    role = ""
    wait_time = between(1, 4)

    def on_start(self):
        self.account = POOL[self.role].popleft()
        self.login()

    # -- helpers ---------------------------------------------------------------------------------

    def page(self, name: str, url: str | None = None) -> str:
        """GET a page that must answer 200; its text, or "" after a recorded failure."""
        with self.client.get(
            url or path(name), name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
                return ""
            return response.text

    def post(self, name: str, url: str, data, expect=(302, 303)):
        with self.client.post(
            url, data=data, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code not in expect:
                response.failure(f"answered {response.status_code}")
            return response

    def login(self) -> None:
        html = self.page("login")
        form = {
            "email": self.account.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(html) or "",
        }
        response = self.post("login", "/login", form, expect=(302,))
        location = response.headers.get("Location", "")
        if "/login/code" in location or 'name="code"' in response.text:
            self.second_factor(location or "/login")
        elif response.status_code != 302 or "/login" in location:
            TALLY.error(f"login of {self.account.email} failed: {response.status_code}")
            raise RuntimeError(f"login of {self.account.email} failed")

    def second_factor(self, location: str) -> None:
        """The code step of a login, for an installation that asks for one (TOTP)."""
        if not self.account.totp_secret:
            TALLY.error(f"login of {self.account.email} asks for a code; no TOTP secret known")
            raise RuntimeError("second factor without a secret")
        import pyotp

        html = self.page("login code", location)
        form = {"code": pyotp.TOTP(self.account.totp_secret).now(), "csrf_token": csrf_token(html)}
        response = self.post("login code", location, form, expect=(302,))
        if "/login" in response.headers.get("Location", "/login"):
            TALLY.error(f"code step of {self.account.email} failed")
            raise RuntimeError("second factor refused")

    def search(self, list_name: str, search_name: str, term: str) -> str:
        """Search a list through its search form (POST, kept in the session), then show it."""
        html = self.page(list_name)
        token = csrf_token(html)
        if token is None:
            return ""
        self.post(search_name, path(search_name), {"search": term, "csrf_token": token})
        return self.page(list_name)

    def save(self, name: str, url: str, **changes) -> bool:
        """Open a record's form and save it with ``changes``; tallies the outcome."""
        html = self.page(name, url)
        form = model_form(html) if html else None
        if form is None:
            TALLY.add("failed_saves")
            TALLY.error(f"{name}: no form on {url}")
            return False
        with self.client.post(
            url, data=form.values(**changes), name=name, catch_response=True, allow_redirects=False
        ) as response:
            TALLY.add("saves")
            if response.status_code in (302, 303):
                return True
            if response.status_code == 200 and CONFLICT in response.text:
                TALLY.add("conflicts")
                response.success()
                return False
            TALLY.add("failed_saves")
            TALLY.error(f"{name}: save of {url} answered {response.status_code}")
            response.failure(f"save answered {response.status_code}")
            return False


class Caseworker(LotseUser):
    role = "caseworker"

    @task(10)
    def case_list(self):
        html = self.page("case list")
        self.seen_cases = ids_linked(html, "/admin/case/details/") or [self.account.case_id]

    @task(3)
    def case_search(self):
        self.search("case list", "case search", random.choice(SEARCH_TERMS))
        self.search("case list", "case search", "")

    @task(4)
    def client_list(self):
        self.page("client list")

    @task(3)
    def client_search(self):
        self.search("client list", "client search", random.choice(SEARCH_TERMS))

    @task(8)
    def case_file(self):
        seen = getattr(self, "seen_cases", None) or [self.account.case_id]
        self.page("case file", path("case file", random.choice([self.account.case_id, *seen])))

    @task(3)
    def followups(self):
        self.page("follow-ups")

    @task(2)
    def dashboard(self):
        self.page("dashboard")

    @task(3)
    def edit_goal(self):
        stamp = f"Ziel der Lastprobe, gespeichert um {random.randrange(10**6)}"
        self.save("goal edit", path("goal edit", self.account.goal_id), description=stamp)

    @task(2)
    def edit_activity(self):
        minutes = str(random.randrange(5, 120))
        self.save(
            "activity edit",
            path("activity edit", self.account.activity_id),
            duration_minutes=minutes,
        )

    @task(3)
    def tick_checklist(self):
        url = path("checklist", self.account.case_id)
        html = self.page("checklist", url)
        items = checklist_items(html)
        if not items:
            TALLY.add("failed_saves")
            TALLY.error(f"checklist of case {self.account.case_id} shows no item to tick")
            return
        item, version, done = random.choice(items)
        TALLY.add("saves")
        form = {"item": item, "version": version, "done": done, "csrf_token": csrf_token(html)}
        response = self.post("checklist tick", url, form)
        if response.status_code not in (302, 303):
            TALLY.add("failed_saves")
            TALLY.error(f"checklist tick on case {self.account.case_id}: {response.status_code}")

    @task(1)
    def new_case_to_planning(self):
        """Open a case for the own client, record a need, move it from intake to planning."""
        html = self.page("case new")
        form = model_form(html)
        if form is None:
            TALLY.add("failed_saves")
            TALLY.error("case form not shown")
            return
        today = date.today().strftime("%d.%m.%Y")
        data = form.values(
            client=str(self.account.client_id),
            caseworker=str(self.account.user_id),
            opened_on=today,
            intake_on=today,
            intake_summary="Erstgespräch der Lastprobe",
            _continue_editing="1",
        )
        TALLY.add("saves")
        response = self.post("case new", path("case new"), data)
        case_id = record_id(response.headers.get("Location", ""))
        if response.status_code not in (302, 303) or case_id is None:
            TALLY.add("failed_saves")
            TALLY.error(f"new case answered {response.status_code}")
            return
        html = self.page("case file", path("case file", case_id))
        area = need_area_offered(html)
        if area is None:
            TALLY.add("failed_saves")
            TALLY.error(f"case file {case_id} offers no need area")
            return
        token = csrf_token(html)
        TALLY.add("saves", 2)
        self.post(
            "case needs",
            path("case needs", case_id),
            {"need_area": area, "csrf_token": token},
        )
        response = self.post(
            "case transition",
            path("case transition", case_id),
            {"to": "planning", "csrf_token": token},
        )
        html = self.page("case file", path("case file", case_id))
        if response.status_code not in (302, 303) or not moved_to_planning(html):
            TALLY.add("failed_saves")
            TALLY.error(f"case {case_id} did not move to planning")


class TeamLead(LotseUser):
    role = "team_lead"

    def on_start(self):
        super().on_start()
        html = self.page("case list")
        # The presets of the menu: case lists with the team lead's named filters.
        self.filtered = sorted(set(re.findall(r'href="(/admin/case/\?[^"]*flt[^"]*)"', html)))
        self.filtered = [u.replace("&amp;", "&") for u in self.filtered]

    @task(6)
    def case_list_filtered(self):
        if self.filtered:
            self.page("case list, filtered", random.choice(self.filtered))
        else:
            self.page("case list")

    @task(4)
    def case_list(self):
        self.page("case list")

    @task(3)
    def case_file(self):
        ids = ids_linked(self.page("case list"), "/admin/case/details/")
        if ids:
            self.page("case file", path("case file", random.choice(ids)))

    @task(4)
    def dashboard(self):
        self.page("dashboard")

    @task(2)
    def followups(self):
        self.page("follow-ups")

    @task(2)
    def report(self):
        self.page("report")

    @task(1)
    def referrals(self):
        self.page("referral list")

    @task(1)
    def export_csv(self):
        with self.client.get(
            path("case export csv"), name="case export csv", catch_response=True
        ) as response:
            if response.status_code != 200 or "csv" not in response.headers.get("Content-Type", ""):
                response.failure(f"export answered {response.status_code}")


class Auditor(LotseUser):
    role = "auditor"

    @task(5)
    def audit_list(self):
        self.page("audit list")

    @task(1)
    def user_list(self):
        self.page("user list")


class ItAdmin(LotseUser):
    role = "it_admin"

    @task(3)
    def users(self):
        self.page("user list")

    @task(2)
    def need_areas(self):
        self.page("need area list")

    @task(1)
    def agencies(self):
        self.page("agency list")

    @task(1)
    def checklist_templates(self):
        self.page("checklist templates")


class LeakChecker(LotseUser):
    """One per authority: every few seconds it searches the client and the case list for
    ``MARKER-`` and asserts that it sees its own authority's marker and no other."""

    role = "checker"
    wait_time = between(2, 4)

    def check(self, where: str, html: str) -> None:
        if not html:
            return
        TALLY.add("leak_checks")
        own, leaked = marker_findings(html, self.account.authority, self.account.markers)
        if not own:
            TALLY.add("checker_misses")
            TALLY.error(f"{self.account.authority}: own marker missing from {where}")
        for marker in leaked:
            TALLY.add("leaks")
            TALLY.error(f"LEAK: {self.account.authority} sees {marker} in {where}")

    @task
    def markers(self):
        self.check("client list", self.search("client list", "client search", MARKER))
        self.check("case list", self.search("case list", "case search", MARKER))


USER_CLASSES = (Caseworker, TeamLead, Auditor, ItAdmin, LeakChecker)
