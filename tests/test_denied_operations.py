"""Denied operations answer 403 and are recorded (docs/design.md §4, "Rules for denials").

A logged-in user who calls an operation the role lacks gets 403 and one audit row, not a
redirect to the list; anonymous visitors are still sent to the login page. The sweep is
built from the registered model views and the role table (``PERMISSIONS``): for every view
and every role without create, edit, delete, export or the right an action needs, every URL
of that operation is tried, and nothing may change.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from admin_views.base import PERMISSIONS
from models import AuditEvent, User, db
from models.scoping import unscoped
from tests.test_access import (
    admin_views,
    data,  # noqa: F401 (the fixture)
    payloads,
    snapshot,
    url,
    with_version,
)

VIEW, CREATE, EDIT, DELETE, EXPORT = "view", "create", "edit", "delete", "export"
ARCHIVE, ASSIGN = "archive", "assign"
# The right of the role table each bulk action needs (docs/design.md §4).
ACTION_RIGHTS = {"archive": ARCHIVE, "assign": ASSIGN, "delete": DELETE}
FORBIDDEN = "Sie haben keine Berechtigung für diese Seite."


@dataclass
class Denied:
    """One request that the role table refuses."""

    endpoint: str
    operation: str  # as the audit row names it
    method: str
    url: str
    form: dict | None = None
    action: str | None = None

    def __str__(self):
        return f"{self.method} {self.url} {self.form or ''}"


def model_views(app) -> dict:
    return {endpoint: v for endpoint, v in admin_views(app).items() if hasattr(v, "model")}


def rights(role: str, endpoint: str) -> frozenset[str]:
    return PERMISSIONS[role].get(endpoint, frozenset())


def denied_requests(app, d, role: str) -> list[Denied]:
    """Every request of an operation ``role`` lacks, on every model view."""
    found = []
    for endpoint, view in model_views(app).items():
        has = rights(role, endpoint)
        row_id = d.row[endpoint]

        def add(operation, method, target, form=None, action=None, endpoint=endpoint):
            found.append(Denied(endpoint, operation, method, target, form, action))

        if CREATE not in has:
            target = url(app, f"{endpoint}.create_view")
            add(CREATE, "GET", target)
            add(CREATE, "POST", target, payloads(d, "Verweigert", "new")[endpoint].form)
        if EDIT not in has:
            target = url(app, f"{endpoint}.edit_view", id=row_id)
            payload = payloads(d, "Verweigert", "edit")[endpoint]
            add(EDIT, "GET", target)
            add(EDIT, "POST", target, with_version(app, endpoint, row_id, payload.form))
            inline = {"list_form_pk": str(row_id), payload.attr: str(payload.value)}
            add(EDIT, "POST", url(app, f"{endpoint}.ajax_update"), inline)
        if DELETE not in has:
            add(DELETE, "POST", url(app, f"{endpoint}.delete_view"), {"id": str(row_id)})
        if EXPORT not in has:
            for export_type in view.export_types:
                add(EXPORT, "GET", url(app, f"{endpoint}.export", export_type=export_type))
        for name, _text in view._actions:
            if ACTION_RIGHTS[name] not in has:
                form = {"action": name, "rowid": str(row_id)}
                add("action", "POST", url(app, f"{endpoint}.action_view"), form, name)
    return found


def _denials(app) -> list[tuple]:
    with app.app_context(), unscoped("test check"):
        return db.session.execute(
            select(AuditEvent.user_id, AuditEvent.object_type, AuditEvent.changes)
            .where(AuditEvent.action == "denied")
            .order_by(AuditEvent.id)
        ).all()


def _denial_count(app) -> int:
    with app.app_context(), unscoped("test check"):
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "denied")
        )


def _user_id(app, email) -> int:
    with app.app_context(), unscoped("test check"):
        return db.session.scalars(select(User.id).where(User.email == email)).one()


def test_every_action_of_every_view_names_the_right_it_needs(app):
    actions = {name for view in model_views(app).values() for name, _text in view._actions}
    assert actions <= set(ACTION_RIGHTS), "add the right of the new action to ACTION_RIGHTS"


@pytest.mark.parametrize("role", sorted(PERMISSIONS))
def test_operations_the_role_lacks_answer_403_with_one_audit_row_and_change_nothing(
    app, login_as, data, role
):
    browser = login_as(role)
    user_id = _user_id(app, data.world.emails[role])
    attempts = denied_requests(app, data, role)
    operations = {a.operation for a in attempts if VIEW in rights(role, a.endpoint)}
    # Even the roles with the most rights lack some operation on a list they may read.
    assert operations >= {DELETE, "action"}, operations
    before = snapshot(app)
    problems = []
    for attempt in attempts:
        count = _denial_count(app)
        response = browser.open(attempt.url, method=attempt.method, data=attempt.form)
        if response.status_code != 403:
            problems.append(f"{attempt}: {response.status_code} {response.location or ''}")
            continue
        if FORBIDDEN not in response.get_data(as_text=True):
            problems.append(f"{attempt}: not the error page")
        new = _denials(app)[count:]
        expected = {"operation": attempt.operation, "status": 403}
        if attempt.action:
            expected["action"] = attempt.action
        recorded = [
            (who, what, {k: changes.get(k) for k in expected}) for who, what, changes in new
        ]
        if recorded != [(user_id, attempt.endpoint, expected)]:
            problems.append(f"{attempt}: audit rows {recorded}")
    assert not problems, f"{len(problems)} of {len(attempts)}:\n" + "\n".join(problems)
    assert snapshot(app) == before


def test_a_role_with_the_right_still_gets_the_page(app, login_as, data):
    """The control: the same URLs answer for a role that the role table lets in."""
    checked = set()
    for role in sorted(PERMISSIONS):
        browser = login_as(role)
        for endpoint in model_views(app):
            has = rights(role, endpoint)
            row_id = data.row[endpoint]
            for operation, target in (
                (CREATE, url(app, f"{endpoint}.create_view")),
                (EDIT, url(app, f"{endpoint}.edit_view", id=row_id)),
                (EXPORT, url(app, f"{endpoint}.export", export_type="csv")),
            ):
                if operation in has and operation not in checked:
                    assert browser.get(target).status_code == 200, (role, target)
                    checked.add(operation)
    assert checked == {CREATE, EDIT, EXPORT}


def test_anonymous_visitors_are_sent_to_login_and_nothing_is_recorded(app, client, data):
    row_id = data.row["case"]
    requests = [
        ("GET", url(app, "case.create_view"), None),
        ("POST", url(app, "case.create_view"), {"intake_summary": "x"}),
        ("GET", url(app, "case.edit_view", id=row_id), None),
        ("POST", url(app, "case.edit_view", id=row_id), {"intake_summary": "x"}),
        ("POST", url(app, "case.ajax_update"), {"list_form_pk": str(row_id)}),
        ("POST", url(app, "case.delete_view"), {"id": str(row_id)}),
        ("GET", url(app, "case.export", export_type="csv")),
        ("POST", url(app, "case.action_view"), {"action": "archive", "rowid": str(row_id)}),
    ]
    before, denials = snapshot(app), _denial_count(app)
    for method, target, *form in requests:
        response = client.open(target, method=method, data=form[0] if form else None)
        assert response.status_code == 302, (method, target)
        assert response.location.startswith("/login"), (method, target)
    assert _denial_count(app) == denials
    assert snapshot(app) == before
