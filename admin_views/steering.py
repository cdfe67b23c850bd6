"""Steuerung: structural issues for the steering group."""

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from wtforms.validators import ValidationError

from models import Need, NeedArea, db
from models.scoping import is_own
from services.steering import (
    FIRST_STATUS,
    IssueWorkflowError,
    check_new_issue,
    check_status_change,
)

from . import lookups
from .base import LotseModelView, deny


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
    form_args = {
        "description": {
            "description": _l(
                "Bitte ohne personenbezogene Daten: keine Namen, Geburtsdaten oder Aktenzeichen."
            )
        }
    }
    form_ajax_refs = {"case": lookups.CASE}

    def get_one(self, id):
        issue = super().get_one(id)
        # Every team lead reads all authorities' issues; only the reporting one changes them.
        if request.endpoint != f"{self.endpoint}.details_view" and not is_own(issue):
            deny(self.endpoint, issue.id, 403)
        return issue

    def create_form(self, obj=None):
        form = super().create_form(obj)
        # Reported from a case: the need area comes from the case; nothing personal is copied.
        if request.method == "GET" and form.case.data is not None and not form.need_area.data:
            form.need_area.data = db.session.scalars(
                select(NeedArea)
                .join(Need, Need.need_area_id == NeedArea.id)
                .where(Need.case_id == form.case.data.id)
                .order_by(Need.id)
            ).first()
        if request.method == "GET":
            form.status.data = FIRST_STATUS
        return form

    def on_model_change(self, form, model, is_created):
        history = sa_inspect(model).attrs.status.history
        try:
            if is_created:
                check_new_issue(model.status)
            elif history.deleted:
                check_status_change(history.deleted[0], model.status)
        except IssueWorkflowError as refused:
            raise ValidationError(str(refused)) from None
