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
from .permissions import ASSIGN, KNOWN_OPERATIONS, PERMISSIONS, SECOND_FACTOR_ALWAYS, allowed
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
from .role_grants import RoleGrantView
from .security import csp_nonce
from .steering import StructuralIssueView

CASES = _l("Fälle")
CLIENTS = _l("Klient:innen")
REFERRALS = _l("Vermittlungen")
STEERING = _l("Steuerung")
REFERENCE = _l("Stammdaten")
ADMINISTRATION = _l("Verwaltung")
TEAM_LISTS = _l("Teamlisten")


# The menu (docs/design.md §5): each category with its views in menu order, a model view
# with its model, a custom view with its endpoint (its URL is /admin/<endpoint>).
MENU = (
    (
        CASES,
        (
            (CaseView, m.Case, _l("Fälle")),
            (NeedView, m.Need, _l("Bedarfe")),
            (GoalView, m.Goal, _l("Ziele")),
            (MeasureView, m.Measure, _l("Maßnahmen")),
            (ActivityView, m.Activity, _l("Kontakte")),
            (CaseConferenceView, m.CaseConference, _l("Fallkonferenzen")),
            (EvaluationView, m.Evaluation, _l("Abschlussbewertungen")),
            (CaseShareView, m.CaseShare, _l("Freigaben")),
            (FollowUpView, "followups", _l("Wiedervorlage")),
        ),
    ),
    (
        CLIENTS,
        (
            (ClientView, m.Client, _l("Klient:innen")),
            (HouseholdMemberView, m.HouseholdMember, _l("Haushaltsangehörige")),
            (ConsentView, m.Consent, _l("Einwilligungen")),
        ),
    ),
    (REFERRALS, ((ReferralView, m.Referral, _l("Vermittlungen")),)),
    (
        STEERING,
        (
            (StructuralIssueView, m.StructuralIssue, _l("Systemlücken")),
            (ReportView, "report", _l("Steuerungsbericht")),
        ),
    ),
    (
        REFERENCE,
        (
            (AuthorityView, m.Authority, _l("Behörden")),
            (AgencyView, m.Agency, _l("Kooperationspartner")),
            (NeedAreaView, m.NeedArea, _l("Handlungsfelder")),
            (MeasureTypeView, m.MeasureType, _l("Maßnahmearten")),
            (ResidenceStatusView, m.ResidenceStatus, _l("Aufenthaltsstatus")),
            (TargetGroupView, m.TargetGroup, _l("Zielgruppen")),
            (AccessRouteView, m.AccessRoute, _l("Zugangswege")),
            (DocumentKindView, m.DocumentKind, _l("Dokumentarten")),
            (ClosureReasonView, m.ClosureReason, _l("Abschlussgründe")),
            (ChecklistTemplateView, m.ChecklistTemplate, _l("Checklisten")),
            (MunicipalityView, m.Municipality, _l("Kommunen")),
        ),
    ),
    (
        ADMINISTRATION,
        (
            (UserView, m.User, _l("Benutzer:innen")),
            (RoleGrantView, "role_grant", _l("Rollenanträge")),
            (AuditEventView, m.AuditEvent, _l("Protokoll")),
        ),
    ),
    (
        None,
        (
            (ProfileView, "profile", _l("Passwort ändern")),
            # Downloads, uploads and archiving of a case file's documents; not in the menu.
            (DocumentView, "document", _l("Dokumente")),
        ),
    ),
)


def build_views():
    """Every admin view, in menu order."""
    return [
        view(name=name, endpoint=target, category=category)
        if isinstance(target, str)
        else view(target, name=name, category=category)
        for category, views in MENU
        for view, target, name in views
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
    # The roles that always need a second factor, for services that describe the
    # installation (the Art. 30 register); the role table stays the only place saying so.
    app.extensions["lotse_second_factor_always"] = SECOND_FACTOR_ALWAYS
    return admin
