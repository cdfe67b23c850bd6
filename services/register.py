"""The record of processing activities (Art. 30 (1) GDPR), written from the installation.

Nothing here is typed in twice: the controllers are the authorities in the database, the
categories of personal data come from the ``info=gdpr(…)`` marking of the models' columns
(``models.privacy``), the recipients are the other authorities (cases shared under a
consent) and the agencies of the reference data, the retention periods and the technical
and organisational measures come from the configuration the installation runs with. Only
the purposes and the data subjects are fixed text, one per processing activity.

``build_register`` collects it as plain rows; ``services.register_output`` writes them as
Markdown or xlsx. The caller reads every authority's reference data (``unscoped``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, inspect, select

from models import (
    CASE_PARTS,
    Agency,
    AuditEvent,
    Authority,
    Case,
    CaseShare,
    Client,
    Consent,
    HouseholdMember,
    Referral,
    RoleGrant,
    StructuralIssue,
    User,
    db,
)
from models.choices import AGENCY_KIND, AUTHORITY_KIND, ROLE
from models.privacy import CATEGORIES, classification
from models.types import utcnow

from .authentication import LOCKOUT_AFTER, LOCKOUT_BASE, LOCKOUT_MAX
from .role_grants import DEFAULT_HOURS

TABLE_NAMES = {
    "client": "Klient:innen",
    "household_member": "Haushaltsangehörige",
    "consent": "Einwilligungen",
    "case": "Fälle",
    "need": "Bedarfe",
    "goal": "Ziele",
    "measure": "Maßnahmen",
    "referral": "Vermittlungen",
    "activity": "Kontakte",
    "case_conference": "Fallkonferenzen",
    "case_checklist_item": "Checklisten der Fälle",
    "evaluation": "Abschlussbewertungen",
    "case_share": "Freigaben",
    "document": "Dokumente",
    "structural_issue": "Systemlücken",
    "user": "Benutzerkonten",
    "role_grant": "Rollenanträge",
    "audit_event": "Protokoll",
}

# What each role may, in the words of the role table (docs/design.md §4).
ROLE_RIGHTS = {
    "caseworker": "Fälle und Klient:innen der eigenen Behörde anlegen, lesen und bearbeiten",
    "team_lead": "wie Fallmanagement, dazu archivieren, exportieren, zuweisen, freigeben",
    "it_admin": "Stammdaten und Benutzerkonten, keine Klient:innendaten",
    "auditor": "das Protokoll der eigenen Behörde lesen, keine Klient:innendaten",
}

CLIENTS = "Klient:innen (zugewanderte Menschen, die beraten und begleitet werden)"
HOUSEHOLD = "Haushaltsangehörige der Klient:innen (Ehepartner, Kinder, Eltern, auch im Ausland)"
STAFF = "Beschäftigte der Behörden (Benutzer:innen von Lotse)"


@dataclass
class Category:
    label: str
    fields: dict[str, list[str]]  # table name (German) -> its columns
    art9: list[str]
    sensitive: list[str]

    @property
    def fields_text(self) -> str:
        return "; ".join(f"{table}: {', '.join(cols)}" for table, cols in self.fields.items())


@dataclass
class ProcessingActivity:
    name: str
    purpose: str
    subjects: list[str]
    recipients: str
    retention: str
    models: tuple
    categories: list[Category] = field(default_factory=list)


@dataclass
class Register:
    created_at: datetime
    controllers: list[dict]
    activities: list[ProcessingActivity]
    authority_recipients: list[dict]
    agency_recipients: list[dict]
    retention: list[tuple[str, str]]
    measures: list[tuple[str, str]]


def categories_of(models) -> list[Category]:
    """The categories of personal data in the columns of ``models``, in CATEGORIES' order.

    Raises ``LookupError`` for a column without its GDPR marking (primary keys aside).
    """
    found: dict[str, Category] = {}
    for model in models:
        table = model.__tablename__
        for column in inspect(model).columns:
            if column.primary_key:
                continue
            marking = classification(column)
            if marking is None:
                raise LookupError(f"{table}.{column.key} has no GDPR classification")
            key = marking["category"]
            category = found.setdefault(key, Category(CATEGORIES[key], {}, [], []))
            category.fields.setdefault(TABLE_NAMES.get(table, table), []).append(column.key)
            for kind in ("art9", "sensitive"):
                reason = marking.get(kind)
                if reason and reason not in getattr(category, kind):
                    getattr(category, kind).append(reason)
    return [found[key] for key in CATEGORIES if key in found]


def _activities(retention_years: int, grant_hours: int) -> list[ProcessingActivity]:
    purge = (
        f"{retention_years} Jahre nach Abschluss des letzten Falls einer Klient:in "
        "anonymisiert (flask privacy purge)"
    )
    return [
        ProcessingActivity(
            "Fallmanagement",
            "Beratung und Begleitung zugewanderter Menschen im Case Management: Erstgespräch, "
            "Zielvereinbarung, Schritte und Maßnahmen, Kontakte, Fallkonferenzen, Checklisten "
            "und gemeinsame Abschlussbewertung.",
            [CLIENTS, HOUSEHOLD],
            "die eigene Behörde; andere Behörden der Installation nur, wenn die Klient:in in "
            "die Freigabe des Falls eingewilligt hat (siehe Empfänger)",
            purge,
            (
                Client,
                HouseholdMember,
                Consent,
                Case,
                *(part for part in CASE_PARTS if part is not Referral),
                CaseShare,
            ),
        ),
        ProcessingActivity(
            "Vermittlungen an Kooperationspartner",
            "Anfragen an externe Stellen (Jobcenter, Anerkennungsberatung, Schulamt u. a.) "
            "bis zu Antwort und Ergebnis; gesendet wird nur mit Einwilligung.",
            [CLIENTS],
            "die Kooperationspartner der Stammdaten, nur mit Einwilligung (siehe Empfänger)",
            purge,
            (Referral,),
        ),
        ProcessingActivity(
            "Steuerungsstatistik und Systemlücken",
            "Kennzahlen für die Lenkungsgruppe und gemeldete Systemlücken; über Behörden "
            "hinweg nur anonymisierte Summen, kleine Zahlen werden nicht gezeigt.",
            ["keine: nur anonymisierte Summen; Systemlücken ohne Personenbezug"],
            "Teamleitungen und Datenschutz aller Behörden (nur anonymisierte Summen)",
            "keine personenbezogenen Daten; Systemlücken bleiben erhalten",
            (StructuralIssue,),
        ),
        ProcessingActivity(
            "Protokollierung (Audit-Trail)",
            "Nachweis, wer wann welche Daten gelesen, geändert, exportiert oder freigegeben "
            "hat, und abgewiesene Zugriffe; Kontrolle durch den Datenschutz.",
            [STAFF, CLIENTS + ", als Gegenstand der Einträge"],
            "Datenschutz / Revision der eigenen Behörde",
            "keine automatische Löschung; Einträge zu anonymisierten Klient:innen werden "
            "mit ihnen bereinigt",
            (AuditEvent,),
        ),
        ProcessingActivity(
            "Benutzerkonten und Rechte",
            "Anmeldung, Rollen und Rechte der Beschäftigten; die Rolle IT-Administration "
            "nur nach Bestätigung durch eine zweite Person.",
            [STAFF],
            "IT-Administration (alle Behörden), Teamleitung und Datenschutz (eigene Behörde)",
            "Konten werden deaktiviert, nicht gelöscht; Rollenanträge verfallen nach "
            f"{grant_hours} Stunden und bleiben als Nachweis",
            (User, RoleGrant),
        ),
    ]


def _controllers() -> list[dict]:
    authorities = db.session.scalars(select(Authority).order_by(Authority.position, Authority.name))
    return [
        {
            "code": a.code,
            "name": a.name,
            "kind": AUTHORITY_KIND.label(a.kind),
            "municipality": a.municipality.name if a.municipality else "",
            "active": a.active,
        }
        for a in authorities
    ]


def _authority_recipients(today) -> list[dict]:
    in_force = dict(
        db.session.execute(
            select(CaseShare.authority_id, func.count(CaseShare.id))
            .where(CaseShare.revoked_on.is_(None) | (CaseShare.revoked_on > today))
            .group_by(CaseShare.authority_id)
        ).all()
    )
    authorities = db.session.scalars(
        select(Authority).where(Authority.active.is_(True)).order_by(Authority.position)
    )
    return [
        {
            "name": a.name,
            "kind": AUTHORITY_KIND.label(a.kind),
            "basis": "Freigabe eines Falls auf Grundlage einer Einwilligung",
            "count": in_force.get(a.id, 0),
        }
        for a in authorities
    ]


def _agency_recipients() -> list[dict]:
    sent = dict(
        db.session.execute(
            select(Referral.agency_id, func.count(Referral.id))
            .where(Referral.sent_on.is_not(None))
            .group_by(Referral.agency_id)
        ).all()
    )
    agencies = db.session.scalars(
        select(Agency).where(Agency.active.is_(True)).order_by(Agency.position, Agency.name)
    )
    return [
        {
            "name": a.name,
            "kind": AGENCY_KIND.label(a.kind),
            "basis": "Vermittlung mit Einwilligung"
            + ("" if a.accepts_referrals else " (nimmt derzeit keine Vermittlungen an)"),
            "count": sent.get(a.id, 0),
        }
        for a in agencies
    ]


def _retention(config, retention_years: int, grant_hours: int) -> list[tuple[str, str]]:
    idle = int(config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 60)
    return [
        (
            "Klient:innen, Haushaltsangehörige, Fälle und ihre Teile",
            f"{retention_years} Jahre nach Abschluss des letzten Falls "
            f"(LOTSE_RETENTION_CASE_YEARS = {retention_years}); dann anonymisiert "
            "„flask privacy purge“ die Person, Texte und Haushaltsangehörige werden gelöscht, "
            "die Statistik bleibt",
        ),
        (
            "Protokoll",
            "keine automatische Frist; Feldwerte zu anonymisierten Klient:innen werden mit "
            "ihnen entfernt; auf PostgreSQL nur anfügbar",
        ),
        ("Benutzerkonten", "deaktiviert statt gelöscht, damit das Protokoll lesbar bleibt"),
        (
            "Rollenanträge",
            f"verfallen nach {grant_hours} Stunden (LOTSE_ROLE_GRANT_HOURS), bleiben als Nachweis",
        ),
        (
            "Sitzungen",
            f"enden nach {idle} Minuten ohne Aktivität und nach höchstens "
            f"{config['LOTSE_SESSION_MAX_HOURS']} Stunden",
        ),
    ]


def _accounts_per_role() -> dict[str, int]:
    return dict(
        db.session.execute(
            select(User.role, func.count(User.id)).where(User.active.is_(True)).group_by(User.role)
        ).all()
    )


def _second_factor(config) -> str:
    """What the second factor demands of whom, as configured (``LOTSE_2FA_*``)."""
    always = current_app.extensions.get("lotse_second_factor_always", ())
    named = " und ".join(ROLE.label(role) for role in ROLE if role in always)
    text = "TOTP (RFC 6238) mit zehn Einmal-Wiederherstellungscodes (argon2id-Hashes)"
    if always:
        text += f"; immer für {named}"
    if config.get("LOTSE_2FA_REQUIRED"):
        grace = config.get("LOTSE_2FA_GRACE_DAYS")
        text += f"; für alle anderen Konten Pflicht nach {grace} Tagen Übergangsfrist"
    else:
        text += "; für alle anderen Konten freiwillig (LOTSE_2FA_REQUIRED aus)"
    return text


def _measures(config, grant_hours: int) -> list[tuple[str, str]]:
    secure = config["SESSION_COOKIE_SECURE"]
    dialect = db.engine.dialect.name
    accounts = _accounts_per_role()
    roles = "; ".join(
        f"{ROLE.label(role)}: {ROLE_RIGHTS[role]} (aktive Konten: {accounts.get(role, 0)})"
        for role in ROLE
    )
    return [
        (
            "Zugriffsregel (Mandantentrennung)",
            "jede Behörde sieht nur ihre eigenen Fälle und Klient:innen, fremde nur mit einer "
            "gültigen Freigabe auf Einwilligung; vertrauliche Kontakte verlassen die eigene "
            "Behörde nie; in der Datenschicht für jede Abfrage erzwungen",
        ),
        ("Rollen und Rechte", roles),
        (
            "Vier-Augen-Prinzip",
            "die Rolle IT-Administration erhält ein Konto erst nach Bestätigung durch eine "
            f"zweite Person der IT-Administration; Anträge verfallen nach {grant_hours} Stunden",
        ),
        (
            "Protokollierung",
            "jede Änderung, jeder Lesezugriff auf Klient:innen und Fälle, Anmeldungen, "
            "abgewiesene Zugriffe, Exporte und Freigaben in derselben Transaktion; "
            + (
                "die Datenbank (PostgreSQL) lässt nur Anfügen zu"
                if dialect == "postgresql"
                else f"Datenbank {dialect}: kein Schutz gegen Ändern durch die Datenbank selbst"
            ),
        ),
        (
            "Verschlüsselung der Übertragung",
            "Sitzungscookie nur über HTTPS (Secure)"
            if secure
            else "Sitzungscookie auch über HTTP (LOTSE_ENV=development): nicht für den Betrieb",
        ),
        (
            "Vorgeschaltete Proxys",
            "Lotse spricht selbst kein TLS; HTTPS endet an einem vorgeschalteten Proxy "
            f"(LOTSE_PROXY_COUNT = {config['LOTSE_PROXY_COUNT']} vertrauenswürdige Proxys)",
        ),
        ("Zweiter Faktor", _second_factor(config)),
        (
            "Passwörter",
            f"argon2id (time_cost {config['LOTSE_ARGON2_TIME_COST']}, memory "
            f"{config['LOTSE_ARGON2_MEMORY_KIB']} KiB), mindestens 12 Zeichen",
        ),
        (
            "Anmeldung",
            f"Sperre nach {LOCKOUT_AFTER} Fehlversuchen, wachsend von "
            f"{int(LOCKOUT_BASE.total_seconds() // 60)} Minute bis "
            f"{int(LOCKOUT_MAX.total_seconds() // 3600)} Stunde; Anmeldeversuche je Adresse "
            f"begrenzt (LOTSE_LOGIN_RATE_LIMIT = {config['LOTSE_LOGIN_RATE_LIMIT']})",
        ),
        (
            "Sitzungen",
            f"enden nach {int(config['PERMANENT_SESSION_LIFETIME'].total_seconds() // 60)} "
            f"Minuten ohne Aktivität, nach {config['LOTSE_SESSION_MAX_HOURS']} Stunden und "
            "sofort bei Abmeldung, Deaktivierung oder Passwortwechsel",
        ),
        (
            "Schutz der Formulare und Seiten",
            ("CSRF-Schutz an" if config.get("WTF_CSRF_ENABLED", True) else "CSRF-Schutz AUS")
            + "; Content-Security-Policy ohne Inline-Skripte; keine personenbezogenen Daten "
            "in URLs; Seiten mit personenbezogenen Daten werden nicht zwischengespeichert",
        ),
        (
            "Exporte",
            f"höchstens {config['LOTSE_EXPORT_MAX_ROWS']} Zeilen je Export "
            "(LOTSE_EXPORT_MAX_ROWS), nur Teamleitung; jeder Export wird protokolliert",
        ),
    ]


def build_register(now: datetime | None = None) -> Register:
    """The register as the installation stands now."""
    now = now or utcnow()
    config = current_app.config
    years = config["LOTSE_RETENTION_CASE_YEARS"]
    grant_hours = config.get("LOTSE_ROLE_GRANT_HOURS", DEFAULT_HOURS)
    activities = _activities(years, grant_hours)
    for activity in activities:
        activity.categories = categories_of(activity.models)
    return Register(
        created_at=now,
        controllers=_controllers(),
        activities=activities,
        authority_recipients=_authority_recipients(now.date()),
        agency_recipients=_agency_recipients(),
        retention=_retention(config, years, grant_hours),
        measures=_measures(config, grant_hours),
    )
