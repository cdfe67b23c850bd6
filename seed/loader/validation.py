"""Validating the files as a whole: every problem is found and named before anything is
written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from models import db

from .tables import CODE_PATTERN, ITEM_FIELDS, TABLES, TABLES_BY_NAME, Field, Table
from .yaml_lines import LineMapping, parse_lines


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
            data, entry_lines = parse_lines(text)
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
        if not isinstance(entry, LineMapping):
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
            if not isinstance(item, LineMapping):
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


def _existing() -> dict[str, dict[str, Any]]:
    """Every reference row of the database, by table and code."""
    return {
        table.name: {
            obj.code: obj
            for obj in db.session.scalars(select(table.model).order_by(table.model.id))
        }
        for table in TABLES
    }


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
