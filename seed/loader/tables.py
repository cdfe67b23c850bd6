"""What the reference files may contain: one ``Table`` per file, its ``Field``s and
their checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

import models
from models.choices import AGENCY_KIND, AUTHORITY_KIND, OUTCOME, Choices

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
PREFIX_PATTERN = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
MUNICIPALITY_KEY_PATTERN = re.compile(r"^\d{8}$")


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
    Table("municipalities", models.Municipality, "Gemeinden", code_check=_check_municipality_key),
    Table(
        "authorities",
        models.Authority,
        "Behörden",
        (
            Field("kind", "choice", required=True, choices=AUTHORITY_KIND),
            Field("municipality", "ref", target="municipalities"),
            Field("case_number_prefix", "text", required=True, max_length=20, check=_check_prefix),
        ),
    ),
    Table("need_areas", models.NeedArea, "Handlungsfelder"),
    Table(
        "measure_types",
        models.MeasureType,
        "Maßnahmearten",
        (Field("need_area", "ref", required=True, target="need_areas"),),
    ),
    Table(
        "residence_statuses",
        models.ResidenceStatus,
        "Aufenthaltsstatus",
        (Field("legal_reference", "text", max_length=120),),
    ),
    Table("target_groups", models.TargetGroup, "Zielgruppen"),
    Table("access_routes", models.AccessRoute, "Zugangswege"),
    Table("document_kinds", models.DocumentKind, "Dokumentarten"),
    Table(
        "closure_reasons",
        models.ClosureReason,
        "Abschlussgründe",
        (
            Field("outcome", "choice", required=True, choices=OUTCOME),
            Field("requires_evaluation", "bool", default=True),
        ),
    ),
    Table(
        "agencies",
        models.Agency,
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
        models.ChecklistTemplate,
        "Checklisten-Vorlagen",
        (
            Field("need_area", "ref", target="need_areas"),
            Field("items", "items", required=True),
        ),
    ),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


def current_value(table: Table, obj, spec: Field) -> Any:
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
