"""The base views: login, the role table's rights, German display and safe saving.

Concrete views are short classes that name columns, filters and forms. They never test a
role: ``PERMISSIONS`` (admin_views/permissions.py) says which operations a role may use on a
resource (the endpoint name), and ``LotseModelView`` turns that into ``is_accessible``, the
``can_*`` flags and a 403 with an audit row for an operation the role lacks. Its lists come
from ``ListMixin`` (admin_views/lists.py: counts, search, filter URLs), its exports from
``ExportMixin`` (admin_views/exports.py). This module adds the German display, the forms
(active reference data only, optimistic locking, closed cases read-only) and errors that
never show database text. Which *rows* a user sees is not decided here but in
``models.scoping``.

``ReferenceView`` serves the reference tables, ``LotseIndexView`` the admin index. The
names of the role table, the lists and the exports that views and tests use are importable
from here too (``__all__``).
"""

import inspect
from datetime import date, datetime
from functools import partial

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import AdminIndexView
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model import filters
from flask_admin.model.fields import AjaxSelectField
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import ValidationError

from models import Case, db
from models.auditing import record
from models.scoping import ScopeViolation
from models.types import utcnow
from services.due import CaseClosed, ensure_editable

from . import lookups
from .dates import LotseModelConverter, with_locale_date_filters
from .exports import ExportMixin, commit_keeping_loaded, escape_formula
from .fields import country_name, language_names
from .forms import LotseForm
from .i18n import format_date, format_datetime
from .ids import parse_id
from .labels import LABELS
from .lists import SEARCH_LISTS_KEPT, SEARCH_MAX_LENGTH, CappedCount, ListMixin, msgid
from .outage import database_unavailable, rollback_quietly
from .permissions import (
    ARCHIVE,
    ASSIGN,
    CASE_DATA,
    CREATE,
    DELETE,
    EDIT,
    EXPORT,
    PERMISSIONS,
    REGION,
    REOPEN,
    TEAM,
    TRANSITION,
    VIEW,
    allowed,
    operations,
)


def _bool_formatter(view, value, *args):
    return _("Ja") if value else _("Nein")


def _list_formatter(view, values, *args):
    return ", ".join(str(v) for v in values)


TYPE_FORMATTERS = {
    date: lambda view, value, *args: format_date(value),
    datetime: lambda view, value, *args: format_datetime(value),
    bool: _bool_formatter,
    list: _list_formatter,
    type(None): lambda view, value, *args: "",
}
EXPORT_TYPE_FORMATTERS = {**TYPE_FORMATTERS, bool: _bool_formatter}


def conflict_message() -> str:
    """The refusal of a save over a newer version (docs/design.md §8, optimistic locking)."""
    return _(
        "Der Datensatz wurde inzwischen von jemand anderem geändert. "
        "Ihre Änderungen wurden nicht gespeichert. Bitte laden Sie den "
        "Datensatz neu und tragen Sie Ihre Änderungen erneut ein."
    )


def is_current_version(submitted, model) -> bool:
    """Whether the version a form was loaded at (its text) is the row's version now."""
    return (
        isinstance(submitted, str)
        and submitted.isascii()
        and submitted.isdigit()
        and int(submitted) == model.version
    )


def _active_or_kept(model, keep_ids, order):
    condition = model.active.is_(True)
    if keep_ids:
        condition = condition | model.id.in_(keep_ids)
    return db.session.scalars(select(model).where(condition).order_by(order)).all()


def own_fields(model, *, skip=()) -> tuple[str, ...]:
    """The fields ``model`` declares itself, in its order, for a form that follows the
    model: its columns but the id, a foreign key by its relationship (``need_area_id`` is
    ``need_area``), none of ``skip``. What the mixins add (authority, case, timestamps,
    authors, version, archive) is not among them."""
    mapper = sa_inspect(model)
    fields = []
    for key in inspect.get_annotations(model):
        if key == "id" or key in skip or key not in mapper.column_attrs:
            continue
        stem = key.removesuffix("_id")
        fields.append(stem if key != stem and stem in mapper.relationships else key)
    return tuple(fields)


class LotseFilterConverter(FilterConverter):
    """Filters for Lotse's own column types."""

    @filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


def deny(object_type: str, object_id: int | None, status: int, **details):
    """Record a denied access in the audit trail, then answer 403 or 404.

    ``details`` (the refused operation, say) go into the audit row beside status and path.
    """
    db.session.rollback()
    record("denied", object_type, object_id, {"status": status, "path": request.path, **details})
    db.session.commit()
    abort(status)


# Flask-Admin view methods that need more than the right to read, and the ``can_*`` flag
# (computed from the role table) that grants it. Without it the answer is 403.
OPERATION_FLAGS = {
    "create_view": (CREATE, "can_create"),
    "edit_view": (EDIT, "can_edit"),
    "ajax_update": (EDIT, "can_edit"),  # the inline edit; Flask-Admin checks nothing there
    "delete_view": (DELETE, "can_delete"),
    "export": (EXPORT, "can_export"),
}


# Details, edit and case-file reads of these are recorded (who looked at whose data).
READ_AUDITED = ("client", "case")


class ProtectedMixin:
    """Login for every admin page; 403 for a logged-in user without the right."""

    resource: str = ""

    def is_accessible(self) -> bool:
        return allowed(self.resource or self.endpoint, VIEW)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            # Back to the page after logging in; a POST (a search, say) cannot be repeated.
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=back))
        deny(self.endpoint, parse_id(request.args.get("id")), 403, **self._attempted(name))

    def _attempted(self, name: str) -> dict:
        """The operation the view method ``name`` performs, for the audit row of a denial."""
        if name == "action_view":
            chosen = request.form.get("action")
            known = getattr(self, "_actions_data", None) or {}
            return {"operation": "action", "action": chosen if chosen in known else None}
        return {"operation": OPERATION_FLAGS.get(name, (VIEW, None))[0]}


class LotseModelView(ProtectedMixin, ListMixin, ExportMixin, ModelView):
    """Base of every generated screen: permissions, German display, safe saving.

    Lists and exports come from ``ListMixin`` and ``ExportMixin``, which stand before
    ``ModelView`` so that their ``super()`` calls reach Flask-Admin.
    """

    can_delete = False  # records are archived, never deleted (docs/design.md §8)
    can_view_details = True  # read once at start-up; must stay a plain True
    can_set_page_size = True
    page_size = 25
    page_size_options = (10, 25, 50, 100)
    named_filter_urls = True
    column_display_pk = False
    column_labels = LABELS
    # -- dates typed and shown as the reader writes them (admin_views/dates.py) ----------
    model_form_converter = LotseModelConverter
    form_base_class = LotseForm  # field messages in German, Flask-Admin's fields' too
    filter_converter = with_locale_date_filters(LotseFilterConverter())
    # -------------------------------------------------------------------------------------
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    column_type_formatters_export = EXPORT_TYPE_FORMATTERS
    export_types = ["csv", "xlsx"]
    details_modal = False
    edit_modal = False
    create_modal = False
    form_excluded_columns = (
        "created_at",
        "updated_at",
        "created_by_id",
        "updated_by_id",
        "version",
        "archived_at",
        "authority",
    )
    column_details_exclude_list = ("version",)
    # Columns with ISO codes, shown with their German names.
    country_columns: tuple[str, ...] = ()
    language_columns: tuple[str, ...] = ()

    def __init__(self, model, session=None, **kwargs):
        self._derive_choices(model)
        kwargs.setdefault("endpoint", model.__tablename__)
        super().__init__(model, session or db, **kwargs)

    def _derive_choices(self, model) -> None:
        """Select fields, list labels and filter options for every enumeration column."""
        form_choices = dict(getattr(self, "form_choices", None) or {})
        column_choices = dict(getattr(self, "column_choices", None) or {})
        for column in sa_inspect(model).columns:
            choices = column.info.get("choices")
            if choices is None:
                continue
            pairs = list(choices.labels.items())
            form_choices.setdefault(column.key, pairs)
            column_choices.setdefault(column.key, pairs)
        self.form_choices = form_choices
        self.column_choices = column_choices
        formatters = dict(getattr(self, "column_formatters", None) or {})
        for name in self.country_columns:
            formatters.setdefault(name, lambda v, c, m, n: country_name(getattr(m, n)))
        for name in self.language_columns:
            formatters.setdefault(name, lambda v, c, m, n: language_names(getattr(m, n)))
        self.column_formatters = formatters
        self.column_formatters_export = {
            **formatters,
            **(getattr(self, "column_formatters_export", None) or {}),
        }

    # -- permissions, read per request from the role table --------------------------------
    @property
    def can_create(self) -> bool:
        return allowed(self.endpoint, CREATE)

    @property
    def can_edit(self) -> bool:
        return allowed(self.endpoint, EDIT)

    @property
    def can_export(self) -> bool:
        return allowed(self.endpoint, EXPORT)

    def is_action_allowed(self, name: str) -> bool:
        if name == "archive":
            return self._archivable and allowed(self.endpoint, ARCHIVE)
        return super().is_action_allowed(name)

    def _handle_view(self, name, **kwargs):
        """Anonymous visitors go to the login page, users without the right to read get 403
        (``ProtectedMixin``); and a user who may read the list but calls an operation the
        role lacks gets 403 and an audit row too, where Flask-Admin would redirect to the
        list (docs/design.md §4, "Rules for denials")."""
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if self._refuses(name):
            row_id = parse_id(request.args.get("id")) or parse_id(request.form.get("id"))
            deny(self.endpoint, row_id, 403, **self._attempted(name))
        return None

    def _refuses(self, name: str) -> bool:
        """Whether the view method ``name`` would do what the user's role may not."""
        if name in OPERATION_FLAGS:
            return not getattr(self, OPERATION_FLAGS[name][1])
        if name == "action_view":
            # An unknown or missing action is Flask-Admin's to refuse (a flash message).
            chosen = request.form.get("action")
            return chosen in self._actions_data and not self.is_action_allowed(chosen)
        return False

    @property
    def _archivable(self) -> bool:
        return hasattr(self.model, "archived_at")

    # -- one row: one the authority rule hides is not found; reads of client data recorded -
    def get_one(self, id):
        found = self.get_visible(id, lambda pk: db.session.get(self.model, pk))
        if request.method == "GET" and self.model.__tablename__ in READ_AUDITED:
            db.session.commit()
        return found

    def get_visible(self, id, load):
        """``load(pk)`` for the ``id`` of a request, with the answers of docs/design.md §4: a
        row the authority rule hides is "not found", never "forbidden" (and the denial is
        recorded), where Flask-Admin would redirect with a flash message. A GET of client or
        case data records the read; the caller commits it."""
        pk = id if isinstance(id, int) else parse_id(id)
        if pk is None:
            abort(404)
        found = load(pk)
        if found is None:
            deny(self.model.__tablename__, pk, 404)
        if request.method == "GET" and self.model.__tablename__ in READ_AUDITED:
            record("read", self.model.__tablename__, pk, {"page": request.endpoint})
        return found

    # -- archive instead of delete ---------------------------------------------------------
    @action(
        "archive",
        _l("Archivieren"),
        _l("Die ausgewählten Datensätze archivieren?"),
    )
    def action_archive(self, ids):
        # psycopg 3 refuses to compare integers with strings; a forged id names no row.
        ids = [pk for pk in map(parse_id, ids) if pk is not None]
        rows = db.session.scalars(select(self.model).where(self.model.id.in_(ids))).all()
        now = utcnow()
        for row in rows:
            if row.archived_at is None:
                row.archived_at = now
        try:
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            if not self.handle_view_exception(exc):
                raise
            return
        flash(
            ngettext("%(num)s Datensatz archiviert.", "%(num)s Datensätze archiviert.", len(rows)),
            "success",
        )

    # -- optimistic locking ----------------------------------------------------------------
    def scaffold_form(self):
        form_class = super().scaffold_form()
        if hasattr(self.model, "version"):
            form_class.version_token = HiddenField()
        return form_class

    def edit_form(self, obj=None):
        form = self._offer_active_reference_data(super().edit_form(obj), obj)
        if hasattr(form, "version_token") and obj is not None and request.method == "GET":
            form.version_token.data = str(obj.version)
        return form

    # Records of a closed case are read-only; only a team lead's reopen changes it again.
    prefill_fields: tuple[str, ...] = ("case", "client", "goal")

    def _on_model_change(self, form, model, is_created):
        case = model if isinstance(model, Case) else getattr(model, "case", None)
        if case is not None:
            try:
                ensure_editable(case)
            except CaseClosed as closed:
                raise ValidationError(str(closed.message)) from None
        return super()._on_model_change(form, model, is_created)

    def create_form(self, obj=None):
        form = self._offer_active_reference_data(super().create_form(obj))
        if hasattr(form, "version_token"):
            del form["version_token"]
        if request.method == "GET":
            # Links from the case file pre-fill the case (or client, goal) of a new entry.
            for name in self.prefill_fields:
                value = parse_id(request.args.get(name))
                field = getattr(form, name, None)
                if value is None or field is None:
                    continue
                target = sa_inspect(self.model).relationships[name].mapper.class_
                related = db.session.get(target, value)
                if related is not None:
                    field.data = related
        return form

    def _offer_active_reference_data(self, form, obj=None):
        """Dropdowns offer active reference entries only; a record keeps its inactive value."""
        mapper = sa_inspect(self.model)
        for field in form:
            if not isinstance(field, QuerySelectField) or field.name not in mapper.relationships:
                continue
            target = mapper.relationships[field.name].mapper.class_
            if not hasattr(target, "active") or not hasattr(target, "code"):
                continue
            current = getattr(obj, field.name, None) if obj is not None else None
            keep = (
                [c.id for c in current]
                if isinstance(current, list)
                else [getattr(current, "id", None)]
            )
            keep = [i for i in keep if i is not None]
            order = getattr(target, "position", target.id)
            field.query_factory = partial(_active_or_kept, target, tuple(keep), order)
            field.query = None
        return form

    def _create_ajax_loader(self, name, options):
        remote = super()._create_ajax_loader(name, options).model
        return lookups.IdLoader(name, self.session, remote, **options)

    def validate_form(self, form):
        valid = super().validate_form(form)
        # An optional relationship whose submitted id finds no visible row would silently
        # be saved as empty; a forged or foreign id is refused instead.
        for field in form:
            if not isinstance(field, AjaxSelectField | QuerySelectField):
                continue
            raw = [v for v in (field.raw_data or []) if v not in ("", "__None")]
            if raw and not field.data and not field.errors:
                field.errors = [*field.errors, _("Keine gültige Auswahl.")]
                valid = False
        return valid

    def update_model(self, form, model):
        if hasattr(form, "version_token"):
            submitted = form.version_token.data
            del form["version_token"]
            if not is_current_version(submitted, model):
                flash(conflict_message(), "error")
                return False
        return super().update_model(form, model)

    # -- errors never show database text ---------------------------------------------------
    def handle_view_exception(self, exc: Exception) -> bool:
        if database_unavailable(exc):
            # Not the record's fault: the app's 503 page (admin_views/outage.py), instead of
            # the form again, whose dropdowns would need the database too.
            rollback_quietly()
            raise exc
        if isinstance(exc, ScopeViolation):
            db.session.rollback()
            abort(404)
        if isinstance(exc, StaleDataError):
            flash(
                _("Der Datensatz wurde inzwischen von jemand anderem geändert. Bitte neu laden."),
                "error",
            )
            return True
        if isinstance(exc, IntegrityError):
            current_app.logger.warning("integrity error in %s: %s", self.endpoint, exc.orig)
            flash(
                _(
                    "Der Datensatz konnte nicht gespeichert werden: er widerspricht einer "
                    "Regel der Datenbank (z. B. doppelte Nummer oder fehlender Bezug)."
                ),
                "error",
            )
            return True
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        current_app.logger.exception("failed to save in %s", self.endpoint)
        flash(_("Der Datensatz konnte nicht gespeichert werden."), "error")
        return True


class ReferenceView(LotseModelView):
    """Reference tables: IT staff maintain them; others read.

    An entry in use is deactivated, never deleted; deleting is refused while anything
    refers to it (the foreign keys are ON DELETE RESTRICT).
    """

    action_disallowed_list = ["delete"]  # the bulk delete fails on psycopg 3 (upstream bug)

    @property
    def can_delete(self) -> bool:
        return allowed(self.endpoint, DELETE)

    def delete_model(self, model):
        try:
            db.session.delete(model)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash(
                _(
                    "„%(name)s“ wird noch verwendet und kann nicht gelöscht werden. "
                    "Bitte deaktivieren Sie den Eintrag stattdessen.",
                    name=model.name,
                ),
                "error",
            )
            return False
        return True

    column_list = ("code", "name", "active", "position")
    column_searchable_list = ("code", "name")
    column_filters = ("active",)
    column_default_sort = ("position", False)
    form_excluded_columns = (*LotseModelView.form_excluded_columns,)


class LotseIndexView(ProtectedMixin, AdminIndexView):
    """The admin index; ``admin_views.dashboard.DashboardView`` fills it per role."""

    resource = "dashboard"

    def is_accessible(self) -> bool:
        # Every logged-in user lands here; what it shows depends on the role.
        return current_user.is_authenticated


__all__ = [
    "own_fields",
    "ARCHIVE",
    "ASSIGN",
    "CASE_DATA",
    "CREATE",
    "DELETE",
    "EDIT",
    "EXPORT",
    "PERMISSIONS",
    "REGION",
    "REOPEN",
    "SEARCH_LISTS_KEPT",
    "SEARCH_MAX_LENGTH",
    "TEAM",
    "TRANSITION",
    "VIEW",
    "CappedCount",
    "LotseIndexView",
    "LotseModelView",
    "ProtectedMixin",
    "ReferenceView",
    "allowed",
    "commit_keeping_loaded",
    "conflict_message",
    "deny",
    "escape_formula",
    "is_current_version",
    "msgid",
    "operations",
    "parse_id",
]
