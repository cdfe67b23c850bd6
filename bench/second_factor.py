"""The benchmarks' logins pass the second factor with an authenticator of known secret.

Before each login the benchmark user gets ``SECRET`` as an enrolled factor, encrypted under
the app's SECRET_KEY, and its last used time step is forgotten: the benchmarks log one user
in several times within one 30-second step, which a person never does. Databases made
before the second factor existed work as they are.
"""

from __future__ import annotations

SECRET = "KRUGS4ZANFZSAYJAMJSW4Y3INVQXE2ZA"  # noqa: S105 (a benchmark database's, nobody's)


def enrol(app, email: str) -> None:
    import pyotp  # noqa: F401 (fail here, not in the middle of a run, if it is missing)
    from sqlalchemy import func, update

    from models import User, db
    from models.scoping import unscoped
    from models.types import utcnow
    from services.second_factor import encrypt_secret

    with app.app_context(), unscoped("benchmark arrangement"):
        db.session.execute(
            update(User)
            .where(func.lower(User.email) == email.lower())
            .values(
                totp_secret=encrypt_secret(SECRET), totp_enrolled_at=utcnow(), totp_last_step=None
            )
        )
        db.session.commit()


def code() -> str:
    import pyotp

    return pyotp.TOTP(SECRET).now()


def login(app, browser, email: str, password: str):
    """Both steps through a Flask test client (CSRF off); the answer of the last."""
    enrol(app, email)
    response = browser.post("/login", data={"email": email, "password": password})
    assert response.headers.get("Location") == "/login/code", response.status_code
    return browser.post("/login/code", data={"code": code()})
