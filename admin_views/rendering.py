"""Work a page does for every row or on every request, done once instead.

The menu depends only on the role, the language and the current view, so it is rendered
once per combination and process. Row links (details, edit) differ only in the row id, so
their URL is built once per page and the id put in; the URLs of static files are built once
per process. All are measured by ``bench/lists.py``.
"""

from collections import OrderedDict
from threading import Lock

from flask import g, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

_MENU_CACHE_SIZE = 512
_menus: OrderedDict[tuple, Markup] = OrderedDict()
_menus_lock = Lock()

# An id no table reaches; it marks where a row's id goes in a URL built once.
_ROW_ID = 918273645546372819


def cached_menu(render, admin_view) -> Markup:
    """The main menu, rendered by the macro ``render`` for the current user's role."""
    key = (
        getattr(current_user, "role", None),
        str(get_locale()),
        admin_view.endpoint,
        request.script_root,
    )
    with _menus_lock:
        html = _menus.get(key)
        if html is not None:
            _menus.move_to_end(key)
            return html
    html = Markup(render())  # noqa: S704 (the macro output is escaped by Jinja)
    with _menus_lock:
        _menus[key] = html
        while len(_menus) > _MENU_CACHE_SIZE:
            _menus.popitem(last=False)
    return html


_STATIC_CACHE_SIZE = 256
_static_urls: dict[tuple, str] = {}


def static_url(build, endpoint: str, **kwargs) -> str:
    """``build(endpoint, **kwargs)`` for a static file: the same for every request of the
    same script root, so built once per process."""
    key = (endpoint, request.script_root, tuple(sorted((k, str(v)) for k, v in kwargs.items())))
    url = _static_urls.get(key)
    if url is None:
        url = build(endpoint, **kwargs)
        if len(_static_urls) < _STATIC_CACHE_SIZE:
            _static_urls[key] = url
    return url


def row_url(build, endpoint: str, **kwargs) -> str:
    """``build(endpoint, **kwargs)`` for a row id ``kwargs["id"]``, from a URL built once
    per request for the other arguments."""
    row_id = kwargs.get("id")
    # Flask-Admin passes the primary key as ``int`` or, from its list template, as ``str``.
    if not (type(row_id) is int or (type(row_id) is str and row_id.isascii() and row_id.isdigit())):
        return build(endpoint, **kwargs)
    key = (endpoint, tuple(sorted((k, str(v)) for k, v in kwargs.items() if k != "id")))
    cache = g.setdefault("lotse_row_urls", {})
    template = cache.get(key)
    if template is None:
        template = build(endpoint, **{**kwargs, "id": _ROW_ID})
        if template.count(str(_ROW_ID)) != 1:
            template = ""  # the marker is not unique in it: build every URL
        cache[key] = template
    if not template:
        return build(endpoint, **kwargs)
    return template.replace(str(_ROW_ID), str(row_id))
