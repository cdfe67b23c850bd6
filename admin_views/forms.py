"""The base class of every generated form: field messages from both German catalogues.

Flask-Admin's forms translate field messages with WTForms' catalogue only, so the messages
of Flask-Admin's own fields ("Not a valid choice" of a relationship select, for one) came
out in English. ``LotseForm`` asks WTForms' catalogue first and Flask-Admin's (the
project's compiled copy, admin_views/i18n.py) for what WTForms does not know.
"""

from flask_admin import babel as admin_babel
from flask_admin.form import BaseForm


class FormTranslations:
    """WTForms' translations of a message, else Flask-Admin's."""

    def gettext(self, string: str) -> str:
        translated = admin_babel.wtforms_domain.get_translations().ugettext(string)
        return translated if translated != string else admin_babel.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        translations = admin_babel.wtforms_domain.get_translations()
        translated = translations.ungettext(singular, plural, n)
        if translated in (singular, plural):
            return admin_babel.ngettext(singular, plural, n)
        return translated


class LotseForm(BaseForm):
    class Meta(BaseForm.Meta):
        _translations = FormTranslations()
