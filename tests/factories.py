"""Small, explicit test data. Passwords are hashed with argon2id once per run."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from types import SimpleNamespace

from models import (
    AccessRoute,
    Activity,
    Agency,
    AuditEvent,
    Authority,
    Case,
    CaseConference,
    CaseShare,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Client,
    ClosureReason,
    Consent,
    Document,
    DocumentKind,
    Evaluation,
    Goal,
    HouseholdMember,
    Measure,
    MeasureType,
    Municipality,
    NeedArea,
    Referral,
    ResidenceStatus,
    RoleGrant,
    StructuralIssue,
    TargetGroup,
    User,
    db,
)
from models.user import _hasher_for
from services.cases import open_case, record_needs, register_client
from services.documents import store
from services.second_factor import encrypt_secret

PASSWORD = "correct horse battery staple"
# Every test user's authenticator: one known TOTP secret (tests/conftest.py submits its code).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@cache
def password_hash() -> str:
    return _hasher_for(1, 8192).hash(PASSWORD)


def utcnow_for_tests():
    from models.types import utcnow

    return utcnow()


def make_user(email, role, authority, name=None, locale="de", enrolled=True) -> User:
    """A user with the test password and, unless ``enrolled=False``, the second factor
    ``TOTP_SECRET`` enrolled."""
    user = User(
        email=email,
        display_name=name or email.split("@")[0],
        role=role,
        authority=authority,
        active=True,
        locale=locale,
        password_hash=password_hash(),
    )
    if enrolled:
        user.totp_secret = encrypt_secret(TOTP_SECRET)
        user.totp_enrolled_at = utcnow_for_tests()
    db.session.add(user)
    return user


def make_role_grant(target, requested_by, role="it_admin", hours=72) -> RoleGrant:
    """A pending request for ``role`` (the service's checks are tested on their own)."""
    now = utcnow_for_tests()
    grant = RoleGrant(
        user=target,
        role=role,
        previous_role=target.role,
        requested_by=requested_by,
        requested_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def make_client(authority, family_name="Haddad", given_names="Amira", **kw) -> Client:
    client = Client(family_name=family_name, given_names=given_names, **kw)
    register_client(client, authority.id if hasattr(authority, "id") else authority)
    db.session.add(client)
    db.session.flush()
    return client


def make_case(client, **kw) -> Case:
    kw.setdefault("opened_on", date(2026, 3, 1))
    case = Case(client=client, authority_id=client.authority_id, **kw)
    open_case(case)
    db.session.flush()
    return case


def pdf(text: str) -> bytes:
    """A tiny file that content detection takes for a PDF, with ``text`` inside."""
    return f"%PDF-1.4\n% {text}\n%%EOF\n".encode()


def make_document(case, content: bytes, kind_id, title="Zeugnis", **kw) -> Document:
    """A document of ``case`` with its file stored as an upload stores it (app context)."""
    import io

    stored = store(io.BytesIO(content))
    document = Document(
        case=case,
        authority_id=case.authority_id,
        kind_id=kind_id,
        title=title,
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        original_name=kw.pop("original_name", "zeugnis.pdf"),
        **kw,
    )
    db.session.add(document)
    db.session.flush()
    return document


@dataclass
class World:
    objects: dict = field(default_factory=dict)

    @staticmethod
    def ids(objects: dict) -> SimpleNamespace:
        ns = SimpleNamespace(**{name: obj.id for name, obj in objects.items()})
        ns.emails = {name: obj.email for name, obj in objects.items() if isinstance(obj, User)}
        return ns


def build_world() -> dict:
    o = {}
    o["detmold"] = Municipality(code="05766020", name="Detmold", position=1)
    o["lemgo"] = Municipality(code="05766044", name="Lemgo", position=2)
    o["authority"] = Authority(
        code="kreis_lippe_abh",
        name="Kreis Lippe – Ausländerbehörde",
        kind="immigration_office",
        municipality=o["detmold"],
        case_number_prefix="KL-ABH",
    )
    o["foreign_authority"] = Authority(
        code="detmold_abh",
        name="Stadt Detmold – Ausländerbehörde",
        kind="immigration_office",
        municipality=o["detmold"],
        case_number_prefix="DT-ABH",
    )
    o["language"] = NeedArea(code="language", name="Sprache", position=1)
    o["work"] = NeedArea(code="work", name="Arbeit", position=2)
    o["school"] = NeedArea(code="school", name="Schule", position=3)
    o["course"] = MeasureType(
        code="integration_course", name="Integrationskurs", need_area=o["language"]
    )
    o["residence_status"] = ResidenceStatus(
        code="aufenthg_25_2", name="Flüchtlingsschutz", legal_reference="§ 25 Abs. 2 AufenthG"
    )
    o["target_group"] = TargetGroup(code="recognised_refugees", name="Anerkannte Geflüchtete")
    o["access_route"] = AccessRoute(code="self", name="Selbstmelder:in")
    o["completed"] = ClosureReason(
        code="goals_reached", name="Ziele erreicht", outcome="positive", requires_evaluation=True
    )
    o["moved_away"] = ClosureReason(
        code="moved_away", name="Weggezogen", outcome="neutral", requires_evaluation=False
    )
    o["certificate"] = DocumentKind(code="certificate", name="Zeugnis / Nachweis", position=1)
    o["jobcenter"] = Agency(code="jobcenter_lippe", name="Jobcenter Lippe", kind="jobcenter")
    o["general_checklist"] = ChecklistTemplate(
        code="general",
        name="Allgemeiner Prozess",
        items=[
            ChecklistTemplateItem(
                position=1, text="Datenschutzhinweis ausgehändigt", required=True
            ),
            ChecklistTemplateItem(position=2, text="Erstgespräch dokumentiert", required=False),
        ],
    )
    o["language_checklist"] = ChecklistTemplate(
        code="language",
        name="Sprache",
        need_area=o["language"],
        items=[ChecklistTemplateItem(position=1, text="Sprachstand erhoben", required=True)],
    )
    db.session.add_all(o.values())
    db.session.flush()
    o["caseworker"] = make_user("fallmanagement@kreis-lippe.example", "caseworker", o["authority"])
    o["team_lead"] = make_user("teamleitung@kreis-lippe.example", "team_lead", o["authority"])
    o["it_admin"] = make_user("it@kreis-lippe.example", "it_admin", o["authority"])
    o["auditor"] = make_user("datenschutz@kreis-lippe.example", "auditor", o["authority"])
    o["foreign_caseworker"] = make_user(
        "fallmanagement@detmold.example", "caseworker", o["foreign_authority"]
    )
    db.session.flush()
    return o


def make_full_case(world, i: int = 0) -> Case:
    """A case with an entry in every part table, plus a reference row of each kind.

    ``world`` is the id namespace of ``build_world``; ``i`` makes names unique.
    """
    get = db.session.get
    authority = get(Authority, world.authority)
    with db.session.no_autoflush:
        client = make_client(
            authority,
            family_name=f"Haddad{i}",
            nationality="SYR",
            languages=["apc", "deu"],
            residence_status_id=world.residence_status,
            municipality_id=world.detmold,
            target_group_id=world.target_group,
        )
        case = make_case(client, caseworker_id=world.caseworker, access_route_id=world.access_route)
        area = NeedArea(code=f"area_{i}", name=f"Bereich {i}", position=10 + i)
        agency = Agency(code=f"agency_{i}", name=f"Stelle {i}", kind="other")
        db.session.add_all([area, agency])
        db.session.add_all(
            [
                Municipality(code=f"9{i:07d}", name=f"Gemeinde {i}"),
                MeasureType(code=f"type_{i}", name=f"Art {i}", need_area=area),
                ResidenceStatus(code=f"status_{i}", name=f"Status {i}"),
                TargetGroup(code=f"group_{i}", name=f"Gruppe {i}"),
                AccessRoute(code=f"route_{i}", name=f"Weg {i}"),
                DocumentKind(code=f"kind_{i}", name=f"Dokumentart {i}"),
                ClosureReason(code=f"reason_{i}", name=f"Grund {i}", outcome="neutral"),
                ChecklistTemplate(code=f"template_{i}", name=f"Vorlage {i}", need_area=area),
                Authority(
                    code=f"authority_{i}",
                    name=f"Behörde {i}",
                    kind="other",
                    case_number_prefix=f"X{i}",
                ),
            ]
        )
        db.session.flush()
        record_needs(case, [area])
        consent = Consent(
            client=client,
            authority_id=client.authority_id,
            purpose="Vermittlung an das Jobcenter",
            data_categories="Stammdaten, Sprachstand",
            given_on=date(2026, 3, 2),
        )
        consent.recipient_agencies.append(get(Agency, world.jobcenter))
        consent.recipient_authorities.append(get(Authority, world.foreign_authority))
        goal = Goal(
            case=case,
            authority_id=case.authority_id,
            description="B1-Zertifikat erreichen",
            need_area=area,
            agreed_on=date(2026, 3, 3),
        )
        db.session.add_all([consent, goal])
        db.session.flush()
        owned = {"authority_id": case.authority_id}
        db.session.add_all(
            [
                HouseholdMember(
                    client=client,
                    relation="child",
                    family_name=f"Haddad{i}",
                    given_names="Sami",
                    needs_childcare_or_school=True,
                    **owned,
                ),
                Measure(
                    goal=goal,
                    case=case,
                    description="Integrationskurs anmelden",
                    agency=agency,
                    **owned,
                ),
                Referral(
                    case=case,
                    agency=agency,
                    need_area=area,
                    reason="Arbeitsvermittlung",
                    consent=consent,
                    status="sent",
                    sent_on=date(2026, 3, 4),
                    **owned,
                ),
                Activity(case=case, occurred_on=date(2026, 3, 2), duration_minutes=45, **owned),
                CaseConference(case=case, held_on=date(2026, 3, 10), results="Plan", **owned),
                Evaluation(case=case, evaluated_on=date(2026, 6, 1), success_rating=4, **owned),
                CaseShare(
                    case=case,
                    owner_authority_id=case.authority_id,
                    authority_id=world.foreign_authority,
                    consent=consent,
                    access="read",
                ),
                StructuralIssue(
                    title=f"Zu wenige Sprachkursplätze {i}",
                    description="Wartezeit über sechs Monate",
                    need_area=area,
                    case=case,
                    **owned,
                ),
                AuditEvent(action="login", user_id=world.caseworker, authority_id=world.authority),
                make_user(f"user{i}@kreis-lippe.example", "caseworker", authority),
            ]
        )
        db.session.flush()
    return case
