"""In Chromium: a team lead opens the dashboard and the steering report; the charts are drawn
from the JSON blocks by the vendored Chart.js, and the console shows no error and no CSP
violation. Same live-server and Chromium setup as ``tests/test_browser.py``."""

import pytest

from models import db
from models.scoping import unscoped
from services import statistics as stats
from tests import statistics_data as data
from tests.browser_support import (
    PageProblems,
    artifacts_on_failure,
    pass_second_factor,
    serve,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DASHBOARD_CHARTS = {
    "team-open-status",
    "team-months",
    "team-need-areas",
    "team-caseload",
    "team-goals",
    "team-referrals",
    "issues",
}

# Per canvas: drawn by Chart.js, and not blank (some pixel is not transparent).
CANVAS_STATE = """
() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((canvas) => {
  const chart = window.Chart && window.Chart.getChart(canvas);
  const { width, height } = canvas;
  const context = canvas.getContext("2d");
  const pixels = width && height ? context.getImageData(0, 0, width, height).data : [];
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted += 1; } }
  return {
    id: canvas.id.replace(/-chart$/, ""),
    drawn: canvas.getAttribute("data-chart-drawn") === "true",
    chart: Boolean(chart),
    data: chart ? chart.data.datasets.map((d) => d.data) : null,
    painted: painted,
    width: width,
    height: height,
    label: canvas.getAttribute("aria-label"),
  };
})
"""


@pytest.fixture
def live_server(app, world, database_url, monkeypatch):
    monkeypatch.setattr(stats, "today", lambda: data.TODAY)
    with app.app_context(), unscoped("test arrangement"):
        data.build(world)
        db.session.commit()
    with serve(database_url) as server:
        yield server


def canvases(page) -> dict:
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".every((c) => c.getAttribute('data-chart-drawn') === 'true')"
    )
    return {state["id"]: state for state in page.evaluate(CANVAS_STATE)}


def test_team_lead_dashboard_draws_its_charts_without_errors(page, live_server, world, request):
    problems = PageProblems()
    problems.watch(page)
    base = live_server.url
    with artifacts_on_failure(page, request.node.name):
        response = page.goto(f"{base}/login")
        assert response.ok
        page.fill("input[name=email]", world.emails["team_lead"])
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        pass_second_factor(page, world.emails["team_lead"])

        response = page.goto(f"{base}/admin/")
        assert response.ok, response.status
        csp = response.headers["content-security-policy"]
        assert "script-src 'self' 'nonce-" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        charts = canvases(page)
        assert set(charts) == DASHBOARD_CHARTS
        for chart_id, state in charts.items():
            assert state["chart"], chart_id
            assert state["width"] > 0, state
            assert state["height"] > 0, state
            assert state["painted"] > 100, f"{chart_id} is blank"
            assert state["label"].startswith("Diagramm: "), state
            # The accessible alternative: a visible table with the same numbers.
            assert page.locator(f"table#{chart_id}").is_visible(), chart_id
        # The chart's numbers are the table's (open cases of A by status, as in
        # tests/test_dashboard.py).
        assert charts["team-open-status"]["data"] == [[1, 1, 2, 1, 1]]
        assert charts["team-goals"]["data"] == [[3, 1, 1, 1]]
        # Data reach Chart.js in JSON blocks, never in an executable inline script.
        inline = page.evaluate(
            "() => Array.from(document.scripts).filter((s) => !s.src"
            " && s.type !== 'application/json').length"
        )
        assert inline == 0
        problems.collect_from(page)

        response = page.goto(f"{base}/admin/report/")
        assert response.ok, response.status
        report = canvases(page)
        assert set(report) == {"report-areas"}
        assert report["report-areas"]["painted"] > 100
        page.goto(f"{base}/admin/report/?authority=all")
        assert page.locator("table#report-areas").is_visible()
        assert page.locator("canvas").count() == 0  # no chart of withheld cells
        problems.collect_from(page)

    assert not problems, "the browser reported problems:\n" + problems.report()
