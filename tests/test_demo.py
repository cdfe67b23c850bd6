"""``flask seed demo`` and ``flask seed first-run``: consistent, deterministic demo data."""

import io
import multiprocessing
import os
import re
import stat
import threading
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from models import (
    CASE_PARTS,
    FINAL_GOAL_STATUSES,
    Activity,
    Authority,
    Case,
    CaseChecklistItem,
    CaseShare,
    Client,
    Consent,
    Document,
    Evaluation,
    Goal,
    HouseholdMember,
    Need,
    NumberSequence,
    Referral,
    StructuralIssue,
    User,
    db,
)
from models.choices import CASE_STATUS
from models.scoping import unscoped
from seed.bulk import processes as bulk_processes
from seed.bulk.writer import Writer
from seed.demo import TABLES, DemoError, DemoGenerator, generate_demo, terminal_progress
from services.cases import copy_checklist, open_case, register_client
from services.numbering import next_number
from tests.conftest import clean_database

AFTER_PLANNING = ("planning", "active", "on_hold", "evaluation", "closed")
AGREED = ("active", "on_hold", "evaluation", "closed")


def seed(runner, *args):
    return runner.invoke(args=["seed", *args])


@pytest.fixture
def reference(runner):
    result = seed(runner, "reference")
    assert result.exit_code == 0, result.output


def wipe(app):
    """Empty every table, as between tests, so a second run starts afresh."""
    clean_database(app)


def demo_fingerprint(app) -> list:
    with app.app_context(), unscoped("test check"):
        rows = db.session.execute(
            select(
                Case.number,
                Case.status,
                Case.opened_on,
                Client.number,
                Client.family_name,
                Client.given_names,
                Client.birth_date,
                Client.nationality,
            )
            .join(Client, Client.id == Case.client_id)
            .order_by(Case.number)
        ).all()
        return [tuple(row) for row in rows]


def run_demo(runner, *args):
    result = seed(runner, "demo", *args)
    assert result.exit_code == 0, result.output
    return result


def test_demo_is_deterministic(app, runner, reference):
    result = run_demo(runner, "--cases", "12", "--random-seed", "7")
    assert result.output.startswith("Demodaten erzeugt: 12 Fälle")
    assert len(result.output.strip().splitlines()) == 1
    first = demo_fingerprint(app)
    assert len(first) == 12

    wipe(app)
    seed(runner, "reference")
    run_demo(runner, "--cases", "12", "--random-seed", "7")
    assert demo_fingerprint(app) == first

    wipe(app)
    seed(runner, "reference")
    run_demo(runner, "--cases", "12", "--random-seed", "8")
    other = demo_fingerprint(app)
    assert {row[4:6] for row in other} != {row[4:6] for row in first}


def test_batch_size_and_helper_thread_do_not_change_the_data(app, reference):
    with app.app_context(), unscoped("test demo"):
        # Small batches, each generated in the helper thread while the one before is written.
        summary = generate_demo(9, 11, batch_size=4, ahead="thread")
        assert summary.cases == 9
        # Committed and emptied after every batch.
        assert not db.session.new
        assert not db.session.identity_map
    batched = demo_fingerprint(app)
    wipe(app)
    with app.app_context(), unscoped("test demo"):
        from seed.loader import load_reference

        load_reference()
        generate_demo(9, 11, batch_size=500, ahead="off")
    assert demo_fingerprint(app) == batched


def demo_content(app) -> dict[str, list]:
    """Every row the generator writes, all columns but the batch's timestamps, sorted."""
    with app.app_context(), unscoped("test check"):
        content = {}
        for table in TABLES:
            columns = [c for c in table.columns if c.key not in ("created_at", "updated_at")]
            rows = db.session.execute(select(*columns)).all()
            content[table.name] = sorted(map(repr, rows))
        return content


def _described(index: dict) -> list:
    """An index as comparable data: a partial index's condition (SQLite reflects it as a
    SQL text object) by its text."""
    options = {k: str(v) for k, v in index.get("dialect_options", {}).items()}
    return sorted({**index, "dialect_options": options}.items())


def schema(app) -> dict:
    """The indexes and foreign keys of the written tables, as the database reports them."""
    with app.app_context():
        inspector = inspect(db.engine)
        return {
            table.name: (
                sorted(repr(_described(i)) for i in inspector.get_indexes(table.name)),
                sorted(repr(sorted(fk.items())) for fk in inspector.get_foreign_keys(table.name)),
            )
            for table in TABLES
        }


@pytest.mark.parametrize(
    ("ahead", "bulk"),
    [("process", False), ("process", True), ("thread", True), ("off", True)],
)
def test_every_way_of_writing_gives_the_same_rows(app, reference, ahead, bulk):
    """Generator processes (keys handed out afterwards), a helper thread, one transaction:
    the same rows as one batch after another in the caller's process, keys included."""
    with app.app_context(), unscoped("test demo"):
        generate_demo(11, 5, batch_size=3, ahead="off", bulk=False)
    expected = demo_content(app)
    assert len(expected["case"]) == 11
    wipe(app)
    seed_reference(app)
    with app.app_context(), unscoped("test demo"):
        summary = generate_demo(11, 5, batch_size=3, ahead=ahead, bulk=bulk)
        assert summary.cases == 11
        assert not db.session.new
    assert demo_content(app) == expected
    assert not multiprocessing.active_children()


def seed_reference(app):
    with app.app_context(), unscoped("test seed"):
        from seed.loader import load_reference

        load_reference()
        db.session.commit()


def test_a_bulk_run_builds_its_indexes_and_keys_again(app, reference):
    before = schema(app)
    assert any(indexes for indexes, _ in before.values())
    assert any(keys for _, keys in before.values())
    with app.app_context(), unscoped("test demo"):
        generate_demo(7, 3, batch_size=2, bulk=True, ahead="process")
    assert schema(app) == before
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                unchecked = conn.execute(
                    text("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
                ).scalar_one()
            assert unchecked == 0


def fail_on_the_fifth_case(monkeypatch) -> None:
    """The fifth case built (in this process) raises ``RuntimeError("boom")``."""
    built = []
    tick = DemoGenerator._tick_checklist

    def tick_until_the_fifth(self, case, r, worker):
        built.append(case)
        if len(built) == 5:
            raise RuntimeError("boom")
        tick(self, case, r, worker)

    monkeypatch.setattr(DemoGenerator, "_tick_checklist", tick_until_the_fifth)


def test_a_failing_bulk_run_changes_nothing(app, reference, monkeypatch):
    before = schema(app)
    with app.app_context(), unscoped("test count"):
        users = db.session.scalar(select(func.count()).select_from(User))
    fail_on_the_fifth_case(monkeypatch)
    with app.app_context(), unscoped("test demo"):
        # Raised in the helper thread (the third batch), after two batches were written.
        with pytest.raises(RuntimeError, match="boom"):
            generate_demo(9, 2, batch_size=2, bulk=True, ahead="thread")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
        assert db.session.scalar(select(func.count()).select_from(Client)) == 0
        # The staff accounts of the run went with it.
        assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert schema(app) == before


class DemoGeneratorFailure(Exception):
    pass


def _fail_in_a_child(self, case, r, worker):
    if case.id > 4:  # the batch's own keys: its fifth case
        raise DemoGeneratorFailure("boom in a child")


def _hang(self, case, r, worker):
    time.sleep(60)


def _die(self, case, r, worker):
    os._exit(3)


@pytest.mark.parametrize(
    ("tick", "cases", "batch_size", "bulk", "error", "message"),
    [
        # An exception in a generator process reaches the writer.
        (_fail_in_a_child, 12, 6, True, DemoGeneratorFailure, "boom in a child"),
        # A process that stays silent is stopped.
        (_hang, 8, 4, None, DemoError, "antwortet nicht mehr"),
        # A process that dies is reported in German.
        (_die, 8, 4, True, DemoError, "unerwartet beendet worden"),
    ],
    ids=["error", "hang", "death"],
)
def test_a_failing_generator_process_stops_the_run_and_writes_nothing(
    app, reference, monkeypatch, tick, cases, batch_size, bulk, error, message
):
    monkeypatch.setattr(DemoGenerator, "_tick_checklist", tick)
    monkeypatch.setattr(bulk_processes, "GENERATOR_SILENCE_SECONDS", 0.5 if tick is _hang else 300)
    started = time.monotonic()
    with app.app_context(), unscoped("test demo"):
        with pytest.raises(error, match=message):
            generate_demo(cases, 2, batch_size=batch_size, bulk=bulk, ahead="process")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert time.monotonic() - started < 30
    assert not multiprocessing.active_children()


def write_a_dangling_need(monkeypatch) -> None:
    """Each batch's first need names a need area that does not exist."""
    write = Writer.write

    def write_dangling(self, batch, conn):
        if batch.rows["need"]:
            batch.rows["need"][0]["need_area_id"] = 999_999
        write(self, batch, conn)

    monkeypatch.setattr(Writer, "write", write_dangling)


def test_a_bad_key_in_a_bulk_run_is_refused_and_changes_nothing(app, reference, monkeypatch):
    """With the keys set aside (PostgreSQL) they are checked when built again."""
    before = schema(app)
    write_a_dangling_need(monkeypatch)
    with app.app_context(), unscoped("test demo"):
        with pytest.raises(IntegrityError):
            generate_demo(6, 4, batch_size=3, bulk=True, ahead="off")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Need)) == 0
    assert schema(app) == before


def test_the_command_reports_a_refused_batch_in_german(app, runner, reference, monkeypatch):
    write_a_dangling_need(monkeypatch)
    result = seed(runner, "demo", "--cases", "8")
    assert result.exit_code == 1
    assert "Die Datenbank hat die Demodaten abgelehnt" in result.output
    assert "Traceback" not in result.output
    assert "FOREIGN" not in result.output.upper()
    with app.app_context(), unscoped("test count"):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_demo_cases_are_consistent_with_their_state(app, runner, reference):
    run_demo(runner, "--cases", "14", "--random-seed", "3")
    with app.app_context(), unscoped("test check"):
        cases = db.session.scalars(select(Case)).all()
        assert len(cases) == 14
        assert Counter(c.status for c in cases).keys() == set(CASE_STATUS.values)
        assert len({c.authority_id for c in cases}) == db.session.scalar(
            select(func.count()).select_from(Authority)
        )
        for case in cases:
            who = f"{case.number} ({case.status})"
            assert case.client.authority_id == case.authority_id, who
            assert case.caseworker is not None, who
            assert case.caseworker.authority_id == case.authority_id, who
            assert case.caseworker.role == "caseworker", who
            general = db.session.scalars(
                select(CaseChecklistItem).where(
                    CaseChecklistItem.case_id == case.id, CaseChecklistItem.need_area_id.is_(None)
                )
            ).all()
            assert general, who
            activities = db.session.scalars(
                select(Activity).where(Activity.case_id == case.id)
            ).all()
            assert activities, who
            assert all(a.duration_minutes > 0 for a in activities), who
            assert all(case.opened_on <= a.occurred_on for a in activities), who

            if case.status in AFTER_PLANNING:
                assert case.needs, who
                assert case.client.privacy_notice_given_on is not None, who
            if case.status in AGREED:
                assert any(g.agreed_on for g in case.goals), who
            if case.status in ("evaluation", "closed"):
                assert case.goals, who
                assert all(g.status in FINAL_GOAL_STATUSES for g in case.goals), who
            evaluation = db.session.scalars(
                select(Evaluation).where(Evaluation.case_id == case.id)
            ).one_or_none()
            if case.status == "closed":
                assert evaluation is not None, who
                assert evaluation.effort_minutes == sum(a.duration_minutes for a in activities)
                assert case.closure_reason is not None, who
            if case.status in ("closed", "declined"):
                assert case.closed_on is not None, who
            else:
                assert case.closed_on is None, who
                assert case.closure_reason is None, who

        referrals = db.session.scalars(select(Referral)).all()
        sent = [r for r in referrals if r.status != "draft"]
        assert sent
        for referral in sent:
            consent = referral.consent
            assert consent is not None
            assert referral.agency in consent.recipient_agencies
            assert consent.client_id == referral.case.client_id
            assert consent.is_valid(referral.sent_on)

        shares = db.session.scalars(select(CaseShare)).all()
        assert shares
        for share in shares:
            assert share.authority in share.consent.recipient_authorities
            assert share.consent.client_id == share.case.client_id
            assert share.authority_id != share.case.authority_id

        # Every need copied its area's checklist, where the area has one.
        for need in db.session.scalars(select(Need)):
            if need.need_area.code in ("language", "school", "childcare", "recognition"):
                assert db.session.scalar(
                    select(func.count())
                    .select_from(CaseChecklistItem)
                    .where(
                        CaseChecklistItem.case_id == need.case_id,
                        CaseChecklistItem.need_area_id == need.need_area_id,
                    )
                )

        members = db.session.scalars(select(HouseholdMember)).all()
        assert any(m.relation == "child" for m in members)

        issues = db.session.scalars(select(StructuralIssue)).all()
        assert issues
        family_names = {c.client.family_name for c in cases}
        for issue in issues:
            assert not any(name in issue.title + issue.description for name in family_names)


NUMBER = re.compile(r"^(?P<prefix>.+?)-(?P<case>F-)?(?P<year>\d{4})-(?P<n>\d{5})$")


def test_numbers_are_consecutive_and_later_numbers_continue(app, runner, reference):
    run_demo(runner, "--cases", "14", "--random-seed", "5")
    with app.app_context(), unscoped("test check"):
        prefixes = {
            authority_id: prefix
            for authority_id, prefix in db.session.execute(
                select(Authority.id, Authority.case_number_prefix)
            )
        }
        numbers = {}
        for kind, model in (("client", Client), ("case", Case)):
            for authority_id, number in db.session.execute(
                select(model.authority_id, model.number)
            ):
                match = NUMBER.match(number)
                assert match, number
                assert match["prefix"] == prefixes[authority_id], number
                assert bool(match["case"]) == (kind == "case"), number
                key = (authority_id, kind, int(match["year"]))
                numbers.setdefault(key, []).append(int(match["n"]))
        counters = {
            (s.authority_id, s.kind, s.year): s.last_value
            for s in db.session.scalars(select(NumberSequence))
        }
        # Each counter handed out 1..n without gaps or duplicates, and stands at n.
        assert counters == {key: len(values) for key, values in numbers.items()}
        for values in numbers.values():
            assert sorted(values) == list(range(1, len(values) + 1))

        # The application numbers (and keys) the next client after the demo's.
        (authority_id, _kind, year), last = next(
            (key, value) for key, value in counters.items() if key[1] == "client"
        )
        client = register_client(
            Client(family_name="Neu", given_names="Nora"), authority_id, date(year, 6, 1)
        )
        db.session.add(client)
        db.session.flush()
        assert client.number == f"{prefixes[authority_id]}-{year}-{last + 1:05d}"
        case = open_case(Case(client=client, opened_on=date(year, 6, 1)))
        db.session.flush()
        assert case.id > 0
        db.session.rollback()


def test_bulk_numbers_are_the_ones_the_single_record_service_issues(app, reference):
    """Batches built in processes are numbered as ``next_number`` numbers one record at a
    time: replayed from zero counters in the order of creation, the service issues exactly
    the numbers the demo wrote (same format, no gap, no reordering)."""
    with app.app_context(), unscoped("test demo"):
        generate_demo(40, 13, batch_size=6, ahead="process")
        cases = db.session.execute(
            select(Case.authority_id, Case.opened_on, Case.intake_on, Case.number, Client.number)
            .join(Client, Client.id == Case.client_id)
            .order_by(Case.id)
        ).all()
        assert len(cases) == 40
        assert [c.id for c in db.session.scalars(select(Client).order_by(Client.id))] == [
            c.id for c in db.session.scalars(select(Client).join(Case).order_by(Case.id))
        ]
        db.session.execute(delete(NumberSequence))
        for authority_id, opened_on, intake_on, case_number, client_number in cases:
            # register_client takes the year of the first contact, open_case the opening's.
            assert next_number(authority_id, "client", intake_on or opened_on) == client_number
            assert next_number(authority_id, "case", opened_on) == case_number
        db.session.rollback()


def test_bulk_checklists_are_the_ones_the_case_service_copies(app, reference):
    """Each demo case holds the items ``services.cases.copy_checklist`` copies: the general
    process, then each need's area, in the order of the templates."""
    with app.app_context(), unscoped("test demo"):
        generate_demo(12, 21, batch_size=5, ahead="thread")

        def fields(item):
            return (
                item.template_item_id,
                item.need_area_id,
                item.text,
                item.required,
                item.position,
            )

        for case in db.session.scalars(select(Case).order_by(Case.id)).all():
            written = db.session.scalars(
                select(CaseChecklistItem)
                .where(CaseChecklistItem.case_id == case.id)
                .order_by(CaseChecklistItem.id)
            ).all()
            areas = [None, *(need.need_area_id for need in sorted(case.needs, key=lambda n: n.id))]
            with db.session.no_autoflush:
                copied = [
                    (item.template_item.id, *fields(item)[1:])
                    for area in areas
                    for item in copy_checklist(Case(authority_id=case.authority_id), area)
                ]
            assert [fields(item) for item in written] == copied
            db.session.rollback()


# Every part names its case, and carries the case's authority and caseworker as author;
# the demo uploads no documents.
DEMO_CASE_PARTS = tuple(part for part in CASE_PARTS if part is not Document)


def test_parts_carry_their_cases_authority_and_author(app, runner, reference):
    run_demo(runner, "--cases", "14", "--random-seed", "3")
    with app.app_context(), unscoped("test check"):
        for model in DEMO_CASE_PARTS:
            rows = db.session.execute(
                select(
                    model.authority_id, model.created_by_id, Case.authority_id, Case.caseworker_id
                ).join(Case, Case.id == model.case_id)
            ).all()
            assert rows, model.__name__
            for part_authority, author, case_authority, caseworker in rows:
                assert part_authority == case_authority, model.__name__
                assert author == caseworker, model.__name__
        for model in (HouseholdMember, Consent):
            assert (
                db.session.scalar(
                    select(func.count())
                    .select_from(model)
                    .join(Client, Client.id == model.client_id)
                    .where(model.authority_id != Client.authority_id)
                )
                == 0
            )
        cases = db.session.scalars(select(Case)).all()
        assert all(c.created_by_id == c.caseworker_id for c in cases)
        assert all(c.client.created_by_id == c.caseworker_id for c in cases)


def test_progress_is_reported_after_each_batch(app, reference):
    calls = []
    with app.app_context(), unscoped("test demo"):
        generate_demo(5, 1, batch_size=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal():
    with terminal_progress(5, stream=io.StringIO()) as advance:
        assert advance is None  # logs stay clean
    terminal = FakeTerminal()
    with terminal_progress(5, stream=terminal) as advance:
        advance(2, 5)
        advance(5, 5)
    assert "Demodaten" in terminal.getvalue()
    assert "100%" in terminal.getvalue()


def test_a_failing_batch_stops_the_helper_thread_and_keeps_the_batches_before(
    app, reference, monkeypatch
):
    fail_on_the_fifth_case(monkeypatch)
    with app.app_context(), unscoped("test demo"):
        with pytest.raises(RuntimeError, match="boom"):
            generate_demo(9, 2, batch_size=2, ahead="thread")
        db.session.rollback()
        assert not any(t.name == "demo-generator" for t in threading.enumerate())
        # The first two batches were committed; the failing one wrote nothing.
        assert db.session.scalar(select(func.count()).select_from(Case)) == 4
        assert db.session.scalar(select(func.count()).select_from(Client)) == 4


def test_demo_has_family_reunification_and_children_needing_places(app, runner, reference):
    run_demo(runner)  # the pilot's 30 cases
    with app.app_context(), unscoped("test check"):
        members = db.session.scalars(select(HouseholdMember)).all()
        assert any(m.relation == "spouse" and m.lives == "abroad" and m.country for m in members)
        assert any(m.relation == "child" and m.needs_childcare_or_school for m in members)
        goals = db.session.scalars(select(Goal)).all()
        assert any(g.need_area.code == "family_reunification" for g in goals)
        assert db.session.scalar(select(func.count()).select_from(Case)) == 30


def test_demo_without_reference_data_fails_cleanly(app, runner):
    result = seed(runner, "demo", "--cases", "3")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Fehler: Es gibt noch keine Behörden. Bitte zuerst die Referenzdaten laden "
        "(„flask seed reference“)."
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cases", "0"], "--cases muss zwischen 1 und"),
        (["--cases", "viele"], "--cases muss eine ganze Zahl sein"),
        (["--random-seed", "x"], "--random-seed muss eine ganze Zahl sein"),
        (["--reference-date", "31.12.2026"], "--reference-date muss ein Datum"),
    ],
)
def test_demo_rejects_bad_options(app, runner, reference, args, message):
    result = seed(runner, "demo", *args)
    assert result.exit_code == 1
    assert result.output.startswith(f"Fehler: {message}")
    with app.app_context(), unscoped("test check"):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


# --- first run --------------------------------------------------------------------------------


@pytest.fixture
def credentials(app, tmp_path, monkeypatch):
    path = tmp_path / "instance" / "demo-accounts.txt"
    monkeypatch.setitem(app.config, "LOTSE_DEMO_CREDENTIALS", path)
    return path


def test_first_run_seeds_a_new_database_once(app, runner, credentials):
    result = seed(runner, "first-run")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output

    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    accounts = {}
    for line in credentials.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        _role, email, password = (part.strip() for part in line.split(";"))
        accounts[email] = password
        assert password in result.output  # shown once
    with app.app_context(), unscoped("test check"):
        users = {u.email: u for u in db.session.scalars(select(User)) if u.email in accounts}
        assert {u.role for u in users.values()} == {
            "caseworker",
            "team_lead",
            "it_admin",
            "auditor",
        }
        assert set(users) == {
            "fallmanagement@demo.lotse.example",
            "teamleitung@demo.lotse.example",
            "it@demo.lotse.example",
            "datenschutz@demo.lotse.example",
        }
        for email, user in users.items():
            assert user.check_password(accounts[email]), email
            assert user.authority.code == "kreis_lippe_abh"
        assert db.session.scalar(select(func.count()).select_from(Case)) == 30
        assert db.session.scalar(select(func.count()).select_from(Authority)) >= 4
        counts = {
            model: db.session.scalar(select(func.count()).select_from(model))
            for model in (Case, Client, User, Activity, Authority)
        }
    content = credentials.read_text(encoding="utf-8")

    again = seed(runner, "first-run")
    assert again.exit_code == 0, again.output
    assert again.output.strip() == (
        f"Die vorhandene Datenbank wird weiterverwendet; die Demo-Zugänge stehen in {credentials}."
    )
    assert credentials.read_text(encoding="utf-8") == content
    with app.app_context(), unscoped("test check"):
        assert counts == {
            model: db.session.scalar(select(func.count()).select_from(model)) for model in counts
        }


def test_first_run_leaves_an_existing_database_alone(app, runner, world, credentials):
    result = seed(runner, "first-run")
    assert result.exit_code == 0, result.output
    assert "vorhandene Datenbank wird weiterverwendet" in result.output
    assert "eine Datei mit Demo-Zugängen gibt es nicht" in result.output
    assert not credentials.exists()
    with app.app_context(), unscoped("test check"):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
