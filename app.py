"""Lotse: the application factory. A table of contents; each part wires itself."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from admin_views import init_admin
from admin_views.auth import init_auth
from admin_views.i18n import init_i18n
from admin_views.security import init_security
from cli import init_cli
from models import db
from models.transactions import init_app as init_transactions
from services.diagnostics import init_diagnostics
from services.migrate import init_migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="admin_views/templates",
        static_folder="admin_views/static",
    )
    config.load(app, test_config)
    if app.config["LOTSE_PROXY_COUNT"]:
        # Behind a reverse proxy: take the client address from X-Forwarded-For.
        count = app.config["LOTSE_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    db.init_app(app)
    init_transactions(app)  # after db.init_app: it runs before the session is removed
    init_diagnostics(app)  # first, so that it counts what every other part runs
    init_migrate(app)
    init_i18n(app)
    init_security(app)
    init_auth(app)
    init_admin(app)
    init_cli(app)
    return app
