"""The Art. 30 register (``services.register``) as Markdown or as an xlsx workbook."""

from datetime import datetime
from zoneinfo import ZoneInfo

import tablib
from flask import current_app

from .register import Register

TITLE = "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 1 DSGVO)"
MISSING = (
    "Anschrift, Vertretung und Datenschutzbeauftragte:r der Verantwortlichen sind in Lotse "
    "nicht hinterlegt und sind vor der Ablage des Verzeichnisses zu ergänzen."
)
THIRD_COUNTRIES = "Lotse selbst übermittelt keine Daten in Drittländer."


def _stamp(register: Register) -> str:
    zone = ZoneInfo(current_app.config.get("LOTSE_TIMEZONE", "Europe/Berlin"))
    local: datetime = register.created_at.astimezone(zone)
    return f"{local:%d.%m.%Y %H:%M} Uhr"


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(headings: list[str], rows) -> list[str]:
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def _special(category) -> str:
    parts = [*category.art9, *category.sensitive]
    return "; ".join(parts) if parts else "–"


def to_markdown(register: Register) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"Erzeugt von Lotse aus dieser Installation am {_stamp(register)} "
        "(`flask privacy register`).",
        "",
        "## 1. Verantwortliche",
        "",
        "Jede Behörde ist Verantwortliche für die Fälle und Klient:innen, die sie führt.",
        "",
        *_table(
            ["Schlüssel", "Behörde", "Art", "Kommune", "aktiv"],
            (
                (c["code"], c["name"], c["kind"], c["municipality"] or "–", _yes(c["active"]))
                for c in register.controllers
            ),
        ),
        MISSING,
        "",
        "## 2. Verarbeitungstätigkeiten",
        "",
    ]
    for number, activity in enumerate(register.activities, start=1):
        lines += [
            f"### 2.{number} {activity.name}",
            "",
            f"- **Zweck:** {activity.purpose}",
            f"- **Betroffene Personen:** {'; '.join(activity.subjects)}",
            f"- **Empfänger:** {activity.recipients}",
            f"- **Löschfrist:** {activity.retention}",
            f"- **Drittländer:** {THIRD_COUNTRIES}",
            "",
            "Kategorien personenbezogener Daten (aus den Feldern der Datenbank):",
            "",
            *_table(
                ["Kategorie", "Felder", "besondere Kategorie / schutzbedürftig"],
                (
                    (category.label, category.fields_text, _special(category))
                    for category in activity.categories
                ),
            ),
        ]
    lines += [
        "## 3. Empfänger",
        "",
        "### Behörden der Installation",
        "",
        *_table(
            ["Behörde", "Art", "Grundlage", "Freigaben in Kraft"],
            ((r["name"], r["kind"], r["basis"], r["count"]) for r in register.authority_recipients),
        ),
        "### Kooperationspartner (Stammdaten)",
        "",
        *_table(
            ["Stelle", "Art", "Grundlage", "gesendete Vermittlungen"],
            ((r["name"], r["kind"], r["basis"], r["count"]) for r in register.agency_recipients),
        ),
        "## 4. Löschfristen",
        "",
        *_table(["Daten", "Frist"], register.retention),
        "## 5. Technische und organisatorische Maßnahmen (Art. 32 DSGVO)",
        "",
        *_table(["Maßnahme", "Umsetzung in dieser Installation"], register.measures),
    ]
    return "\n".join(lines)


def _yes(value: bool) -> str:
    return "ja" if value else "nein"


def _safe(value):
    """Spreadsheet programs run a cell that starts like a formula; this one is text."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


def _sheet(title: str, headers: list[str], rows) -> tablib.Dataset:
    dataset = tablib.Dataset(title=title, headers=headers)
    for row in rows:
        dataset.append([_safe(value) for value in row])
    return dataset


def to_xlsx(register: Register) -> bytes:
    """One sheet per part of the register."""
    overview = _sheet(
        "Übersicht",
        ["Angabe", "Wert"],
        [
            ("Titel", TITLE),
            ("Erzeugt am", _stamp(register)),
            ("Hinweis", MISSING),
            ("Drittländer", THIRD_COUNTRIES),
        ],
    )
    controllers = _sheet(
        "Verantwortliche",
        ["Schlüssel", "Behörde", "Art", "Kommune", "aktiv"],
        (
            (c["code"], c["name"], c["kind"], c["municipality"], _yes(c["active"]))
            for c in register.controllers
        ),
    )
    activities = _sheet(
        "Tätigkeiten",
        ["Tätigkeit", "Zweck", "Betroffene Personen", "Empfänger", "Löschfrist"],
        (
            (a.name, a.purpose, "; ".join(a.subjects), a.recipients, a.retention)
            for a in register.activities
        ),
    )
    categories = _sheet(
        "Datenkategorien",
        ["Tätigkeit", "Kategorie", "Felder", "Art. 9 DSGVO", "besonders schutzbedürftig"],
        (
            (
                a.name,
                c.label,
                c.fields_text,
                "; ".join(c.art9) or "–",
                "; ".join(c.sensitive) or "–",
            )
            for a in register.activities
            for c in a.categories
        ),
    )
    recipients = _sheet(
        "Empfänger",
        ["Empfänger", "Name", "Art", "Grundlage", "Anzahl"],
        [
            *(
                ("Behörde", r["name"], r["kind"], r["basis"], r["count"])
                for r in register.authority_recipients
            ),
            *(
                ("Kooperationspartner", r["name"], r["kind"], r["basis"], r["count"])
                for r in register.agency_recipients
            ),
        ],
    )
    retention = _sheet("Löschfristen", ["Daten", "Frist"], register.retention)
    measures = _sheet("TOM", ["Maßnahme", "Umsetzung in dieser Installation"], register.measures)
    book = tablib.Databook(
        [overview, controllers, activities, categories, recipients, retention, measures]
    )
    return book.export("xlsx")
