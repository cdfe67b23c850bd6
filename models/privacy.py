"""What each column holds in terms of the GDPR, for the Art. 30 register.

Every column of client data, of staff accounts and of the audit trail carries
``info=gdpr(category, …)``: the category of personal data it belongs to and, where it
applies, why it is a special category (Art. 9 GDPR, e.g. health) or otherwise sensitive
(residence status, counselling secrecy). ``services.register`` reads this to write the
record of processing activities; ``tests/test_register.py`` fails for a column without a
classification, so a new column cannot slip past the register. Primary keys are surrogate
numbers and need none.
"""

# The categories of personal data, as the register names them.
CATEGORIES: dict[str, str] = {
    "identity": "Identifikationsdaten (Name, Geburtsdatum, Geschlecht, Nummer)",
    "contact": "Kontaktdaten (Anschrift, Wohnort, Telefon, E-Mail)",
    "origin": "Staatsangehörigkeit und Sprachen",
    "residence": "Aufenthaltsrechtliche Daten (Status, Gültigkeit, Einreise, Zielgruppe)",
    "family": "Familien- und Haushaltsdaten (Haushaltsangehörige, Wohnort, Betreuungsbedarf)",
    "consent": "Datenschutzhinweis und Einwilligungen (Zweck, Datenkategorien, Empfänger, Fristen)",
    "casework": "Falldaten (Status, Bedarfe, Ziele, Maßnahmen, Vermittlungen, Kontakte, Termine)",
    "evaluation": "Abschlussbewertung (Aufwand, Erfolg, Zufriedenheit)",
    "free_text": "Freitexte und Notizen der Fallarbeit",
    "counselling": "Beratungsinhalte der Kontakte",
    "sharing": "Freigaben an andere Behörden (Empfänger, Umfang, Zeitraum)",
    "documents": "Dokumente zum Fall (Zeugnisse, Übersetzungen, Ausweise, Bescheide, Schreiben)",
    "staff": "Beschäftigtendaten (Name, dienstliche E-Mail, Behörde, Rolle, Sprache)",
    "staff_security": "Anmelde- und Sicherheitsdaten (Passwort-Hash, Sitzung, Anmeldeversuche)",
    "audit": "Protokolldaten (wer wann was gelesen oder geändert hat, IP-Adresse)",
    "metadata": "Verwaltungsdaten (Zeitstempel, Bearbeitende, Version, Zuordnung)",
    "not_personal": "keine personenbezogenen Daten (Systemlücken für die Steuerung)",
}

# Reasons used by several columns.
HEALTH_AREA = "Art. 9 DSGVO: das Handlungsfeld kann Gesundheit sein (Gesundheitsdaten)"
FREE_TEXT = "Art. 9 DSGVO möglich: Freitext kann Gesundheitsdaten oder Ähnliches enthalten"
RESIDENCE = "besonders schutzbedürftig: Aufenthaltsstatus (aufenthaltsrechtliche Folgen)"
COUNSELLING = (
    "Art. 9 DSGVO möglich und Berufsgeheimnis (§ 203 StGB): vertrauliche Kontakte verlassen "
    "die eigene Behörde nie"
)


def gdpr(category: str, *, art9: str | None = None, sensitive: str | None = None) -> dict:
    """The ``info`` of a column: its category, and why it is special or sensitive."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown GDPR category {category!r}")
    marking = {"category": category}
    if art9:
        marking["art9"] = art9
    if sensitive:
        marking["sensitive"] = sensitive
    return {"gdpr": marking}


def classification(column) -> dict | None:
    """The GDPR marking of a column, or None if it has none."""
    return column.info.get("gdpr")
