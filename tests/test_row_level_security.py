"""PostgreSQL's row-level security, the authority rule's second line (migration 0009).

An application connects as a role of its own (``flask db grant-app``), which the policies
bind; the suite's own app connects as the superuser, which they do not. With the ORM rule
switched off, or with SQL written past it, that application still reads no row of another
authority that the rule would not admit, and writes none. SQLite has no row-level security.
"""

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

import models
from models import Activity, Authority, Case, Client, Goal, User, db
from models.choices import ROLE
from models.scoping import RULES, STEERING_READERS, Scope, as_user, scoped_tables, unscoped
from models.scoping import rule as rule_module
from models.scoping.scopes import _explicit_scope
from tests import factories
from tests.conftest import _client_for, make_app

pytestmark = pytest.mark.usefixtures("world")

# Every table the policies guard: the rule's classes, the shares and the audit trail.
CLASSES = [*RULES, models.CaseShare, models.AuditEvent]


@pytest.fixture(scope="module")
def app_role(database_url):
    """A login role that is neither superuser nor BYPASSRLS, like the application's."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row-level security is PostgreSQL's; SQLite keeps the ORM rule alone")
    url = make_url(database_url)
    role = f"lotse_app_{url.database}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            conn.execute(text(f'DROP OWNED BY "{role}"'))
        else:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
    engine.dispose()
    return role


@pytest.fixture
def rls_app(app, app_role, database_url, runner):
    """The application connected as the role, set up by its own command."""
    result = runner.invoke(args=["db", "grant-app", app_role])
    assert result.exit_code == 0, result.output
    url = make_url(database_url).set(username=app_role)
    bound = make_app(
        url.render_as_string(hide_password=False), LOTSE_OWNER_DATABASE_URL=database_url
    )
    yield bound
    with bound.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def region(app, world):
    """Authority 1 shares a full case with authority 2 (read access, valid consent); it has a
    confidential contact and document in it, and a case it shares with nobody; authority 2
    has a client and case of its own."""
    with app.app_context(), unscoped("test arrangement"):
        shared = factories.make_full_case(world, 0)
        owned = {"case": shared, "authority_id": shared.authority_id}
        db.session.add(
            Activity(
                occurred_on=date(2026, 3, 9), summary="VERTRAULICH", confidential=True, **owned
            )
        )
        factories.make_document(shared, factories.pdf("offen"), world.certificate)
        factories.make_document(
            shared, factories.pdf("geheim"), world.certificate, title="Geheim", confidential=True
        )
        first = db.session.get(Authority, world.authority)
        alone = factories.make_case(factories.make_client(first, family_name="UNGETEILT"))
        db.session.add(Goal(case=alone, authority_id=first.id, description="Nicht geteilt"))
        second = db.session.get(Authority, world.foreign_authority)
        theirs = factories.make_case(factories.make_client(second, family_name="ZWEITE"))
        db.session.add(Goal(case=theirs, authority_id=second.id, description="Eigenes Ziel"))
        db.session.commit()
        return {"shared": shared.id, "alone": alone.id, "theirs": theirs.id}


def _user(app, user_id):
    with app.app_context(), unscoped("test lookup"):
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _ids(cls, raw: bool) -> set[int]:
    """The ids of ``cls`` the current session reads: through the ORM rule, or as SQL that
    names the table (the ORM rule does not see a text statement)."""
    if raw:
        statement = text(f'SELECT id FROM "{cls.__tablename__}"')  # noqa: S608 (metadata)
        return set(db.session.scalars(statement))
    return set(db.session.scalars(select(cls.id)))


@contextmanager
def orm_rule_switched_off():
    """The ORM rule's hook removed, as a mistake in the ORM layer would."""
    event.remove(Session, "do_orm_execute", rule_module._add_authority_criteria)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", rule_module._add_authority_criteria)


SCOPED_USERS = ["caseworker", "team_lead", "it_admin", "auditor", "foreign_caseworker"]


@pytest.mark.parametrize("who", SCOPED_USERS)
def test_the_policies_admit_exactly_what_the_orm_rule_admits(app, rls_app, world, region, who):
    user_id = getattr(world, who)
    with app.app_context(), as_user(_user(app, user_id)):
        by_rule = {cls.__tablename__: _ids(cls, raw=False) for cls in CLASSES}
    with rls_app.app_context(), as_user(_user(rls_app, user_id)):
        by_policy = {cls.__tablename__: _ids(cls, raw=True) for cls in CLASSES}
    assert by_policy == by_rule
    # Not an empty agreement: the caseworkers see their cases, the roles without client data
    # none, and the second authority sees the shared case but not the confidential parts.
    if who in ("caseworker", "team_lead"):
        assert region["alone"] in by_policy["case"]
        assert region["theirs"] not in by_policy["case"]
    if who in ("it_admin", "auditor"):
        assert by_policy["client"] == set()
        assert by_policy["case"] == set()
    if who == "foreign_caseworker":
        assert by_policy["case"] == {region["shared"], region["theirs"]}
        with app.app_context(), unscoped("test check"):
            confidential = set(
                db.session.scalars(select(Activity.id).where(Activity.confidential.is_(True)))
            )
            documents = set(
                db.session.scalars(
                    select(models.Document.id).where(models.Document.confidential.is_(True))
                )
            )
        assert confidential
        assert not confidential & by_policy["activity"]
        assert documents
        assert not documents & by_policy["document"]


def test_with_the_orm_rule_switched_off_no_other_authoritys_row_is_read(
    app, rls_app, world, region
):
    with app.app_context(), unscoped("test count"):
        everything = {cls.__tablename__: _ids(cls, raw=False) for cls in CLASSES}
    foreign = _user(rls_app, world.foreign_caseworker)
    with rls_app.app_context(), as_user(foreign), orm_rule_switched_off():
        read = {cls.__tablename__: _ids(cls, raw=False) for cls in CLASSES}
        clients = db.session.scalars(select(Client)).all()
        owners = {
            cls.__tablename__: set(
                db.session.scalars(text(f'SELECT authority_id FROM "{cls.__tablename__}"'))  # noqa: S608
            )
            for cls in CLASSES
            if cls is not models.CaseShare
        }
    # Authority 1's unshared client and case never arrive; the shared case does.
    assert "UNGETEILT" not in {client.family_name for client in clients}
    assert region["alone"] not in read["case"]
    assert region["shared"] in read["case"]
    assert region["alone"] in everything["case"]
    # Of authority 1, only rows of the shared case: no household, consent or audit rows.
    for table in ("household_member", "consent", "audit_event"):
        assert owners[table] <= {world.foreign_authority}, table


def test_without_a_scope_sql_reads_no_client_data(rls_app, region):
    with rls_app.app_context():
        assert _explicit_scope.get() is None
        with db.engine.connect() as conn:
            for table in sorted(scoped_tables() - {"user"}):
                count = conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()  # noqa: S608
                assert count == 0, table


def test_the_explicit_unscoped_context_reads_everything(app, rls_app, region):
    with app.app_context(), unscoped("test count"):
        expected = {cls.__tablename__: _ids(cls, raw=True) for cls in CLASSES}
    with rls_app.app_context(), unscoped("test: the bypass"):
        assert {cls.__tablename__: _ids(cls, raw=True) for cls in CLASSES} == expected
    assert expected["case"]


def test_writes_to_another_authoritys_rows_change_nothing(app, rls_app, world, region):
    foreign = _user(rls_app, world.foreign_caseworker)
    first = world.authority
    with rls_app.app_context(), as_user(foreign):
        for table in ("client", "case", "goal", "household_member", "consent"):
            changed = db.session.execute(
                text(f'UPDATE "{table}" SET version = version + 1 WHERE authority_id = :a'),  # noqa: S608
                {"a": first},
            )
            assert changed.rowcount == 0, table  # the shared case is read-only for them
            removed = db.session.execute(
                text(f'DELETE FROM "{table}" WHERE authority_id = :a'),  # noqa: S608
                {"a": first},
            )
            assert removed.rowcount == 0, table
        db.session.commit()
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.session.execute(
                text(
                    "INSERT INTO goal (case_id, authority_id, description, status, version,"
                    " created_at, updated_at) VALUES (:c, :a, 'fremd', 'open', 1, now(), now())"
                ),
                {"c": region["alone"], "a": first},
            )
        db.session.rollback()
    with app.app_context(), unscoped("test check"):
        assert db.session.get(Case, region["alone"]).version == 1


def test_the_policies_know_the_roles_as_the_rule_does(rls_app, world):
    with rls_app.app_context():
        for role in ROLE.values:
            scope = Scope(authority_id=world.authority, role=role)
            token = _explicit_scope.set(scope)
            try:
                sees, reads_all = db.session.execute(
                    text("SELECT lotse_sees_client_data(), lotse_reads_all_issues()")
                ).one()
            finally:
                _explicit_scope.reset(token)
                db.session.rollback()
            assert sees == scope.sees_client_data, role
            assert reads_all == (role in STEERING_READERS), role


@pytest.mark.parametrize("connected", ["superuser", "role"])
def test_the_application_works_as_the_role(app, rls_app, world, region, connected):
    """The web pages connected as the role show what they show connected as the superuser:
    the shared case is there, the unshared one is not."""
    served = rls_app if connected == "role" else app
    client = _client_for(served, world.emails["foreign_caseworker"])
    cases = client.get("/admin/case/")
    assert cases.status_code == 200
    body = cases.get_data(as_text=True)
    with app.app_context(), unscoped("test lookup"):
        alone, theirs = (db.session.get(Case, region[name]).number for name in ("alone", "theirs"))
    assert theirs in body
    assert alone not in body
    shared = client.get(f"/admin/case/details/?id={region['shared']}")
    assert shared.status_code == 200
    assert "GEHEIM" not in shared.get_data(as_text=True)
    assert client.get(f"/admin/case/details/?id={region['alone']}").status_code == 404
    clients = client.get("/admin/client/").get_data(as_text=True)
    assert "ZWEITE" in clients
    assert "UNGETEILT" not in clients


def test_a_role_that_bypasses_the_policies_is_refused(app, runner, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    result = runner.invoke(args=["db", "grant-app", make_url(database_url).username])
    assert result.exit_code == 1
    assert "umgeht die Zeilensicherheit" in result.output
    result = runner.invoke(args=["db", "grant-app", "lotse_gibt_es_nicht"])
    assert result.exit_code == 1
    assert "gibt es nicht" in result.output


def test_a_cli_bypass_is_recorded(app, runner, world):
    result = runner.invoke(args=["privacy", "register"])
    assert result.exit_code == 0, result.output
    with app.app_context(), unscoped("test check"):
        event_ = db.session.scalars(
            select(models.AuditEvent).order_by(models.AuditEvent.id.desc())
        ).first()
    assert event_.action == "unscoped"
    assert event_.changes["reason"] == "record of processing activities (flask privacy register)"
    assert event_.changes["command"].endswith("privacy register")


def test_a_migration_leaves_no_bypass_on_the_pooled_connection(app, app_role):
    from alembic import command

    from services.migrate import MIGRATIONS_DIR

    with app.app_context():
        db.engine.dispose()
        config = app.extensions["migrate"].migrate.get_config(MIGRATIONS_DIR)
        command.upgrade(config, "head")  # the one connection it used goes back to the pool
        assert db.engine.pool.checkedin() == 1
        with db.engine.connect() as conn:
            setting = conn.execute(text("SELECT current_setting('lotse.unscoped', true)"))
            assert setting.scalar() in (None, "")
