"""Verwaltung: user accounts and the audit trail."""

from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from wtforms.validators import ValidationError

from services.users import UserError, account_changed

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
        if is_created:
            return
        try:
            account_changed(
                model,
                by=current_user,
                role_changed=bool(sa_inspect(model).attrs.role.history.deleted),
            )
        except UserError as refused:
            raise ValidationError(str(refused)) from None


class AuditEventView(LotseModelView):
    column_list = ("at", "user", "authority", "action", "object_type", "object_id", "remote_addr")
    column_filters = ("action", "at", "object_type", "object_id", "user.email")
    column_default_sort = ("at", True)
    column_details_list = (*column_list, "changes")
