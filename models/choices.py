"""Enumerations: stored as short strings, checked by the database, labelled in German.

Each ``Choices`` keeps the stored values in order with their translatable labels, so the
database CHECK constraint, the admin select fields and the list display come from one place.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, String, Table, event
from sqlalchemy.orm import mapped_column


class Choices:
    def __init__(self, name: str, **labels):
        self.name = name
        self.labels = labels

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, value) -> str:
        if value is None:
            return ""
        return str(self.labels.get(value, value))

    def pairs(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in self.labels.items()]

    def __iter__(self):
        return iter(self.labels)

    def __contains__(self, value) -> bool:
        return value in self.labels


def choice_column(
    choices: Choices, *, nullable: bool = False, default=None, index=True, info=None, **kw
):
    """A short string column whose allowed values the admin views read from ``info``.

    The database checks them too: the column brings its CHECK constraint to the table it
    joins (``_check_choices``), named after the column.
    """
    return mapped_column(
        String(24),
        nullable=nullable,
        default=default,
        index=index,
        info={"choices": choices, **(info or {})},
        **kw,
    )


def choice_check(column: str, choices: Choices) -> CheckConstraint:
    values = ", ".join(f"'{v}'" for v in choices.values)
    return CheckConstraint(f"{column} IN ({values})", name=column)


@event.listens_for(Column, "after_parent_attach")
def _check_choices(column: Column, table) -> None:
    """Give a choice column's table the CHECK constraint of its values."""
    choices = column.info.get("choices")
    if choices is not None and isinstance(table, Table):
        table.append_constraint(choice_check(column.name, choices))


AUTHORITY_KIND = Choices(
    "authority_kind",
    immigration_office=_l("Ausländerbehörde"),
    integration_office=_l("Integrationsstelle"),
    provider=_l("Träger"),
    other=_l("Sonstige"),
)
AGENCY_KIND = Choices(
    "agency_kind",
    jobcenter=_l("Jobcenter"),
    employment_agency=_l("Agentur für Arbeit"),
    recognition_counselling=_l("Anerkennungsberatung"),
    migration_counselling=_l("Migrationsberatung"),
    youth_migration_service=_l("Jugendmigrationsdienst"),
    school_office=_l("Schulamt"),
    youth_office=_l("Jugendamt"),
    language_course_provider=_l("Sprachkursträger"),
    social_office=_l("Sozialamt"),
    health_office=_l("Gesundheitsamt"),
    housing_office=_l("Wohnungsamt"),
    other=_l("Sonstige"),
)
GENDER = Choices(
    "gender",
    female=_l("weiblich"),
    male=_l("männlich"),
    diverse=_l("divers"),
    unknown=_l("unbekannt"),
)
HOUSEHOLD_RELATION = Choices(
    "household_relation",
    spouse=_l("Ehepartner:in"),
    child=_l("Kind"),
    parent=_l("Elternteil"),
    sibling=_l("Geschwister"),
    other=_l("Sonstige"),
)
LIVES = Choices(
    "lives",
    same_household=_l("im selben Haushalt"),
    germany_elsewhere=_l("anderswo in Deutschland"),
    abroad=_l("im Ausland"),
)
CONSENT_FORM = Choices(
    "consent_form",
    written=_l("schriftlich"),
    verbal=_l("mündlich"),
    electronic=_l("elektronisch"),
)
CASE_STATUS = Choices(
    "case_status",
    intake=_l("Erstgespräch"),
    planning=_l("Planung"),
    active=_l("Aktiv"),
    on_hold=_l("Ruhend"),
    evaluation=_l("Auswertung"),
    closed=_l("Abgeschlossen"),
    declined=_l("Abgelehnt"),
)
PRIORITY = Choices("priority", high=_l("hoch"), medium=_l("mittel"), low=_l("niedrig"))
GOAL_STATUS = Choices(
    "goal_status",
    open=_l("offen"),
    in_progress=_l("in Arbeit"),
    achieved=_l("erreicht"),
    partly_achieved=_l("teilweise erreicht"),
    not_achieved=_l("nicht erreicht"),
    dropped=_l("aufgegeben"),
)
MEASURE_RESPONSIBLE = Choices(
    "measure_responsible",
    client=_l("Klient:in"),
    case_manager=_l("Fallmanagement"),
    agency=_l("Kooperationspartner"),
    joint=_l("gemeinsam"),
)
MEASURE_STATUS = Choices(
    "measure_status",
    planned=_l("geplant"),
    in_progress=_l("in Arbeit"),
    done=_l("erledigt"),
    not_done=_l("nicht erledigt"),
    cancelled=_l("abgebrochen"),
)
REFERRAL_STATUS = Choices(
    "referral_status",
    draft=_l("Entwurf"),
    sent=_l("gesendet"),
    accepted=_l("angenommen"),
    rejected=_l("abgelehnt"),
    in_progress=_l("in Bearbeitung"),
    completed=_l("abgeschlossen"),
    withdrawn=_l("zurückgezogen"),
)
ACTIVITY_KIND = Choices(
    "activity_kind",
    meeting=_l("Gespräch"),
    phone=_l("Telefonat"),
    video=_l("Videogespräch"),
    email=_l("E-Mail"),
    letter=_l("Brief"),
    home_visit=_l("Hausbesuch"),
    accompaniment=_l("Begleitung"),
)
EFFORT_ASSESSMENT = Choices(
    "effort_assessment",
    lower=_l("geringer als erwartet"),
    as_expected=_l("wie erwartet"),
    higher=_l("höher als erwartet"),
)
SHARE_ACCESS = Choices("share_access", read=_l("Lesen"), write=_l("Lesen und Bearbeiten"))
ISSUE_STATUS = Choices(
    "issue_status",
    reported=_l("gemeldet"),
    in_discussion=_l("in Beratung"),
    measure_agreed=_l("Maßnahme vereinbart"),
    resolved=_l("behoben"),
    rejected=_l("abgelehnt"),
)
OUTCOME = Choices("outcome", positive=_l("positiv"), neutral=_l("neutral"), negative=_l("negativ"))
ROLE = Choices(
    "role",
    caseworker=_l("Fallmanagement"),
    team_lead=_l("Teamleitung"),
    it_admin=_l("IT-Administration"),
    auditor=_l("Datenschutz / Revision"),
)
ROLE_GRANT_STATUS = Choices(
    "role_grant_status",
    pending=_l("wartet auf Bestätigung"),
    confirmed=_l("bestätigt"),
    rejected=_l("abgelehnt"),
    expired=_l("abgelaufen"),
)
LOCALE = Choices("locale", de=_l("Deutsch"), en=_l("Englisch"))
AUDIT_ACTION = Choices(
    "audit_action",
    create=_l("angelegt"),
    update=_l("geändert"),
    archive=_l("archiviert"),
    delete=_l("gelöscht"),
    read=_l("gelesen"),
    export=_l("exportiert"),
    login=_l("Anmeldung"),
    login_failed=_l("Anmeldung fehlgeschlagen"),
    logout=_l("Abmeldung"),
    denied=_l("Zugriff verweigert"),
    share=_l("freigegeben"),
    unshare=_l("Freigabe widerrufen"),
    transition=_l("Statuswechsel"),
    purge=_l("Löschfrist vollzogen"),
    unscoped=_l("Zugriff ohne Behördenbezug"),
)
SATISFACTION_UNKNOWN = 0
