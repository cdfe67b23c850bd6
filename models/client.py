"""Clients, their households and their consents; owned by one authority."""

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .choices import CONSENT_FORM, GENDER, HOUSEHOLD_RELATION, LIVES, choice_column
from .db import db
from .mixins import METADATA, EditableMixin
from .privacy import FREE_TEXT, RESIDENCE, gdpr
from .reference import Agency, Authority, Municipality, ResidenceStatus, TargetGroup
from .sql import authority_index, figures_index, link_table, reference_column, trigram_index
from .types import date_label


class OwnedMixin:
    """Rows owned by one authority; the authority rule in ``models.scoping`` reads this."""

    authority_id: Mapped[int] = reference_column("authority", info=METADATA)


class Client(OwnedMixin, EditableMixin, db.Model):
    __table_args__ = (
        UniqueConstraint("authority_id", "number"),
        # Composite target for the FKs of household members, consents and cases, which
        # guarantees that they belong to the same authority as their client.
        UniqueConstraint("id", "authority_id"),
        authority_index("client", "family_name", "family_name", "given_names"),
        authority_index("client", "created_at", "created_at"),
        # The residence permits among the steering figures' follow-ups (migration 0004).
        figures_index(
            "client", "residence_valid_until", name="permit", include=("id",), where=None
        ),
        # The list search (ILIKE '%term%') on PostgreSQL.
        trigram_index("client", "family_name"),
        trigram_index("client", "given_names"),
        trigram_index("client", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, info=gdpr("identity"))
    family_name: Mapped[str] = mapped_column(
        String(120), nullable=False, index=True, info=gdpr("identity")
    )
    given_names: Mapped[str] = mapped_column(String(200), nullable=False, info=gdpr("identity"))
    birth_date: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("identity"))
    gender: Mapped[str] = choice_column(GENDER, default="unknown", info=gdpr("identity"))
    nationality: Mapped[str | None] = mapped_column(String(3), index=True, info=gdpr("origin"))
    languages: Mapped[list[str]] = mapped_column(
        JSON, nullable=False, default=list, info=gdpr("origin")
    )
    interpreter_language: Mapped[str | None] = mapped_column(String(3), info=gdpr("origin"))
    arrival_date: Mapped[date | None] = mapped_column(
        Date, info=gdpr("residence", sensitive=RESIDENCE)
    )
    residence_status_id: Mapped[int | None] = reference_column(
        "residence_status", info=gdpr("residence", sensitive=RESIDENCE)
    )
    residence_valid_until: Mapped[date | None] = mapped_column(
        Date, index=True, info=gdpr("residence", sensitive=RESIDENCE)
    )
    target_group_id: Mapped[int | None] = reference_column(
        "target_group", info=gdpr("residence", sensitive=RESIDENCE)
    )
    municipality_id: Mapped[int | None] = reference_column("municipality", info=gdpr("contact"))
    address: Mapped[str | None] = mapped_column(String(300), info=gdpr("contact"))
    phone: Mapped[str | None] = mapped_column(String(60), info=gdpr("contact"))
    email: Mapped[str | None] = mapped_column(String(200), info=gdpr("contact"))
    privacy_notice_given_on: Mapped[date | None] = mapped_column(Date, info=gdpr("consent"))
    notes: Mapped[str | None] = mapped_column(Text, info=gdpr("free_text", art9=FREE_TEXT))

    authority: Mapped[Authority] = relationship()
    residence_status: Mapped[ResidenceStatus | None] = relationship()
    target_group: Mapped[TargetGroup | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    household_members: Mapped[list["HouseholdMember"]] = relationship(
        back_populates="client",
        primaryjoin="Client.id == HouseholdMember.client_id",
        foreign_keys="HouseholdMember.client_id",
    )
    consents: Mapped[list["Consent"]] = relationship(
        back_populates="client",
        primaryjoin="Client.id == Consent.client_id",
        foreign_keys="Consent.client_id",
        order_by="Consent.given_on.desc()",
    )

    @property
    def full_name(self) -> str:
        return f"{self.family_name}, {self.given_names}"

    def __str__(self) -> str:
        return f"{self.full_name} ({self.number})"


class ClientPartMixin(OwnedMixin):
    """A row that belongs to a client and, through the client, to its authority."""

    client_id: Mapped[int] = mapped_column(nullable=False, index=True, info=METADATA)


def client_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["client_id", "authority_id"],
        ["client.id", "client.authority_id"],
        ondelete="CASCADE",
    )


class HouseholdMember(ClientPartMixin, EditableMixin, db.Model):
    __table_args__ = (client_fk(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relation: Mapped[str] = choice_column(HOUSEHOLD_RELATION, info=gdpr("family"))
    family_name: Mapped[str] = mapped_column(String(120), nullable=False, info=gdpr("family"))
    given_names: Mapped[str] = mapped_column(String(200), nullable=False, info=gdpr("family"))
    birth_date: Mapped[date | None] = mapped_column(Date, info=gdpr("family"))
    lives: Mapped[str] = choice_column(LIVES, default="same_household", info=gdpr("family"))
    country: Mapped[str | None] = mapped_column(String(3), info=gdpr("family"))
    needs_childcare_or_school: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, index=True, info=gdpr("family")
    )

    client: Mapped[Client] = relationship(
        back_populates="household_members",
        primaryjoin="Client.id == HouseholdMember.client_id",
        foreign_keys="HouseholdMember.client_id",
    )

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_names}"


consent_authority = link_table("consent", "authority")
consent_agency = link_table("consent", "agency")


class Consent(ClientPartMixin, EditableMixin, db.Model):
    __table_args__ = (client_fk(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(Text, nullable=False, info=gdpr("consent"))
    data_categories: Mapped[str] = mapped_column(Text, nullable=False, info=gdpr("consent"))
    given_on: Mapped[date] = mapped_column(Date, nullable=False, index=True, info=gdpr("consent"))
    form: Mapped[str] = choice_column(
        CONSENT_FORM, default="written", index=False, info=gdpr("consent")
    )
    valid_until: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("consent"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date, index=True, info=gdpr("consent"))

    client: Mapped[Client] = relationship(
        back_populates="consents",
        primaryjoin="Client.id == Consent.client_id",
        foreign_keys="Consent.client_id",
    )
    recipient_authorities: Mapped[list[Authority]] = relationship(secondary=consent_authority)
    recipient_agencies: Mapped[list[Agency]] = relationship(secondary=consent_agency)

    def is_valid(self, on: date | None = None) -> bool:
        """Valid while given, not withdrawn and not expired (docs/design.md §2)."""
        on = on or date.today()
        if self.given_on > on:
            return False
        if self.withdrawn_on is not None and self.withdrawn_on <= on:
            return False
        return not (self.valid_until is not None and self.valid_until < on)

    def __str__(self) -> str:
        return f"{self.purpose[:60]} ({date_label(self.given_on)})"
