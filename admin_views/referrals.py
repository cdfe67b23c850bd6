"""Vermittlungen: referrals to external agencies."""

from wtforms.validators import ValidationError

from services.referrals import referral_problems

from . import lookups
from .base import LotseModelView


class ReferralView(LotseModelView):
    column_list = (
        "case",
        "agency",
        "need_area",
        "status",
        "sent_on",
        "follow_up_on",
        "answered_on",
    )
    column_filters = (
        "status",
        "agency.name",
        "need_area.name",
        "sent_on",
        "follow_up_on",
        "answered_on",
    )
    column_searchable_list = ("reason",)
    column_default_sort = ("follow_up_on", False)
    form_columns = (
        "case",
        "agency",
        "need_area",
        "goal",
        "reason",
        "consent",
        "status",
        "sent_on",
        "follow_up_on",
        "answered_on",
        "rejection_reason",
        "outcome_note",
    )
    form_ajax_refs = {"case": lookups.CASE, "goal": lookups.GOAL, "consent": lookups.CONSENT}

    def on_model_change(self, form, model, is_created):
        problems = referral_problems(model)
        if problems:
            raise ValidationError(" ".join(problems))
