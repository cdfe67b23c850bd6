"""A broken admin configuration refuses to start, with a message that says what is wrong."""

import pytest

import admin_views
from admin_views import base
from admin_views.checks import (
    ConfigurationError,
    check_presets,
    check_role_table,
    check_scoping,
    run_checks,
)
from models import Case, Client, HouseholdMember
from models.scoping import RULES
from tests.conftest import make_app


def _real(app):
    views = app.extensions["lotse_admin_views"]
    index = app.extensions["lotse_admin"].index_view
    return views, [index, *views.values()]


def test_the_shipped_configuration_passes(app):
    views_by_endpoint, views = _real(app)
    with app.test_request_context():
        run_checks(
            permissions=base.PERMISSIONS,
            views=views,
            known_operations=admin_views.KNOWN_OPERATIONS,
            presets=admin_views.PRESETS,
            msgid=base.msgid,
        )


def test_a_role_granted_a_resource_that_no_view_serves_is_refused(app):
    _by_endpoint, views = _real(app)
    permissions = {"caseworker": {"casse": frozenset({base.VIEW})}}
    problems = check_role_table(permissions, views, admin_views.KNOWN_OPERATIONS)
    assert [p.check for p in problems] == ["roles.unknown-resource"]
    assert "„casse“" in problems[0].message
    assert "caseworker" in problems[0].message


def test_an_unknown_operation_in_the_role_table_is_refused(app):
    _by_endpoint, views = _real(app)
    permissions = {"team_lead": {"case": frozenset({base.VIEW, "exprot"})}}
    problems = check_role_table(permissions, views, admin_views.KNOWN_OPERATIONS)
    assert [p.check for p in problems] == ["roles.unknown-operation"]
    assert "„exprot“" in problems[0].message


def test_a_preset_naming_a_missing_filter_or_column_is_refused(app):
    views_by_endpoint, _views = _real(app)
    presets = [
        ("Überfällig", [("Überfällig", "ist", "1")], None),  # fine
        ("Tippfehler", [("Überfälig", "ist", "1")], None),
        ("Falsche Operation", [("Status", "ist", "1")], None),
        ("Falsche Spalte", [], "case_worker"),
    ]
    with app.test_request_context():
        problems = check_presets(presets, views_by_endpoint, base.msgid)
    assert [p.check for p in problems] == [
        "presets.unknown-filter",
        "presets.unknown-filter",
        "presets.unknown-sort-column",
    ]
    assert "Tippfehler" in problems[0].message
    assert "„Überfälig“" in problems[0].message
    assert "„case_worker“" in problems[2].message


def test_a_class_of_client_data_without_a_rule_is_refused():
    rules = {cls: rule for cls, rule in RULES.items() if cls is not HouseholdMember}
    problems = check_scoping(rules, classes=[Client, Case, HouseholdMember])
    assert [p.check for p in problems] == ["scoping.missing-rule"]
    assert "HouseholdMember" in problems[0].message
    assert check_scoping(RULES) == []


def test_the_app_refuses_to_start_with_a_broken_role_table(database_url, monkeypatch):
    monkeypatch.setitem(base.PERMISSIONS, "caseworker", {"klient": frozenset({base.VIEW})})
    with pytest.raises(ConfigurationError) as refused:
        make_app(database_url)
    text = str(refused.value)
    assert text.startswith("Lotse startet nicht")
    assert "[roles.unknown-resource]" in text
    assert "„klient“" in text


def test_the_app_refuses_to_start_with_a_broken_preset(database_url, monkeypatch):
    monkeypatch.setattr(
        admin_views,
        "PRESETS",
        [*admin_views.PRESETS, ("Kaputt", [("Gibt es nicht", "ist", "1")], None)],
    )
    with pytest.raises(ConfigurationError) as refused:
        make_app(database_url)
    assert "[presets.unknown-filter]" in str(refused.value)
    assert "„Gibt es nicht“" in str(refused.value)
