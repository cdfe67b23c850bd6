"""The German texts of the demo's casework, per need area and part of a case."""

# --------------------------------------------------------------------------------------
# Case texts, per need area (codes of need_areas.yaml)
# --------------------------------------------------------------------------------------

NEED_TEXTS = {
    "residence": [
        "Aufenthaltstitel läuft aus; Verlängerung und Perspektive klären.",
        "Unsicherheit über die Bleibeperspektive; Voraussetzungen für einen Titelwechsel prüfen.",
    ],
    "family_reunification": [
        "Ehepartner:in lebt noch in {country}; Familiennachzug wird angestrebt.",
        "Kinder leben bei Verwandten in {country}; Nachzug soll vorbereitet werden.",
    ],
    "language": [
        "Deutschkenntnisse auf Niveau A1; Integrationskurs noch nicht begonnen.",
        "Deutsch auf Niveau A2; B1 wird für den Beruf gebraucht.",
        "Kann nicht in lateinischer Schrift lesen und schreiben; Alphabetisierung nötig.",
    ],
    "recognition": [
        "Abschluss als {profession} aus {country}; Anerkennung noch nicht beantragt.",
        "Berufserfahrung als {profession}; Unterlagen liegen nur teilweise vor.",
    ],
    "school": [
        "Schulpflichtiges Kind ohne Schulplatz seit der Ankunft.",
        "Kind besucht die Schule, braucht aber zusätzliche Sprachförderung.",
    ],
    "childcare": [
        "Kleinkind ohne KiTa-Platz; Mutter kann deshalb keinen Sprachkurs besuchen.",
        "KiTa-Platz für das jüngste Kind wird ab Sommer gebraucht.",
    ],
    "work": [
        "Sucht Arbeit; Berufserfahrung als {profession}.",
        "Arbeitet im Minijob und möchte eine Stelle im erlernten Beruf.",
    ],
    "training": [
        "Möchte eine Berufsausbildung beginnen; Schulabschluss aus {country} vorhanden.",
        "Interesse an einem Studium; Hochschulzugangsberechtigung ist zu prüfen.",
    ],
    "housing": [
        "Lebt noch in einer Gemeinschaftsunterkunft und sucht eine Wohnung.",
        "Wohnung ist für die Familie zu klein; Wohnberechtigungsschein fehlt.",
    ],
    "health": [
        "Chronische Erkrankung; Krankenversicherung und Facharzttermin klären.",
        "Hinweise auf psychische Belastung nach der Flucht.",
    ],
    "benefits": [
        "Leistungsanspruch unklar; Antrag auf Bürgergeld noch nicht gestellt.",
        "Kindergeld wurde noch nicht beantragt.",
    ],
    "naturalisation": [
        "Lebt seit über fünf Jahren in Deutschland und möchte sich einbürgern lassen.",
    ],
    "documents": [
        "Kein gültiger Pass; Mitwirkung bei der Passbeschaffung erforderlich.",
        "Geburtsurkunden der Kinder fehlen für Anträge.",
    ],
    "participation": [
        "Wenig Kontakte außerhalb der Familie; Interesse an Sportverein und Ehrenamt.",
        "Möchte sich im Elternrat der Schule engagieren; braucht Orientierung.",
    ],
}

# (goal, indicator) per need area.
GOAL_TEXTS = {
    "residence": [
        (
            "Aufenthaltstitel rechtzeitig verlängern",
            "Neuer Titel oder Fiktionsbescheinigung liegt vor",
        ),
        ("Bleibeperspektive klären", "Antrag nach §§ 25a/25b AufenthG gestellt oder verworfen"),
    ],
    "family_reunification": [
        (
            "Familiennachzug der Ehepartnerin oder des Ehepartners",
            "Visum erteilt und Einreise erfolgt",
        ),
        ("Nachzug der Kinder vorbereiten", "Vollständige Unterlagen bei der Auslandsvertretung"),
    ],
    "language": [
        ("Deutschkenntnisse auf Niveau B1 erreichen", "Zertifikat Deutsch-Test für Zuwanderer B1"),
        ("Integrationskurs beginnen", "Kursbeginn bestätigt, Anwesenheit über 80 %"),
        ("Alphabetisierungskurs abschließen", "Kursbestätigung des Trägers"),
    ],
    "recognition": [
        ("Berufsabschluss als {profession} anerkennen lassen", "Anerkennungsbescheid liegt vor"),
        ("Anerkennungsverfahren einleiten", "Antrag bei der zuständigen Stelle gestellt"),
    ],
    "school": [
        ("Schulplatz für das Kind", "Kind besucht regelmäßig die Schule"),
        ("Schulische Sprachförderung sichern", "Förderplan der Schule liegt vor"),
    ],
    "childcare": [
        ("KiTa-Platz für das Kind", "Betreuungsvertrag unterschrieben"),
        ("Betreuung während des Sprachkurses sichern", "Kinderbetreuung zugesagt"),
    ],
    "work": [
        ("Sozialversicherungspflichtige Beschäftigung aufnehmen", "Arbeitsvertrag unterschrieben"),
        ("Praktikum im Berufsfeld finden", "Praktikumsvereinbarung liegt vor"),
    ],
    "training": [
        ("Ausbildungsplatz finden", "Ausbildungsvertrag unterschrieben"),
        ("Studienzugang klären", "Bewertung der Hochschulzugangsberechtigung liegt vor"),
    ],
    "housing": [
        ("Eigene Wohnung beziehen", "Mietvertrag unterschrieben"),
        ("Wohnberechtigungsschein erhalten", "Bescheid liegt vor"),
    ],
    "health": [
        ("Gesundheitliche Versorgung sichern", "Hausarzt gefunden, Krankenversicherung geklärt"),
        ("Psychosoziale Unterstützung erhalten", "Erstgespräch im Psychosozialen Zentrum"),
    ],
    "benefits": [
        ("Lebensunterhalt sichern", "Leistungsbescheid liegt vor"),
        ("Familienleistungen beantragen", "Kindergeld wird gezahlt"),
    ],
    "naturalisation": [
        ("Einbürgerungsantrag stellen", "Antrag vollständig eingereicht"),
    ],
    "documents": [
        ("Gültigen Pass beschaffen", "Pass liegt der Ausländerbehörde vor"),
        ("Fehlende Urkunden beschaffen", "Urkunden liegen übersetzt vor"),
    ],
    "participation": [
        ("Kontakte im Wohnort knüpfen", "Regelmäßige Teilnahme an einem Verein oder Treff"),
    ],
}

ATTAINMENT_NOTES = {
    "achieved": ["Ziel vollständig erreicht.", "Erreicht; Nachweis liegt in der Akte."],
    "partly_achieved": [
        "Teilweise erreicht; der letzte Schritt steht noch aus.",
        "Zwischenziel erreicht, Abschluss verzögert sich.",
    ],
    "not_achieved": [
        "Nicht erreicht: Wartezeiten bei der zuständigen Stelle.",
        "Nicht erreicht: Voraussetzungen lagen nicht vor.",
    ],
    "dropped": [
        "Aufgegeben: Klient:in hat die Prioritäten geändert.",
        "Aufgegeben nach Umzug bzw. Kontaktabbruch.",
    ],
}

REFERRAL_REASONS = {
    "residence": "Beratung zur aufenthaltsrechtlichen Perspektive",
    "family_reunification": "Unterstützung im Verfahren zum Familiennachzug",
    "language": "Anmeldung zum Sprachkurs und Einstufung",
    "recognition": "Beratung zur Anerkennung des Berufsabschlusses",
    "school": "Zuweisung eines Schulplatzes",
    "childcare": "Vermittlung eines KiTa-Platzes",
    "work": "Arbeitsvermittlung und Beratung zu Fördermöglichkeiten",
    "training": "Beratung zu Ausbildung und Einstiegsqualifizierung",
    "housing": "Unterstützung bei der Wohnungssuche",
    "health": "Vermittlung gesundheitlicher Versorgung",
    "benefits": "Prüfung und Antrag auf Leistungen",
    "naturalisation": "Beratung zur Einbürgerung",
    "documents": "Unterstützung bei der Beschaffung von Dokumenten",
    "participation": "Vermittlung in Angebote vor Ort",
}
REJECTION_REASONS = [
    "Keine freien Plätze; Aufnahme frühestens im nächsten Quartal.",
    "Nicht zuständig: Wohnort liegt außerhalb des Einzugsgebiets.",
    "Voraussetzungen nicht erfüllt; Sprachniveau reicht noch nicht.",
]
REFERRAL_OUTCOMES = [
    "Angebot angenommen und begonnen.",
    "Termin wahrgenommen; Ergebnis an das Fallmanagement zurückgemeldet.",
    "Erfolgreich abgeschlossen.",
]

ACTIVITY_SUMMARIES = {
    "meeting": [
        "Gespräch zur aktuellen Situation und zu den nächsten Schritten.",
        "Unterlagen gesichtet und Anträge vorbereitet.",
        "Ziele überprüft und Maßnahmen angepasst.",
    ],
    "phone": [
        "Telefonische Rückfrage zum Stand.",
        "Termin abgestimmt.",
        "Kurze Beratung am Telefon.",
    ],
    "video": ["Videogespräch mit Sprachmittlung zur Vorbereitung des Antrags."],
    "email": ["Unterlagen per E-Mail erhalten.", "Terminbestätigung versandt."],
    "letter": ["Schreiben an die zuständige Stelle verschickt.", "Bescheid erläutert."],
    "home_visit": ["Hausbesuch: Wohnsituation und Bedarfe der Familie besprochen."],
    "accompaniment": [
        "Begleitung zur Behörde.",
        "Begleitung zum Termin beim Jobcenter.",
        "Begleitung zur Schulanmeldung.",
    ],
}
CONFIDENTIAL_SUMMARIES = [
    "Vertrauliches Beratungsgespräch zur familiären Belastung.",
    "Beratung zu gesundheitlichen Problemen; nur für die Beratungsstelle.",
]

INTAKE_SUMMARIES = [
    "Erstgespräch geführt; Lebenssituation und Anliegen aufgenommen.",
    "Erstgespräch mit Familie; Unterlagen teilweise vorhanden.",
    "Erstgespräch nach Verweis; Klient:in ist motiviert, die Themen anzugehen.",
]
CLOSURE_NOTES = {
    "goals_reached": "Alle vereinbarten Ziele erreicht; Fall einvernehmlich abgeschlossen.",
    "goals_partly_reached": "Wesentliche Ziele erreicht; offene Punkte an die MBE übergeben.",
    "goals_not_reached": "Ziele nicht erreicht; Klient:in kann sich bei Bedarf erneut melden.",
    "moved_away": "Klient:in ist in einen anderen Kreis verzogen.",
    "withdrew": "Klient:in möchte keine weitere Begleitung.",
    "no_contact": "Seit mehreren Wochen kein Kontakt; Schreiben blieb unbeantwortet.",
    "transferred": "An die Migrationsberatung übergeben.",
    "no_case_management_need": (
        "Kein Bedarf an Case Management; einzelne Fragen im Erstgespräch geklärt, "
        "Verweis an die Migrationsberatung."
    ),
}
EVALUATION_TEXTS = {
    "client_view": [
        "Die Begleitung hat geholfen, die Behördenwege zu verstehen.",
        "Zufrieden; die Wartezeiten waren belastend.",
        "Hätte sich schnellere Termine gewünscht.",
    ],
    "caseworker_view": [
        "Gute Mitwirkung; die Vermittlungen haben funktioniert.",
        "Hoher Abstimmungsaufwand zwischen den beteiligten Stellen.",
        "Sprachbarriere hat den Prozess verlangsamt.",
    ],
    "lessons": [
        "Fallkonferenz früher einberufen.",
        "Sprachkursplätze frühzeitig anfragen.",
        "Unterlagen für Anerkennung gleich im Erstgespräch erfassen.",
    ],
}
CONFERENCE_TEXTS = {
    "results": [
        "Zuständigkeiten geklärt; nächste Schritte abgestimmt.",
        "Gemeinsamer Förderplan vereinbart.",
    ],
    "agreed_actions": [
        "Jobcenter prüft Förderung; Fallmanagement meldet sich in vier Wochen.",
        "Termin zur Schulanmeldung wird vereinbart; Rückmeldung an alle Beteiligten.",
    ],
}

# Structural issues: no personal data, only what casework shows about the system.
STRUCTURAL_ISSUES = [
    (
        "language",
        "Wartezeiten auf Integrationskurse mit Kinderbetreuung",
        "Für Eltern kleiner Kinder gibt es im Kreisgebiet kaum Integrationskurse mit "
        "Kinderbetreuung; die Wartezeit liegt bei über sechs Monaten.",
    ),
    (
        "childcare",
        "Fehlende KiTa-Plätze für neu zugezogene Familien",
        "Neu zugezogene Familien erhalten unterjährig keinen KiTa-Platz, weil die Plätze im "
        "Frühjahr vergeben werden.",
    ),
    (
        "recognition",
        "Lange Bearbeitungszeiten bei der Anerkennung von Pflegeabschlüssen",
        "Anerkennungsverfahren für Pflegefachkräfte dauern im Mittel über acht Monate; in "
        "dieser Zeit ist nur Helfertätigkeit möglich.",
    ),
    (
        "housing",
        "Kaum bezahlbarer Wohnraum für große Familien",
        "Für Familien mit fünf und mehr Personen gibt es im Bestand kaum Wohnungen innerhalb "
        "der Angemessenheitsgrenzen.",
    ),
    (
        "school",
        "Seiteneinsteiger warten auf Schulplätze",
        "Kinder, die im laufenden Schuljahr zuziehen, warten mehrere Wochen auf eine "
        "Schulplatzzuweisung.",
    ),
    (
        "work",
        "Berufssprachkurse nicht mit Schichtarbeit vereinbar",
        "Berufssprachkurse finden fast nur vormittags statt; Beschäftigte im Schichtdienst "
        "können nicht teilnehmen.",
    ),
    (
        "residence",
        "Terminengpässe bei der Verlängerung von Aufenthaltstiteln",
        "Terminanfragen zur Verlängerung bleiben wochenlang offen; Fiktionsbescheinigungen "
        "führen bei Arbeitgebern zu Unsicherheit.",
    ),
    (
        "health",
        "Wenig Therapieplätze mit Sprachmittlung",
        "Für psychotherapeutische Behandlung mit Sprachmittlung gibt es im Kreis lange "
        "Wartelisten; die Kosten der Sprachmittlung sind ungeklärt.",
    ),
    (
        "documents",
        "Passbeschaffung bei Auslandsvertretungen kaum möglich",
        "Für mehrere Herkunftsstaaten sind Termine bei den Auslandsvertretungen kaum zu "
        "bekommen; die Mitwirkung scheitert nicht an den Betroffenen.",
    ),
    (
        "family_reunification",
        "Wartezeiten auf Visumtermine beim Familiennachzug",
        "Wartezeiten auf Termine bei den Auslandsvertretungen verzögern den Familiennachzug "
        "um mehr als ein Jahr.",
    ),
]
ISSUE_STEERING_NOTES = {
    "in_discussion": "Auf die Tagesordnung der nächsten Lenkungsgruppe gesetzt.",
    "measure_agreed": "Lenkungsgruppe hat eine Arbeitsgruppe mit den Trägern vereinbart.",
    "resolved": "Zusätzliches Angebot eingerichtet; Lage hat sich entspannt.",
    "rejected": "Liegt außerhalb der Zuständigkeit der kommunalen Ebene.",
}
