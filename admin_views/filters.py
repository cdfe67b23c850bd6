"""List filters that need more than one column: the team-lead presets of docs/design.md §5.

What is overdue and what has had no contact is decided by ``services.due``, as for the
follow-up list and the dashboard."""

from datetime import date

from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from models import Case, Need, NeedArea
from services.due import case_is_open, no_contact, overdue_part

YES_NO = (("1", _l("ja")), ("0", _l("nein")))


class _YesNoFilter(BaseSQLAFilter):
    def __init__(self, name):
        super().__init__(Case.id, name, options=YES_NO)

    def condition(self, today: date):
        raise NotImplementedError

    def apply(self, query, value, alias=None):
        condition = self.condition(date.today())
        return query.filter(condition if value == "1" else ~condition)

    def operation(self):
        return _l("ist")


class OverdueFilter(_YesNoFilter):
    """Open cases with an overdue measure, an unanswered referral or a goal past its date."""

    def condition(self, today):
        return and_(case_is_open(Case), overdue_part(today, Case))


class UnassignedFilter(_YesNoFilter):
    def condition(self, today):
        return Case.caseworker_id.is_(None)


class NoContactFilter(_YesNoFilter):
    """Open cases without any contact in the last 30 days, as in the follow-up list."""

    def condition(self, today):
        return and_(case_is_open(Case), no_contact(today, Case))


class NeedAreaFilter(BaseSQLAFilter):
    """Cases with a need in an area, by the area's name or code."""

    def __init__(self, name):
        super().__init__(Case.id, name)

    def apply(self, query, value, alias=None):
        areas = select(NeedArea.id).where(or_(NeedArea.name == value, NeedArea.code == value))
        return query.filter(
            exists().where(Need.case_id == Case.id, Need.need_area_id.in_(areas.scalar_subquery()))
        )

    def operation(self):
        return _l("ist")
