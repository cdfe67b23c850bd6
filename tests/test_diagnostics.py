"""X-Lotse-Statements: the number of SQL statements of a request, for benchmarks only."""

from sqlalchemy import event

from models import db
from models.scoping import unscoped
from services.diagnostics import HEADER
from tests import factories
from tests.conftest import AuthActions, QueryCounter, make_app


def _logged_in(app, email):
    browser = app.test_client()
    response = AuthActions(browser).login(email)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return browser


def test_header_counts_the_statements_of_the_request(database_url, app, world):
    with app.app_context(), unscoped("test arrangement"):
        for i in range(3):
            factories.make_full_case(world, i)
        db.session.commit()
    counting = make_app(database_url, LOTSE_STATEMENT_COUNT_HEADER=True)
    browser = _logged_in(counting, world.emails["team_lead"])
    with counting.app_context():
        engine = db.engine
    assert browser.post("/admin/client/search/", data={"search": "a"}).status_code == 303
    for url in ("/admin/case/", "/admin/client/"):
        counter = QueryCounter()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            response = browser.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert response.status_code == 200
        assert counter.count > 0
        assert response.headers[HEADER] == str(counter.count), counter.statements


def test_header_is_off_by_default(app, world, login_as):
    assert app.config["LOTSE_STATEMENT_COUNT_HEADER"] is False
    response = login_as("team_lead").get("/admin/case/")
    assert response.status_code == 200
    assert HEADER not in response.headers
