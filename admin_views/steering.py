"""Steuerung: structural issues for the steering group."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from wtforms.validators import ValidationError

from models import Need, NeedArea, db
from models.choices import ISSUE_STATUS

from . import lookups
from .base import LotseModelView, deny

# The steering workflow: which status may follow which.
NEXT_STATUS = {
    "reported": {"in_discussion", "rejected"},
    "in_discussion": {"measure_agreed", "rejected", "reported"},
    "measure_agreed": {"resolved", "in_discussion"},
    "resolved": {"in_discussion"},
    "rejected": {"in_discussion"},
}


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
        if request.endpoint != f"{self.endpoint}.details_view" and (
            issue.authority_id != current_user.authority_id
        ):
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
            form.status.data = "reported"
        return form

    def on_model_change(self, form, model, is_created):
        history = sa_inspect(model).attrs.status.history
        if is_created and model.status != "reported":
            raise ValidationError(_("Eine neue Systemlücke beginnt mit dem Status „gemeldet“."))
        if not is_created and history.deleted:
            before, after = history.deleted[0], model.status
            if after not in NEXT_STATUS.get(before, set()):
                raise ValidationError(
                    _(
                        "Der Status kann nicht von „%(before)s“ zu „%(after)s“ wechseln.",
                        before=ISSUE_STATUS.label(before),
                        after=ISSUE_STATUS.label(after),
                    )
                )
