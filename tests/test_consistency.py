"""Start-up checks in test form: every name a view uses exists and has a German label."""

import pytest
from sqlalchemy import inspect as sa_inspect

from admin_views.labels import LABELS

NAME_LISTS = (
    "column_list",
    "column_filters",
    "column_searchable_list",
    "form_columns",
    "column_details_list",
    "column_sortable_list",
    "column_editable_list",
)


def _views(app):
    return [v for v in app.extensions["lotse_admin"]._views if hasattr(v, "model")]


def _resolve(model, dotted: str):
    """Follow a dotted path through relationships; return the final attribute or None."""
    current = model
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        mapper = sa_inspect(current)
        if part in mapper.relationships:
            if i == len(parts) - 1:
                return mapper.relationships[part]
            current = mapper.relationships[part].mapper.class_
        elif part in mapper.all_orm_descriptors and i == len(parts) - 1:
            return mapper.all_orm_descriptors[part]
        else:
            return None
    return None


def _names(view):
    for attr in NAME_LISTS:
        for entry in getattr(view, attr, None) or ():
            if isinstance(entry, tuple):
                entry = entry[0]
            if isinstance(entry, str):
                yield attr, entry


def test_every_registered_view_has_a_model_endpoint(app):
    endpoints = {v.endpoint for v in _views(app)}
    expected = {
        "client", "household_member", "consent", "case", "need", "goal", "measure",
        "referral", "activity", "case_conference", "evaluation", "case_share",
        "structural_issue", "authority", "agency", "need_area", "measure_type",
        "residence_status", "target_group", "access_route", "document_kind", "closure_reason",
        "checklist_template", "municipality", "user", "audit_event",
    }  # fmt: skip
    assert endpoints == expected
    for view in _views(app):
        assert view.endpoint == view.model.__tablename__


def test_every_column_name_exists_on_its_model(app):
    missing = [
        (view.endpoint, attr, name)
        for view in _views(app)
        for attr, name in _names(view)
        if _resolve(view.model, name) is None
    ]
    assert not missing


def test_every_shown_column_has_a_german_label(app):
    unlabelled = sorted(
        {
            (view.endpoint, name)
            for view in _views(app)
            for _attr, name in _names(view)
            if name not in LABELS and name not in (view.column_labels or {})
        }
    )
    assert not unlabelled


def test_every_enumeration_column_offers_only_its_values(app):
    for view in _views(app):
        for column in sa_inspect(view.model).columns:
            choices = column.info.get("choices")
            if choices is not None:
                assert [v for v, _ in view.column_choices[column.key]] == list(choices.values)


@pytest.mark.parametrize("flag", ["named_filter_urls"])
def test_views_use_stable_filter_urls(app, flag):
    assert all(getattr(view, flag) for view in _views(app))
