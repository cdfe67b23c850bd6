"""The database itself refuses bad data, on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError

from models import Case, Client, Goal, Measure, Need, db
from models.scoping import unscoped
from models.sql import exists_in
from models.types import utcnow
from tests import factories


@pytest.fixture
def arranged(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        client = factories.make_client(authority)
        case = factories.make_case(client)
        db.session.commit()
        yield {"client": client.id, "case": case.id, "number": client.number}


def _refused(statement):
    with db.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            conn.execute(statement)
        conn.rollback()


def _client_row(world, **overrides):
    row = {
        "authority_id": world.authority,
        "number": "KL-ABH-2026-99999",
        "family_name": "Test",
        "given_names": "Person",
        "gender": "unknown",
        "languages": [],
        "version": 1,
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    row.update(overrides)
    return row


def test_bad_enumeration_value_is_refused(app_ctx, world, arranged):
    _refused(insert(Client).values(**_client_row(world, gender="robot")))


def test_bad_case_status_is_refused(app_ctx, world, arranged):
    _refused(update(Case).where(Case.id == arranged["case"]).values(status="lost"))


def test_duplicate_client_number_within_one_authority_is_refused(app_ctx, world, arranged):
    _refused(insert(Client).values(**_client_row(world, number=arranged["number"])))


def test_same_number_in_another_authority_is_allowed(app_ctx, world, arranged):
    with db.engine.begin() as conn:
        conn.execute(
            insert(Client).values(
                **_client_row(
                    world, number=arranged["number"], authority_id=world.foreign_authority
                )
            )
        )


def test_dangling_foreign_key_is_refused(app_ctx, world, arranged):
    _refused(insert(Client).values(**_client_row(world, residence_status_id=987654)))


def test_case_part_cannot_belong_to_another_authority_than_its_case(app_ctx, world, arranged):
    now = utcnow()
    _refused(
        insert(Need).values(
            case_id=arranged["case"],
            authority_id=world.foreign_authority,
            need_area_id=world.language,
            priority="medium",
            version=1,
            created_at=now,
            updated_at=now,
        )
    )


def test_measure_goal_must_belong_to_the_same_case(app, world, arranged):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        other_case = factories.make_case(factories.make_client(authority, family_name="Other"))
        goal = Goal(case=other_case, authority_id=authority.id, description="Ziel")
        db.session.add(goal)
        db.session.commit()
        db.session.add(
            Measure(
                goal_id=goal.id,
                case_id=arranged["case"],
                authority_id=authority.id,
                description="falscher Fall",
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_done_measure_needs_a_date(app, world, arranged):
    with app.app_context(), unscoped("test arrangement"):
        case = db.session.get(Case, arranged["case"])
        goal = Goal(case=case, authority_id=case.authority_id, description="Ziel")
        db.session.add(goal)
        db.session.flush()
        db.session.add(
            Measure(
                goal=goal, case=case, authority_id=case.authority_id, description="x", status="done"
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.query(Measure).count() == 0


def test_sqlite_enforces_foreign_keys(app_ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragma only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_timestamps_are_timezone_aware_utc(app, world, arranged):
    with app.app_context(), unscoped("test check"):
        client = db.session.get(Client, arranged["client"])
        assert client.created_at.tzinfo is not None
        assert client.created_at.utcoffset().total_seconds() == 0
        assert client.version == 1


def test_version_counter_increases_on_update(app, world, arranged):
    with app.app_context(), unscoped("test arrangement"):
        client = db.session.get(Client, arranged["client"])
        client.notes = "geändert"
        db.session.commit()
        assert client.version == 2


def test_migrations_match_the_models(app_ctx):
    """Alembic's autogenerate finds no difference between models and migrations."""
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "include_object": exists_in(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_case_numbers_are_unique_and_sequential_per_authority(app, world):
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(factories.Authority, world.authority)
        foreign = db.session.get(factories.Authority, world.foreign_authority)
        numbers = [factories.make_client(authority, family_name=f"N{i}").number for i in range(3)]
        other = factories.make_client(foreign).number
        db.session.commit()
    year = date.today().year
    assert numbers == [f"KL-ABH-{year}-0000{i}" for i in (1, 2, 3)]
    assert other == f"DT-ABH-{year}-00001"
