"""The list pages: cheap counts, indexed search, search terms kept out of URLs.

``ListMixin`` holds what every list of ``LotseModelView`` (admin_views/base.py) does beyond
Flask-Admin:

- the count stays cheap at region scale: exact up to a limit, "more than" beyond it
  (``CappedCount``), and a page of rows is read through the authority-led index
  (``models.scoping.visible_count`` and ``visible_page``; docs/access-at-scale.md);
- a search matches each term in one searchable column, through the trigram indexes, with
  the user's wildcards taken literally (``escape_like``);
- the search term is posted, kept in the session per list and never put in a URL
  (docs/design.md §9, "No personal data in URLs");
- filter URLs are named from the untranslated labels, the same in German and English.

The mixin stands before Flask-Admin's ``ModelView`` in a view's bases, so that its
``super()`` calls reach Flask-Admin.
"""

import re

from flask import abort, current_app, flash, g, redirect, request, session
from flask_admin import expose
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from models import db
from models.auditing import record
from models.scoping import visible_count, visible_page
from models.sql import one_of

from .rendering import row_url, static_url

# The search terms of the lists, per view endpoint, live in the session, never in a URL:
# a searched family name would otherwise land in browser histories and proxy logs
# (docs/design.md §9, "No personal data in URLs").
SEARCH_SESSION_KEY = "lotse_searches"  # [[endpoint, term], ...], the newest last
SEARCH_MAX_LENGTH = 100
SEARCH_LISTS_KEPT = 8  # the session cookie stays small however many lists are searched
# Posted by a list's search form besides the list's own arguments; never part of its URL.
SEARCH_FORM_FIELDS = frozenset({"search", "clear", "page", "csrf_token", "url"})

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class CappedCount(int):
    """A row count that stopped at its limit: shown as "mehr als 10.000"."""

    def __str__(self) -> str:
        return _("mehr als %(count)s", count=format_number(int(self)))

    __html__ = __str__


def escape_like(term: str) -> str:
    """``term`` with the wildcards of LIKE escaped (the escape character is a backslash)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def msgid(text) -> str:
    """The untranslated message of a lazy string (its msgid), or the text itself."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


class ListMixin:
    """Counts, search and filter URLs of a Flask-Admin list; see the module docstring."""

    # -- counts that stay cheap at region scale, search that uses the indexes ---------------
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
        if endpoint == "admin.static":
            return static_url(super().get_url, endpoint, **kwargs)
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
