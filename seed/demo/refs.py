"""The reference data the demo draws on, as plain ids (they survive the session being
emptied between batches)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import select

import models
from models import db
from services.cases import checklist_copies


@dataclass
class _Refs:
    authorities: list[SimpleNamespace]
    need_areas: dict[str, int]
    measure_types: dict[str, list[tuple[int, str]]]
    agencies: dict[str, list[tuple[int, str]]]
    agency_names: dict[int, str]
    statuses: dict[str, int]
    target_groups: dict[str, int]
    access_routes: dict[str, int]
    closure_reasons: dict[str, int]
    municipalities: dict[str, tuple[int, str]]
    # The values of the items ``services.cases.copy_checklist`` copies, per need area (None:
    # the general process), from ``services.cases.checklist_copies``.
    checklists: dict[int | None, list[dict]]

    @classmethod
    def load(cls) -> _Refs:
        def active(model):
            return db.session.scalars(
                select(model).where(model.active.is_(True)).order_by(model.position, model.code)
            ).all()

        def codes(model):
            return {obj.code: obj.id for obj in active(model)}

        authorities = [
            SimpleNamespace(
                id=a.id,
                code=a.code,
                name=a.name,
                kind=a.kind,
                municipality_id=a.municipality_id,
                prefix=a.case_number_prefix,
            )
            for a in active(models.Authority)
        ]
        areas = {a.id: a.code for a in active(models.NeedArea)}
        measure_types: dict[str, list] = {}
        for mt in active(models.MeasureType):
            if mt.need_area_id in areas:
                measure_types.setdefault(areas[mt.need_area_id], []).append((mt.id, mt.name))
        agencies: dict[str, list] = {}
        agency_names = {}
        for agency in active(models.Agency):
            if not agency.accepts_referrals:
                continue
            agency_names[agency.id] = agency.name
            for area in agency.need_areas:
                agencies.setdefault(area.code, []).append((agency.id, agency.name))
        return cls(
            authorities=authorities,
            need_areas={code: id_ for id_, code in areas.items()},
            measure_types=measure_types,
            agencies=agencies,
            agency_names=agency_names,
            statuses=codes(models.ResidenceStatus),
            target_groups=codes(models.TargetGroup),
            access_routes=codes(models.AccessRoute),
            closure_reasons=codes(models.ClosureReason),
            municipalities={m.code: (m.id, m.name) for m in active(models.Municipality)},
            checklists=checklist_copies(),
        )
