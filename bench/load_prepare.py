"""bench/load.py, step one: a fresh load database (run as its own process, before locust's
gevent patches the interpreter).

It migrates the database, loads the reference data and a demo region with the four pilot
authorities (``flask seed demo``), then adds what the scenario needs: accounts of every role in
each authority with one known password, for each caseworker account a client and a case with a
need, a goal, an activity and a checklist of its own (so that no two simulated users edit the
same row), and per authority a marker client ``MARKER-<authority code>`` with a case, which
only that authority may ever see. It prints the accounts as JSON.

    python -m bench.load_prepare --url postgresql+psycopg://…/lotse_load --users 50
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.load_forms import PASSWORD, SECRET_KEY, Account  # noqa: E402
from bench.second_factor import SECRET as TOTP_SECRET  # noqa: E402

AUTHORITIES = 4
# Twelve of an office: eight caseworkers, two team leads, an auditor, an IT administrator;
# every role comes within the first four, so that a short run has each of them.
ROLE_CYCLE = ("caseworker", "team_lead", "auditor", "it_admin", *("caseworker",) * 6,
              "team_lead", "caseworker")  # fmt: skip


def roles_for(users: int, authorities: int = AUTHORITIES) -> list[tuple[str, int]]:
    """(role, authority index) of each simulated user. The authorities take turns, shifted by
    one with each round of the cycle, so that 48 users give each authority every role."""
    cycle = len(ROLE_CYCLE)
    return [(ROLE_CYCLE[i % cycle], (i + i // cycle) % authorities) for i in range(users)]


def reset_database(url: str) -> None:
    """An empty database: created on PostgreSQL if missing, else its schema emptied."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and Path(parsed.database).exists():
            Path(parsed.database).unlink()
        return
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "LOTSE_ENV": "development", "SECRET_KEY": SECRET_KEY}
    subprocess.run(  # noqa: S603 (a fixed command line)
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def add_accounts(users: int, count: int = AUTHORITIES) -> list[Account]:
    """The accounts of the simulated users and of one leak checker per authority, with their
    own rows, for the first ``count`` authorities; committed."""
    from models import Authority, NeedArea, db
    from models.case import Activity, Case, Goal
    from models.client import Client
    from models.scoping import as_user, unscoped
    from models.types import utcnow
    from services import role_grants
    from services.cases import open_case, record_needs, register_client
    from services.second_factor import encrypt_secret
    from services.users import create_user

    with unscoped("load test: the authorities"):
        authorities = db.session.scalars(
            select(Authority).order_by(Authority.position, Authority.id)
        ).all()[:count]
        area = db.session.scalars(
            select(NeedArea).where(NeedArea.active.is_(True)).order_by(NeedArea.position)
        ).first()
    if len(authorities) < count:
        raise SystemExit(f"the reference data has {len(authorities)} authorities, not {count}")
    markers = {a.code: f"MARKER-{a.code}" for a in authorities}
    wanted = [*roles_for(users, count), *(("checker", i) for i in range(count))]
    accounts = []
    it_admins = []
    today = date.today()
    for number, (role, index) in enumerate(wanted):
        authority = authorities[index]
        email = f"last-{role.replace('_', '-')}-{number}@{authority.code.replace('_', '-')}.example"
        with unscoped("load test: accounts"):
            # The first two it_admins get the role at once; every later one by four eyes,
            # requested by the first and confirmed by the second (services/role_grants.py).
            confirmed = role == "it_admin" and len(it_admins) >= role_grants.CONFIRMERS_NEEDED
            user, _generated = create_user(
                email=email,
                display_name=f"Lastprobe {role} {number}",
                role="caseworker" if role == "checker" or confirmed else role,
                authority_code=authority.code,
                password=PASSWORD,
            )
            if confirmed:
                db.session.flush()
                _user, grant = role_grants.set_role(email, "it_admin", by=it_admins[0])
                role_grants.confirm(grant, by=it_admins[1])
            if role == "it_admin":
                it_admins.append(user)
            # Enrolled in the second factor with the benchmarks' known authenticator.
            user.totp_secret = encrypt_secret(TOTP_SECRET)
            user.totp_enrolled_at = utcnow()
            db.session.flush()
        account = Account(
            email, role, authority.code, user.id, totp_secret=TOTP_SECRET, markers=markers
        )
        if role in ("caseworker", "checker"):
            with as_user(user):
                name = markers[authority.code] if role == "checker" else "Lastprobe"
                client = Client(
                    family_name=name,
                    given_names=f"Nr. {number}",
                    privacy_notice_given_on=today,
                )
                register_client(client, authority.id)
                db.session.add(client)
                db.session.flush()
                case = Case(client=client, authority_id=authority.id, caseworker_id=user.id)
                case.opened_on = today
                open_case(case)
                db.session.flush()
                record_needs(case, [area])
                goal = Goal(
                    case=case,
                    authority_id=authority.id,
                    need_area=area,
                    description="Ziel der Lastprobe",
                    agreed_on=today,
                )
                activity = Activity(
                    case=case,
                    authority_id=authority.id,
                    occurred_on=today,
                    duration_minutes=30,
                    summary="Beratung der Lastprobe",
                )
                db.session.add_all([goal, activity])
                db.session.flush()
                account.client_id, account.case_id = client.id, case.id
                account.goal_id, account.activity_id = goal.id, activity.id
        accounts.append(account)
    with unscoped("load test: accounts"):
        db.session.commit()
    return accounts


def prepare(url: str, users: int, cases: int) -> list[Account]:
    reset_database(url)
    flask(url, "db", "upgrade")
    flask(url, "seed", "reference")
    flask(url, "seed", "demo", "--cases", str(cases), "--reference-date", "heute")
    from app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "LOTSE_ENV": "development", "SECRET_KEY": SECRET_KEY}
    )
    with app.app_context():
        accounts = add_accounts(users)
        from models import db

        db.engine.dispose()
    return accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--app-role", default="", help="a role for the workers to connect as")
    args = parser.parse_args()
    accounts = prepare(args.url, args.users, args.cases)
    app_url = args.url
    if args.app_role:
        from app import create_app
        from bench.list_server import application_role

        config = {"LOTSE_ENV": "development", "SECRET_KEY": SECRET_KEY}
        app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, **config})
        app_url = application_role(app, args.url, args.app_role)
    print(json.dumps({"accounts": [asdict(a) for a in accounts], "app_url": app_url}))


if __name__ == "__main__":
    main()
