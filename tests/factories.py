"""Small, explicit test data. Passwords are hashed with argon2id once per run."""

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import SimpleNamespace

from models import (
    AccessRoute,
    Agency,
    Authority,
    Case,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Client,
    ClosureReason,
    MeasureType,
    Municipality,
    NeedArea,
    ResidenceStatus,
    TargetGroup,
    User,
    db,
)
from models.user import _hasher
from services.cases import open_case, register_client

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return _hasher.hash(PASSWORD)


def make_user(email, role, authority, name=None, locale="de") -> User:
    user = User(
        email=email,
        display_name=name or email.split("@")[0],
        role=role,
        authority=authority,
        active=True,
        locale=locale,
        password_hash=password_hash(),
    )
    db.session.add(user)
    return user


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
    o["caseworker"] = make_user("fallmanagement@kreis-lippe.test", "caseworker", o["authority"])
    o["team_lead"] = make_user("teamleitung@kreis-lippe.test", "team_lead", o["authority"])
    o["it_admin"] = make_user("it@kreis-lippe.test", "it_admin", o["authority"])
    o["auditor"] = make_user("datenschutz@kreis-lippe.test", "auditor", o["authority"])
    o["foreign_caseworker"] = make_user(
        "fallmanagement@detmold.test", "caseworker", o["foreign_authority"]
    )
    db.session.flush()
    return o
