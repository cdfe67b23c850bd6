"""Klient:innen: clients, household members, consents."""

import json

from flask import Response, request
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Consent, db
from models.scoping import is_own
from services.cases import register_client
from services.history import history
from services.privacy import subject_access, subject_access_zip

from . import lookups
from .base import EXPORT, LotseModelView, allowed, deny, parse_id
from .fields import CountryField, LanguageField, LanguageListField
from .labels import LABELS


class ClientView(LotseModelView):
    column_list = (
        "number",
        "family_name",
        "given_names",
        "birth_date",
        "nationality",
        "residence_status",
        "residence_valid_until",
        "municipality",
    )
    column_searchable_list = ("number", "family_name", "given_names")
    column_filters = (
        "gender",
        "nationality",
        "birth_date",
        "residence_status.name",
        "residence_valid_until",
        "target_group.name",
        "municipality.name",
        "archived_at",
    )
    column_default_sort = ("family_name", False)
    form_columns = (
        "family_name",
        "given_names",
        "birth_date",
        "gender",
        "nationality",
        "languages",
        "interpreter_language",
        "arrival_date",
        "residence_status",
        "residence_valid_until",
        "target_group",
        "municipality",
        "address",
        "phone",
        "email",
        "privacy_notice_given_on",
        "notes",
    )
    # The details page: the number, what the form edits, and when the record changed.
    column_details_list = ("number", *form_columns, "created_at", "updated_at", "archived_at")
    form_overrides = {
        "nationality": CountryField,
        "languages": LanguageListField,
        "interpreter_language": LanguageField,
    }
    country_columns = ("nationality",)
    language_columns = ("languages", "interpreter_language")

    details_template = "lotse/client_details.html"

    def on_model_change(self, form, model, is_created):
        # The number is handed out in the same transaction as the insert.
        if is_created:
            register_client(model, current_user.authority_id)

    @expose("/subject-access/")
    def subject_access_view(self):
        """Art. 15 GDPR: everything held about the client, as JSON or a readable page."""
        if not allowed("client", EXPORT):
            deny("client", parse_id(request.args.get("id")), 403)
        client = self.get_one(request.args.get("id"))
        if not is_own(client):
            deny("client", client.id, 404)  # only the owning authority answers for its data
        document = subject_access(client)
        db.session.commit()
        if request.args.get("format") == "zip":
            return Response(
                subject_access_zip(document),
                mimetype="application/zip",
                headers={"Content-Disposition": f"attachment;filename=auskunft_{client.id}.zip"},
            )
        if request.args.get("format") == "json":
            payload = json.dumps(document, ensure_ascii=False, indent=2, default=str)
            return Response(
                payload,
                mimetype="application/json",
                headers={"Content-Disposition": f"attachment;filename=auskunft_{client.id}.json"},
            )
        return self.render(
            "lotse/subject_access.html", document=document, client=client, labels=LABELS
        )

    def render(self, template, **kwargs):
        # The details page also shows the consents with their validity, and the history.
        if template == self.details_template and kwargs.get("model") is not None:
            client = kwargs["model"]
            kwargs["consents"] = db.session.scalars(
                select(Consent)
                .where(Consent.client_id == client.id)
                .options(
                    selectinload(Consent.recipient_authorities),
                    selectinload(Consent.recipient_agencies),
                )
                .order_by(Consent.given_on.desc())
            ).all()
            kwargs["events"] = history("client", client.id)
            kwargs["labels"] = LABELS
            kwargs["can_subject_access"] = allowed("client", EXPORT) and is_own(client)
        return super().render(template, **kwargs)


class HouseholdMemberView(LotseModelView):
    column_list = (
        "client",
        "relation",
        "family_name",
        "given_names",
        "birth_date",
        "lives",
        "country",
        "needs_childcare_or_school",
    )
    column_searchable_list = ("family_name", "given_names")
    column_filters = ("relation", "lives", "needs_childcare_or_school", "country")
    column_default_sort = ("id", True)
    form_columns = column_list
    form_ajax_refs = {"client": lookups.CLIENT}
    form_overrides = {"country": CountryField}
    country_columns = ("country",)


class ConsentView(LotseModelView):
    column_list = ("client", "purpose", "given_on", "form", "valid_until", "withdrawn_on")
    column_searchable_list = ("purpose",)
    column_filters = ("form", "given_on", "valid_until", "withdrawn_on")
    column_default_sort = ("given_on", True)
    form_columns = (
        "client",
        "purpose",
        "data_categories",
        "recipient_authorities",
        "recipient_agencies",
        "given_on",
        "form",
        "valid_until",
        "withdrawn_on",
    )
    column_details_list = (*form_columns, "created_at", "updated_at")
    form_ajax_refs = {"client": lookups.CLIENT}
