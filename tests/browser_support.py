"""Helpers for the browser tests: a live HTTP server, Chromium, and a record of page problems.

Debian's Chromium (``/usr/bin/chromium``) is driven through Playwright's sync API; Playwright's
own browser downloads are not used. Without a usable Chromium the browser tests are skipped
locally and fail in CI (``CI=true``), as PostgreSQL does (docs/design.md §6).
"""

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

# LOTSE_TEST_CHROMIUM points the tests at another Chromium binary.
CHROMIUM = Path(os.environ.get("LOTSE_TEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
# Starting Chromium is the one step whose time depends on the machine's load (a CI run that
# has just finished the other suite, or the first start after installing it, which builds the
# font cache): it gets a minute and a second try, the pages themselves keep TIMEOUT_MS.
LAUNCH_TIMEOUT_MS = 60_000
LAUNCH_ATTEMPTS = 2
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Registered before any page script runs, on every document; CSP does not apply to it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations = window.__cspViolations || [];
  const v = {
    directive: e.effectiveDirective || e.violatedDirective,
    blocked: e.blockedURI,
    source: e.sourceFile,
    line: e.lineNumber,
    sample: e.sample,
    element: e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : null,
    document: e.documentURI,
  };
  window.__cspViolations.push(v);
  if (window.__lotseCspViolation) { window.__lotseCspViolation(v); }
});
"""


def unavailable(reason: str):
    """Chromium cannot be used: a failure in CI, a skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser test needs Chromium: {reason}")


class LiveServer:
    """A WSGI app served over real HTTP from a background thread, on a free local port."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lotse-live-server", daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen on a page."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("requestfailed", self._on_request_failed)
        # The binding outlives navigations, so no violation is lost on a page change.
        page.expose_binding("__lotseCspViolation", self._on_csp_violation)
        page.add_init_script(CSP_LISTENER)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        location = message.location or {}
        url, line = location.get("url", "?"), location.get("lineNumber", "?")
        self.console_errors.append(f"{url}:{line}: {message.text}")

    def _on_request_failed(self, request) -> None:
        if request.failure == "net::ERR_ABORTED":  # cancelled by a navigation, not an error
            return
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _on_csp_violation(self, source, violation) -> None:
        if violation not in self.csp_violations:
            self.csp_violations.append(violation)

    def collect_from(self, page) -> None:
        """Also read the violations the current document recorded itself."""
        for violation in page.evaluate("window.__cspViolations || []"):
            self._on_csp_violation(None, violation)

    def report(self) -> str:
        lines = []
        for title, items in (
            ("CSP violations", self.csp_violations),
            ("console errors", self.console_errors),
            ("uncaught page errors", self.page_errors),
            ("failed requests", self.failed_requests),
        ):
            lines += [f"{title}:", *(f"  {item}" for item in items)] if items else []
        return "\n".join(lines)

    def __bool__(self) -> bool:
        return bool(
            self.console_errors or self.page_errors or self.csp_violations or self.failed_requests
        )


@contextmanager
def artifacts_on_failure(page, name: str):
    """On any failure inside the block, keep a screenshot and the HTML under test-artifacts/."""
    try:
        yield
    except BaseException:
        save_artifacts(page, name)
        raise


def save_artifacts(page, name: str) -> None:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
        (ARTIFACTS / f"{stem}.html").write_text(page.content(), encoding="utf-8")
    except Exception as error:  # noqa: BLE001 - the original failure matters more
        (ARTIFACTS / f"{stem}.txt").write_text(f"no artifacts: {error}\n", encoding="utf-8")


@contextmanager
def serve(database_url: str):
    """A second app on the test database, with CSRF on, served on a free local port.

    Afterwards its connections are returned, so the tables can be emptied.
    """
    from models import db
    from tests.conftest import make_app

    server_app = make_app(database_url, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    with LiveServer(server_app) as server:
        SERVED[server.url] = server_app
        try:
            yield server
        finally:
            SERVED.pop(server.url, None)
    with server_app.app_context():
        db.session.remove()
        db.engine.dispose()


# The app behind each live server, by its URL, for the second factor's code step.
SERVED: dict = {}


def pass_second_factor(page, email: str) -> None:
    """After the password: the code step, with the test users' authenticator
    (``tests/factories.py`` ``TOTP_SECRET``). Nothing happens on any other page."""
    if "/login/code" not in page.url:
        return
    from tests.conftest import totp_code

    base = next(url for url in SERVED if page.url.startswith(url))
    page.fill("input[name=code]", totp_code(SERVED[base], email))
    with page.expect_navigation():
        page.click("form button[type=submit]")


def launch_chromium():
    """Debian's Chromium through Playwright; a skip outside CI and a failure in CI if it
    cannot start."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e .[dev])")

    @contextmanager
    def running():
        with sync_playwright() as playwright:
            chromium = None
            for attempt in range(1, LAUNCH_ATTEMPTS + 1):
                try:
                    chromium = playwright.chromium.launch(
                        executable_path=str(CHROMIUM), args=LAUNCH_ARGS, timeout=LAUNCH_TIMEOUT_MS
                    )
                    break
                except Error as error:
                    if attempt == LAUNCH_ATTEMPTS:
                        first_line = error.message.splitlines()[0]
                        unavailable(f"{CHROMIUM} does not start ({attempt} attempts): {first_line}")
            try:
                yield chromium
            finally:
                chromium.close()

    return running()


def new_context(browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


# -- accessibility (axe-core) ---------------------------------------------------------------

# WCAG 2.1 A and AA, the level BITV 2.0 requires (docs/design.md §10).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_violations(page, name: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the current page, one line per element.

    Each line names the page, the rule, its impact, the element (CSS target) and axe's
    failure summary, so a failing test says what to fix without a rerun.
    """
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": list(AXE_TAGS)}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(
                f"{name} [{page.url}]: {violation['id']} ({violation['impact']}) "
                f"at {target}: {summary}"
            )
    return lines
