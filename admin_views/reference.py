"""Stammdaten: the reference tables, maintained by IT staff."""

from models import ChecklistTemplateItem

from .base import ReferenceView
from .labels import LABELS

REF_FORM = ("code", "name", "active", "position")


class AuthorityView(ReferenceView):
    column_list = ("code", "name", "kind", "municipality", "case_number_prefix", "active")
    column_filters = ("kind", "active")
    form_columns = (
        "code",
        "name",
        "kind",
        "municipality",
        "case_number_prefix",
        "active",
        "position",
    )


class AgencyView(ReferenceView):
    column_list = ("code", "name", "kind", "phone", "email", "accepts_referrals", "active")
    column_filters = ("kind", "accepts_referrals", "active")
    form_columns = (
        "code",
        "name",
        "kind",
        "address",
        "phone",
        "email",
        "accepts_referrals",
        "need_areas",
        "active",
        "position",
    )
    column_details_list = (*form_columns, "created_at", "updated_at")


class NeedAreaView(ReferenceView):
    form_columns = REF_FORM


class MeasureTypeView(ReferenceView):
    column_list = ("code", "name", "need_area", "active", "position")
    column_filters = ("need_area.name", "active")
    form_columns = ("code", "name", "need_area", "active", "position")


class ResidenceStatusView(ReferenceView):
    column_list = ("code", "name", "legal_reference", "active", "position")
    column_searchable_list = ("code", "name", "legal_reference")
    form_columns = ("code", "name", "legal_reference", "active", "position")


class TargetGroupView(ReferenceView):
    form_columns = REF_FORM


class AccessRouteView(ReferenceView):
    form_columns = REF_FORM


class DocumentKindView(ReferenceView):
    form_columns = REF_FORM


class ClosureReasonView(ReferenceView):
    column_list = ("code", "name", "outcome", "requires_evaluation", "active", "position")
    column_filters = ("outcome", "requires_evaluation", "active")
    form_columns = ("code", "name", "outcome", "requires_evaluation", "active", "position")


class ChecklistTemplateView(ReferenceView):
    column_list = ("code", "name", "need_area", "active", "position")
    column_filters = ("need_area.name", "active")
    form_columns = ("code", "name", "need_area", "active", "position", "items")
    column_details_list = ("code", "name", "need_area", "active", "position", "items")
    inline_models = (
        (
            ChecklistTemplateItem,
            {"form_columns": ("id", "position", "text", "required"), "column_labels": LABELS},
        ),
    )


class MunicipalityView(ReferenceView):
    column_default_sort = ("name", False)
