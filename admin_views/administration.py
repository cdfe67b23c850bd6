"""Verwaltung: user accounts and the audit trail."""

from flask import flash, g
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.validators import ValidationError

from models.choices import ROLE
from services.role_grants import account_saved, check_new_account_role
from services.users import UserError

from .base import LotseModelView


class UserView(LotseModelView):
    column_list = ("email", "display_name", "authority", "role", "active", "last_login_at")
    column_searchable_list = ("email", "display_name")
    column_filters = ("role", "active", "authority.name", "last_login_at")
    column_default_sort = ("display_name", False)
    form_columns = ("email", "display_name", "authority", "role", "active", "locale")
    column_details_list = (
        *form_columns,
        "failed_logins",
        "locked_until",
        "last_login_at",
        "totp_enrolled_at",
        "created_at",
        "updated_at",
    )

    def on_model_change(self, form, model, is_created):
        try:
            if is_created:
                check_new_account_role(model.role)
                return
            g.role_grant = account_saved(model, by=current_user)
        except UserError as refused:
            raise ValidationError(str(refused)) from None

    def after_model_change(self, form, model, is_created):
        grant = g.pop("role_grant", None)
        if grant is not None:
            flash(
                _(
                    "Die Rolle %(role)s für %(email)s ist beantragt (Antrag Nr. %(id)s). Sie "
                    "wird wirksam, wenn eine zweite Person der IT-Administration sie unter "
                    "„Rollenanträge“ bestätigt.",
                    role=ROLE.label(grant.role),
                    email=model.email,
                    id=grant.id,
                ),
                "info",
            )


class AuditEventView(LotseModelView):
    column_list = ("at", "user", "authority", "action", "object_type", "object_id", "remote_addr")
    column_filters = ("action", "at", "object_type", "object_id", "user.email")
    column_default_sort = ("at", True)
    column_details_list = (*column_list, "changes")
