"""Reference data from ``seed/data/*.yaml``: validated as a whole, then loaded in one go.

One file per reference table (``municipalities.yaml``, ``authorities.yaml``, ...). Each file is
a YAML list of records; a record is identified by its ``code``. Loading

* reads and validates every file before anything is written: YAML syntax, unknown keys,
  missing or mistyped fields, unknown enumeration values, duplicate codes and references to
  unknown codes. Every error names the file, the line and the code;
* then plans, per table, which records to create, update and (only when asked) deactivate;
* and applies the plan to the caller's session without committing, so the caller decides
  about commit (the command) or rollback (``--dry-run``, errors). Nothing is ever deleted.

A table whose file is absent is left alone. References may name codes of the files or codes
already in the database. Record fields that a file leaves out take their defaults
(``active: true``, ``position``: the place in the file), so the files are the whole truth for
the tables they cover, and ``export_reference`` writes the same format back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from models import (
    AccessRoute,
    Agency,
    Authority,
    ChecklistTemplate,
    ChecklistTemplateItem,
    ClosureReason,
    MeasureType,
    Municipality,
    NeedArea,
    ResidenceStatus,
    TargetGroup,
    db,
)
from models.choices import AGENCY_KIND, AUTHORITY_KIND, OUTCOME, Choices

DATA_DIR = Path(__file__).resolve().parent / "data"

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
PREFIX_PATTERN = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
MUNICIPALITY_KEY_PATTERN = re.compile(r"^\d{8}$")


# --------------------------------------------------------------------------------------
# What the files may contain
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One key of a record. ``kind`` is text, bool, int, choice, ref, refs or items."""

    key: str
    kind: str
    required: bool = False
    default: Any = None
    max_length: int | None = None
    choices: Choices | None = None
    target: str | None = None  # the table a ref/refs field points to
    check: Callable[[Any], str | None] | None = None  # extra check; returns a German error


def _check_prefix(value: str) -> str | None:
    if not PREFIX_PATTERN.match(value):
        return "nur Großbuchstaben, Ziffern und einzelne Bindestriche erlaubt (z. B. KL-ABH)"
    return None


def _check_email(value: str) -> str | None:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return "ist keine gültige E-Mail-Adresse"
    return None


@dataclass(frozen=True)
class Table:
    name: str  # the file stem, e.g. "need_areas"
    model: type
    label: str  # German, plural
    fields: tuple[Field, ...] = ()
    code_check: Callable[[str], str | None] | None = None

    @property
    def filename(self) -> str:
        return f"{self.name}.yaml"

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return COMMON_FIELDS + self.fields

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.all_fields)


COMMON_FIELDS = (
    Field("code", "text", required=True, max_length=40),
    Field("name", "text", required=True, max_length=200),
    Field("active", "bool", default=True),
    Field("position", "int"),
)

ITEM_FIELDS = (
    Field("text", "text", required=True, max_length=2000),
    Field("required", "bool", default=False),
    Field("position", "int"),
)


def _check_municipality_key(code: str) -> str | None:
    if not MUNICIPALITY_KEY_PATTERN.match(code):
        return 'ein Gemeindeschlüssel hat genau acht Ziffern (z. B. "05766020")'
    return None


# In load order: every table comes after the tables it refers to.
TABLES: tuple[Table, ...] = (
    Table("municipalities", Municipality, "Gemeinden", code_check=_check_municipality_key),
    Table(
        "authorities",
        Authority,
        "Behörden",
        (
            Field("kind", "choice", required=True, choices=AUTHORITY_KIND),
            Field("municipality", "ref", target="municipalities"),
            Field("case_number_prefix", "text", required=True, max_length=20, check=_check_prefix),
        ),
    ),
    Table("need_areas", NeedArea, "Handlungsfelder"),
    Table(
        "measure_types",
        MeasureType,
        "Maßnahmearten",
        (Field("need_area", "ref", required=True, target="need_areas"),),
    ),
    Table(
        "residence_statuses",
        ResidenceStatus,
        "Aufenthaltsstatus",
        (Field("legal_reference", "text", max_length=120),),
    ),
    Table("target_groups", TargetGroup, "Zielgruppen"),
    Table("access_routes", AccessRoute, "Zugangswege"),
    Table(
        "closure_reasons",
        ClosureReason,
        "Abschlussgründe",
        (
            Field("outcome", "choice", required=True, choices=OUTCOME),
            Field("requires_evaluation", "bool", default=True),
        ),
    ),
    Table(
        "agencies",
        Agency,
        "Kooperationspartner",
        (
            Field("kind", "choice", required=True, choices=AGENCY_KIND),
            Field("address", "text", max_length=300),
            Field("phone", "text", max_length=60),
            Field("email", "text", max_length=200, check=_check_email),
            Field("accepts_referrals", "bool", default=True),
            Field("need_areas", "refs", default=(), target="need_areas"),
        ),
    ),
    Table(
        "checklist_templates",
        ChecklistTemplate,
        "Checklisten-Vorlagen",
        (
            Field("need_area", "ref", target="need_areas"),
            Field("items", "items", required=True),
        ),
    ),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


# --------------------------------------------------------------------------------------
# Reading YAML with line numbers
# --------------------------------------------------------------------------------------


class _Mapping(dict):
    """A YAML mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    key_lines: dict
    raw: dict  # the scalar text as written, e.g. 05766004 before YAML made a number of it
    duplicate_keys: list


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.raw = {}
    mapping.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            key = str(key)
        value = loader.construct_object(value_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            mapping.duplicate_keys.append((key, line))
        mapping[key] = value
        mapping.key_lines[key] = line
        if isinstance(value_node, yaml.ScalarNode):
            mapping.raw[key] = value_node.value
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse(text: str) -> tuple[Any, list[int]]:
    """The document, and for a top-level list the line on which each entry starts."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines = (
        [n.start_mark.line + 1 for n in node.value] if isinstance(node, yaml.SequenceNode) else []
    )
    return data, lines


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadError:
    """One problem in the files; ``str()`` is the German line the command prints."""

    file: str
    line: int | None
    code: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", Zeile {self.line}"
        if self.code is not None:
            where += f", Code {self.code!r}"
        return f"{where}: {self.message}"


class ReferenceDataError(Exception):
    """The files are invalid; nothing was written. ``errors`` lists every problem found."""

    def __init__(self, errors: list[LoadError]):
        super().__init__(f"{len(errors)} Fehler in den Referenzdaten")
        self.errors = errors


@dataclass
class Record:
    """A validated record: plain values, references as codes."""

    table: Table
    code: str
    line: int
    values: dict[str, Any]
    key_lines: dict[str, int]


def _type_name(kind: str) -> str:
    return {
        "text": "ein Text",
        "bool": "true oder false",
        "int": "eine ganze Zahl ≥ 0",
        "choice": "ein Text",
        "ref": "ein Code (Text)",
        "refs": "eine Liste von Codes",
        "items": "eine Liste von Punkten",
    }[kind]


def _value_hint(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return " (Codes und Schlüssel aus Ziffern in Anführungszeichen setzen)"
    return ""


class _Validator:
    def __init__(self, directory: Path):
        self.directory = directory
        self.errors: list[LoadError] = []

    def error(self, file: str, line: int | None, code: str | None, message: str) -> None:
        self.errors.append(LoadError(file, line, code, message))

    def display(self, table: Table) -> str:
        return str(self.directory / table.filename)

    # -- one file --------------------------------------------------------------------

    def read(self, table: Table) -> list[Record] | None:
        """Parse and check one file; None if the file is absent."""
        path = self.directory / table.filename
        if not path.exists():
            return None
        file = self.display(table)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.error(file, None, None, "die Datei ist nicht UTF-8-kodiert")
            return []
        except OSError:
            self.error(file, None, None, "die Datei kann nicht gelesen werden")
            return []
        try:
            data, entry_lines = _parse(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            column = f" (Spalte {mark.column + 1})" if mark else ""
            self.error(file, line, None, f"ungültige YAML-Syntax{column}")
            return []
        except yaml.YAMLError:
            self.error(file, None, None, "ungültige YAML-Syntax")
            return []
        if data is None:
            return []
        if not isinstance(data, list):
            line = getattr(data, "line", 1)
            self.error(file, line, None, "die Datei muss eine Liste von Einträgen sein")
            return []
        records = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(data, start=1):
            record = self.check_record(table, file, index, entry, entry_lines[index - 1])
            if record is None:
                continue
            if record.code in seen:
                self.error(
                    file,
                    record.line,
                    record.code,
                    f"der Code kommt doppelt vor (schon in Zeile {seen[record.code]})",
                )
                continue
            seen[record.code] = record.line
            records.append(record)
        return records

    def check_record(
        self, table: Table, file: str, index: int, entry: Any, line: int
    ) -> Record | None:
        if not isinstance(entry, _Mapping):
            self.error(
                file,
                line,
                None,
                f"Eintrag Nr. {index} muss aus Schlüssel-Wert-Paaren bestehen (code: …, name: …)",
            )
            return None
        code = entry.get("code")
        code_label = code if isinstance(code, str) else entry.raw.get("code")
        before = len(self.errors)

        def err(key: str | None, message: str) -> None:
            line = entry.key_lines.get(key, entry.line) if key else entry.line
            if code_label is None:
                message = f"Eintrag Nr. {index}: {message}"
            self.error(file, line, code_label, message)

        for key, line in entry.duplicate_keys:
            self.error(file, line, code_label, f"der Schlüssel {key!r} steht doppelt im Eintrag")
        for key in entry:
            if key not in table.keys:
                err(key, f"unbekannter Schlüssel {key!r} (erlaubt: {', '.join(table.keys)})")
        values = {}
        for spec in table.all_fields:
            present = spec.key in entry and entry[spec.key] is not None
            if not present:
                if spec.required:
                    err(None, f"Pflichtfeld {spec.key!r} fehlt")
                values[spec.key] = list(spec.default) if spec.kind == "refs" else spec.default
                continue
            value, message = self.check_value(spec, entry[spec.key], entry.raw.get(spec.key))
            if message:
                err(spec.key, f"Feld {spec.key!r}: {message}")
            values[spec.key] = value
        if spec_code_error := self.check_code(table, values.get("code")):
            err("code", f"Feld 'code': {spec_code_error}")
        if len(self.errors) > before:
            return None
        return Record(table, values["code"], entry.line, values, dict(entry.key_lines))

    @staticmethod
    def check_code(table: Table, code: Any) -> str | None:
        if not isinstance(code, str) or not code:
            return None  # reported as a type error or a missing field already
        if not CODE_PATTERN.match(code):
            return "nur Buchstaben, Ziffern, Punkt, Bindestrich und Unterstrich erlaubt"
        if table.code_check:
            return table.code_check(code)
        return None

    def check_value(
        self, spec: Field, value: Any, raw: str | None = None
    ) -> tuple[Any, str | None]:
        shown = raw if raw is not None and not isinstance(value, str) else repr(value)
        wrong = f"muss {_type_name(spec.kind)} sein, nicht {shown}{_value_hint(value)}"
        if spec.kind in ("text", "choice", "ref"):
            if not isinstance(value, str):
                return None, wrong
            value = value.strip()
            if not value:
                if spec.required:
                    return None, "darf nicht leer sein"
                return None, None
            if spec.max_length and len(value) > spec.max_length:
                return None, f"ist länger als {spec.max_length} Zeichen"
            if spec.kind == "choice" and value not in spec.choices:
                allowed = ", ".join(spec.choices.values)
                return None, f"unbekannter Wert {value!r} (erlaubt: {allowed})"
            if spec.check and (message := spec.check(value)):
                return None, message
            return value, None
        if spec.kind == "bool":
            if not isinstance(value, bool):
                return None, wrong
            return value, None
        if spec.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                return None, wrong
            return value, None
        if spec.kind == "refs":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return None, wrong
            codes = [v.strip() for v in value]
            duplicates = sorted({c for c in codes if codes.count(c) > 1})
            if duplicates:
                return None, f"Code {duplicates[0]!r} steht doppelt in der Liste"
            return codes, None
        if spec.kind == "items":
            return self.check_items(value, wrong)
        raise AssertionError(spec.kind)

    def check_items(self, value: Any, wrong: str) -> tuple[Any, str | None]:
        if not isinstance(value, list):
            return None, wrong
        if not value:
            return None, "eine Vorlage braucht mindestens einen Punkt"
        items = []
        texts: set[str] = set()
        allowed = ", ".join(f.key for f in ITEM_FIELDS)
        for number, item in enumerate(value, start=1):
            where = f"Punkt {number}"
            if not isinstance(item, _Mapping):
                return None, f"{where} muss die Form 'text: …, required: …' haben"
            unknown = [k for k in item if k not in {f.key for f in ITEM_FIELDS}]
            if unknown:
                return None, f"{where}: unbekannter Schlüssel {unknown[0]!r} (erlaubt: {allowed})"
            parsed = {}
            for spec in ITEM_FIELDS:
                if spec.key not in item or item[spec.key] is None:
                    if spec.required:
                        return None, f"{where}: Pflichtfeld {spec.key!r} fehlt"
                    parsed[spec.key] = spec.default
                    continue
                parsed[spec.key], message = self.check_value(spec, item[spec.key])
                if message:
                    return None, f"{where}, Feld {spec.key!r}: {message}"
            if parsed["text"] in texts:
                return None, f"{where}: der Text steht doppelt in der Vorlage"
            texts.add(parsed["text"])
            if parsed["position"] is None:
                parsed["position"] = number
            items.append(parsed)
        return items, None

    # -- across files ----------------------------------------------------------------

    def check_references(self, files: dict[str, list[Record]], existing: dict) -> None:
        known: dict[str, set[str]] = {}
        for table in TABLES:
            codes = set(existing[table.name])
            codes.update(r.code for r in files.get(table.name) or [])
            known[table.name] = codes
        for table in TABLES:
            for record in files.get(table.name) or []:
                for spec in table.fields:
                    if spec.kind not in ("ref", "refs"):
                        continue
                    value = record.values[spec.key]
                    codes = value if spec.kind == "refs" else [value] if value else []
                    target = TABLES_BY_NAME[spec.target]
                    for code in codes:
                        if code not in known[target.name]:
                            self.error(
                                self.display(table),
                                record.key_lines.get(spec.key, record.line),
                                record.code,
                                f"Feld {spec.key!r}: unbekannter Code {code!r} "
                                f"(weder in {target.filename} noch in der Datenbank)",
                            )

    def check_prefixes(self, records: list[Record] | None, existing: dict) -> None:
        """Case number prefixes are unique among all authorities, in the file and beyond."""
        if not records:
            return
        table = TABLES_BY_NAME["authorities"]
        in_file = {r.code for r in records}
        taken = {
            obj.case_number_prefix: code
            for code, obj in existing["authorities"].items()
            if code not in in_file
        }
        seen: dict[str, str] = {}
        for record in records:
            prefix = record.values["case_number_prefix"]
            other = seen.get(prefix) or taken.get(prefix)
            if other is not None:
                self.error(
                    self.display(table),
                    record.key_lines.get("case_number_prefix", record.line),
                    record.code,
                    f"das Nummernpräfix {prefix!r} hat schon die Behörde {other!r}",
                )
            seen.setdefault(prefix, record.code)


# --------------------------------------------------------------------------------------
# Planning and applying
# --------------------------------------------------------------------------------------


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


def _existing() -> dict[str, dict[str, Any]]:
    """Every reference row of the database, by table and code."""
    return {
        table.name: {
            obj.code: obj
            for obj in db.session.scalars(select(table.model).order_by(table.model.id))
        }
        for table in TABLES
    }


def _current(table: Table, obj, spec: Field) -> Any:
    value = getattr(obj, spec.key)
    if spec.kind == "ref":
        return value.code if value is not None else None
    if spec.kind == "refs":
        return sorted(v.code for v in value)
    if spec.kind == "items":
        return [
            {"text": i.text, "required": i.required, "position": i.position}
            for i in sorted(value, key=lambda i: (i.position, i.id or 0))
        ]
    return value


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


def read_reference(directory: Path) -> tuple[dict[str, list[Record] | None], dict]:
    """Read and validate every file; raises ReferenceDataError with all problems found."""
    validator = _Validator(Path(directory))
    if not Path(directory).is_dir():
        raise ReferenceDataError(
            [LoadError(str(directory), None, None, "das Verzeichnis gibt es nicht")]
        )
    known = {t.filename for t in TABLES}
    for path in sorted(Path(directory).glob("*.y*ml")):
        if path.name not in known:
            validator.error(
                str(path),
                None,
                None,
                f"unbekannte Datei (erwartet: {', '.join(sorted(known))})",
            )
    files = {table.name: validator.read(table) for table in TABLES}
    existing = _existing()
    validator.check_references(files, existing)
    validator.check_prefixes(files["authorities"], existing)
    if validator.errors:
        raise ReferenceDataError(validator.errors)
    return files, existing


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
                if _current(table, obj, spec) != _desired(spec, record, index)
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


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def _export_record(table: Table, obj, index: int) -> dict:
    record: dict[str, Any] = {"code": obj.code, "name": obj.name}
    for spec in table.fields:
        value = _current(table, obj, spec)
        if spec.kind == "items":
            items = []
            for number, item in enumerate(value, start=1):
                entry = {"text": item["text"], "required": item["required"]}
                if item["position"] != number:
                    entry["position"] = item["position"]
                items.append(entry)
            value = items
        if value is None or (spec.kind == "refs" and not value):
            continue
        record[spec.key] = value
    if not obj.active:
        record["active"] = False
    if obj.position != index:
        record["position"] = obj.position
    return record


def _ordered_refs(table: Table, obj, record: dict) -> dict:
    """Export many-to-many codes in the order of the target table, not alphabetically."""
    for spec in table.fields:
        if spec.kind == "refs" and spec.key in record:
            targets = sorted(getattr(obj, spec.key), key=lambda t: (t.position, t.code))
            record[spec.key] = [t.code for t in targets]
    return record


def export_reference(directory: Path | str) -> dict[str, int]:
    """Write every reference table as ``<table>.yaml`` into ``directory``; returns counts."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in TABLES:
        model = table.model
        rows = db.session.scalars(select(model).order_by(model.position, model.code)).all()
        data = [
            _ordered_refs(table, obj, _export_record(table, obj, index))
            for index, obj in enumerate(rows, start=1)
        ]
        header = (
            f"# Lotse-Referenzdaten: {table.label}\n"
            "# Geschrieben von „flask seed export“; "
            "laden mit „flask seed reference --dir <Verzeichnis>“.\n"
        )
        body = yaml.safe_dump(
            data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
        )
        (directory / table.filename).write_text(header + body, encoding="utf-8")
        counts[table.label] = len(rows)
    return counts
