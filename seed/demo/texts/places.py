"""Where the demo's clients live and what they did before: places, streets, professions."""

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
