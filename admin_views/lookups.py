"""Ajax lookups for relationships to tables that grow to 50,000 rows and more."""

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_babel import lazy_gettext as _l

from models import User, db
from services.assignment import works_cases

from .ids import parse_id


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
CONSENT = lookup("purpose", placeholder=_l("Zweck der Einwilligung"))


class IdLoader(QueryAjaxModelLoader):
    """Flask-Admin's loader, for a submitted id that may be anything: text that is no row id
    names no row, where ``session.get`` would send it to the database (psycopg 3 refuses to
    compare an integer column with text: HTTP 500)."""

    def get_one(self, pk):
        pk = pk if isinstance(pk, int) else parse_id(pk)
        return None if pk is None else super().get_one(pk)


class StaffLoader(IdLoader):
    """Active caseworkers and team leads; the authority rule limits them to colleagues."""

    def get_query(self):
        return super().get_query().filter(works_cases()).order_by(User.display_name)


def staff_loader(name: str = "caseworker") -> StaffLoader:
    return StaffLoader(name, db.session, User, fields=("display_name", "email"), page_size=10)
