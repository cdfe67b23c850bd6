"""``flask seed reference|export``: reference data from YAML, validated first, all or nothing."""

import hashlib
import shutil

import pytest
import yaml
from sqlalchemy import select

from models import (
    REFERENCE_MODELS,
    AccessRoute,
    Agency,
    Authority,
    ChecklistTemplate,
    ChecklistTemplateItem,
    ClosureReason,
    MeasureType,
    Municipality,
    NeedArea,
    TargetGroup,
    db,
)
from models.choices import AGENCY_KIND
from models.scoping import unscoped
from seed.loader import DATA_DIR, TABLES

LIPPE = {
    "05766004": "Augustdorf",
    "05766008": "Bad Salzuflen",
    "05766012": "Barntrup",
    "05766016": "Blomberg",
    "05766020": "Detmold",
    "05766024": "Dörentrup",
    "05766028": "Extertal",
    "05766032": "Horn-Bad Meinberg",
    "05766036": "Kalletal",
    "05766040": "Lage",
    "05766044": "Lemgo",
    "05766048": "Leopoldshöhe",
    "05766052": "Lügde",
    "05766056": "Oerlinghausen",
    "05766060": "Schieder-Schwalenberg",
    "05766064": "Schlangen",
}
NEED_AREAS = {
    "residence",
    "family_reunification",
    "language",
    "recognition",
    "school",
    "childcare",
    "work",
    "training",
    "housing",
    "health",
    "benefits",
    "naturalisation",
    "documents",
    "participation",
}
NO_SUMMARY_CHANGES = "Änderungen: 0 neu, 0 geändert, 0 deaktiviert."


def seed(runner, *args):
    return runner.invoke(args=["seed", *args])


def load_shipped(runner):
    result = seed(runner, "reference")
    assert result.exit_code == 0, result.output
    return result


def snapshot(app) -> dict:
    """Every reference row with its version, so any write at all shows up."""
    with app.app_context(), unscoped("test check"):
        rows = {
            model.__tablename__: sorted(
                (obj.code, obj.name, obj.active, obj.position, obj.version)
                for obj in db.session.scalars(select(model))
            )
            for model in REFERENCE_MODELS
        }
        rows["checklist_template_item"] = sorted(
            (item.template_id, item.position, item.text, item.required, item.id)
            for item in db.session.scalars(select(ChecklistTemplateItem))
        )
        rows["agency_need_area"] = sorted(
            (agency.code, tuple(sorted(a.code for a in agency.need_areas)))
            for agency in db.session.scalars(select(Agency))
        )
        return rows


@pytest.fixture
def data_dir(tmp_path):
    """A writable copy of the shipped reference data."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_yaml(path, change):
    """Load a data file, let ``change`` edit the list, and write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def append(path, text: str) -> int:
    """Append ``text`` to a data file; returns the line number of its first line."""
    content = path.read_text(encoding="utf-8")
    assert content.endswith("\n")
    path.write_text(content + text, encoding="utf-8")
    return content.count("\n") + 1


# --- loading the shipped data -------------------------------------------------------------


def test_shipped_reference_data_loads(app, runner):
    result = load_shipped(runner)
    assert "Gemeinden" in result.output
    assert "Fehler" not in result.output

    with app.app_context(), unscoped("test check"):
        get = db.session.scalars
        municipalities = {m.code: m.name for m in get(select(Municipality))}
        assert municipalities == LIPPE
        # Official keys: Land 05 (NRW), Regierungsbezirk 7 (Detmold), Kreis 66 (Lippe).
        assert all(code.startswith("05766") and len(code) == 8 for code in municipalities)

        authorities = {a.code: a for a in get(select(Authority))}
        assert len(authorities) >= 4
        expected = {
            "kreis_lippe_abh": ("immigration_office", "KL-ABH"),
            "detmold_abh": ("immigration_office", "DT-ABH"),
            "kreis_lippe_ki": ("integration_office", "KL-KI"),
            "detmold_ki": ("integration_office", "DT-KI"),
        }
        for code, (kind, prefix) in expected.items():
            assert (authorities[code].kind, authorities[code].case_number_prefix) == (kind, prefix)
            assert authorities[code].municipality.code in LIPPE

        areas = {a.code for a in get(select(NeedArea))}
        assert areas >= NEED_AREAS
        for area in areas:
            types = get(select(MeasureType).join(NeedArea).where(NeedArea.code == area)).all()
            assert 2 <= len(types) <= 4, area

        reasons = {r.code: r for r in get(select(ClosureReason))}
        for code in ("moved_away", "withdrew", "no_contact", "transferred"):
            assert reasons[code].requires_evaluation is False
        assert reasons["goals_reached"].requires_evaluation is True
        assert reasons["goals_reached"].outcome == "positive"

        agencies = get(select(Agency)).all()
        assert {a.kind for a in agencies} >= set(AGENCY_KIND.values) - {"other"}
        for agency in agencies:
            assert agency.need_areas, agency.code
            assert agency.email.endswith(".example"), agency.code
        assert any(not a.accepts_referrals for a in agencies)

        templates = {t.code: t for t in get(select(ChecklistTemplate))}
        general = [t for t in templates.values() if t.need_area is None]
        assert len(general) == 1
        covered = {t.need_area.code for t in templates.values() if t.need_area is not None}
        assert covered >= {"recognition", "family_reunification", "childcare", "school", "language"}
        for template in templates.values():
            assert [i.position for i in template.items] == list(range(1, len(template.items) + 1))
            assert any(i.required for i in template.items)

        assert get(select(TargetGroup)).first() is not None
        assert get(select(AccessRoute)).first() is not None


def test_second_run_changes_nothing(app, runner):
    load_shipped(runner)
    before = snapshot(app)
    result = load_shipped(runner)
    assert NO_SUMMARY_CHANGES in result.output
    assert snapshot(app) == before  # not even a version bump


def test_changed_name_updates_the_record_in_place(app, runner, data_dir):
    load_shipped(runner)
    with app.app_context(), unscoped("test check"):
        area_id = db.session.scalars(select(NeedArea.id).where(NeedArea.code == "language")).one()

    def rename(data):
        next(r for r in data if r["code"] == "language")["name"] = "Deutsch lernen"

    edit_yaml(data_dir / "need_areas.yaml", rename)
    result = seed(runner, "reference", "--dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert "geändert: language (name)" in result.output
    assert "Änderungen: 0 neu, 1 geändert, 0 deaktiviert." in result.output
    with app.app_context(), unscoped("test check"):
        area = db.session.get(NeedArea, area_id)
        assert area.name == "Deutsch lernen"
        assert area.version == 2


def test_checklist_items_follow_the_file_and_keep_unchanged_items(app, runner, data_dir):
    load_shipped(runner)
    with app.app_context(), unscoped("test check"):
        template = db.session.scalars(
            select(ChecklistTemplate).where(ChecklistTemplate.code == "language")
        ).one()
        old = {item.text: item.id for item in template.items}
        texts = [item.text for item in template.items]

    def reorder(data):
        items = next(r for r in data if r["code"] == "language")["items"]
        first, second, third, *rest = items
        items[:] = [third, {"text": "Neuer Punkt", "required": True}, first, *rest]

    edit_yaml(data_dir / "checklist_templates.yaml", reorder)
    result = seed(runner, "reference", "--dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert "geändert: language (items)" in result.output
    with app.app_context(), unscoped("test check"):
        template = db.session.scalars(
            select(ChecklistTemplate).where(ChecklistTemplate.code == "language")
        ).one()
        items = template.items
        assert [i.text for i in items] == [texts[2], "Neuer Punkt", texts[0], *texts[3:]]
        assert [i.position for i in items] == list(range(1, len(items) + 1))
        assert items[0].id == old[texts[2]]  # unchanged text: the same row, moved
        assert items[2].id == old[texts[0]]
        assert texts[1] not in {i.text for i in items}
    assert NO_SUMMARY_CHANGES in seed(runner, "reference", "--dir", str(data_dir)).output


# --- validation: every error class, nothing written -------------------------------------

ERROR_CASES = {
    "yaml_syntax": (
        "target_groups.yaml",
        "- code: broken\n  name: eins: zwei\n",
        1,
        None,
        "ungültige YAML-Syntax",
    ),
    "unknown_key": (
        "measure_types.yaml",
        "- code: test_course\n  name: Testkurs\n  need_area: language\n  colour: rot\n",
        3,
        "test_course",
        "unbekannter Schlüssel 'colour'",
    ),
    "missing_required_field": (
        "agencies.yaml",
        "- code: test_agency\n  name: Neue Stelle\n  need_areas: [work]\n",
        0,
        "test_agency",
        "Pflichtfeld 'kind' fehlt",
    ),
    "wrong_type": (
        "closure_reasons.yaml",
        "- code: test_reason\n  name: Test\n  outcome: neutral\n  requires_evaluation: ja\n",
        3,
        "test_reason",
        "Feld 'requires_evaluation': muss true oder false sein",
    ),
    "unquoted_municipality_key": (
        "municipalities.yaml",
        "- code: 05766070\n  name: Neue Gemeinde\n",
        0,
        "05766070",
        "Feld 'code': muss ein Text sein, nicht 05766070",
    ),
    "duplicate_code": (
        "need_areas.yaml",
        "- code: language\n  name: Sprache, noch einmal\n",
        0,
        "language",
        "der Code kommt doppelt vor",
    ),
    "unknown_reference": (
        "measure_types.yaml",
        "- code: test_course\n  name: Testkurs\n  need_area: astrology\n",
        2,
        "test_course",
        "unbekannter Code 'astrology'",
    ),
    "unknown_choice": (
        "authorities.yaml",
        "- code: test_embassy\n  name: Botschaft\n  kind: embassy\n  case_number_prefix: BOT\n",
        2,
        "test_embassy",
        "unbekannter Wert 'embassy'",
    ),
    "duplicate_number_prefix": (
        "authorities.yaml",
        "- code: test_office\n  name: Zweites Amt\n  kind: other\n  case_number_prefix: KL-ABH\n",
        3,
        "test_office",
        "das Nummernpräfix 'KL-ABH' hat schon die Behörde 'kreis_lippe_abh'",
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES), ids=list(ERROR_CASES))
def test_invalid_file_is_refused_and_changes_nothing(app, runner, data_dir, case):
    filename, text, offset, code, message = ERROR_CASES[case]
    load_shipped(runner)
    # A valid change in the same run must not be applied either: all or nothing.
    edit_yaml(
        data_dir / "target_groups.yaml",
        lambda data: data[0].update(name="Geänderter Name"),
    )
    first_line = append(data_dir / filename, text)
    before = snapshot(app)

    result = seed(runner, "reference", "--dir", str(data_dir))

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith(f"Fehler: {data_dir / filename}, Zeile {first_line + offset}")
    if code is not None:
        assert f"Code '{code}'" in line
    assert message in line
    assert snapshot(app) == before


def test_all_errors_are_reported_at_once(app, runner, data_dir):
    for filename, text, *_ in ERROR_CASES.values():
        if filename != "target_groups.yaml":
            append(data_dir / filename, text.replace("test_", "more_"))
    result = seed(runner, "reference", "--dir", str(data_dir))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) >= 7
    assert all(line.startswith("Fehler: ") for line in lines)
    assert snapshot(app) == {name: [] for name in snapshot(app)}  # empty database stays empty


def test_unknown_file_and_missing_directory(app, runner, data_dir, tmp_path):
    (data_dir / "agency.yaml").write_text("- code: x\n  name: Tippfehler\n", encoding="utf-8")
    result = seed(runner, "reference", "--dir", str(data_dir))
    assert result.exit_code == 1
    assert f"Fehler: {data_dir / 'agency.yaml'}: unbekannte Datei" in result.output

    result = seed(runner, "reference", "--dir", str(tmp_path / "fehlt"))
    assert result.exit_code == 1
    assert result.output.strip() == f"Fehler: {tmp_path / 'fehlt'}: das Verzeichnis gibt es nicht"


# --- dry run and missing codes ----------------------------------------------------------------


def database_digest(app) -> tuple[dict[str, int], str]:
    """Row counts of every table and a SHA-256 over every row of every column."""
    digest = hashlib.sha256()
    counts = {}
    with app.app_context(), unscoped("test check"):
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            counts[table.name] = len(rows)
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return counts, digest.hexdigest()


def test_dry_run_changes_nothing(app, runner, data_dir):
    empty = snapshot(app)
    empty_digest = database_digest(app)
    result = seed(runner, "reference", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Probelauf" in result.output
    assert "neu: 05766020 (Detmold)" in result.output
    assert "nichts wurde gespeichert" in result.output
    assert snapshot(app) == empty
    assert database_digest(app) == empty_digest

    load_shipped(runner)
    edit_yaml(
        data_dir / "need_areas.yaml",
        lambda data: next(r for r in data if r["code"] == "work").update(name="Beruf"),
    )
    before = snapshot(app)
    before_digest = database_digest(app)
    assert sum(before_digest[0].values()) > 0
    result = seed(runner, "reference", "--dir", str(data_dir), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "geändert: work (name)" in result.output
    assert "Geplant: 0 neu, 1 geändert, 0 deaktiviert." in result.output
    assert snapshot(app) == before
    assert database_digest(app) == before_digest


def test_missing_codes_are_reported_and_deactivated_only_on_request(app, runner, data_dir):
    load_shipped(runner)
    edit_yaml(
        data_dir / "access_routes.yaml",
        lambda data: data.remove(next(r for r in data if r["code"] == "employer")),
    )

    def employer_active():
        with app.app_context(), unscoped("test check"):
            route = db.session.scalars(select(AccessRoute).where(AccessRoute.code == "employer"))
            return route.one().active

    result = seed(runner, "reference", "--dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert "nicht in der Datei, bleibt aktiv: employer" in result.output
    assert employer_active() is True

    result = seed(runner, "reference", "--dir", str(data_dir), "--deactivate-missing", "--dry-run")
    assert "deaktiviert: employer" in result.output
    assert employer_active() is True

    result = seed(runner, "reference", "--dir", str(data_dir), "--deactivate-missing")
    assert result.exit_code == 0, result.output
    assert "deaktiviert: employer" in result.output
    assert "Änderungen: 0 neu, 0 geändert, 1 deaktiviert." in result.output
    assert employer_active() is False

    result = seed(runner, "reference", "--dir", str(data_dir), "--deactivate-missing")
    assert NO_SUMMARY_CHANGES in result.output


# --- export -----------------------------------------------------------------------------------


def test_export_of_shipped_data_matches_the_files(app, runner, tmp_path):
    load_shipped(runner)
    result = seed(runner, "export", "--dir", str(tmp_path / "export"))
    assert result.exit_code == 0, result.output
    assert "exportiert (11 Dateien)" in result.output
    for table in TABLES:
        shipped = yaml.safe_load((DATA_DIR / table.filename).read_text(encoding="utf-8"))
        exported = yaml.safe_load((tmp_path / "export" / table.filename).read_text("utf-8"))
        assert exported == shipped, table.filename


def test_export_then_reference_is_a_no_op(app, runner, tmp_path):
    load_shipped(runner)
    with app.app_context(), unscoped("test arrangement"):
        # Edits as the admin screens would make them, beyond what the files say.
        agency = db.session.scalars(select(Agency).where(Agency.code == "jobcenter_lippe")).one()
        agency.accepts_referrals = False
        agency.need_areas = agency.need_areas[:1]
        db.session.scalars(select(NeedArea).where(NeedArea.code == "health")).one().position = 99
        db.session.scalars(
            select(TargetGroup).where(TargetGroup.code == "students")
        ).one().active = False
        template = db.session.scalars(
            select(ChecklistTemplate).where(ChecklistTemplate.code == "school")
        ).one()
        template.items[0].text = "Schulpflicht erklärt (geändert)"
        template.items[1].position = 20
        db.session.add(TargetGroup(code="seasonal_workers", name="Saisonkräfte", position=3))
        db.session.commit()
    before = snapshot(app)

    first = tmp_path / "first"
    assert seed(runner, "export", "--dir", str(first)).exit_code == 0
    result = seed(runner, "reference", "--dir", str(first), "--deactivate-missing")
    assert result.exit_code == 0, result.output
    assert NO_SUMMARY_CHANGES in result.output
    assert snapshot(app) == before

    second = tmp_path / "second"
    assert seed(runner, "export", "--dir", str(second)).exit_code == 0
    for table in TABLES:
        assert (first / table.filename).read_text("utf-8") == (second / table.filename).read_text(
            "utf-8"
        )


def test_export_needs_a_writable_directory(app, runner, tmp_path):
    result = seed(runner, "export")
    assert result.exit_code == 1
    assert result.output.strip() == "Fehler: Bitte das Zielverzeichnis mit --dir angeben."

    blocker = tmp_path / "datei"
    blocker.write_text("kein Verzeichnis", encoding="utf-8")
    result = seed(runner, "export", "--dir", str(blocker))
    assert result.exit_code == 1
    assert result.output.strip() == f"Fehler: In {blocker} kann nicht geschrieben werden."
