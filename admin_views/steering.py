"""Steuerung: structural issues for the steering group."""

from . import lookups
from .base import LotseModelView


class StructuralIssueView(LotseModelView):
    column_list = ("title", "need_area", "status", "reported_on", "authority")
    column_filters = ("status", "need_area.name", "reported_on", "authority.name")
    column_searchable_list = ("title", "description")
    column_default_sort = ("reported_on", True)
    form_columns = (
        "title",
        "need_area",
        "description",
        "case",
        "reported_on",
        "status",
        "steering_note",
    )
    form_ajax_refs = {"case": lookups.CASE}
