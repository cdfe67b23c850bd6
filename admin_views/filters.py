"""List filters that need more than one column: the team-lead presets of docs/design.md §5."""

from datetime import date, timedelta

from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from models import Activity, Case, Goal, Measure, Need, NeedArea, Referral

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
    """Cases with an overdue measure, an unanswered referral or a goal past its date."""

    def condition(self, today):
        return or_(
            exists().where(
                Measure.case_id == Case.id,
                Measure.status.in_(("planned", "in_progress")),
                Measure.due_on < today,
                Measure.archived_at.is_(None),
            ),
            exists().where(
                Referral.case_id == Case.id,
                Referral.status == "sent",
                Referral.answered_on.is_(None),
                Referral.follow_up_on < today,
                Referral.archived_at.is_(None),
            ),
            exists().where(
                Goal.case_id == Case.id,
                Goal.status.in_(("open", "in_progress")),
                Goal.target_date < today,
                Goal.archived_at.is_(None),
            ),
        )


class UnassignedFilter(_YesNoFilter):
    def condition(self, today):
        return Case.caseworker_id.is_(None)


class NoContactFilter(_YesNoFilter):
    """Open cases without any contact in the last 30 days."""

    def condition(self, today):
        since = today - timedelta(days=30)
        return and_(
            Case.opened_on < since,
            ~exists().where(Activity.case_id == Case.id, Activity.occurred_on >= since),
        )


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
