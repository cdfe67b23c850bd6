"""Fälle: cases and their parts."""

import functools

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from models import Activity, CaseChecklistItem, Evaluation, Goal, Measure, NeedArea, User, db
from models.choices import CASE_STATUS
from services.assignment import (
    NOT_ASSIGNABLE,
    AssignmentRefused,
    assign_cases,
    assignable_staff,
    check_assignment,
    own_cases,
)
from services.casefile import load_case_file, reference_lists
from services.cases import on_need_created, open_case, record_needs
from services.checklist import progress, tick
from services.due import CaseClosed, ensure_editable, is_editable
from services.history import history
from services.lifecycle import (
    TransitionRefused,
    effort_minutes,
    missing_conditions,
    transition,
    transitions_from,
)
from services.sharing import share_problems

from . import lookups
from .base import (
    ARCHIVE,
    ASSIGN,
    CASE_DATA,
    CREATE,
    REOPEN,
    TRANSITION,
    LotseModelView,
    allowed,
    commit_keeping_loaded,
    conflict_message,
    deny,
    is_current_version,
    operations,
    own_fields,
    parse_id,
)
from .filters import NeedAreaFilter, NoContactFilter, OverdueFilter, UnassignedFilter
from .i18n import choice_label
from .labels import LABELS

CASE_PART_LOOKUPS = {"case": lookups.CASE}
# The parts the case file offers "new …" links for (its add_link buttons).
CASE_FILE_ADDABLE = tuple(r for r in CASE_DATA if r not in ("client", "household_member", "case"))


class _TranslatedOnce:
    """``labels.get(key, default)`` of a mapping of lazy strings, each translated once."""

    def __init__(self, lazy: dict):
        self._lazy = lazy
        self._done = {}

    def get(self, key, default=None):
        try:
            return self._done[key]
        except KeyError:
            pass
        if key not in self._lazy:
            return default
        # A lazy string renders unescaped (it has __html__); Markup keeps that. The texts
        # are the project's own labels and their translations, not user input.
        text = self._done[key] = Markup(self._lazy[key].__html__())  # noqa: S704
        return text


class CaseView(LotseModelView):
    """Cases; the details page is the case file (Fallakte), with lifecycle and checklist."""

    column_list = ("number", "client", "status", "caseworker", "opened_on", "access_route")
    column_searchable_list = ("number", "client.family_name", "client.number")
    column_filters = (
        "status",
        "opened_on",
        "closed_on",
        "caseworker.display_name",
        "access_route.name",
        "closure_reason.name",
        "archived_at",
        OverdueFilter(_l("Überfällig")),
        UnassignedFilter(_l("Nicht zugewiesen")),
        NoContactFilter(_l("Ohne Kontakt seit 30 Tagen")),
        NeedAreaFilter(_l("Handlungsfeld")),
    )
    column_sortable_list = (
        "number",
        "status",
        "opened_on",
        ("client", "client.family_name"),
        ("caseworker", "caseworker.display_name"),
    )
    column_default_sort = ("opened_on", True)
    column_details_list = (
        "number",
        "client",
        "status",
        "caseworker",
        "access_route",
        "opened_on",
        "intake_on",
        "intake_summary",
        "closed_on",
        "closure_reason",
        "closure_note",
        "created_at",
        "updated_at",
        "archived_at",
    )
    form_columns = (
        "client",
        "caseworker",
        "access_route",
        "opened_on",
        "intake_on",
        "intake_summary",
    )
    form_ajax_refs = {"client": lookups.CLIENT, "caseworker": lookups.staff_loader()}

    def on_model_change(self, form, model, is_created):
        # The form sets the relationship; its key column still holds the loaded value until
        # the flush, so the new caseworker is compared with what was loaded.
        history = sa_inspect(model).attrs.caseworker_id.history
        loaded = (history.deleted or history.unchanged or [None])[0]
        reassigned = model.caseworker is not None and (is_created or model.caseworker.id != loaded)
        if is_created and model.caseworker is None:
            model.caseworker = db.session.get(User, current_user.id)
        elif reassigned:
            try:
                check_assignment(
                    model.caseworker, current_user, may_assign_others=allowed("case", ASSIGN)
                )
            except AssignmentRefused as refused:
                raise ValidationError(str(refused.message)) from None
        if is_created:
            open_case(model)

    @expose("/details/")
    def details_view(self):
        """The case file (Fallakte): the case with all its parts, next steps and history.

        Its statements are counted (tests/test_casefile.py): the case is looked up by the
        case file's own first query (``get_visible``, which ``get_one`` uses too), the
        lifecycle conditions are counted from the loaded parts, and the read is committed
        without expiring what is loaded, so that neither the case nor the user is read twice.
        """
        file = self.get_visible(request.args.get("id"), load_case_file)
        case = file.case
        ops = operations("case")
        facts = file.facts()
        steps = [
            (step, missing_conditions(case, step.target, facts=facts))
            for step in transitions_from(case.status)
            if step.operation in ops
        ]
        is_open = is_editable(case)
        may_add = {
            resource: is_open and allowed(resource, CREATE) for resource in CASE_FILE_ADDABLE
        }
        may_upload = is_open and allowed("document", CREATE)
        areas, reasons, document_kinds = reference_lists(
            need_areas=may_add["need"],
            closure_reasons=any(step.target == "closed" for step, _missing in steps),
            document_kinds=may_upload,
        )
        recorded = {need.need_area_id for need in file.needs}
        events = history("case", case.id)
        commit_keeping_loaded()
        return self.render(
            "lotse/case_file.html",
            file=file,
            steps=steps,
            closure_reasons=reasons,
            may_add=may_add,
            may_upload=may_upload,
            may_archive_documents=allowed("document", ARCHIVE),
            document_kinds=document_kinds,
            return_url=request.full_path,
            events=events,
            open_areas=[area for area in areas if area.id not in recorded],
            labels=_TranslatedOnce(LABELS),
            # The same labels as the global ``choice_label``, each translated once per page.
            choice_label=functools.cache(choice_label),
        )

    @action("assign", _l("Fallmanager:in zuweisen"))
    def action_assign(self, ids):
        ids = ",".join(str(pk) for pk in map(parse_id, ids) if pk is not None)
        return redirect(url_for(".assign_view", ids=ids))

    def is_action_allowed(self, name):
        if name == "assign":
            return allowed("case", ASSIGN)
        return super().is_action_allowed(name)

    @expose("/assign/", methods=("GET", "POST"))
    def assign_view(self):
        """A team lead assigns active caseworkers of the own authority to cases in bulk."""
        if not allowed("case", ASSIGN):
            abort(403)
        ids = [parse_id(i) for i in request.values.get("ids", "").split(",") if i]
        if None in ids:
            abort(400)
        cases = own_cases(ids, current_user.authority_id)
        if not cases or len(cases) != len(set(ids)):
            abort(404)
        staff = assignable_staff(current_user.authority_id)
        if request.method == "POST":
            chosen = next(
                (u for u in staff if u.id == parse_id(request.form.get("caseworker"))), None
            )
            try:
                if chosen is None:
                    raise AssignmentRefused(NOT_ASSIGNABLE)
                assign_cases(cases, chosen, current_user, may_assign_others=allowed("case", ASSIGN))
            except AssignmentRefused as refused:
                flash(str(refused.message), "error")
            else:
                db.session.commit()
                flash(
                    ngettext(
                        "%(num)s Fall an %(name)s zugewiesen.",
                        "%(num)s Fälle an %(name)s zugewiesen.",
                        len(cases),
                        name=chosen.display_name,
                    ),
                    "success",
                )
                return redirect(url_for(".index_view"))
        return self.render("lotse/assign.html", cases=cases, staff=staff, ids=request.values["ids"])

    @expose("/needs/", methods=("POST",))
    def needs_view(self):
        """The intake's needs, several areas at once; each copies its area's checklist."""
        case = self.get_one(request.args.get("id"))
        if not allowed("need", CREATE):
            deny("case", case.id, 403)
        try:
            ensure_editable(case)
        except CaseClosed as closed:
            flash(str(closed.message), "error")
            return redirect(url_for(".details_view", id=case.id))
        area_ids = {parse_id(v) for v in request.form.getlist("need_area")}
        if None in area_ids:
            abort(400)
        areas = db.session.scalars(
            select(NeedArea).where(NeedArea.id.in_(area_ids), NeedArea.active.is_(True))
        ).all()
        if not areas or len(areas) != len(area_ids):
            flash(_("Bitte mindestens ein aktives Handlungsfeld wählen."), "error")
            return redirect(url_for(".details_view", id=case.id))
        added = record_needs(case, areas)
        db.session.commit()
        flash(
            ngettext("%(num)s Bedarf erfasst.", "%(num)s Bedarfe erfasst.", len(added)), "success"
        )
        return redirect(url_for(".details_view", id=case.id) + "#needs-title")

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        case = self.get_one(request.args.get("id"))
        if not allowed("case", TRANSITION) and not allowed("case", REOPEN):
            abort(403)
        try:
            transition(
                case,
                request.form.get("to", ""),
                allowed_operations=operations("case"),
                closure_reason_code=request.form.get("closure_reason") or None,
                note=request.form.get("closure_note") or None,
            )
            db.session.commit()
        except TransitionRefused as refused:
            db.session.rollback()
            flash(_("Der Statuswechsel ist nicht möglich:"), "error")
            for reason in refused.reasons:
                flash(reason, "error")
        else:
            flash(
                _(
                    "Der Fall ist jetzt im Status „%(status)s“.",
                    status=CASE_STATUS.label(case.status),
                ),
                "success",
            )
        return redirect(url_for(".details_view", id=case.id))

    @expose("/checklist/", methods=("GET", "POST"))
    def checklist_view(self):
        case = self.get_one(request.args.get("id"))
        if request.method == "POST":
            if not self.can_edit:
                abort(403)
            item_id = parse_id(request.form.get("item"))
            item = db.session.get(CaseChecklistItem, item_id) if item_id else None
            if item is None or item.case_id != case.id:
                abort(404)
            self._tick(case, item)
            return redirect(url_for(".checklist_view", id=case.id) + f"#item-{item.id}")
        items = db.session.scalars(
            select(CaseChecklistItem)
            .where(CaseChecklistItem.case_id == case.id)
            .options(joinedload(CaseChecklistItem.need_area), joinedload(CaseChecklistItem.done_by))
            .order_by(
                CaseChecklistItem.need_area_id.is_not(None),
                CaseChecklistItem.need_area_id,
                CaseChecklistItem.position,
            )
        ).all()
        groups = {}
        for item in items:
            groups.setdefault(item.need_area, []).append(item)
        done, total = progress(items)
        return self.render(
            "lotse/checklist.html",
            case=case,
            groups=groups,
            done=done,
            total=total,
            percent=round(100 * done / total) if total else 0,
            can_edit=self.can_edit and is_editable(case),
        )

    def _tick(self, case, item) -> None:
        """Tick or reopen ``item`` as the page's form says (docs/design.md §8, "Checklist
        ticks"): a form loaded at an older version than the item's is refused, and so is a
        save that loses the race to a concurrent one (the version check of the UPDATE). A
        post without a version sets the state it names, which is idempotent."""
        try:
            ensure_editable(case)
        except CaseClosed as closed:
            flash(str(closed.message), "error")
            return
        submitted = request.form.get("version")
        if submitted is not None and not is_current_version(submitted, item):
            flash(conflict_message(), "error")
            return
        tick(item, current_user.id, request.form.get("done") == "1", request.form.get("note"))
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash(conflict_message(), "error")


class NeedView(LotseModelView):
    column_list = ("case", "need_area", "priority", "description")
    column_sortable_list = (("case", "case.number"), ("need_area", "need_area.name"), "priority")
    column_filters = ("need_area.name", "priority")
    column_searchable_list = ("description",)
    column_default_sort = ("id", True)
    form_columns = ("case", "need_area", "priority", "description")
    form_ajax_refs = CASE_PART_LOOKUPS

    def on_model_change(self, form, model, is_created):
        if is_created:
            on_need_created(model)


class GoalView(LotseModelView):
    column_list = ("case", "description", "need_area", "status", "target_date", "agreed_on")
    column_filters = ("status", "need_area.name", "target_date", "agreed_on")
    column_searchable_list = ("description",)
    column_default_sort = ("target_date", False)
    form_columns = ("case", *own_fields(Goal))
    form_ajax_refs = CASE_PART_LOOKUPS


class MeasureView(LotseModelView):
    column_list = ("case", "goal", "description", "responsible", "agency", "due_on", "status")
    column_filters = ("status", "responsible", "due_on", "done_on", "agency.name")
    column_searchable_list = ("description",)
    column_default_sort = ("due_on", False)
    # The case is taken from the goal, so a measure always belongs to its goal's case.
    form_columns = own_fields(Measure)
    form_ajax_refs = {"goal": lookups.GOAL}

    def on_model_change(self, form, model, is_created):
        model.case_id = model.goal.case_id
        model.authority_id = model.goal.authority_id
        if model.status == "done" and model.done_on is None:
            raise ValidationError(_("Eine erledigte Maßnahme braucht ein Erledigungsdatum."))


class ActivityView(LotseModelView):
    column_list = (
        "case",
        "occurred_on",
        "kind",
        "duration_minutes",
        "interpreter_used",
        "confidential",
    )
    column_filters = ("kind", "occurred_on", "interpreter_used", "confidential")
    column_searchable_list = ("summary",)
    column_default_sort = ("occurred_on", True)
    form_columns = ("case", *own_fields(Activity))
    form_args = {"duration_minutes": {"validators": [InputRequired(), NumberRange(0, 1440)]}}
    form_ajax_refs = CASE_PART_LOOKUPS


class CaseConferenceView(LotseModelView):
    column_list = ("case", "held_on", "participants_note")
    column_filters = ("held_on",)
    column_searchable_list = ("results",)
    column_default_sort = ("held_on", True)
    form_columns = (
        "case",
        "held_on",
        "agencies",
        "participants_note",
        "results",
        "agreed_actions",
    )
    form_ajax_refs = CASE_PART_LOOKUPS


class EvaluationView(LotseModelView):
    column_list = (
        "case",
        "evaluated_on",
        "jointly_with_client",
        "effort_minutes",
        "effort_assessment",
        "success_rating",
        "client_satisfaction",
    )
    column_filters = ("evaluated_on", "effort_assessment", "success_rating", "jointly_with_client")
    column_default_sort = ("evaluated_on", True)
    # The effort is a snapshot of the activities' summed durations, taken when saving.
    form_columns = ("case", *own_fields(Evaluation, skip=("effort_minutes",)))
    form_args = {
        "success_rating": {"validators": [InputRequired(), NumberRange(1, 5)]},
        "client_satisfaction": {"validators": [Optional(), NumberRange(1, 5)]},
    }
    form_ajax_refs = CASE_PART_LOOKUPS
    create_template = "lotse/evaluation_form.html"
    edit_template = "lotse/evaluation_form.html"

    def on_model_change(self, form, model, is_created):
        model.effort_minutes = effort_minutes(model.case.id)

    def render(self, template, **kwargs):
        # The form shows each goal of the case with its final status (docs/design.md §2).
        if template == self.create_template:
            model = kwargs.get("model")
            case_id = model.case_id if model is not None else parse_id(request.args.get("case"))
            form = kwargs.get("form")
            if case_id is None and form is not None and getattr(form, "case", None):
                case_id = form.case.data.id if form.case.data is not None else None
            kwargs["case_goals"] = (
                db.session.scalars(
                    select(Goal).where(Goal.case_id == case_id).order_by(Goal.id)
                ).all()
                if case_id
                else []
            )
            kwargs["case_effort"] = effort_minutes(case_id) if case_id else None
        return super().render(template, **kwargs)


class CaseShareView(LotseModelView):
    column_list = ("case", "authority", "access", "granted_on", "revoked_on")
    column_filters = ("access", "granted_on", "revoked_on", "authority.name")
    column_default_sort = ("granted_on", True)
    form_columns = ("case", "authority", "consent", "access", "granted_on", "revoked_on")
    form_ajax_refs = {"case": lookups.CASE, "consent": lookups.CONSENT}

    def on_model_change(self, form, model, is_created):
        problems = share_problems(model)
        if problems:
            raise ValidationError(" ".join(problems))
        if is_created:
            model.granted_by_id = current_user.id
            model.owner_authority_id = model.case.authority_id
