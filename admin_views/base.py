"""Role permissions as data, and the one base view that reads them.

Concrete views are short classes that name columns, filters and forms. They never test a
role: ``PERMISSIONS`` says which operations a role may use on a resource (the endpoint
name), and ``LotseModelView`` turns that into ``is_accessible`` and the ``can_*`` flags.
Which *rows* a user sees is not decided here but in ``models.scoping``.
"""

import csv
import io
import re
from datetime import date, datetime
from functools import partial

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_admin import AdminIndexView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model import filters
from flask_admin.model.fields import AjaxSelectField
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.utils import secure_filename
from wtforms import HiddenField
from wtforms.validators import ValidationError

from models import Case, db
from models.auditing import record
from models.scoping import ScopeViolation, visible_count, visible_page
from models.sql import one_of
from models.types import utcnow
from services.due import CaseClosed, ensure_editable

from .dates import LotseModelConverter, with_locale_date_filters
from .fields import country_name, language_names
from .i18n import format_date, format_datetime
from .labels import LABELS
from .rendering import row_url

VIEW, CREATE, EDIT, ARCHIVE, EXPORT = "view", "create", "edit", "archive", "export"
DELETE = "delete"  # reference data only, and only while nothing uses it
TRANSITION, REOPEN, ASSIGN = "transition", "reopen", "assign"
# Dashboard and report: the whole own authority's figures, and anonymised totals across
# authorities (docs/design.md §4, "dashboard").
TEAM, REGION = "team", "region"

CASE_DATA = (
    "client",
    "household_member",
    "consent",
    "case",
    "need",
    "goal",
    "measure",
    "referral",
    "activity",
    "case_conference",
    "evaluation",
)
REFERENCE_DATA = (
    "authority",
    "agency",
    "need_area",
    "measure_type",
    "residence_status",
    "target_group",
    "access_route",
    "closure_reason",
    "checklist_template",
    "municipality",
)


def _grant(resources, *ops) -> dict[str, frozenset[str]]:
    return dict.fromkeys(resources, frozenset(ops))


# The role matrix of docs/design.md §4. Resources are admin endpoint names.
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    "caseworker": {
        **_grant(CASE_DATA, VIEW, CREATE, EDIT),
        "case": frozenset({VIEW, CREATE, EDIT, TRANSITION}),
        "followups": frozenset({VIEW}),
        **_grant(REFERENCE_DATA, VIEW),
        "structural_issue": frozenset({VIEW, CREATE}),
        "dashboard": frozenset({VIEW}),
    },
    "team_lead": {
        **_grant(CASE_DATA, VIEW, CREATE, EDIT, ARCHIVE, EXPORT),
        "case": frozenset({VIEW, CREATE, EDIT, ARCHIVE, EXPORT, TRANSITION, REOPEN, ASSIGN}),
        "followups": frozenset({VIEW}),
        **_grant(REFERENCE_DATA, VIEW),
        "case_share": frozenset({VIEW, CREATE, EDIT}),
        "structural_issue": frozenset({VIEW, CREATE, EDIT}),
        "user": frozenset({VIEW}),
        "dashboard": frozenset({VIEW, TEAM, REGION}),
        "report": frozenset({VIEW, EXPORT, REGION}),
    },
    "it_admin": {
        **_grant(REFERENCE_DATA, VIEW, CREATE, EDIT, DELETE),
        "user": frozenset({VIEW, CREATE, EDIT}),
    },
    "auditor": {
        **_grant(REFERENCE_DATA, VIEW),
        "structural_issue": frozenset({VIEW}),
        "user": frozenset({VIEW}),
        "audit_event": frozenset({VIEW, EXPORT}),
    },
}


def operations(resource: str) -> frozenset[str]:
    if not current_user.is_authenticated:
        return frozenset()
    return PERMISSIONS.get(current_user.role, {}).get(resource, frozenset())


def allowed(resource: str, operation: str) -> bool:
    return operation in operations(resource)


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


def _active_or_kept(model, keep_ids, order):
    condition = model.active.is_(True)
    if keep_ids:
        condition = condition | model.id.in_(keep_ids)
    return db.session.scalars(select(model).where(condition).order_by(order)).all()


class CappedCount(int):
    """A row count that stopped at its limit: shown as "mehr als 10.000"."""

    def __str__(self) -> str:
        return _("mehr als %(count)s", count=format_number(int(self)))

    __html__ = __str__


def escape_like(term: str) -> str:
    """``term`` with the wildcards of LIKE escaped (the escape character is a backslash)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ExportTooLarge(Exception):
    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


# A cell starting with one of these is a formula in spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def msgid(text) -> str:
    """The untranslated message of a lazy string (its msgid), or the text itself."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class LotseFilterConverter(FilterConverter):
    """Filters for Lotse's own column types."""

    @filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


def commit_keeping_loaded() -> None:
    """Commit (an audit row, say) without expiring the loaded rows, which the page renders."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def deny(object_type: str, object_id: int | None, status: int, **details):
    """Record a denied access in the audit trail, then answer 403 or 404.

    ``details`` (the refused operation, say) go into the audit row beside status and path.
    """
    db.session.rollback()
    record("denied", object_type, object_id, {"status": status, "path": request.path, **details})
    db.session.commit()
    abort(status)


# The search terms of the lists, per view endpoint, live in the session, never in a URL:
# a searched family name would otherwise land in browser histories and proxy logs
# (docs/design.md §9, "No personal data in URLs").
SEARCH_SESSION_KEY = "lotse_searches"  # [[endpoint, term], ...], the newest last
SEARCH_MAX_LENGTH = 100
SEARCH_LISTS_KEPT = 8  # the session cookie stays small however many lists are searched
# Posted by a list's search form besides the list's own arguments; never part of its URL.
SEARCH_FORM_FIELDS = frozenset({"search", "clear", "page", "csrf_token", "url"})

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
        deny(self.endpoint, request.args.get("id", type=int), 403, **self._attempted(name))

    def _attempted(self, name: str) -> dict:
        """The operation the view method ``name`` performs, for the audit row of a denial."""
        if name == "action_view":
            chosen = request.form.get("action")
            known = getattr(self, "_actions_data", None) or {}
            return {"operation": "action", "action": chosen if chosen in known else None}
        return {"operation": OPERATION_FLAGS.get(name, (VIEW, None))[0]}


class LotseModelView(ProtectedMixin, ModelView):
    """Base of every generated screen: permissions, German display, safe saving."""

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

    @property
    def export_max_rows(self) -> int:
        return current_app.config["LOTSE_EXPORT_MAX_ROWS"]

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
            row_id = request.args.get("id", type=int) or request.form.get("id", type=int)
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

    # -- lists: counts that stay cheap at region scale, search that uses the indexes --------
    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Flask-Admin's ``get_list``, with the count from ``visible_count``.

        The count is exact up to ``LOTSE_LIST_COUNT_LIMIT`` rows (``LOTSE_SEARCH_COUNT_LIMIT``
        with a search) and "more than" beyond (``CappedCount``), so a large list costs no
        more than that many index entries; the pager ends at the limit. The rows of the
        page come from ``visible_page``, so page 200 reads the authority-led index as
        page 1 does.
        """
        joins, count_joins = {}, {}
        page = max(page or 0, 0)  # ?page=-3 is the first page, not a database error
        query = self.get_query()
        count_query = self.get_count_query()
        if hasattr(query, "_join_entities"):
            for entity in query._join_entities:
                for table in entity.tables:
                    joins[table] = None
        if self._search_supported and search:
            query, count_query, joins, count_joins = self._apply_search(
                query, count_query, joins, count_joins, search
            )
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(
                query, count_query, joins, count_joins, filters
            )
        limit = g.get("lotse_count_limit")
        if limit is None:
            limit = current_app.config[
                "LOTSE_SEARCH_COUNT_LIMIT" if search else "LOTSE_LIST_COUNT_LIMIT"
            ]
        count = visible_count(db.session, count_query.statement, self.model, limit)
        page_size = self.page_size if page_size is None else page_size
        if count > limit:
            count = CappedCount(limit)
            if page_size and page:
                page = min(page, max(0, -(-limit // page_size) - 1))
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        if page_size:
            offset = (page or 0) * page_size
            window = visible_page(db.session, query.statement, self.model, offset, page_size)
            if window is not None:
                condition, options = window
                page = None  # the condition selects the page itself
                query = query.filter(condition).execution_options(**options)
        for join in self._auto_joins:
            query = query.options(joinedload(join))
        query = self._apply_pagination(query, page, page_size)
        if execute:
            query = query.all()
        return count, query

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each term must match one searchable column (case-insensitive, anywhere in it).

        A column of the model is matched in place, which the trigram indexes of the
        searched columns serve on PostgreSQL (migration 0003); a column of a related row
        (the client's name on the case list, say) through ``EXISTS`` on that row instead
        of Flask-Admin's outer joins, so that no row is repeated and a page or a capped
        count stops as soon as it has its rows. Wildcards typed by the user are literal.
        """
        for term in search.split():
            pattern = f"%{escape_like(term)}%"
            dialect = db.session.get_bind().dialect.name
            conditions = []
            for field, path in self._search_fields:
                if not path:
                    conditions.append(field.ilike(pattern, escape="\\"))
                    continue
                if len(path) != 1 or path[0].property.direction.name != "MANYTOONE":
                    raise TypeError(f"search path {path} must be one many-to-one relation")
                relationship = path[0].property
                target = relationship.mapper.class_
                ((local, remote),) = relationship.local_remote_pairs
                matching = select(getattr(target, remote.key)).where(
                    field.ilike(pattern, escape="\\")
                )
                conditions.append(one_of(local, matching, dialect))
            query = query.filter(or_(*conditions))
            count_query = count_query.filter(or_(*conditions))
        return query, count_query, joins, count_joins

    def get_url(self, endpoint, **kwargs):
        # A list page links every row; the URL is built once and each row's id put in.
        return row_url(super().get_url, endpoint, **kwargs)

    # -- search by POST: the term is kept in the session and reaches no URL ------------------
    @property
    def search_term(self) -> str | None:
        """The current user's search term for this list (the session ends at logout)."""
        if not self._search_supported:
            return None
        return dict(session.get(SEARCH_SESSION_KEY) or ()).get(self.endpoint) or None

    def _get_list_extra_args(self):
        # A ``?search=`` in the URL is ignored: a GET never sets or carries a search.
        view_args = super()._get_list_extra_args()
        view_args.search = self.search_term
        return view_args

    def list_link_args(self) -> dict[str, str]:
        """The list's query arguments for links such as the export's, without a search."""
        return {key: value for key, value in request.args.items() if key != "search"}

    def _get_list_url(self, view_args):
        # Every link of a list (pages, sorting, page size, filters, return URLs) without
        # the term, which the list reads from the session again.
        return super()._get_list_url(view_args.clone(search=None))

    @expose("/search/", methods=("POST",))
    def search(self):
        """Store (or, empty or with ``clear``, drop) the list's search term, record that a
        search happened (never the term), and go back to the list with its sorting,
        filters and page size, on its first page (303, so the browser GETs the list)."""
        if not self._search_supported:
            abort(404)
        term = "" if request.form.get("clear") else request.form.get("search", "")
        term = " ".join(term.split())
        if len(term) > SEARCH_MAX_LENGTH:
            flash(
                _(
                    "Der Suchbegriff ist zu lang: höchstens %(max)s Zeichen. "
                    "Die Suche wurde nicht geändert.",
                    max=SEARCH_MAX_LENGTH,
                ),
                "error",
            )
        else:
            searches = [
                pair for pair in session.get(SEARCH_SESSION_KEY) or () if pair[0] != self.endpoint
            ]
            if term:
                searches = [*searches, [self.endpoint, term]][-SEARCH_LISTS_KEPT:]
                record("read", self.endpoint, None, {"search": True, "length": len(term)})
                db.session.commit()
            session[SEARCH_SESSION_KEY] = searches
        args = {
            key: value
            for key, value in request.form.items()
            if key not in SEARCH_FORM_FIELDS and not key.startswith("_")
        }
        return redirect(self.get_url(".index_view", **args), code=303)

    def get_filter_arg(self, index, flt):
        # Named from the untranslated label, so a filter URL is the same in German and
        # English, and preset links stay stable.
        if not self.named_filter_urls:
            return super().get_filter_arg(index, flt)
        name = msgid(flt.name)
        operation = msgid(flt.operation())
        slug = f"{name} {operation}".lower().translate(UMLAUTS)
        slug = re.sub(r"[^a-z0-9 ]", "", slug)
        return re.sub(r"\s+", "_", slug.strip())

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
        try:
            pk = int(id)
        except (TypeError, ValueError):
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
        ids = [int(i) for i in ids]  # psycopg 3 refuses to compare integers with strings
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
                value = request.args.get(name, type=int)
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

    def validate_form(self, form):
        valid = super().validate_form(form)
        # An optional relationship whose submitted id finds no visible row would silently
        # be saved as empty; a forged or foreign id is refused instead.
        for field in form:
            if not isinstance(field, AjaxSelectField | QuerySelectField):
                continue
            raw = [v for v in (field.raw_data or []) if v not in ("", "__None")]
            if raw and not field.data:
                field.errors = [*field.errors, _("Keine gültige Auswahl.")]
                valid = False
        return valid

    def update_model(self, form, model):
        if hasattr(form, "version_token"):
            submitted = form.version_token.data
            del form["version_token"]
            if not submitted or not submitted.isdigit() or int(submitted) != model.version:
                flash(
                    _(
                        "Der Datensatz wurde inzwischen von jemand anderem geändert. "
                        "Ihre Änderungen wurden nicht gespeichert. Bitte laden Sie den "
                        "Datensatz neu und tragen Sie Ihre Änderungen erneut ein."
                    ),
                    "error",
                )
                return False
        return super().update_model(form, model)

    # -- errors never show database text ---------------------------------------------------
    def handle_view_exception(self, exc: Exception) -> bool:
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

    # -- exports: capped, audited, formula-safe, readable by German Excel --------------------
    def get_export_value(self, model, name):
        return escape_formula(super().get_export_value(model, name))

    def get_export_name(self, export_type="csv"):
        # The endpoint and a timestamp: no personal data in file names.
        return f"lotse_{self.endpoint}_{datetime.now():%Y-%m-%d_%H-%M}.{export_type}"

    def _export_data(self):
        # Counted up to the export's own cap: a capped count means "more than the cap".
        g.lotse_count_limit = self.export_max_rows
        try:
            count, data = super()._export_data()
        finally:
            g.pop("lotse_count_limit", None)
        if count is not None and (isinstance(count, CappedCount) or count > self.export_max_rows):
            raise ExportTooLarge(count)
        # The filters, and whether a search narrowed the rows: never the search term.
        filters = {k: v for k, v in request.args.items() if k.startswith("flt")}
        details = {"rows": len(data), "filters": filters}
        if self.search_term:
            details["search"] = True
        record("export", self.endpoint, None, details)
        commit_keeping_loaded()  # the audit row now; the loaded rows stay for the download
        return count, data

    @expose("/export/<export_type>/")
    def export(self, export_type):
        try:
            return super().export(export_type)
        except ExportTooLarge as too_large:
            flash(
                _(
                    "Der Export ist auf %(cap)s Zeilen begrenzt, die Liste hat %(count)s. "
                    "Bitte schränken Sie sie mit Filtern ein.",
                    cap=self.export_max_rows,
                    count=too_large.count,
                ),
                "error",
            )
            return redirect(self.get_url(".index_view", **request.args))

    def _export_csv(self, return_url):
        """Semicolons and a byte-order mark, as German Excel expects."""
        count, data = self._export_data()
        columns = self._export_columns

        def rows():
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
            yield "\ufeff"
            writer.writerow([str(label) for _name, label in columns])
            for row in data:
                writer.writerow([self.get_export_value(row, name) for name, _label in columns])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
            yield buffer.getvalue()

        filename = self.get_export_name(export_type="csv")
        return Response(
            stream_with_context(rows()),
            headers={"Content-Disposition": f"attachment;filename={secure_filename(filename)}"},
            mimetype="text/csv; charset=utf-8",
        )


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
    "PERMISSIONS",
    "LotseIndexView",
    "LotseModelView",
    "ReferenceView",
    "allowed",
]
