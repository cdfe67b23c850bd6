"""Opening cases and recording needs: numbering and copying checklists (docs/design.md §3).

The admin views, the demo generator and the tests call these same functions.
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from models import CaseChecklistItem, ChecklistTemplate, Need, NeedArea, db
from models.case import Case
from models.client import Client

from .numbering import next_number


def register_client(client: Client, authority_id: int, on: date | None = None) -> Client:
    """Give a new client its authority and its number (of the year of ``on``, or today's)."""
    client.authority_id = authority_id
    if not client.number:
        client.number = next_number(authority_id, "client", on)
    return client


def _active_templates(*conditions) -> list[ChecklistTemplate]:
    return db.session.scalars(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.active.is_(True), *conditions)
        .order_by(ChecklistTemplate.position, ChecklistTemplate.code)
    ).all()


def _copied(item, need_area_id: int | None) -> dict:
    """What a case's checklist item copies from a template item (the text is copied, so later
    edits of a template do not rewrite case history)."""
    return {
        "need_area_id": need_area_id,
        "text": item.text,
        "required": item.required,
        "position": item.position,
    }


def copy_checklist(case: Case, need_area_id: int | None) -> list[CaseChecklistItem]:
    """Copy the active template(s) of a need area (None: the general process) into a case."""
    templates = _active_templates(
        ChecklistTemplate.need_area_id.is_(None)
        if need_area_id is None
        else ChecklistTemplate.need_area_id == need_area_id
    )
    items = [
        CaseChecklistItem(
            case=case,
            authority_id=case.authority_id,
            template_item=item,
            **_copied(item, need_area_id),
        )
        for template in templates
        for item in template.items
    ]
    db.session.add_all(items)
    return items


def checklist_copies() -> dict[int | None, list[dict]]:
    """For many cases at once (the bulk loader of the demo data): per need area (None: the
    general process), the column values of the checklist items ``copy_checklist`` would copy
    into a case, in the same order, ``template_item_id`` included."""
    copies: dict[int | None, list[dict]] = {}
    for template in _active_templates():
        copies.setdefault(template.need_area_id, []).extend(
            {"template_item_id": item.id, **_copied(item, template.need_area_id)}
            for item in template.items
        )
    return copies


def open_case(case: Case) -> Case:
    """Number a new case and copy the general process checklist into it."""
    if case.authority_id is None:
        case.authority_id = case.client.authority_id
    if not case.number:
        case.number = next_number(case.authority_id, "case", case.opened_on)
    case.status = case.status or "intake"
    db.session.add(case)
    copy_checklist(case, None)
    return case


def record_needs(
    case: Case, need_areas: Iterable[NeedArea], priority: str = "medium"
) -> list[Need]:
    """Record several needs from the intake at once; each copies its area's checklist."""
    existing = {need.need_area_id for need in case.needs}
    needs = []
    for area in need_areas:
        if area.id in existing:
            continue
        need = Need(case=case, authority_id=case.authority_id, need_area=area, priority=priority)
        db.session.add(need)
        copy_checklist(case, area.id)
        existing.add(area.id)
        needs.append(need)
    return needs


def on_need_created(need: Need) -> None:
    """A need added one at a time (e.g. through the admin form) copies its checklist too."""
    area_id = need.need_area.id if need.need_area is not None else need.need_area_id
    copy_checklist(need.case, area_id)
