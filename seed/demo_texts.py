"""Names and German texts for the demo data set.

Names are written as German documents show them (Latin script, as in the passport's
machine-readable zone). Faker has a usable locale for some nationalities; for the others, and
wherever Faker's lists are implausible, there are small hand-kept lists here.
"""

# --------------------------------------------------------------------------------------
# Nationalities: ISO 3166-1 alpha-3, weight, name source, languages (ISO 639-3) and the
# residence statuses (codes of residence_statuses.yaml) that are typical for them.
# --------------------------------------------------------------------------------------

NATIONALITIES = {
    "UKR": {
        "weight": 18,
        "names": "faker:uk_UA",
        "languages": [["ukr"], ["ukr", "rus"], ["rus"]],
        "statuses": {"aufenthg_24": 80, "aufenthg_81": 10, "aufenthg_18b": 5, "aufenthg_16b": 5},
    },
    "SYR": {
        "weight": 16,
        "names": "SYR",
        "languages": [["apc"], ["apc", "kmr"], ["ara"]],
        "statuses": {
            "aufenthg_25_2_subsidiary": 30,
            "aufenthg_25_2_refugee": 25,
            "asylg_55": 10,
            "aufenthg_26_3": 10,
            "aufenthg_36a": 10,
            "aufenthg_30": 10,
            "aufenthg_104c": 5,
        },
    },
    "AFG": {
        "weight": 10,
        "names": "AFG",
        "languages": [["prs"], ["pus"], ["prs", "pus"]],
        "statuses": {
            "asylg_55": 30,
            "aufenthg_25_3": 20,
            "aufenthg_25_2_refugee": 15,
            "aufenthg_60a": 15,
            "aufenthg_22_23": 10,
            "aufenthg_60c": 5,
            "aufenthg_25a": 5,
        },
    },
    "TUR": {
        "weight": 9,
        "names": "TUR",
        "languages": [["tur"], ["kmr", "tur"]],
        "statuses": {
            "asylg_55": 30,
            "aufenthg_30": 25,
            "aufenthg_18b": 15,
            "aufenthg_9": 15,
            "aufenthg_16a": 10,
            "aufenthg_25_2_refugee": 5,
        },
    },
    "IRQ": {
        "weight": 6,
        "names": "IRQ",
        "languages": [["acm"], ["kmr"], ["ckb"]],
        "statuses": {
            "aufenthg_60a": 25,
            "aufenthg_104c": 20,
            "aufenthg_25_3": 15,
            "aufenthg_25_2_refugee": 20,
            "aufenthg_60d": 10,
            "aufenthg_25b": 10,
        },
    },
    "ROU": {
        "weight": 7,
        "names": "faker:ro_RO",
        "languages": [["ron"], ["ron", "rom"]],
        "statuses": {"freizuegg_2": 85, "freizuegg_4a": 15},
    },
    "POL": {
        "weight": 4,
        "names": "faker:pl_PL",
        "languages": [["pol"]],
        "statuses": {"freizuegg_2": 70, "freizuegg_4a": 30},
    },
    "BGR": {
        "weight": 4,
        "names": "BGR",
        "languages": [["bul"], ["tur", "bul"]],
        "statuses": {"freizuegg_2": 90, "freizuegg_4a": 10},
    },
    "ERI": {
        "weight": 4,
        "names": "ERI",
        "languages": [["tir"]],
        "statuses": {
            "aufenthg_25_2_refugee": 45,
            "aufenthg_25_2_subsidiary": 35,
            "aufenthg_32": 10,
            "aufenthg_30": 10,
        },
    },
    "IRN": {
        "weight": 4,
        "names": "IRN",
        "languages": [["fas"]],
        "statuses": {
            "asylg_55": 35,
            "aufenthg_25_1": 10,
            "aufenthg_25_2_refugee": 25,
            "aufenthg_16b": 15,
            "aufenthg_18g": 15,
        },
    },
    "RUS": {
        "weight": 3,
        "names": "faker:ru_RU",
        "languages": [["rus"]],
        "statuses": {
            "asylg_55": 40,
            "aufenthg_25_2_refugee": 20,
            "aufenthg_18g": 20,
            "aufenthg_30": 20,
        },
    },
    "IND": {
        "weight": 3,
        "names": "faker:en_IN",
        "languages": [["hin", "eng"], ["tam", "eng"], ["mal", "eng"]],
        "statuses": {
            "aufenthg_18g": 45,
            "aufenthg_18b": 20,
            "aufenthg_16b": 25,
            "aufenthg_20a": 10,
        },
    },
    "VNM": {
        "weight": 2,
        "names": "faker:vi_VN",
        "languages": [["vie"]],
        "statuses": {"aufenthg_16a": 45, "aufenthg_18a": 30, "aufenthg_30": 25},
    },
    "NGA": {
        "weight": 2,
        "names": "faker:en_NG",
        "languages": [["eng", "yor"], ["eng", "ibo"], ["eng"]],
        "statuses": {"asylg_55": 30, "aufenthg_60a": 25, "aufenthg_16b": 20, "aufenthg_16d": 25},
    },
    "ITA": {
        "weight": 2,
        "names": "ITA",
        "languages": [["ita"]],
        "statuses": {"freizuegg_2": 80, "freizuegg_4a": 20},
    },
}

COUNTRY_NAMES = {
    "UKR": "der Ukraine",
    "SYR": "Syrien",
    "AFG": "Afghanistan",
    "TUR": "der Türkei",
    "IRQ": "dem Irak",
    "ROU": "Rumänien",
    "POL": "Polen",
    "BGR": "Bulgarien",
    "ERI": "Eritrea",
    "IRN": "dem Iran",
    "RUS": "Russland",
    "IND": "Indien",
    "VNM": "Vietnam",
    "NGA": "Nigeria",
    "ITA": "Italien",
}

LANGUAGE_NAMES = {
    "ukr": "Ukrainisch",
    "rus": "Russisch",
    "apc": "Arabisch (levantinisch)",
    "ara": "Arabisch",
    "acm": "Arabisch (irakisch)",
    "kmr": "Kurmandschi",
    "ckb": "Sorani",
    "prs": "Dari",
    "pus": "Paschtu",
    "tur": "Türkisch",
    "ron": "Rumänisch",
    "rom": "Romanes",
    "pol": "Polnisch",
    "bul": "Bulgarisch",
    "tir": "Tigrinya",
    "fas": "Persisch",
    "hin": "Hindi",
    "tam": "Tamil",
    "mal": "Malayalam",
    "eng": "Englisch",
    "vie": "Vietnamesisch",
    "yor": "Yoruba",
    "ibo": "Igbo",
    "ita": "Italienisch",
}


def _names(text: str) -> list[str]:
    return text.split()


# Hand-kept name lists: (male given names, female given names, family names).
NAMES = {
    "SYR": (
        _names(
            "Mohammad Ahmad Omar Khaled Yousef Hassan Ali Mahmoud Ibrahim Mustafa Abdulrahman "
            "Firas Samer Bashar Rami Tarek Karim Walid Amjad Hussam"
        ),
        _names(
            "Fatima Amira Rana Lina Hiba Nour Yasmin Rasha Dima Ghada Reem Layla Mariam Salma "
            "Aya Hanan Sara Nisreen Rima Zeinab"
        ),
        _names(
            "Al-Hassan Haddad Khalil Al-Ahmad Darwish Hamdan Shaheen Mansour Al-Khatib Nasser "
            "Suleiman Qassem Halabi Jaber Al-Ali Othman Hamwi Kurdi Zaher Barakat Saleh Abdullah "
            "Al-Masri Dabbagh Hourani Kassab Tahhan Aziz Sabbagh Al-Hamoud"
        ),
    ),
    "AFG": (
        _names(
            "Ahmad Mohammad Farid Hamid Jawad Karim Mustafa Najib Rahim Sayed Wahid Zabihullah "
            "Habibullah Ali Hussain Reza Mahdi Mirwais Omid Nasir"
        ),
        _names(
            "Fatima Zahra Maryam Shabnam Fereshta Farzana Nargis Parwana Roya Sima Soraya Laila "
            "Mursal Mahbooba Khadija Masuma Nilofar Zarghona Homa Tamana"
        ),
        _names(
            "Ahmadi Hakimi Hashimi Haidari Karimi Mohammadi Noori Rahimi Rezai Sadat Safi Sultani "
            "Wardak Yusufzai Stanikzai Popal Amiri Jafari Hussaini Nazari Azizi Qaderi Sharifi "
            "Sahak Durrani"
        ),
    ),
    "IRQ": (
        _names(
            "Ali Hussein Haider Mustafa Ahmed Karwan Shivan Dilshad Saman Rebwar Khalil Murad "
            "Sabah Zaid Omar Nawzad Azad Hogir Barzan Faris"
        ),
        _names(
            "Zainab Noor Shireen Nadia Jihan Avin Berivan Rojin Layla Huda Samira Gulistan Dilan "
            "Hana Shilan Narin Rania Sawsan Bahar Zozan"
        ),
        _names(
            "Al-Jubouri Al-Obaidi Hussein Kareem Murad Khudeda Qasim Rashid Saleh Mahmood Haji "
            "Ismail Khalaf Hassan Omar Mirza Elias Sulaiman Abbas Jabbar Darwesh Hamo Naso "
            "Khalil Bakr"
        ),
    ),
    "TUR": (
        _names(
            "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Serkan Kemal Okan "
            "Yusuf Cem Deniz Onur Volkan Ercan Tolga"
        ),
        _names(
            "Ayşe Fatma Emine Hatice Zeynep Elif Merve Esra Özlem Derya Sevgi Gül Yasemin Melek "
            "Büşra Sibel Canan Dilek Aylin Ebru"
        ),
        _names(
            "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan "
            "Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Erdem Güneş Aksoy"
        ),
    ),
    "ERI": (
        _names(
            "Yonas Dawit Tesfay Mehari Habte Kidane Semere Yohannes Berhane Filmon Amanuel "
            "Michael Samuel Ermias Natnael Abraham Tekle Goitom Efrem Biniam"
        ),
        _names(
            "Selam Helen Senait Ruth Yordanos Feven Luwam Saba Winta Hiwet Eden Rahel Tsega "
            "Mebrat Lidya Selamawit Nebiat Azieb Abrehet Senay"
        ),
        _names(
            "Tesfamariam Ghebremedhin Haile Tekle Berhane Woldemariam Gebremichael Kahsay "
            "Habtemariam Andemariam Ghirmay Weldu Asmerom Mehari Teklehaimanot Tesfaldet Zerai "
            "Russom Okbamichael Haileselassie"
        ),
    ),
    "IRN": (
        _names(
            "Reza Mohammad Ali Amir Hossein Mehdi Saeed Hamid Behnam Dariush Farhad Kamran "
            "Babak Navid Arash Omid Peyman Siamak Kourosh Milad"
        ),
        _names(
            "Maryam Fatemeh Zahra Shirin Parisa Nasrin Leila Mahsa Niloufar Sara Azadeh Roya Mina "
            "Elham Golnaz Shabnam Samira Yasaman Negin Ladan"
        ),
        _names(
            "Ahmadi Hosseini Karimi Moradi Rezaei Jafari Mohammadi Rahimi Sadeghi Tehrani "
            "Shirazi Kazemi Mousavi Najafi Rostami Farahani Ghasemi Akbari Azizi Esfahani"
        ),
    ),
    "BGR": (
        _names(
            "Georgi Ivan Dimitar Nikolay Petar Hristo Stoyan Todor Vasil Martin Aleksandar "
            "Kaloyan Plamen Yordan Atanas"
        ),
        _names(
            "Maria Ivanka Elena Desislava Yordanka Svetlana Gergana Petya Radostina Teodora "
            "Nadezhda Milena Daniela Galina Vesela"
        ),
        _names(
            "Ivanov Georgiev Dimitrov Petrov Nikolov Hristov Stoyanov Todorov Iliev Angelov "
            "Atanasov Kolev Marinov Popov Yordanov"
        ),
    ),
    "ITA": (
        _names(
            "Marco Luca Giuseppe Francesco Alessandro Andrea Matteo Lorenzo Davide Simone "
            "Antonio Salvatore Stefano Roberto Paolo"
        ),
        _names(
            "Giulia Francesca Chiara Sara Martina Valentina Alessia Federica Elena Anna Laura "
            "Silvia Paola Roberta Giovanna"
        ),
        _names(
            "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
            "Conti Lombardo Costa Giordano Mancini Rizzo Lombardi Moretti"
        ),
    ),
}

# Where Faker's female family name differs from the male one, the family shares one name;
# these endings turn it into the form of the other gender.
GENDERED_ENDINGS = {
    "RUS": (("ova", "ov"), ("eva", "ev"), ("ina", "in"), ("aya", "iy")),
    "BGR": (("ova", "ov"), ("eva", "ev")),
    "UKR": (("ova", "ov"), ("eva", "ev"), ("ina", "in"), ("ska", "skyi"), ("tska", "tskyi")),
    "POL": (("ska", "ski"), ("cka", "cki"), ("dzka", "dzki")),
}

# --------------------------------------------------------------------------------------
# Staff and places
# --------------------------------------------------------------------------------------

# Postcode of each municipality (by official key), and rough population weights for where
# clients live.
MUNICIPALITIES = {
    "05766004": ("32832", 10),
    "05766008": ("32105", 54),
    "05766012": ("32683", 8),
    "05766016": ("32825", 15),
    "05766020": ("32756", 75),
    "05766024": ("32694", 8),
    "05766028": ("32699", 11),
    "05766032": ("32805", 17),
    "05766036": ("32689", 13),
    "05766040": ("32791", 35),
    "05766044": ("32657", 41),
    "05766048": ("33818", 16),
    "05766052": ("32676", 9),
    "05766056": ("33813", 17),
    "05766060": ("32816", 8),
    "05766064": ("33189", 9),
}
DETMOLD = "05766020"

# Street names common in the towns of Lippe. (Faker's de_DE street names are made from
# random person names, e.g. "Konrad-Ditschlerin-Ring", and look invented.)
STREETS = [
    "Bahnhofstraße",
    "Hauptstraße",
    "Lange Straße",
    "Mittelstraße",
    "Bielefelder Straße",
    "Lemgoer Straße",
    "Detmolder Straße",
    "Blomberger Straße",
    "Paderborner Straße",
    "Schulstraße",
    "Kirchstraße",
    "Gartenstraße",
    "Lindenstraße",
    "Friedrichstraße",
    "Wilhelmstraße",
    "Leopoldstraße",
    "Hermannstraße",
    "Mühlenweg",
    "Bergstraße",
    "Waldstraße",
    "Wiesenstraße",
    "Ringstraße",
    "Breite Straße",
    "Feldstraße",
    "Sachsenstraße",
    "Am Markt",
    "Am Bahnhof",
    "Rosenweg",
    "Birkenweg",
    "Eichenweg",
    "Ahornweg",
    "Tulpenweg",
    "Schützenstraße",
    "Neue Straße",
    "Goethestraße",
    "Schillerstraße",
    "Bismarckstraße",
    "Industriestraße",
]

PROFESSIONS = [
    "Pflegefachkraft",
    "Elektroniker:in",
    "Grundschullehrer:in",
    "Bauingenieur:in",
    "Apotheker:in",
    "Ärztin/Arzt",
    "Erzieher:in",
    "Kfz-Mechatroniker:in",
    "Buchhalter:in",
    "Softwareentwickler:in",
    "Zahnärztin/Zahnarzt",
    "Friseur:in",
    "Schweißer:in",
    "Tischler:in",
    "Physiotherapeut:in",
]

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
