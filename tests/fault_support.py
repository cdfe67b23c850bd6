"""Helpers for the fault tests: a PostgreSQL cluster of the test's own, a disk that turns
read-only, logged-in HTTP sessions, and the checks that nothing was half-written.

The cluster lives in a temporary folder (``initdb``, ``pg_ctl``), never the machine's
shared server, so the tests may stop it hard. PostgreSQL refuses to run as root; run as
root, the tests start it as the ``postgres`` OS user.

The read-only disk is the immutable flag (``chattr +i``) on the SQLite file, its WAL and
its folder: unlike ``chmod``, which neither root nor a file already open notices, the
flag fails every write at once, also on the connections the app holds open. Setting it
needs root (CAP_LINUX_IMMUTABLE) or ``sudo`` and a file system that has the flag (ext4,
xfs, btrfs).
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

HTTP_TIMEOUT = 10  # seconds, for every request a test sends
LEAKS = ("Traceback", "psycopg", "sqlalchemy", "sqlite", "OperationalError", "SELECT", "INSERT")


def unavailable(reason: str):
    """A fault test cannot run here: a failure in CI, a skip elsewhere (as for PostgreSQL)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"fault test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"fault test cannot run here: {reason}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster in a temporary folder, on a free loopback port."""

    def __init__(self):
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                unavailable(f"{tool} is not on PATH (PostgreSQL's server binaries)")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lotse-faults-"))
        self.data = self.folder / "data"
        self._as = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.folder)
                unavailable("run as root, and there is no 'postgres' OS user to run PostgreSQL")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own tools, fixed arguments)
            [*self._as, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    def init(self) -> None:
        self._run(
            shutil.which("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=40"
        )
        log = str(self.folder / "server.log")
        self._run(
            shutil.which("pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self, mode: str) -> None:
        self._run(shutil.which("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("fast")
        shutil.rmtree(self.folder, ignore_errors=True)


# -- a disk that turns read-only -------------------------------------------------------------


def _chattr_command() -> list[str] | None:
    """How this process sets the immutable flag, or None if it cannot."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_text("")
        for prefix in ([], ["sudo", "-n"]):
            if prefix and shutil.which("sudo") is None:
                continue
            command = [*prefix, "chattr"]
            done = subprocess.run(  # noqa: S603 (chattr on a file of our own)
                [*command, "+i", str(probe)], capture_output=True, check=False, timeout=10
            )
            if done.returncode == 0:
                subprocess.run([*command, "-i", str(probe)], check=True, timeout=10)  # noqa: S603
                return command
    return None


class ReadOnlyDisk:
    """The disk under an SQLite database goes read-only and comes back."""

    def __init__(self, database: Path):
        self.command = _chattr_command()
        if self.command is None:
            unavailable("setting the immutable flag (chattr +i) needs root or sudo")
        self.paths = [database.parent, database, Path(f"{database}-wal")]

    def _set(self, flag: str) -> None:
        present = [str(p) for p in self.paths if p.exists()]
        subprocess.run([*self.command, flag, *present], check=True, timeout=10)  # noqa: S603

    def read_only(self) -> None:
        self._set("+i")

    def writable(self) -> None:
        self._set("-i")


# -- HTTP ------------------------------------------------------------------------------------


@dataclass
class Browser:
    """A logged-in ``requests`` session with the CSRF token of its session."""

    base: str
    session: requests.Session
    token: str

    def post(self, path: str, data: dict) -> requests.Response:
        return self.session.post(
            self.base + path,
            data={**data, "csrf_token": self.token},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=HTTP_TIMEOUT)


def login_page_token(base: str, session: requests.Session) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(session.get(f"{base}/login", timeout=HTTP_TIMEOUT).text)


def log_in(base: str, email: str, app) -> Browser:
    """Both steps of the login: the password, then the second factor's code."""
    from tests.conftest import csrf_token_from, http_login

    session = requests.Session()
    response = http_login(session, base, email, app, timeout=HTTP_TIMEOUT)
    assert response.status_code == 302, response.text[:500]
    # The login starts a fresh session, with a CSRF token of its own.
    form = session.get(f"{base}/admin/case/new/", timeout=HTTP_TIMEOUT)
    return Browser(base, session, csrf_token_from(form.text))


def is_unavailable_page(response: requests.Response) -> bool:
    """The German 503 page, with Retry-After and no trace of the error behind it."""
    return (
        response.status_code == 503
        and response.headers.get("Retry-After", "").isdigit()
        and "Die Datenbank ist gerade nicht erreichbar" in response.text
        and not any(leak in response.text for leak in LEAKS)
    )


def describe(response: requests.Response) -> str:
    return f"{response.status_code} {response.request.method} {response.url}: {response.text[:300]}"


# -- writes in flight --------------------------------------------------------------------------


class Writer(threading.Thread):
    """Opens cases and records needs in a loop, and keeps every answer.

    Each answer is a success (302), the 503 page, or something else, which the tests fail on.
    """

    def __init__(self, browser: Browser, client_id: int, cases: list[int], need_areas: list[int]):
        super().__init__(daemon=True, name="lotse-fault-writer")
        self.browser = browser
        self.client_id = client_id
        self.cases = cases
        self.need_areas = need_areas
        self.max_requests = 400
        self.answers: list[tuple[float, str, str]] = []
        self.halt = threading.Event()

    def _keep(self, response_or_error) -> None:
        if isinstance(response_or_error, Exception):
            self.answers.append((time.monotonic(), "other", repr(response_or_error)))
        elif response_or_error.status_code == 302:
            self.answers.append((time.monotonic(), "ok", ""))
        elif is_unavailable_page(response_or_error):
            self.answers.append((time.monotonic(), "unavailable", ""))
        else:
            self.answers.append((time.monotonic(), "other", describe(response_or_error)))

    def _send(self, path: str, data: dict) -> None:
        try:
            self._keep(self.browser.post(path, data))
        except requests.RequestException as error:
            self._keep(error)

    def run(self) -> None:
        cases = iter(self.cases)
        for _ in range(self.max_requests // 2):
            if self.halt.is_set():
                return
            new_case = {"client": str(self.client_id), "opened_on": "01.04.2026"}
            self._send("/admin/case/new/", new_case)
            case = next(cases, None)
            if case is not None:
                self._send(f"/admin/case/needs/?id={case}", {"need_area": self.need_areas})

    def count(self, kind: str, since: float = 0.0) -> int:
        return sum(1 for at, answer, _ in self.answers if answer == kind and at >= since)

    def others(self) -> list[str]:
        return [detail for _, answer, detail in self.answers if answer == "other"]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# -- nothing half-written ----------------------------------------------------------------------

# Each statement lists what would be a partial write; every list must be empty.
PARTIAL_WRITES = {
    "case without its general checklist": """
        SELECT c.number FROM "case" c
        WHERE (SELECT count(*) FROM case_checklist_item i
               WHERE i.case_id = c.id AND i.need_area_id IS NULL) <> 2""",
    "language need without its checklist item": """
        SELECT n.id FROM need n JOIN need_area a ON a.id = n.need_area_id
        WHERE a.code = 'language' AND (SELECT count(*) FROM case_checklist_item i
               WHERE i.case_id = n.case_id AND i.need_area_id = n.need_area_id) <> 1""",
    "checklist item of a need area the case has no need of": """
        SELECT i.id FROM case_checklist_item i
        WHERE i.need_area_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM need n
            WHERE n.case_id = i.case_id AND n.need_area_id = i.need_area_id)""",
    "row without its audit row": """
        SELECT t.kind, t.id FROM (
            SELECT 'case' AS kind, id FROM "case"
            UNION ALL SELECT 'need', id FROM need
            UNION ALL SELECT 'case_checklist_item', id FROM case_checklist_item) t
        WHERE NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.action = 'create'
                          AND a.object_type = t.kind AND a.object_id = t.id)""",
    "audit row of a row that was never written": """
        SELECT a.object_type, a.object_id FROM audit_event a
        WHERE a.action = 'create' AND (
            (a.object_type = 'case' AND a.object_id NOT IN (SELECT id FROM "case"))
            OR (a.object_type = 'need' AND a.object_id NOT IN (SELECT id FROM need))
            OR (a.object_type = 'case_checklist_item'
                AND a.object_id NOT IN (SELECT id FROM case_checklist_item)))""",
}


def partial_writes(connection) -> dict[str, list]:
    found = {
        name: [tuple(row) for row in connection.execute(text(sql))]
        for name, sql in PARTIAL_WRITES.items()
    }
    numbers = [row[0] for row in connection.execute(text('SELECT number FROM "case"'))]
    if len(numbers) != len(set(numbers)):
        found["case numbers given twice"] = sorted(numbers)
    # Numbers of a rolled-back transaction are handed out again: no gaps either.
    serials = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    if serials != list(range(1, len(serials) + 1)):
        found["case numbers with gaps"] = serials
    return {name: rows for name, rows in found.items() if rows}
