"""Who reaches what: the role matrix of docs/design.md §4 and the authority boundary, by every URL.

The role table is written out here a second time, from docs/design.md, and compared with
``admin_views.base.PERMISSIONS``, so that the two cannot drift apart. Then every URL under
``/admin`` is tried by an anonymous visitor, by users of another authority with the first
authority's ids, and by roles without the right. Rows of the first authority carry planted
strings ("GEHEIM-…", their client and case numbers); none of them may appear in any answer
to another authority, to IT staff or to auditors, and no request of theirs may change the
database.
"""

import io
import re
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import openpyxl
import pytest
from flask import url_for
from sqlalchemy import func, select

import models
from admin_views.base import PERMISSIONS
from models import (
    AccessRoute,
    Activity,
    Agency,
    AuditEvent,
    Authority,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    ChecklistTemplate,
    Client,
    ClosureReason,
    Consent,
    DocumentKind,
    Evaluation,
    Goal,
    HouseholdMember,
    Measure,
    MeasureType,
    Municipality,
    Need,
    NeedArea,
    Referral,
    ResidenceStatus,
    StructuralIssue,
    TargetGroup,
    User,
    db,
    scoping,
)
from models.client import OwnedMixin
from models.scoping import RULES, as_user, unscoped
from tests import factories

VIEW, CREATE, EDIT, ARCHIVE, EXPORT = "view", "create", "edit", "archive", "export"
TRANSITION, REOPEN, ASSIGN, DELETE = "transition", "reopen", "assign", "delete"
TEAM, REGION = "team", "region"
OPS = (VIEW, CREATE, EDIT, ARCHIVE, EXPORT)  # what every model view offers
LETTERS = {
    "v": VIEW,
    "c": CREATE,
    "e": EDIT,
    "a": ARCHIVE,
    "x": EXPORT,
    "t": TRANSITION,
    "r": REOPEN,
    "s": ASSIGN,
    "d": DELETE,
    "w": TEAM,
    "g": REGION,
}
ROLES = ("caseworker", "team_lead", "it_admin", "auditor")

# The role table of docs/design.md §4, one row per admin endpoint (docs/design.md §6), read
# from the design and not from the code. v view, c create, e edit, a archive, x export, and
# for cases t lifecycle transition, r reopen, s assign a caseworker, d delete (reference
# entries no longer in use only), w the whole authority's figures, g anonymised totals
# across authorities (the team lead's dashboard and report). The auditor may export the
# audit trail.
# Documents are uploaded (c), downloaded (v) and archived (a) from the case file; they have
# no list, form or export of their own.
# "update" is edit (and, for a case, moving it along its lifecycle, docs/design.md §3);
# "deactivate" reference data or users is an edit of `active`; "manage shares" is create,
# read and update a share (revoking sets `revoked_on`). The follow-up list (§5) is case work.
# fmt: off
DESIGN_TABLE = {
    # resource            caseworker team_lead   it_admin  auditor
    "client":             ("vce",     "vceax",    "",       ""),
    "household_member":   ("vce",     "vceax",    "",       ""),
    "consent":            ("vce",     "vceax",    "",       ""),
    "case":               ("vcet",    "vceaxtrs", "",       ""),
    "need":               ("vce",     "vceax",    "",       ""),
    "goal":               ("vce",     "vceax",    "",       ""),
    "measure":            ("vce",     "vceax",    "",       ""),
    "referral":           ("vce",     "vceax",    "",       ""),
    "activity":           ("vce",     "vceax",    "",       ""),
    "case_conference":    ("vce",     "vceax",    "",       ""),
    "evaluation":         ("vce",     "vceax",    "",       ""),
    "document":           ("vc",      "vca",      "",       ""),
    "case_share":         ("",        "vce",      "",       ""),
    "structural_issue":   ("vc",      "vce",      "",       "v"),
    "authority":          ("v",       "v",        "vced",    "v"),
    "agency":             ("v",       "v",        "vced",    "v"),
    "need_area":          ("v",       "v",        "vced",    "v"),
    "measure_type":       ("v",       "v",        "vced",    "v"),
    "residence_status":   ("v",       "v",        "vced",    "v"),
    "target_group":       ("v",       "v",        "vced",    "v"),
    "access_route":       ("v",       "v",        "vced",    "v"),
    "document_kind":      ("v",       "v",        "vced",    "v"),
    "closure_reason":     ("v",       "v",        "vced",    "v"),
    "checklist_template": ("v",       "v",        "vced",    "v"),
    "municipality":       ("v",       "v",        "vced",    "v"),
    "user":               ("",        "v",        "vce",    "v"),
    "audit_event":        ("",        "",         "",       "vx"),
    "role_grant":         ("",        "",         "ve",     ""),
    "dashboard":          ("v",       "vwg",      "",       ""),
    "report":             ("",        "vxg",      "",       ""),
    "followups":          ("v",       "v",        "",       ""),
}
# fmt: on
EXPECTED = {
    role: {
        resource: {LETTERS[letter] for letter in row[column]}
        for resource, row in DESIGN_TABLE.items()
        if row[column]
    }
    for column, role in enumerate(ROLES)
}
CUSTOM_VIEWS = ("dashboard", "followups", "report", "role_grant", "document")
MODEL_ENDPOINTS = tuple(r for r in DESIGN_TABLE if r not in CUSTOM_VIEWS)
CLIENT_DATA_ENDPOINTS = (
    "client",
    "household_member",
    "consent",
    "case",
    "need",
    "goal",
    "measure",
    "referral",
    "activity",
    "case_conference",
    "evaluation",
    "case_share",
)
# Rows that belong to one authority (docs/design.md §4), and staff accounts, which only IT
# admins see across authorities; reference data and the audit trail are not in this sweep.
OWNED_ENDPOINTS = (*CLIENT_DATA_ENDPOINTS, "structural_issue", "user")
# Structural issues carry no personal data; these roles read every authority's.
STEERING_READERS = ("team_lead", "auditor")

# Every admin URL the sweeps know how to exercise: the standard URLs of each model view, and
# the custom views by endpoint. A new URL makes test_every_admin_url_is_known_to_the_sweeps
# fail until the sweeps cover it.
MODEL_URL_KINDS = {
    "index_view",
    "create_view",
    "edit_view",
    "details_view",
    "delete_view",
    "action_view",
    "ajax_lookup",
    "ajax_update",
    "export",
    "search",  # POST: the list's search term, kept in the session
}
# Custom endpoint → the resource of the role table it belongs to (None: every logged-in user).
CUSTOM_URLS = {
    "admin.index": None,  # the dashboard; what it shows depends on the role
    "profile.index": None,  # the own password
    "profile.password": None,
    "profile.second_factor": None,  # the own second factor
    "followups.index": "followups",
    "case.assign_view": "case",
    "case.transition_view": "case",
    "case.checklist_view": "case",
    "case.needs_view": "case",
    "client.subject_access_view": "client",  # Art. 15 GDPR, for the owning authority
    "report.index": "report",  # the steering report: aggregates only
    "report.xlsx": "report",
    # Requests for the IT role (four eyes): IT staff of every authority, nobody else.
    "role_grant.index": "role_grant",
    "role_grant.decide": "role_grant",
    "document.download": "document",  # GET ?id=: the file, as an attachment
    "document.upload": "document",  # POST ?case=: multipart
    "document.archive_view": "document",
}
EXPORT_TYPES = ("csv", "xlsx")
# Search terms per ajax lookup field that match the first authority's planted rows.
LOOKUP_TERMS = {
    "client": lambda d: ["GEHEIM", d.numbers["client"]],
    "case": lambda d: [d.numbers["case"], d.numbers["case_extra"]],
    "goal": lambda d: ["GEHEIM"],
    "consent": lambda d: ["GEHEIM"],
    "caseworker": lambda d: ["GEHEIM"],
}
# Where the second authority's audit event came from; shown in the audit list.
FOREIGN_AUDIT_ADDR = "203.0.113.99"
# The audit trail will record reads and denials (docs/design.md §2), so it may grow on any request.
NOT_SNAPSHOTTED = {"audit_event"}


# -- arrangement ---------------------------------------------------------------------------


def _parts_of(case_id):
    def one(model):
        return db.session.scalars(
            select(model).where(model.case_id == case_id).order_by(model.id)
        ).first()

    return one


def ref_id(model, code):
    return db.session.scalars(select(model.id).where(model.code == code)).one()


def arrange(world) -> SimpleNamespace:
    """The first authority's data with planted strings, a case shared with the second
    authority, and the second authority's own client and case. Returns ids.

    Call inside an app context under ``unscoped``.
    """
    get = db.session.get
    case0 = factories.make_full_case(world, 0)  # the first authority's, shared with nobody
    part = _parts_of(case0.id)
    client0 = case0.client
    client0.family_name = "GEHEIM-Nachname"
    client0.given_names = "GEHEIM-Vorname"
    case0.intake_summary = "GEHEIM-Erstgespräch"
    case0.opened_on = date(2025, 11, 11)  # a date no other case has, for the filter test
    household0 = db.session.scalars(
        select(HouseholdMember).where(HouseholdMember.client_id == client0.id)
    ).one()
    household0.family_name = "GEHEIM-Kind"
    consent0 = db.session.scalars(select(Consent).where(Consent.client_id == client0.id)).one()
    consent0.purpose = "GEHEIM-Einwilligung"
    need0, goal0, measure0 = part(Need), part(Goal), part(Measure)
    need0.description = "GEHEIM-Bedarf"
    goal0.description = "GEHEIM-Ziel"
    measure0.description = "GEHEIM-Maßnahme"
    referral0, activity0 = part(Referral), part(Activity)
    referral0.reason = "GEHEIM-Vermittlung"
    activity0.summary = "GEHEIM-Notiz"
    conference0, evaluation0 = part(CaseConference), part(Evaluation)
    conference0.results = "GEHEIM-Konferenz"
    evaluation0.client_view = "GEHEIM-Bewertung"
    checklist_item0 = part(CaseChecklistItem)
    checklist_item0.note = "GEHEIM-Checkliste"
    issue0 = part(StructuralIssue)
    # The share of case 0 goes to a third authority, so nothing of case 0 is the second
    # authority's to see.
    third = db.session.scalars(select(Authority).where(Authority.code == "authority_0")).one()
    share0 = part(CaseShare)
    share0.authority_id = third.id
    consent0.recipient_authorities.append(third)
    audit0 = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "login", AuditEvent.authority_id == world.authority)
        .order_by(AuditEvent.id)
    ).first()
    user0 = db.session.scalars(select(User).where(User.email == "user0@kreis-lippe.example")).one()
    case_extra = factories.make_case(client0, opened_on=date(2026, 3, 5))
    kind0 = ref_id(DocumentKind, "kind_0")
    document0 = factories.make_document(
        case0, factories.pdf("GEHEIM-Dateiinhalt"), kind0, title="GEHEIM-Dokument"
    )
    db.session.flush()

    # Case 1 stays shared with the second authority for reading, as make_full_case sets it up;
    # its confidential activity is planted: it never leaves the first authority.
    case1 = factories.make_full_case(world, 1)
    confidential1 = Activity(
        case=case1,
        authority_id=case1.authority_id,
        occurred_on=date(2026, 3, 17),
        duration_minutes=30,
        summary="GEHEIM-Beratung",
        confidential=True,
    )
    db.session.add(confidential1)
    # Case 1's documents: the shared one is the second authority's to read, the
    # confidential one never leaves the first authority.
    shared_document1 = factories.make_document(
        case1, factories.pdf("Geteilter Nachweis"), kind0, title="Geteilter Nachweis"
    )
    confidential_document1 = factories.make_document(
        case1,
        factories.pdf("GEHEIM-Vertraulicher-Inhalt"),
        kind0,
        title="GEHEIM-Beratungsvermerk",
        confidential=True,
    )

    foreign = get(Authority, world.foreign_authority)
    jobcenter = get(Agency, world.jobcenter)
    foreign_client = factories.make_client(foreign, family_name="Fremd", given_names="Farid")
    foreign_case = factories.make_case(foreign_client)
    foreign_goal = Goal(
        case=foreign_case, authority_id=foreign.id, description="Eigenes Ziel der Stadt"
    )
    foreign_consent = Consent(
        client=foreign_client,
        authority_id=foreign.id,
        purpose="Eigene Einwilligung",
        data_categories="Stammdaten",
        given_on=date(2026, 3, 2),
    )
    foreign_consent.recipient_agencies.append(jobcenter)
    db.session.add_all([foreign_goal, foreign_consent])
    # It names the third authority, so the control of the share forgeries can be granted.
    foreign_consent.recipient_authorities.append(third)
    foreign_team_lead = factories.make_user("teamleitung@detmold.example", "team_lead", foreign)
    # A pending request for the IT role, which only IT staff may decide.
    role_grant = factories.make_role_grant(get(User, world.caseworker), get(User, world.it_admin))
    foreign_audit = AuditEvent(
        action="login",
        user_id=world.foreign_caseworker,
        authority_id=foreign.id,
        remote_addr=FOREIGN_AUDIT_ADDR,
    )
    db.session.add(foreign_audit)
    db.session.flush()

    ref = ref_id

    row = {
        "client": client0.id,
        "household_member": household0.id,
        "consent": consent0.id,
        "case": case0.id,
        "need": need0.id,
        "goal": goal0.id,
        "measure": measure0.id,
        "referral": referral0.id,
        "activity": activity0.id,
        "case_conference": conference0.id,
        "evaluation": evaluation0.id,
        "case_share": share0.id,
        "structural_issue": issue0.id,
        "authority": third.id,
        "agency": ref(Agency, "agency_0"),
        "need_area": ref(NeedArea, "area_0"),
        "measure_type": ref(MeasureType, "type_0"),
        "residence_status": ref(ResidenceStatus, "status_0"),
        "target_group": ref(TargetGroup, "group_0"),
        "access_route": ref(AccessRoute, "route_0"),
        "document_kind": kind0,
        "document": document0.id,
        "closure_reason": ref(ClosureReason, "reason_0"),
        "checklist_template": ref(ChecklistTemplate, "template_0"),
        "municipality": ref(Municipality, "90000000"),
        "user": user0.id,
        "audit_event": audit0.id,
    }
    numbers = {"client": client0.number, "case": case0.number, "case_extra": case_extra.number}
    return SimpleNamespace(
        world=world,
        row=row,
        numbers=numbers,
        # Strings of the first authority that no other authority, IT admin or auditor sees.
        planted=("GEHEIM", *numbers.values()),
        case_extra=case_extra.id,
        case1=case1.id,
        foreign_client=foreign_client.id,
        foreign_case=foreign_case.id,
        foreign_goal=foreign_goal.id,
        foreign_consent=foreign_consent.id,
        foreign_team_lead=foreign_team_lead.email,
        foreign_audit=foreign_audit.id,
        checklist_item0=checklist_item0.id,
        role_grant=role_grant.id,
        shared_document1=shared_document1.id,
        confidential_document1=confidential_document1.id,
    )


@pytest.fixture
def data(app, world):
    with app.app_context(), unscoped("test arrangement"):
        arranged = arrange(world)
        db.session.commit()
    return arranged


# -- form payloads ---------------------------------------------------------------------------


@dataclass
class Payload:
    """Form data, and the attribute whose value shows that the form was saved."""

    form: dict
    attr: str
    value: object


def _reference(code, name, **extra):
    return Payload(
        {"code": code, "name": name, "position": "7", "active": "y", **extra}, "name", name
    )


def payloads(d, marker: str, code: str) -> dict[str, Payload]:
    """A valid form per endpoint. ``code`` keeps unique columns unique between the create and
    the edit payload. Client-data forms point at the first authority's rows; for another
    authority's user they are forged ids."""
    w, row = d.world, d.row
    case0 = str(row["case"])
    on = date(2026, 3, 20)
    return {
        "client": Payload(
            {"family_name": marker, "given_names": "Test", "gender": "female"},
            "family_name",
            marker,
        ),
        "household_member": Payload(
            {
                "client": str(row["client"]),
                "relation": "child",
                "family_name": marker,
                "given_names": "Test",
                "lives": "same_household",
            },
            "family_name",
            marker,
        ),
        "consent": Payload(
            {
                "client": str(row["client"]),
                "purpose": marker,
                "data_categories": "Stammdaten",
                # Unlisted, an edit would clear the recipients that referral 0 relies on.
                "recipient_agencies": str(w.jobcenter),
                "recipient_authorities": str(row["authority"]),
                "given_on": "2026-03-05",
                "form": "written",
            },
            "purpose",
            marker,
        ),
        "case": Payload(
            {"client": str(row["client"]), "opened_on": "2026-04-01", "intake_summary": marker},
            "intake_summary",
            marker,
        ),
        "need": Payload(
            {
                "case": str(d.case_extra) if code == "new" else case0,
                "need_area": str(w.work if code == "new" else row["need_area"]),
                "priority": "high",
                "description": marker,
            },
            "description",
            marker,
        ),
        "goal": Payload(
            {"case": case0, "description": marker, "need_area": str(w.work), "status": "open"},
            "description",
            marker,
        ),
        "measure": Payload(
            {
                "goal": str(row["goal"]),
                "description": marker,
                "responsible": "client",
                "status": "planned",
            },
            "description",
            marker,
        ),
        "referral": Payload(
            {
                "case": case0,
                "agency": str(w.jobcenter),  # the agency consent 0 names
                "reason": marker,
                "consent": str(row["consent"]),
                "status": "sent",
                "sent_on": "2026-03-04",
            },
            "reason",
            marker,
        ),
        "activity": Payload(
            {
                "case": case0,
                "occurred_on": "2026-03-05",
                "kind": "phone",
                "duration_minutes": "30",
                "summary": marker,
            },
            "summary",
            marker,
        ),
        "case_conference": Payload(
            {"case": case0, "held_on": "2026-03-12", "results": marker}, "results", marker
        ),
        "evaluation": Payload(
            {
                "case": str(d.case_extra) if code == "new" else case0,
                "evaluated_on": "2026-06-01",
                "success_rating": "3",
                "effort_minutes": "10",
                "effort_assessment": "as_expected",
                "client_view": marker,
            },
            "client_view",
            marker,
        ),
        "case_share": Payload(
            {
                "case": case0,
                "authority": str(row["authority"]),
                "consent": str(row["consent"]),
                "access": "read",
                "granted_on": on.isoformat(),
            },
            "granted_on",
            on,
        ),
        "structural_issue": Payload(
            {
                "title": marker,
                "description": "Wartezeiten",
                "need_area": str(w.work),
                "case": case0,
                "reported_on": "2026-03-05",
                "status": "reported",
            },
            "title",
            marker,
        ),
        "authority": _reference(
            f"{code}_authority", marker, kind="other", case_number_prefix=code.upper()
        ),
        "agency": _reference(f"{code}_agency", marker, kind="other"),
        "need_area": _reference(f"{code}_need_area", marker),
        "measure_type": _reference(f"{code}_measure_type", marker, need_area=str(w.work)),
        "residence_status": _reference(
            f"{code}_residence_status", marker, legal_reference="§ 1 Test"
        ),
        "target_group": _reference(f"{code}_target_group", marker),
        "access_route": _reference(f"{code}_access_route", marker),
        "document_kind": _reference(f"{code}_document_kind", marker),
        "closure_reason": _reference(f"{code}_closure_reason", marker, outcome="neutral"),
        "checklist_template": _reference(f"{code}_checklist_template", marker),
        "municipality": _reference(f"9{len(code):07d}", marker),
        "user": Payload(
            {
                "email": f"{code}@kreis-lippe.example",
                "display_name": marker,
                "authority": str(w.authority),
                "role": "caseworker",
                "active": "y",
                "locale": "de",
            },
            "display_name",
            marker,
        ),
        "audit_event": Payload({"action": "login", "object_type": marker}, "object_type", marker),
    }


# -- helpers ---------------------------------------------------------------------------------


def admin_views(app) -> dict:
    return {view.endpoint: view for view in app.extensions["lotse_admin"]._views}


def model_of(app, endpoint):
    return admin_views(app)[endpoint].model


def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def admin_rules(app) -> list:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") and not rule.endpoint.endswith(".static")
        ),
        key=lambda rule: rule.endpoint,
    )


def url_kind(rule) -> tuple[str, str]:
    view, _, kind = rule.endpoint.partition(".")
    return view, kind


def read(app, fn):
    with app.app_context(), unscoped("test check"):
        return fn()


def count_rows(app, model, *where) -> int:
    return read(
        app, lambda: db.session.scalar(select(func.count()).select_from(model).where(*where))
    )


def row_of(app, model, row_id, attr):
    def value():
        row = db.session.get(model, row_id)
        return getattr(row, attr) if row is not None else None

    return read(app, value)


def snapshot(app) -> dict:
    """Count, latest change, version sum and archived count of every table."""

    def take():
        result = {}
        for table in db.metadata.sorted_tables:
            if table.name in NOT_SNAPSHOTTED:
                continue
            columns = [func.count()]
            if "updated_at" in table.c:
                columns.append(func.max(table.c.updated_at))
            if "version" in table.c:
                columns.append(func.sum(table.c.version))
            if "archived_at" in table.c:
                columns.append(func.count(table.c.archived_at))
            result[table.name] = tuple(
                db.session.execute(select(*columns).select_from(table)).one()
            )
        return result

    return read(app, take)


def text_of(response) -> str:
    """What a user sees in a response: the page, the CSV, or every cell of an xlsx file."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        cells = [
            str(value)
            for sheet in workbook.worksheets
            for line in sheet.iter_rows(values_only=True)
            for value in line
            if value is not None
        ]
        workbook.close()
        return "\n".join(cells)
    return response.get_data(as_text=True)


def leaked(response, planted) -> list[str]:
    text = text_of(response)
    return [s for s in planted if s in text]


def list_rows(response) -> str:
    """The table of a list page, without the search box and links that echo the query."""
    match = re.search(r"<table.*?</table>", response.get_data(as_text=True), re.DOTALL)
    return match.group(0) if match else ""


def list_count(response) -> int:
    """The N of the "Liste (N)" tab; Flask-Admin leaves "(0)" out."""
    match = re.search(r'nav-link active">Liste(?: \((\d+)\))?<', response.get_data(as_text=True))
    assert match, "no 'Liste' tab on the list page"
    return int(match.group(1) or 0)


def form_errors(response) -> list[str]:
    """The error messages a form page shows, for readable failures."""
    html = response.get_data(as_text=True)
    pattern = r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>(.*?)</(?:div|span)>'
    texts = (re.sub(r"<[^>]+>|&times;", "", found) for found in re.findall(pattern, html, re.S))
    return [" ".join(text.split()) for text in texts if text.strip()]


def goes_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def with_version(app, endpoint, row_id, form) -> dict:
    model = model_of(app, endpoint)
    if not hasattr(model, "version"):
        return dict(form)
    return {**form, "version_token": str(row_of(app, model, row_id, "version"))}


@dataclass
class Attempt:
    """One request of a sweep."""

    endpoint: str  # the view's endpoint
    kind: str  # the part after the dot
    method: str
    url: str
    form: dict | None = None
    searchable: bool = True  # for a search: whether the list has a search box

    @property
    def resource(self) -> str | None:
        return CUSTOM_URLS.get(f"{self.endpoint}.{self.kind}", self.endpoint)

    def send(self, browser):
        return browser.open(self.url, method=self.method, data=self.form)

    def __str__(self):
        return f"{self.method} {self.url} {self.form or ''}"


def attempts_for(app, rule, d, *, forge_create=True) -> list[Attempt]:
    """How to exercise one admin URL with the first authority's ids."""
    endpoint, kind = url_kind(rule)
    if rule.endpoint in CUSTOM_URLS:
        return _custom_attempts(app, rule, d)
    if endpoint not in MODEL_ENDPOINTS or kind not in MODEL_URL_KINDS:
        raise AssertionError(f"no access test for {rule.rule} ({rule.endpoint})")
    row_id = d.row[endpoint]
    if kind == "index_view":
        return [Attempt(endpoint, kind, "GET", url(app, rule.endpoint))]
    if kind == "details_view":
        return [Attempt(endpoint, kind, "GET", url(app, rule.endpoint, id=row_id))]
    if kind == "edit_view":
        target = url(app, rule.endpoint, id=row_id)
        form = with_version(app, endpoint, row_id, payloads(d, "Übernahme", "edit")[endpoint].form)
        return [
            Attempt(endpoint, kind, "GET", target),
            Attempt(endpoint, kind, "POST", target, form),
        ]
    if kind == "create_view":
        found = [Attempt(endpoint, kind, "GET", url(app, rule.endpoint))]
        # A new client refers to nothing of the first authority: nothing to forge.
        if forge_create and endpoint != "client":
            form = payloads(d, "Übernahme", "new")[endpoint].form
            found.append(Attempt(endpoint, kind, "POST", url(app, rule.endpoint), form))
        return found
    if kind == "delete_view":
        return [Attempt(endpoint, kind, "POST", url(app, rule.endpoint), {"id": str(row_id)})]
    if kind == "action_view":
        form = {"action": "archive", "rowid": str(row_id)}
        return [Attempt(endpoint, kind, "POST", url(app, rule.endpoint), form)]
    if kind == "ajax_update":
        payload = payloads(d, "Übernahme", "edit")[endpoint]
        form = {"list_form_pk": str(row_id), payload.attr: str(payload.value)}
        return [Attempt(endpoint, kind, "POST", url(app, rule.endpoint), form)]
    if kind == "ajax_lookup":
        names = admin_views(app)[endpoint]._form_ajax_refs
        return [
            Attempt(endpoint, kind, "GET", url(app, rule.endpoint, name=name, query=term))
            for name in names
            for term in LOOKUP_TERMS[name](d)
        ]
    if kind == "export":
        return [
            Attempt(endpoint, kind, "GET", url(app, rule.endpoint, export_type=export_type))
            for export_type in EXPORT_TYPES
        ]
    if kind == "search":
        searchable = admin_views(app)[endpoint]._search_supported
        form = {"search": "GEHEIM"}
        return [Attempt(endpoint, kind, "POST", url(app, rule.endpoint), form, searchable)]
    raise AssertionError(f"no access test for {rule.rule} ({rule.endpoint})")


def _custom_attempts(app, rule, d) -> list[Attempt]:
    endpoint, kind = url_kind(rule)
    case0 = d.row["case"]

    def get(**values):
        return Attempt(endpoint, kind, "GET", url(app, rule.endpoint, **values))

    def post(form, **values):
        return Attempt(endpoint, kind, "POST", url(app, rule.endpoint, **values), form)

    return {
        "admin.index": lambda: [get()],
        "profile.index": lambda: [get()],
        "profile.password": lambda: [
            get(),
            post({"current": "falsch-falsch-falsch", "new": "x" * 16, "repeated": "x" * 16}),
        ],
        "profile.second_factor": lambda: [get(), post({"code": "000000"})],
        "followups.index": lambda: [get(), get(scope="team")],
        "case.assign_view": lambda: [
            get(ids=str(case0)),
            post({"ids": str(case0), "caseworker": str(d.world.foreign_caseworker)}),
        ],
        "case.transition_view": lambda: [post({"to": "planning"}, id=case0)],
        "case.needs_view": lambda: [post({"need_area": str(d.world.work)}, id=case0)],
        "case.checklist_view": lambda: [
            get(id=case0),
            post({"item": str(d.checklist_item0), "done": "1", "note": "x"}, id=case0),
        ],
        "client.subject_access_view": lambda: [
            get(id=d.row["client"]),
            get(id=d.row["client"], format="json"),
            get(id=d.row["client"], format="zip"),
        ],
        "report.index": lambda: [get(), get(**{"from": "2020-01-01", "authority": "all"})],
        "report.xlsx": lambda: [get(), get(**{"from": "2020-01-01", "authority": "all"})],
        "role_grant.index": lambda: [get()],
        "role_grant.decide": lambda: [
            post({"id": str(d.role_grant), "decision": "confirm"}),
            post({"id": str(d.role_grant), "decision": "reject"}),
        ],
        "document.download": lambda: [get(id=d.row["document"])],
        "document.upload": lambda: [post(upload_form(d, "Übernahme"), case=case0)],
        "document.archive_view": lambda: [post({}, id=d.row["document"])],
    }[rule.endpoint]()


def upload_form(d, title: str) -> dict:
    """A valid upload of a new PDF for the first authority's case 0."""
    content = factories.pdf(f"Hochgeladen {title}")
    return {
        "file": (io.BytesIO(content), "nachweis.pdf"),
        "kind": str(d.row["document_kind"]),
        "title": title,
        "document_date": "05.03.2026",
    }


# -- (a) the role matrix -----------------------------------------------------------------------


def test_permissions_in_code_equal_the_role_table_of_the_design():
    assert set(PERMISSIONS) == set(ROLES)
    differences = {
        f"{role}/{resource}": {
            "code": sorted(PERMISSIONS[role].get(resource, ())),
            "design": sorted(EXPECTED[role].get(resource, ())),
        }
        for role in ROLES
        for resource in {*PERMISSIONS[role], *EXPECTED[role]}
        if set(PERMISSIONS[role].get(resource, ())) != EXPECTED[role].get(resource, set())
    }
    assert differences == {}


def test_every_admin_model_view_has_a_row_in_the_role_table(app):
    registered = {endpoint for endpoint, view in admin_views(app).items() if hasattr(view, "model")}
    assert registered == set(MODEL_ENDPOINTS)
    resources = {CUSTOM_URLS.get(f"{view}.index", view) for view in admin_views(app)}
    assert resources - set(DESIGN_TABLE) <= {None}, "a new admin view needs a row in DESIGN_TABLE"


def _verdict(yes: bool, no: bool, detail: str):
    """True when the operation worked, False when it was refused cleanly, else what happened."""
    if yes:
        return True
    if no:
        return False
    return detail


def _observe(app, browser, d, endpoint) -> dict:
    """Which operations a logged-in user can actually use on one endpoint, by HTTP."""
    model = model_of(app, endpoint)
    row_id = d.row[endpoint]
    observed = {}

    listing = browser.get(url(app, f"{endpoint}.index_view")).status_code
    details = browser.get(url(app, f"{endpoint}.details_view", id=row_id)).status_code
    observed[VIEW] = _verdict(
        listing == details == 200, listing == details == 403, f"list {listing}, details {details}"
    )

    create_url = url(app, f"{endpoint}.create_view")
    payload = payloads(d, "Markierung-neu", "new")[endpoint]
    form = browser.get(create_url).status_code
    before = count_rows(app, model, getattr(model, payload.attr) == payload.value)
    post = browser.post(create_url, data=payload.form)
    created = count_rows(app, model, getattr(model, payload.attr) == payload.value) > before
    observed[CREATE] = _verdict(
        form == 200 and post.status_code == 302 and created,
        form == post.status_code == 403 and not created,
        f"form {form}, POST {post.status_code} {form_errors(post)}, created: {created}",
    )

    edit_url = url(app, f"{endpoint}.edit_view", id=row_id)
    payload = payloads(d, "Markierung-geändert", "edit")[endpoint]
    form = browser.get(edit_url).status_code
    post = browser.post(edit_url, data=with_version(app, endpoint, row_id, payload.form))
    changed = row_of(app, model, row_id, payload.attr) == payload.value
    observed[EDIT] = _verdict(
        form == 200 and post.status_code == 302 and changed,
        form == post.status_code == 403 and not changed,
        f"form {form}, POST {post.status_code} {form_errors(post)}, saved: {changed}",
    )

    export = browser.get(url(app, f"{endpoint}.export", export_type="csv"))
    observed[EXPORT] = _verdict(
        export.status_code == 200 and export.mimetype == "text/csv",
        export.status_code == 403 and export.mimetype != "text/csv",
        f"export {export.status_code} {export.mimetype}",
    )
    return observed


def _observe_archive(app, browser, d, endpoint):
    model = model_of(app, endpoint)
    row_id = d.row[endpoint]
    response = browser.post(
        url(app, f"{endpoint}.action_view"), data={"action": "archive", "rowid": str(row_id)}
    )
    archived = hasattr(model, "archived_at") and (
        row_of(app, model, row_id, "archived_at") is not None
    )
    return _verdict(
        archived and response.status_code == 302,
        not archived and response.status_code == 403,
        f"archive {response.status_code}, archived: {archived}",
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_role_can_use_exactly_the_operations_of_the_role_table(app, login_as, data, role):
    """Per endpoint and operation: list/details 200 vs 403, create and edit form 200 and
    saved vs refused and nothing saved, CSV export vs none, archive vs nothing archived."""
    browser = login_as(role)
    observed = {endpoint: _observe(app, browser, data, endpoint) for endpoint in MODEL_ENDPOINTS}
    # Archiving last, so that archived rows do not disturb the other operations.
    for endpoint in MODEL_ENDPOINTS:
        observed[endpoint][ARCHIVE] = _observe_archive(app, browser, data, endpoint)
    expected = {
        endpoint: {op: op in EXPECTED[role].get(endpoint, set()) for op in OPS}
        for endpoint in MODEL_ENDPOINTS
    }
    differences = {
        endpoint: {
            op: f"expected {'allowed' if expected[endpoint][op] else 'refused'}, got {got}"
            for op, got in observed[endpoint].items()
            if got != expected[endpoint][op]
        }
        for endpoint in MODEL_ENDPOINTS
    }
    assert {endpoint: diff for endpoint, diff in differences.items() if diff} == {}


# -- (b) every URL, three ways -------------------------------------------------------------------


def test_every_admin_url_is_known_to_the_sweeps(app):
    unknown = [
        rule.rule
        for rule in admin_rules(app)
        if rule.endpoint not in CUSTOM_URLS
        and not (url_kind(rule)[0] in MODEL_ENDPOINTS and url_kind(rule)[1] in MODEL_URL_KINDS)
    ]
    assert unknown == [], "add these URLs to the access sweeps (CUSTOM_URLS, _custom_attempts)"
    missing = {endpoint for endpoint in CUSTOM_URLS if endpoint not in app.view_functions}
    assert missing == set()
    for view in admin_views(app).values():
        for name in getattr(view, "_form_ajax_refs", None) or {}:
            assert name in LOOKUP_TERMS, f"add search terms for the ajax lookup {name!r}"


def test_anonymous_visitors_are_sent_to_login_from_every_admin_url(app, client, data):
    before = snapshot(app)
    tried = 0
    for rule in admin_rules(app):
        for attempt in attempts_for(app, rule, data):
            response = attempt.send(client)
            assert goes_to_login(response), (str(attempt), response.status_code)
            tried += 1
    assert tried > 250
    assert snapshot(app) == before


def _foreign_statuses(role: str, attempt: Attempt) -> set[int]:
    """What another authority's user may get for a URL with the first authority's ids.

    The role part is taken from PERMISSIONS (the matrix test pins it to the design); this
    sweep is about the authority boundary.
    """
    kind, method = attempt.kind, attempt.method
    if attempt.resource is None:  # the dashboard and the own profile
        if (attempt.endpoint, kind) == ("profile", "index"):
            return {302}
        if (attempt.endpoint, kind, method) == ("profile", "second_factor", "POST"):
            return {302}  # an enrolled factor: sent back to its page, nothing changed
        return {200}
    ops = PERMISSIONS[role].get(attempt.resource, frozenset())
    owned = attempt.endpoint in OWNED_ENDPOINTS
    readable = not owned or (attempt.endpoint == "structural_issue" and role in STEERING_READERS)
    if VIEW not in ops:
        return {403}
    if kind in ("index_view", "ajax_lookup", "index"):  # lists, lookups, follow-ups
        return {200}
    if kind == "details_view":
        return {200} if readable else {404}
    if kind == "create_view":
        if CREATE not in ops:
            return {403}
        # A forged id is an invalid choice (200 with the form) or a hidden row (404).
        return {200} if method == "GET" else {200, 403, 404}
    if kind == "edit_view":
        if EDIT not in ops:
            return {403}
        return {403, 404} if owned else {200}
    if kind == "ajax_update":
        return {403, 404}
    if kind == "delete_view" and DELETE not in ops:
        return {403}
    if kind in ("delete_view", "action_view"):
        return {302, 403, 404}
    if kind == "export":
        return {200} if EXPORT in ops else {403}
    if kind == "search":  # back to the list, which shows only what the rule admits
        return {303} if attempt.searchable else {404}
    if kind == "assign_view":
        return {404} if ASSIGN in ops else {403}
    if kind in ("transition_view", "checklist_view", "needs_view", "download"):
        return {404}
    if kind == "upload":
        return {404} if CREATE in ops else {403}
    if kind == "archive_view":
        return {404} if ARCHIVE in ops else {403}
    if kind == "subject_access_view":
        return {404} if EXPORT in ops else {403}
    if kind == "xlsx":  # the steering report's download: aggregates, never rows
        return {200} if EXPORT in ops else {403}
    raise AssertionError(kind)


@pytest.mark.parametrize("actor", ["foreign_caseworker", "foreign_team_lead"])
def test_another_authority_reaches_nothing_of_the_first_by_any_url(app, login_as, data, actor):
    role = actor.removeprefix("foreign_")
    browser = login_as(data.world.emails.get(actor) or data.foreign_team_lead)
    before = snapshot(app)
    problems = []
    for rule in admin_rules(app):
        for attempt in attempts_for(app, rule, data):
            response = attempt.send(browser)
            expected = _foreign_statuses(role, attempt)
            if response.status_code not in expected:
                problems.append(f"{attempt}: {response.status_code}, expected {sorted(expected)}")
            if goes_to_login(response):
                problems.append(f"{attempt}: sent to login")
            if found := leaked(response, data.planted):
                problems.append(f"{attempt}: shows {found}")
        if snapshot(app) != before:
            problems.append(f"{rule.endpoint}: the database changed")
            before = snapshot(app)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_roles_get_403_on_every_url_of_a_resource_they_have_no_right_to(app, login_as, data, role):
    browser = login_as(role)
    before = snapshot(app)
    problems = []
    tried = 0
    for rule in admin_rules(app):
        for attempt in attempts_for(app, rule, data):
            if attempt.resource is None or attempt.resource in EXPECTED[role]:
                continue
            response = attempt.send(browser)
            tried += 1
            if response.status_code != 403:
                problems.append(f"{attempt}: {response.status_code}")
            if found := leaked(response, data.planted):
                problems.append(f"{attempt}: shows {found}")
    assert tried >= 9  # at least one whole model view
    assert not problems, "\n".join(problems)
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["it_admin", "auditor"])
def test_it_staff_and_auditors_see_no_client_data_on_any_page_form_lookup_or_export(
    app, login_as, data, role
):
    """Every GET under /admin with their own authority's ids: no planted client data."""
    browser = login_as(role)
    before = snapshot(app)
    problems = []
    for rule in admin_rules(app):
        for attempt in attempts_for(app, rule, data, forge_create=False):
            if attempt.method != "GET":
                continue
            response = attempt.send(browser)
            if response.status_code >= 500:
                problems.append(f"{attempt}: {response.status_code}")
            if found := leaked(response, data.planted):
                problems.append(f"{attempt}: shows {found}")
    assert not problems, "\n".join(problems)
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["it_admin", "auditor"])
def test_it_staff_and_auditors_read_no_client_data_through_the_orm(app, data, role):
    """Neither the rows nor their number: a count tells whether a client exists."""

    def visible():
        user = db.session.scalars(select(User).where(User.email == data.world.emails[role])).one()
        with as_user(user):
            return {
                model.__tablename__: (
                    len(db.session.scalars(select(model)).all()),
                    db.session.scalar(select(func.count()).select_from(model)),
                    db.session.query(model).count(),
                )
                for model in RULES
                if model is not StructuralIssue
            }

    seen = read(app, visible)
    assert seen == dict.fromkeys(seen, (0, 0, 0))


def test_counting_rows_of_another_authority_counts_none(app, data):
    """Flask-Admin counts every list with ``query(func.count('*')).select_from(model)``."""

    def counted():
        user = db.session.scalars(
            select(User).where(User.email == data.world.emails["foreign_caseworker"])
        ).one()
        with as_user(user):
            return {
                "rows": len(db.session.scalars(select(Client)).all()),
                "select_from": db.session.scalar(select(func.count()).select_from(Client)),
                "query_count": db.session.query(Client).count(),
                "flask_admin": db.session.query(func.count("*")).select_from(Client).scalar(),
            }

    # The second authority's own client and the client of the shared case 1.
    assert read(app, counted) == {"rows": 2, "select_from": 2, "query_count": 2, "flask_admin": 2}


def test_auditors_read_only_their_own_authoritys_audit_trail(app, login_as, data):
    """docs/design.md §4: the audit trail is read per authority ("read (own authority)")."""
    browser = login_as("auditor")
    assert (
        browser.get(url(app, "audit_event.details_view", id=data.foreign_audit)).status_code == 404
    )
    listing = browser.get(url(app, "audit_event.index_view"))
    assert FOREIGN_AUDIT_ADDR not in listing.get_data(as_text=True)
    own_events = read(
        app,
        lambda: db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.authority_id == data.world.authority)
        ),
    )
    assert list_count(listing) == own_events
    for export_type in EXPORT_TYPES:
        export = browser.get(url(app, "audit_event.export", export_type=export_type))
        assert FOREIGN_AUDIT_ADDR not in text_of(export)


# -- (c) dropdowns, lookups and forged ids ------------------------------------------------------


CASE_PART_FORMS = (
    "household_member",
    "consent",
    "case",
    "need",
    "goal",
    "measure",
    "referral",
    "activity",
    "case_conference",
    "evaluation",
    "structural_issue",
)


def test_forms_of_another_authority_list_none_of_the_first_authoritys_rows(app, login_as, data):
    browser = login_as("foreign_caseworker")
    pages = [url(app, f"{endpoint}.create_view") for endpoint in CASE_PART_FORMS]
    pages += [
        url(app, "case.edit_view", id=data.foreign_case),
        url(app, "goal.edit_view", id=data.foreign_goal),
        url(app, "client.edit_view", id=data.foreign_client),
    ]
    for page in pages:
        response = browser.get(page)
        assert response.status_code == 200, page
        assert leaked(response, data.planted) == [], page


def _lookups(app, d):
    for endpoint, view in admin_views(app).items():
        for name in getattr(view, "_form_ajax_refs", None) or {}:
            if name == "caseworker":
                continue  # staff, not client data: see the staff lookup test below
            for term in LOOKUP_TERMS[name](d):
                yield url(app, f"{endpoint}.ajax_lookup", name=name, query=term)


def test_ajax_lookups_find_the_first_authoritys_rows_only_for_the_first_authority(
    app, login_as, data
):
    # Team leads, who may use every form with lookups, case shares included.
    own, foreign = login_as("team_lead"), login_as(data.foreign_team_lead)
    lookups = list(_lookups(app, data))
    assert len(lookups) >= 15
    for lookup in lookups:
        assert own.get(lookup).get_json(), f"control: the owner finds it at {lookup}"
        response = foreign.get(lookup)
        assert response.status_code == 200, lookup
        assert response.get_json() == [], lookup


def test_case_lookup_offers_only_the_own_authoritys_staff_as_caseworkers(app, login_as, data):
    response = login_as("foreign_caseworker").get(
        url(app, "case.ajax_lookup", name="caseworker", query="kreis-lippe")
    )
    assert response.status_code == 200
    assert response.get_json() == []


def test_a_case_cannot_be_assigned_to_another_authoritys_user(app, login_as, data):
    foreign_user = read(
        app,
        lambda: db.session.scalars(
            select(User.id).where(User.email == data.world.emails["foreign_caseworker"])
        ).one(),
    )
    browser = login_as("team_lead")
    case_id = data.row["case"]
    form = with_version(
        app,
        "case",
        case_id,
        {"client": str(data.row["client"]), "opened_on": "2025-11-11", "caseworker": foreign_user},
    )
    response = browser.post(url(app, "case.edit_view", id=case_id), data=form)
    assert row_of(app, Case, case_id, "caseworker_id") == data.world.caseworker
    assert response.status_code in (200, 403, 404)


def test_only_team_leads_assign_caseworkers(app, login_as, data):
    """docs/design.md §4: assigning a caseworker is a team lead's right, not a caseworker's."""
    browser = login_as("caseworker")
    case_id = data.row["case"]
    form = with_version(
        app,
        "case",
        case_id,
        {
            "client": str(data.row["client"]),
            "opened_on": "2025-11-11",
            "caseworker": str(data.world.team_lead),
        },
    )
    browser.post(url(app, "case.edit_view", id=case_id), data=form)
    assert row_of(app, Case, case_id, "caseworker_id") == data.world.caseworker


def test_only_team_leads_open_the_bulk_assignment(app, login_as, data):
    browser = login_as("caseworker")
    case_id = data.row["case"]
    assign = url(app, "case.assign_view")
    assert browser.get(assign, query_string={"ids": str(case_id)}).status_code == 403
    form = {"ids": str(case_id), "caseworker": str(data.world.team_lead)}
    assert browser.post(assign, data=form).status_code == 403
    assert row_of(app, Case, case_id, "caseworker_id") == data.world.caseworker


# A user of the second authority posts a create form with ids of the first authority's rows
# (the names ending in 0 or _extra). The same form with the second authority's own rows
# instead (CONTROL) is saved, which shows that only the forged id makes the difference.
# fmt: off
FORGERIES = [
    # id                 actor          endpoint            fields beyond FORGERY_DEFAULTS
    ("need-case",        "caseworker",  "need",             "case=case0"),
    ("goal-case",        "caseworker",  "goal",             "case=case0"),
    ("activity-case",    "caseworker",  "activity",         "case=case0"),
    ("conference-case",  "caseworker",  "case_conference",  "case=case0"),
    ("evaluation-case",  "caseworker",  "evaluation",       "case=case_extra"),
    ("measure-goal",     "caseworker",  "measure",          "goal=goal0"),
    ("referral-case",    "caseworker",  "referral",         "case=case0"),
    ("referral-consent", "caseworker",  "referral",         "status=sent case=own_case consent=consent0"),  # noqa: E501
    ("referral-goal",    "caseworker",  "referral",         "case=own_case goal=goal0"),
    ("household-client", "caseworker",  "household_member", "client=client0"),
    ("consent-client",   "caseworker",  "consent",          "client=client0"),
    ("case-client",      "caseworker",  "case",             "client=client0"),
    ("issue-case",       "caseworker",  "structural_issue", "case=case0"),
    ("share-case",       "team_lead",   "case_share",       "case=case0 consent=consent0"),
    ("share-consent",    "team_lead",   "case_share",       "case=own_case consent=consent0"),
]
# fmt: on
FORGERY_DEFAULTS = {
    "need": "need_area=work priority=high",
    "goal": "description=Übernommen",
    "activity": "occurred_on=2026-03-05 kind=phone duration_minutes=5",
    "case_conference": "held_on=2026-03-05",
    "evaluation": "evaluated_on=2026-06-01 success_rating=3 effort_minutes=0 "
    "effort_assessment=as_expected",
    "measure": "description=Übernommen responsible=client status=planned",
    "referral": "agency=jobcenter reason=Übernommen status=draft",
    "household_member": "relation=child family_name=Übernommen given_names=X lives=abroad",
    "consent": "purpose=Übernommen data_categories=alles given_on=2026-03-05 form=written",
    "case": "opened_on=2026-04-01",
    "structural_issue": "title=Übernommen description=x reported_on=2026-03-05 status=reported",
    "case_share": "authority=third access=write granted_on=2026-03-05",
}
CONTROL = {
    "case0": "own_case",
    "case_extra": "own_case",
    "goal0": "own_goal",
    "consent0": "own_consent",
    "client0": "own_client",
}


def _form(d, fields: str, names=None) -> dict:
    """``name=value`` pairs; values naming a row of the arrangement become its id."""
    ids = {
        "work": d.world.work,
        "jobcenter": d.world.jobcenter,
        "third": d.row["authority"],
        "case0": d.row["case"],
        "goal0": d.row["goal"],
        "consent0": d.row["consent"],
        "client0": d.row["client"],
        "case_extra": d.case_extra,
        "own_case": d.foreign_case,
        "own_goal": d.foreign_goal,
        "own_consent": d.foreign_consent,
        "own_client": d.foreign_client,
    }
    pairs = (pair.split("=", 1) for pair in fields.split())
    return {name: str(ids.get((names or {}).get(value, value), value)) for name, value in pairs}


@pytest.mark.parametrize(
    ("actor", "endpoint", "fields"),
    [pytest.param(*forgery[1:], id=forgery[0]) for forgery in FORGERIES],
)
def test_a_forged_id_of_the_first_authority_in_a_form_is_refused(
    app, login_as, data, actor, endpoint, fields
):
    email = data.world.emails["foreign_caseworker"] if actor == "caseworker" else None
    browser = login_as(email or data.foreign_team_lead)
    create_url = url(app, f"{endpoint}.create_view")
    before = snapshot(app)
    response = browser.post(
        create_url, data={**_form(data, FORGERY_DEFAULTS[endpoint]), **_form(data, fields)}
    )
    assert response.status_code in (200, 403, 404)
    assert leaked(response, data.planted) == []
    assert snapshot(app) == before

    model = model_of(app, endpoint)
    count = count_rows(app, model)
    control = {**_form(data, FORGERY_DEFAULTS[endpoint]), **_form(data, fields, CONTROL)}
    response = browser.post(create_url, data=control)
    assert response.status_code == 302, (
        "control: the form with the own rows is saved",
        re.findall(r"alert-danger[^>]*>(.*?)</div>", response.get_data(as_text=True), re.S),
    )
    assert count_rows(app, model) == count + 1


def test_another_authority_cannot_point_its_own_case_at_the_first_authoritys_client(
    app, login_as, data
):
    browser = login_as("foreign_caseworker")
    case_id = data.foreign_case
    form = with_version(
        app, "case", case_id, {"client": str(data.row["client"]), "opened_on": "2026-03-01"}
    )
    before = snapshot(app)
    response = browser.post(url(app, "case.edit_view", id=case_id), data=form)
    assert response.status_code in (200, 403, 404)
    assert snapshot(app) == before
    assert row_of(app, Case, case_id, "client_id") == data.foreign_client


# -- (d) counts, search and filters ---------------------------------------------------------------


def _visible_counts(app, authority_id, shared_case_ids) -> dict[str, int]:
    """The rows an authority may see, counted independently of models.scoping."""

    def counts():
        def n(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        shared = list(shared_case_ids)
        shared_clients = select(Case.client_id).where(Case.id.in_(shared))
        result = {
            "client": n(
                Client, (Client.authority_id == authority_id) | Client.id.in_(shared_clients)
            ),
            "household_member": n(HouseholdMember, HouseholdMember.authority_id == authority_id),
            "consent": n(Consent, Consent.authority_id == authority_id),
            "case": n(Case, (Case.authority_id == authority_id) | Case.id.in_(shared)),
            "activity": n(
                Activity,
                (Activity.authority_id == authority_id)
                | (Activity.case_id.in_(shared) & Activity.confidential.is_(False)),
            ),
        }
        for endpoint, model in (
            ("need", Need),
            ("goal", Goal),
            ("measure", Measure),
            ("referral", Referral),
            ("case_conference", CaseConference),
            ("evaluation", Evaluation),
        ):
            result[endpoint] = n(
                model, (model.authority_id == authority_id) | model.case_id.in_(shared)
            )
        return result

    return read(app, counts)


@pytest.mark.parametrize("actor", ["caseworker", "foreign_caseworker"])
def test_list_counts_include_only_own_and_validly_shared_rows(app, login_as, data, actor):
    browser = login_as(actor)
    if actor == "caseworker":
        expected = _visible_counts(app, data.world.authority, [])
    else:
        expected = _visible_counts(app, data.world.foreign_authority, [data.case1])
    shown = {
        endpoint: list_count(browser.get(url(app, f"{endpoint}.index_view")))
        for endpoint in expected
    }
    assert shown == expected
    assert expected["case"] == (3 if actor == "caseworker" else 2)


def _filter_arg(app, endpoint, column, filter_class):
    for key, (_, flt) in admin_views(app)[endpoint]._filter_args.items():
        if getattr(flt.column, "key", None) == column and type(flt).__name__ == filter_class:
            return f"flt0_{key}"
    raise AssertionError(f"no {filter_class} on {endpoint}.{column}")


def searched(app, browser, endpoint, term, **list_args):
    """The list of ``endpoint`` after posting ``term`` to its search ("" clears it)."""
    response = browser.post(url(app, f"{endpoint}.search"), data={"search": term})
    assert response.status_code == 303, (endpoint, response.status_code)
    return browser.get(url(app, f"{endpoint}.index_view", **list_args))


def _searches(app, d):
    """(endpoint, search term, list arguments, rows the first authority finds, rows the
    second authority finds)."""
    search = "GEHEIM"
    for endpoint in ("client", "goal", "need", "measure", "referral", "case_conference"):
        yield endpoint, search, {}, 1, 0
    yield "household_member", search, {}, 1, 0
    yield "consent", search, {}, 1, 0
    yield "activity", search, {}, 2, 0  # with case 1's confidential one
    yield "case", search, {}, 2, 0  # the client's family name
    yield "client", d.numbers["client"], {}, 1, 0
    yield "case", d.numbers["case"], {}, 1, 0
    opened = _filter_arg(app, "case", "opened_on", "DateEqualFilter")
    yield "case", "", {opened: "2025-11-11"}, 1, 0
    # Clients 0 and 1 are Syrian; client 1's case is shared with the second authority.
    nationality = _filter_arg(app, "client", "nationality", "FilterEqual")
    yield "client", "", {nationality: "SYR"}, 2, 1


def test_search_and_filters_find_nothing_of_another_authority(app, login_as, data):
    own, foreign = login_as("caseworker"), login_as("foreign_caseworker")
    for endpoint, term, list_args, found_by_owner, found_by_other in _searches(app, data):
        page = f"{endpoint} {term!r} {list_args}"
        assert list_count(searched(app, own, endpoint, term, **list_args)) == found_by_owner, (
            f"control: {page}"
        )
        response = searched(app, foreign, endpoint, term, **list_args)
        rows = list_rows(response)
        assert [s for s in data.planted if s in rows] == [], page
        assert list_count(response) == found_by_other, page


# -- (f) every model with client data is under the authority rule ----------------------------------


# Classes with an authority_id that are deliberately not scoped rows, and why.
NOT_CLIENT_DATA = {
    User: "staff accounts, scoped by a criterion of their own (IT admins see all)",
    models.NumberSequence: "a counter per authority, behind no view",
}
# Scoped by a criterion of their own in models.scoping, not by a RULES entry.
OWN_CRITERION = {
    CaseShare: "seen by the owning and the receiving authority",
    AuditEvent: "each authority reads its own audit trail (docs/design.md §4)",
}


def _mapped_classes():
    return [mapper.class_ for mapper in db.Model.registry.mappers]


def test_every_model_holding_client_data_is_under_the_authority_rule():
    uncovered = []
    for cls in _mapped_classes():
        columns = set(cls.__table__.columns.keys())
        holds_client_data = bool(columns & {"client_id", "case_id"})
        owned_by_authority = "authority_id" in columns and cls not in NOT_CLIENT_DATA
        if not (holds_client_data or owned_by_authority):
            continue
        if cls in OWN_CRITERION:
            covered = cls.__tablename__ in scoping.scoped_tables()
        else:
            covered = issubclass(cls, OwnedMixin) and cls in RULES
        if not covered:
            uncovered.append(cls.__name__)
    assert uncovered == []


def test_the_authority_rule_covers_every_owned_class():
    owned = {cls for cls in _mapped_classes() if issubclass(cls, OwnedMixin)}
    assert owned == set(RULES)
    assert len(owned) >= 13
