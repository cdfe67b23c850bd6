"""``flask privacy register``: the Art. 30 record of processing activities, from the data."""

import re

import openpyxl
import pytest
from sqlalchemy import String, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import models
from models import Agency, Authority, db
from models.choices import ROLE
from models.privacy import CATEGORIES, classification
from models.scoping import RULES, unscoped
from services.register import ROLE_RIGHTS, TABLE_NAMES, categories_of

# Every class holding client data (the authority rule's), the shares, staff and the trail.
CLASSIFIED = (*RULES, models.CaseShare, models.User, models.RoleGrant, models.AuditEvent)


def _register(runner, *args) -> str:
    result = runner.invoke(args=["privacy", "register", *args])
    assert result.exit_code == 0, result.output
    return result.output


# -- the classification of the columns -------------------------------------------------------


def test_every_column_of_client_and_staff_data_has_a_gdpr_classification():
    missing = [
        f"{model.__tablename__}.{column.key}"
        for model in CLASSIFIED
        for column in inspect(model).columns
        if not column.primary_key and classification(column) is None
    ]
    assert missing == [], "classify these columns with info=gdpr(...) (models/privacy.py)"
    unknown = {
        classification(column)["category"]
        for model in CLASSIFIED
        for column in inspect(model).columns
        if not column.primary_key
    } - set(CATEGORIES)
    assert unknown == set()
    assert {model.__tablename__ for model in CLASSIFIED} <= set(TABLE_NAMES)


def test_special_categories_and_residence_status_are_marked():
    def marking(model, name):
        return classification(inspect(model).columns[name])

    assert "Art. 9" in marking(models.Need, "need_area_id")["art9"]
    assert "§ 203 StGB" in marking(models.Activity, "summary")["art9"]
    assert "Aufenthaltsstatus" in marking(models.Client, "residence_status_id")["sensitive"]
    assert "sensitive" not in marking(models.Client, "family_name")


def test_a_column_without_classification_stops_the_register():
    class Base(DeclarativeBase):
        pass

    class Unclassified(Base):
        __tablename__ = "client"
        id: Mapped[int] = mapped_column(primary_key=True)
        family_name: Mapped[str] = mapped_column(
            String(40), info={"gdpr": {"category": "identity"}}
        )
        hobby: Mapped[str] = mapped_column(String(40))

    with pytest.raises(LookupError, match="client.hobby has no GDPR classification"):
        categories_of([Unclassified])


def test_every_role_is_described():
    assert set(ROLE_RIGHTS) == set(ROLE.values)


# -- the command -----------------------------------------------------------------------------


def test_markdown_names_the_controllers_categories_recipients_and_measures(app, runner, world):
    text = _register(runner)
    assert text.startswith("# Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 1 DSGVO)")
    assert (
        "| kreis_lippe_abh | Kreis Lippe – Ausländerbehörde | Ausländerbehörde | Detmold |" in text
    )
    for heading in ("Fallmanagement", "Vermittlungen an Kooperationspartner",
                    "Protokollierung (Audit-Trail)", "Benutzerkonten und Rechte"):  # fmt: skip
        assert re.search(rf"^### 2\.\d {re.escape(heading)}$", text, re.M), heading
    assert "Klient:innen: arrival_date, residence_status_id, residence_valid_until" in text
    assert "besonders schutzbedürftig: Aufenthaltsstatus" in text
    assert "Art. 9 DSGVO: das Handlungsfeld kann Gesundheit sein" in text
    assert "| Jobcenter Lippe |" in text
    assert "3 Jahre nach Abschluss des letzten Falls" in text
    assert (
        "| Zweiter Faktor | TOTP (RFC 6238) mit zehn Einmal-Wiederherstellungscodes "
        "(argon2id-Hashes); immer für "
    ) in text
    assert "aktive Konten: 1" in text
    assert "GEHEIM" not in text


def test_the_register_follows_the_configuration(app, runner, world, monkeypatch):
    before = _register(runner)
    assert "LOTSE_RETENTION_CASE_YEARS = 3" in before
    monkeypatch.setitem(app.config, "LOTSE_RETENTION_CASE_YEARS", 7)
    monkeypatch.setitem(app.config, "LOTSE_ROLE_GRANT_HOURS", 24)
    monkeypatch.setitem(app.config, "LOTSE_2FA_REQUIRED", False)
    after = _register(runner)
    assert "LOTSE_RETENTION_CASE_YEARS = 7" in after
    assert "7 Jahre nach Abschluss des letzten Falls" in after
    assert "3 Jahre nach Abschluss" not in after
    assert "Anträge verfallen nach 24 Stunden" in after
    assert "freiwillig (LOTSE_2FA_REQUIRED aus) |" in after
    assert "freiwillig" not in before


def test_a_new_agency_and_authority_appear(app, runner, world):
    assert "Beratungsstelle Neu" not in _register(runner)
    with app.app_context(), unscoped("test arrangement"):
        db.session.add(Agency(code="neu", name="Beratungsstelle Neu", kind="other", position=9))
        db.session.add(
            Authority(
                code="lemgo_ki",
                name="Stadt Lemgo – Integration",
                kind="integration_office",
                case_number_prefix="LE-KI",
            )
        )
        db.session.commit()
    text = _register(runner)
    assert "| Beratungsstelle Neu | Sonstige | Vermittlung mit Einwilligung | 0 |" in text
    assert "| lemgo_ki | Stadt Lemgo – Integration | Integrationsstelle | – | ja |" in text


def test_xlsx_has_one_sheet_per_part(app, runner, world, tmp_path):
    target = tmp_path / "verzeichnis.xlsx"
    result = runner.invoke(
        args=["privacy", "register", "--format", "xlsx", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output.strip()
        == f"Verzeichnis von Verarbeitungstätigkeiten nach {target} geschrieben."
    )
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [
        "Übersicht",
        "Verantwortliche",
        "Tätigkeiten",
        "Datenkategorien",
        "Empfänger",
        "Löschfristen",
        "TOM",
    ]
    controllers = [[c.value for c in row] for row in book["Verantwortliche"].iter_rows()]
    assert controllers[0] == ["Schlüssel", "Behörde", "Art", "Kommune", "aktiv"]
    assert ["kreis_lippe_abh", "Kreis Lippe – Ausländerbehörde", "Ausländerbehörde", "Detmold",
            "ja"] in controllers  # fmt: skip
    retention = {row[0].value: row[1].value for row in book["Löschfristen"].iter_rows(min_row=2)}
    assert retention["Klient:innen, Haushaltsangehörige, Fälle und ihre Teile"].startswith(
        "3 Jahre nach Abschluss"
    )
    categories = list(book["Datenkategorien"].iter_rows(min_row=2, values_only=True))
    residence = next(row for row in categories if row[1].startswith("Aufenthaltsrechtliche"))
    assert residence[0] == "Fallmanagement"
    assert "Aufenthaltsstatus" in residence[4]


def test_markdown_to_a_file_and_bad_output_give_one_german_line(app, runner, world, tmp_path):
    target = tmp_path / "verzeichnis.md"
    assert _register(runner, "--output", str(target)).startswith("Verzeichnis")
    assert target.read_text(encoding="utf-8").startswith("# Verzeichnis von")
    no_file = runner.invoke(args=["privacy", "register", "--format", "xlsx"])
    assert no_file.exit_code == 1
    assert no_file.output.strip() == "Fehler: eine xlsx-Datei braucht --output DATEI"
    missing_dir = tmp_path / "fehlt" / "v.md"
    bad = runner.invoke(args=["privacy", "register", "--output", str(missing_dir)])
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        f"Fehler: {missing_dir} kann nicht geschrieben werden (No such file or directory)"
    ]
    wrong = runner.invoke(args=["privacy", "register", "--format", "pdf"])
    assert wrong.exit_code == 2
