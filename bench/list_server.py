"""bench/lists.py: Lotse under gunicorn, a cookie-keeping HTTP client, and the timing of a page
and of its floor."""

from __future__ import annotations

import http.client
import io
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

# Imported by bench/lists.py, which puts the project on sys.path first.
from bench.list_floors import Floor
from bench.region import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

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

    def csrf_token(self, path: str) -> str:
        status, _headers, data, _ms = self.get(path)
        assert status == 200, f"GET {path} answered {status}"
        html = data.decode()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html
        )
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def search(self, list_path: str, term: str) -> None:
        """Search a list as its search form does (POST, kept in the session); "" clears."""
        form = {"search": term, "csrf_token": self.csrf_token(list_path)}
        status, headers, _data, _ms = self.request("POST", f"{list_path}search/", form)
        if status != 303:
            raise RuntimeError(f"search on {list_path} answered {status}")

    def login(self, email: str, code: str) -> None:
        """The password, then the second factor's ``code`` (bench/second_factor.py)."""
        form = {"email": email, "password": PASSWORD, "csrf_token": self.csrf_token("/login")}
        status, headers, _data, _ms = self.request("POST", "/login", form)
        location = headers.get("Location", "")
        if status != 302 or location != "/login/code":
            raise RuntimeError(f"login of {email} failed: {status} {location}")
        form = {"code": code, "csrf_token": self.csrf_token("/login/code")}
        status, headers, _data, _ms = self.request("POST", "/login/code", form)
        location = headers.get("Location", "")
        if status != 302 or "/login" in location:
            raise RuntimeError(f"second factor of {email} failed: {status} {location}")


# Requests per worker (and runs of the floor) before a page is timed.
WARM_UP = 8


def application_role(app, url: str, role: str) -> str:
    """The URL of the login role ``role`` on ``url``'s database (created if missing: no
    superuser, no BYPASSRLS), given the application's rights as ``flask db grant-app`` gives
    them, so that the workers run under PostgreSQL's row-level security as in production."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from services.migrate import grant_application_role

    parsed = make_url(url)
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        if found.first() is None:
            connection.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
    engine.dispose()
    with app.app_context():
        grant_application_role(role)
    return parsed.set(username=role).render_as_string(hide_password=False)


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
            # The same key as bench/region.py's app, which encrypts the second factor.
            "SECRET_KEY": "benchmark-secret-key",
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
    # Then as a worker that has served the page for a while: psycopg prepares a statement
    # on its second execution, and PostgreSQL settles on a plan after five.
    for _ in range(WARM_UP - 1):
        on_both_workers()
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
    for _ in range(WARM_UP):  # the same warm-up as the page's, on one connection
        results = run_floor(connection, floor)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        results = run_floor(connection, floor)
        times.append((time.perf_counter() - started) * 1000)
    return Timing(statistics.median(times), percentile(times, 0.95)), results
