"""CSRF protection, security headers and generic error pages (docs/design.md §9)."""

import secrets

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

from models import db
from models.scoping import ScopeViolation

from .outage import busy_message, init_outage

csrf = CSRFProtect()


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _content_security_policy() -> str:
    nonce = csp_nonce()
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # Bootstrap widgets set style attributes; styles cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _set_headers(response):
    response.headers.setdefault("Content-Security-Policy", _content_security_policy())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    # Everything behind the login may show personal data: never keep it in a cache.
    if not request.path.startswith(("/static/", "/admin/static/")):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


ERRORS = {
    400: lambda: _("Die Anfrage war ungültig. Bitte laden Sie die Seite neu."),
    403: lambda: _("Sie haben keine Berechtigung für diese Seite."),
    404: lambda: _("Die Seite oder der Datensatz wurde nicht gefunden."),
    405: lambda: _("Diese Aktion ist hier nicht erlaubt."),
    413: lambda: _(
        "Die gesendeten Daten sind zu groß: eine Datei darf höchstens %(mb)s MB haben. "
        "Es wurde nichts gespeichert.",
        mb=current_app.config["LOTSE_DOCUMENT_MAX_MB"],
    ),
    429: lambda: _("Zu viele Anfragen. Bitte warten Sie einen Moment."),
    500: lambda: _("Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut."),
    503: busy_message,
}


def _error_page(code: int):
    def handler(error):
        return render_template("error.html", code=code, message=ERRORS[code]()), code

    return handler


def _refuse_nul_characters():
    """A NUL character in a request is refused before any view reads it: PostgreSQL cannot
    store or compare text with NUL, so it would end in a database error."""
    for values in (request.args, request.form):
        for key, items in values.lists():
            if "\x00" in key or any("\x00" in item for item in items):
                message = _(
                    "Die Eingabe enthält ein unzulässiges Steuerzeichen (NUL). Bitte "
                    "entfernen Sie es und senden Sie das Formular erneut."
                )
                return render_template("error.html", code=400, message=message), 400
    return None


def init_security(app) -> None:
    # Before CSRF protection, so that a NUL in the token is this refusal too.
    app.before_request(_refuse_nul_characters)
    csrf.init_app(app)
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    for code in ERRORS:
        app.register_error_handler(code, _error_page(code))
    init_outage(app)  # the database unreachable: 503, rolled back (admin_views/outage.py)

    @app.errorhandler(ScopeViolation)
    def scope_violation(error):
        # A write across the authority boundary: nothing is saved, and the row "does not
        # exist" for this user (docs/design.md §4).
        db.session.rollback()
        return render_template("error.html", code=404, message=ERRORS[404]()), 404

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("Das Formular ist abgelaufen oder ungültig. Bitte laden Sie die Seite neu.")
        return render_template("error.html", code=400, message=message), 400
