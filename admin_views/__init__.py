"""The admin: every view in one registration list, grouped as in docs/design.md §5."""

from pathlib import Path

import flask_admin
from flask import Blueprint, current_app, url_for
from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

import models as m

from .administration import AuditEventView, UserView
from .cases import (
    ActivityView,
    CaseConferenceView,
    CaseShareView,
    CaseView,
    EvaluationView,
    GoalView,
    MeasureView,
    NeedView,
)
from .checks import run_checks
from .clients import ClientView, ConsentView, HouseholdMemberView
from .dashboard import DashboardView
from .documents import DocumentView
from .followups import FollowUpView
from .i18n import TRANSLATIONS_DIR
from .lists import msgid
from .permissions import ASSIGN, KNOWN_OPERATIONS, PERMISSIONS, allowed
from .profile import ProfileView
from .reference import (
    AccessRouteView,
    AgencyView,
    AuthorityView,
    ChecklistTemplateView,
    ClosureReasonView,
    DocumentKindView,
    MeasureTypeView,
    MunicipalityView,
    NeedAreaView,
    ResidenceStatusView,
    TargetGroupView,
)
from .referrals import ReferralView
from .rendering import cached_menu
from .report import ReportView
from .security import csp_nonce
from .steering import StructuralIssueView

CASES = _l("Fälle")
CLIENTS = _l("Klient:innen")
REFERRALS = _l("Vermittlungen")
STEERING = _l("Steuerung")
REFERENCE = _l("Stammdaten")
ADMINISTRATION = _l("Verwaltung")
TEAM_LISTS = _l("Teamlisten")


def build_views():
    """Every admin view, in menu order."""
    return [
        CaseView(m.Case, name=_l("Fälle"), category=CASES),
        NeedView(m.Need, name=_l("Bedarfe"), category=CASES),
        GoalView(m.Goal, name=_l("Ziele"), category=CASES),
        MeasureView(m.Measure, name=_l("Maßnahmen"), category=CASES),
        ActivityView(m.Activity, name=_l("Kontakte"), category=CASES),
        CaseConferenceView(m.CaseConference, name=_l("Fallkonferenzen"), category=CASES),
        EvaluationView(m.Evaluation, name=_l("Abschlussbewertungen"), category=CASES),
        CaseShareView(m.CaseShare, name=_l("Freigaben"), category=CASES),
        FollowUpView(name=_l("Wiedervorlage"), endpoint="followups", category=CASES),
        DocumentView(name=_l("Dokumente"), endpoint="document", url="/admin/document"),
        ClientView(m.Client, name=_l("Klient:innen"), category=CLIENTS),
        HouseholdMemberView(m.HouseholdMember, name=_l("Haushaltsangehörige"), category=CLIENTS),
        ConsentView(m.Consent, name=_l("Einwilligungen"), category=CLIENTS),
        ReferralView(m.Referral, name=_l("Vermittlungen"), category=REFERRALS),
        StructuralIssueView(m.StructuralIssue, name=_l("Systemlücken"), category=STEERING),
        ReportView(name=_l("Steuerungsbericht"), endpoint="report", category=STEERING),
        AuthorityView(m.Authority, name=_l("Behörden"), category=REFERENCE),
        AgencyView(m.Agency, name=_l("Kooperationspartner"), category=REFERENCE),
        NeedAreaView(m.NeedArea, name=_l("Handlungsfelder"), category=REFERENCE),
        MeasureTypeView(m.MeasureType, name=_l("Maßnahmearten"), category=REFERENCE),
        ResidenceStatusView(m.ResidenceStatus, name=_l("Aufenthaltsstatus"), category=REFERENCE),
        TargetGroupView(m.TargetGroup, name=_l("Zielgruppen"), category=REFERENCE),
        AccessRouteView(m.AccessRoute, name=_l("Zugangswege"), category=REFERENCE),
        DocumentKindView(m.DocumentKind, name=_l("Dokumentarten"), category=REFERENCE),
        ClosureReasonView(m.ClosureReason, name=_l("Abschlussgründe"), category=REFERENCE),
        ChecklistTemplateView(m.ChecklistTemplate, name=_l("Checklisten"), category=REFERENCE),
        MunicipalityView(m.Municipality, name=_l("Kommunen"), category=REFERENCE),
        UserView(m.User, name=_l("Benutzer:innen"), category=ADMINISTRATION),
        AuditEventView(m.AuditEvent, name=_l("Protokoll"), category=ADMINISTRATION),
        ProfileView(name=_l("Passwort ändern"), endpoint="profile", url="/admin/profile"),
    ]


# Team-lead presets (docs/design.md §5): links to named-filter URLs of the case list.
PRESETS = [
    (_l("Überfällig"), [("Überfällig", "ist", "1")], None),
    (_l("Nicht zugewiesen"), [("Nicht zugewiesen", "ist", "1")], None),
    (_l("Wartet auf Abschlussbewertung"), [("Status", "equals", "evaluation")], None),
    (_l("Ohne Kontakt seit 30 Tagen"), [("Ohne Kontakt seit 30 Tagen", "ist", "1")], None),
    (_l("Nach Fallmanager:in"), [], "caseworker"),
    (_l("Nach Handlungsfeld"), [], "need_area"),
]


class PresetLink(MenuLink):
    """A menu link to the case list with fixed filters; shown to team leads only."""

    def __init__(self, name, filters, sort_column, category):
        super().__init__(name=name, category=category)
        self.filters = filters
        self.sort_column = sort_column

    def is_accessible(self):
        return allowed("case", ASSIGN)

    def get_url(self):
        # "By need area" lists the needs, each with its case; everything else the cases.
        endpoint = "need" if self.sort_column == "need_area" else "case"
        view = current_app.extensions["lotse_admin_views"][endpoint]
        args = {}
        for position, (label, operation, value) in enumerate(self.filters):
            index, flt = next(
                (i, f)
                for i, f in enumerate(view._filters)
                if msgid(f.name) == label and msgid(f.operation()) == operation
            )
            args[f"flt{position}_{view.get_filter_arg(index, flt)}"] = value
        if self.sort_column:
            names = [name for name, _label in view._list_columns]
            args["sort"] = names.index(self.sort_column)
        return url_for(f"{endpoint}.index_view", **args)


def init_admin(app) -> Admin:
    # Flask-Admin's own templates as bootstrap4/…, for the overrides that build on them
    # (admin/lib.html keeps Flask-Admin's macros and changes only render_field).
    app.register_blueprint(
        Blueprint(
            "flask_admin_templates",
            __name__,
            template_folder=str(Path(flask_admin.__file__).parent / "templates"),
        )
    )
    admin = Admin(
        app,
        name="Lotse",
        url="/admin",
        index_view=DashboardView(name=_l("Übersicht"), url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="lotse/base.html", fluid=True),
        translations_path=str(TRANSLATIONS_DIR),
        csp_nonce_generator=csp_nonce,
    )
    views = build_views()
    for view in views:
        admin.add_view(view)
    run_checks(
        permissions=PERMISSIONS,
        views=[admin.index_view, *views],
        known_operations=KNOWN_OPERATIONS,
        presets=PRESETS,
        msgid=msgid,
    )
    for name, filters, sort_column in PRESETS:
        admin.add_link(PresetLink(name, filters, sort_column, category=TEAM_LISTS))
    app.jinja_env.globals["cached_menu"] = cached_menu
    app.extensions["lotse_admin"] = admin
    app.extensions["lotse_admin_views"] = {view.endpoint: view for view in views}
    return admin
