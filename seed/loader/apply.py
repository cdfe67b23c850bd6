"""Planning and applying a load: what to create, update and deactivate, and the report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import ChecklistTemplate, ChecklistTemplateItem, db

from .tables import DATA_DIR, TABLES, Field, Table, current_value
from .validation import Record, read_reference


@dataclass
class TableReport:
    table: Table
    present: bool = True
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # active in the database, not in the file
    unchanged: int = 0
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadReport:
    directory: Path
    dry_run: bool
    deactivate_missing: bool
    tables: list[TableReport] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(len(t.created) for t in self.tables)

    @property
    def updated(self) -> int:
        return sum(len(t.updated) for t in self.tables)

    @property
    def deactivated(self) -> int:
        return sum(len(t.deactivated) for t in self.tables)

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.deactivated

    def lines(self) -> list[str]:
        """The German report the command prints."""
        out = []
        if self.dry_run:
            out.append(f"Probelauf für {self.directory} – es wird nichts geändert.")
        else:
            out.append(f"Referenzdaten aus {self.directory}:")
        width = max(len(t.table.label) for t in self.tables)
        for t in self.tables:
            label = t.table.label.ljust(width)
            if not t.present:
                out.append(f"  {label}  übersprungen (keine Datei {t.table.filename})")
                continue
            out.append(
                f"  {label}  {len(t.created)} neu, {len(t.updated)} geändert, "
                f"{len(t.deactivated)} deaktiviert, {t.unchanged} unverändert"
            )
            if self.dry_run:
                out.extend(f"      neu: {code} ({t.names[code]})" for code in t.created)
            for code, keys in t.updated:
                out.append(f"      geändert: {code} ({', '.join(keys)})")
            out.extend(f"      deaktiviert: {code}" for code in t.deactivated)
            if t.missing:
                out.append(
                    f"      nicht in der Datei, bleibt aktiv: {', '.join(t.missing)} "
                    "(mit --deactivate-missing deaktivieren)"
                )
        verb = "Geplant" if self.dry_run else "Änderungen"
        summary = (
            f"{verb}: {self.created} neu, {self.updated} geändert, {self.deactivated} deaktiviert."
        )
        if self.dry_run:
            summary += " Probelauf: nichts wurde gespeichert."
        elif not self.changes:
            summary += " Die Datenbank war schon auf dem Stand der Dateien."
        out.append(summary)
        return out


def _desired(spec: Field, record: Record, index: int) -> Any:
    value = record.values[spec.key]
    if spec.key == "position" and value is None:
        return index
    if spec.kind == "refs":
        return sorted(value)
    if spec.kind == "items":
        return [dict(i) for i in value]
    return value


def _apply_items(template: ChecklistTemplate, wanted: list[dict]) -> None:
    """Keep template items whose text is unchanged (their case copies still point to them),
    create the new ones, and drop the rest; positions follow the file."""
    by_text: dict[str, list[ChecklistTemplateItem]] = defaultdict(list)
    for item in sorted(template.items, key=lambda i: (i.position, i.id or 0)):
        by_text[item.text].append(item)
    items = []
    for spec in wanted:
        reuse = by_text.get(spec["text"])
        item = reuse.pop(0) if reuse else ChecklistTemplateItem(text=spec["text"])
        item.required = spec["required"]
        item.position = spec["position"]
        items.append(item)
    template.items = items


def _set(table: Table, obj, spec: Field, value: Any, objects: dict) -> None:
    if spec.kind == "ref":
        setattr(obj, spec.key, objects[spec.target][value] if value else None)
    elif spec.kind == "refs":
        setattr(obj, spec.key, [objects[spec.target][code] for code in value])
    elif spec.kind == "items":
        _apply_items(obj, value)
    else:
        setattr(obj, spec.key, value)


def load_reference(
    directory: Path | str = DATA_DIR, *, dry_run: bool = False, deactivate_missing: bool = False
) -> LoadReport:
    """Validate, plan and (unless ``dry_run``) apply the files to the current session.

    The caller commits, or rolls back for a dry run. Raises ReferenceDataError before
    anything is written if the files have errors.
    """
    directory = Path(directory)
    files, existing = read_reference(directory)
    report = LoadReport(directory, dry_run, deactivate_missing)
    objects = {name: dict(rows) for name, rows in existing.items()}
    for table in TABLES:
        records = files[table.name]
        table_report = TableReport(table, present=records is not None)
        report.tables.append(table_report)
        if records is None:
            continue
        rows = existing[table.name]
        for index, record in enumerate(records, start=1):
            obj = rows.get(record.code)
            if obj is None:
                table_report.created.append(record.code)
                table_report.names[record.code] = record.values["name"]
                if dry_run:
                    continue
                obj = table.model()
                for spec in table.all_fields:
                    _set(table, obj, spec, _desired(spec, record, index), objects)
                db.session.add(obj)
                objects[table.name][record.code] = obj
                continue
            changed = [
                spec
                for spec in table.all_fields
                if current_value(table, obj, spec) != _desired(spec, record, index)
            ]
            if not changed:
                table_report.unchanged += 1
                continue
            table_report.updated.append((record.code, [spec.key for spec in changed]))
            if not dry_run:
                for spec in changed:
                    _set(table, obj, spec, _desired(spec, record, index), objects)
        in_file = {r.code for r in records}
        for code, obj in rows.items():
            if code in in_file or not obj.active:
                continue
            if deactivate_missing:
                table_report.deactivated.append(code)
                if not dry_run:
                    obj.active = False
            else:
                table_report.missing.append(code)
    if not dry_run:
        db.session.flush()
    return report
