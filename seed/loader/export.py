"""Writing the reference tables back as files, in the format they are loaded from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from models import db

from .tables import TABLES, Table, current_value


def _export_record(table: Table, obj, index: int) -> dict:
    record: dict[str, Any] = {"code": obj.code, "name": obj.name}
    for spec in table.fields:
        value = current_value(table, obj, spec)
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
