"""Verwaltung: user accounts and the audit trail."""

from .base import LotseModelView


class UserView(LotseModelView):
    column_list = ("email", "display_name", "authority", "role", "active", "last_login_at")
    column_searchable_list = ("email", "display_name")
    column_filters = ("role", "active", "authority.name", "last_login_at")
    column_default_sort = ("display_name", False)
    column_details_list = (
        "email",
        "display_name",
        "authority",
        "role",
        "active",
        "locale",
        "failed_logins",
        "locked_until",
        "last_login_at",
        "created_at",
        "updated_at",
    )
    form_columns = ("email", "display_name", "authority", "role", "active", "locale")


class AuditEventView(LotseModelView):
    column_list = ("at", "user", "authority", "action", "object_type", "object_id", "remote_addr")
    column_filters = ("action", "at", "object_type", "object_id", "user.email")
    column_default_sort = ("at", True)
    column_details_list = (*column_list, "changes")
