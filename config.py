"""Configuration from the environment (docs/design.md §6), with safe defaults."""

import os
import secrets
from datetime import date, timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    pass


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def _date(name: str) -> date | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a date YYYY-MM-DD, got {raw!r}") from exc


def _development_secret(instance_path: Path) -> str:
    """In development a random key is generated once and kept in ``instance/``."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _engine_options(url: str) -> dict:
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # PostgreSQL's JIT compiles the authority rule's criteria anew for every query, which
        # costs seconds at region scale and gains nothing for these short queries.
        # psycopg prepares a statement on its second execution on a connection (its default
        # is the sixth): the authority rule makes list statements long, and planning them
        # anew costs more than running them. Prepared, PostgreSQL plans each once per
        # connection, or keeps a custom plan where the parameters matter (docs/
        # access-at-scale.md). A negative LOTSE_DB_PREPARE_THRESHOLD switches it off, for
        # a connection pooler without prepared statements.
        threshold = _int("LOTSE_DB_PREPARE_THRESHOLD", 1)
        options["connect_args"] = {
            "options": "-c jit=off",
            "prepare_threshold": threshold if threshold >= 0 else None,
        }
    return options


def load(app, test_config: dict | None = None) -> None:
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    env = (test_config or {}).get("LOTSE_ENV") or os.environ.get("LOTSE_ENV", "production")
    if env not in ("production", "development"):
        raise ConfigError(f"LOTSE_ENV must be 'production' or 'development', got {env!r}")
    development = env == "development"

    secret = os.environ.get("SECRET_KEY")
    if not secret and development:
        secret = _development_secret(instance_path)

    app.config.update(
        LOTSE_ENV=env,
        SECRET_KEY=secret,
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'lotse.db'}"
        ),
        # The schema owner's connection for migrations and backups, where the application
        # connects as a role of its own that row-level security binds (PostgreSQL).
        LOTSE_OWNER_DATABASE_URL=os.environ.get("LOTSE_OWNER_DATABASE_URL") or None,
        # Session cookie: HttpOnly, SameSite=Lax, Secure outside local development.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not development,
        SESSION_COOKIE_NAME="lotse_session",
        REMEMBER_COOKIE_DURATION=timedelta(0),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=_int("LOTSE_SESSION_IDLE_MINUTES", 30)),
        LOTSE_SESSION_MAX_HOURS=_int("LOTSE_SESSION_MAX_HOURS", 10),
        LOTSE_LOGIN_RATE_LIMIT=os.environ.get(
            "LOTSE_LOGIN_RATE_LIMIT", "10 per minute;100 per hour"
        ),
        LOTSE_RATELIMIT_STORAGE_URI=os.environ.get("LOTSE_RATELIMIT_STORAGE_URI", "memory://"),
        LOTSE_PROXY_COUNT=_int("LOTSE_PROXY_COUNT", 0),
        # The second factor (docs/design.md §9): on, every account must enrol once its grace
        # period is over; team leads and IT staff always before anything else.
        LOTSE_2FA_REQUIRED=_flag("LOTSE_2FA_REQUIRED", True),
        LOTSE_2FA_GRACE_DAYS=_int("LOTSE_2FA_GRACE_DAYS", 14),
        LOTSE_2FA_GRACE_FROM=_date("LOTSE_2FA_GRACE_FROM"),
        LOTSE_ARGON2_TIME_COST=_int("LOTSE_ARGON2_TIME_COST", 3),
        LOTSE_ARGON2_MEMORY_KIB=_int("LOTSE_ARGON2_MEMORY_KIB", 65536),
        LOTSE_RETENTION_CASE_YEARS=_int("LOTSE_RETENTION_CASE_YEARS", 3),
        # How long a request for the it_admin role waits for its second confirmation.
        LOTSE_ROLE_GRANT_HOURS=_int("LOTSE_ROLE_GRANT_HOURS", 72),
        LOTSE_EXPORT_MAX_ROWS=_int("LOTSE_EXPORT_MAX_ROWS", 10000),
        LOTSE_LIST_COUNT_LIMIT=_int("LOTSE_LIST_COUNT_LIMIT", 10000),
        LOTSE_SEARCH_COUNT_LIMIT=_int("LOTSE_SEARCH_COUNT_LIMIT", 1000),
        LOTSE_DEFAULT_LOCALE=os.environ.get("LOTSE_DEFAULT_LOCALE", "de"),
        LOTSE_TIMEZONE=os.environ.get("LOTSE_TIMEZONE", "Europe/Berlin"),
        # Benchmarks: X-Lotse-Statements on every response (services/diagnostics.py).
        LOTSE_STATEMENT_COUNT_HEADER=bool(_int("LOTSE_STATEMENT_COUNT_HEADER", 0)),
        LOTSE_DEMO_CREDENTIALS=instance_path / "demo-accounts.txt",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        FLASK_ADMIN_SWATCH="default",
        # Documents of a case (services/documents.py): the largest file, and where files live.
        LOTSE_DOCUMENT_MAX_MB=_int("LOTSE_DOCUMENT_MAX_MB", 20),
        LOTSE_DOCUMENT_DIR=Path(
            os.environ.get("LOTSE_DOCUMENT_DIR") or instance_path / "documents"
        ).resolve(),
    )
    if os.environ.get("LOTSE_STATISTICS_CACHE_SECONDS"):
        # Unset, the figures cache keeps 120 s (0 under tests): services/statistics/.
        app.config["LOTSE_STATISTICS_CACHE_SECONDS"] = _int("LOTSE_STATISTICS_CACHE_SECONDS", 120)
    if test_config:
        app.config.update(test_config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    if app.config["LOTSE_DOCUMENT_MAX_MB"] < 1:
        raise ConfigError("LOTSE_DOCUMENT_MAX_MB must be at least 1")
    app.config["LOTSE_DOCUMENT_DIR"] = Path(app.config["LOTSE_DOCUMENT_DIR"])
    # A request may carry one document and its form fields; anything larger is refused
    # before it is read (413, a German error page).
    if "MAX_CONTENT_LENGTH" not in (test_config or {}):
        app.config["MAX_CONTENT_LENGTH"] = (app.config["LOTSE_DOCUMENT_MAX_MB"] + 1) * 1024 * 1024
    if app.config["LOTSE_DEFAULT_LOCALE"] not in ("de", "en"):
        raise ConfigError("LOTSE_DEFAULT_LOCALE must be 'de' or 'en'")
    if not app.config["SECRET_KEY"]:
        raise ConfigError(
            "SECRET_KEY is not set. Production needs a secret key; "
            "set SECRET_KEY or run with LOTSE_ENV=development."
        )
