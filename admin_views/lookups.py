"""Ajax lookups for relationships to tables that grow to 50,000 rows and more."""

from flask_babel import lazy_gettext as _l


def lookup(*fields, placeholder):
    return {
        "fields": fields,
        "page_size": 10,
        "placeholder": placeholder,
        "minimum_input_length": 1,
    }


CLIENT = lookup("number", "family_name", "given_names", placeholder=_l("Nummer oder Name"))
CASE = lookup("number", placeholder=_l("Fallnummer"))
GOAL = lookup("description", placeholder=_l("Ziel suchen"))
USER = lookup("display_name", "email", placeholder=_l("Name oder E-Mail"))
CONSENT = lookup("purpose", placeholder=_l("Zweck der Einwilligung"))
