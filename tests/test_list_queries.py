"""No N+1: every list page issues the same number of SQL statements for 1 row and for 50."""

import pytest

from models import db
from models.scoping import unscoped
from tests import factories

ROLE_FOR = {
    "user": "it_admin",
    "audit_event": "auditor",
}
REFERENCE = {
    "authority",
    "agency",
    "need_area",
    "measure_type",
    "residence_status",
    "target_group",
    "access_route",
    "closure_reason",
    "checklist_template",
    "municipality",
}


def _role(endpoint):
    if endpoint in REFERENCE:
        return "it_admin"
    return ROLE_FOR.get(endpoint, "team_lead")


def _list_statements(app, clients, count_queries):
    """SQL statements per list endpoint, page size 50."""
    counts = {}
    for view in app.extensions["lotse_admin"]._views:
        if not hasattr(view, "model"):
            continue
        test_client = clients[_role(view.endpoint)]
        url = f"/admin/{view.endpoint}/?page_size=50"
        with count_queries() as counter:
            response = test_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[view.endpoint] = counter.count
    return counts


def _add_cases(app, world, start, stop):
    with app.app_context(), unscoped("test arrangement"):
        for i in range(start, stop):
            factories.make_full_case(world, i)
        db.session.commit()


def _rows(app, endpoint_model_pairs):
    with app.app_context(), unscoped("test check"):
        return {e: db.session.query(m).count() for e, m in endpoint_model_pairs}


def test_list_pages_issue_constant_queries(app, world, login_as, count_queries):
    clients = {role: login_as(role) for role in ("team_lead", "it_admin", "auditor")}
    models = [
        (v.endpoint, v.model) for v in app.extensions["lotse_admin"]._views if hasattr(v, "model")
    ]

    _add_cases(app, world, 0, 1)
    one = _list_statements(app, clients, count_queries)
    _add_cases(app, world, 1, 50)
    rows = _rows(app, models)
    fifty = _list_statements(app, clients, count_queries)

    assert all(n >= 50 for n in rows.values()), rows
    grown = {e: (one[e], fifty[e]) for e in one if one[e] != fifty[e]}
    assert not grown, f"statements grew with the rows (1 row, 50 rows): {grown}"


@pytest.mark.parametrize("endpoint", ["client", "case"])
def test_list_page_shows_fifty_rows(app, world, login_as, endpoint):
    _add_cases(app, world, 0, 50)
    response = login_as("team_lead").get(f"/admin/{endpoint}/?page_size=50")
    html = response.get_data(as_text=True)
    assert html.count('name="rowid"') == 50
