"""Data protection: subject access (GDPR Art. 15) and the retention purge (Art. 5(1)(e), 17).

The export collects everything held about one client across their cases; as a zip it also
carries the files of their documents. The purge anonymises clients whose last case closed
longer ago than the retention period, deletes the free texts of their cases and the files of
their documents, and keeps what the steering figures need: need areas, dates, statuses,
outcomes, effort and the kinds of documents.
"""

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, func, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import selectinload

from models import (
    CASE_PARTS,
    OPEN_STATUSES,
    Activity,
    AuditEvent,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    Client,
    Consent,
    Document,
    Evaluation,
    Goal,
    HouseholdMember,
    Measure,
    Need,
    Referral,
    db,
)
from models.auditing import changes_unrecorded, record
from models.types import utcnow
from services.documents import path_of, remove_if_unreferenced, shown_name

SECRET_OR_INTERNAL = {"version", "authority_id"}
REMOVED = "(gelöscht)"


class PrivacyError(ValueError):
    """A privacy operation was refused; the message is German."""


def _row(obj) -> dict:
    out = {}
    for attr in sa_inspect(obj).mapper.column_attrs:
        if attr.key in SECRET_OR_INTERNAL:
            continue
        value = getattr(obj, attr.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[attr.key] = value
    return out


def find_client(number: str) -> Client:
    client = db.session.execute(
        select(Client).where(Client.number == number.strip())
    ).scalar_one_or_none()
    if client is None:
        raise PrivacyError(f"keine Klient:in mit der Nummer {number!r}")
    return client


def subject_access(client: Client) -> dict:
    """All data held about ``client`` (Art. 15), as a JSON-ready document."""
    consents = db.session.scalars(
        select(Consent)
        .where(Consent.client_id == client.id)
        .options(
            selectinload(Consent.recipient_authorities), selectinload(Consent.recipient_agencies)
        )
    ).all()
    document = {
        "erstellt_am": utcnow().isoformat(),
        "stelle": client.authority.name,
        "klient_in": _row(client),
        "haushaltsangehoerige": [
            _row(m)
            for m in db.session.scalars(
                select(HouseholdMember).where(HouseholdMember.client_id == client.id)
            )
        ],
        "einwilligungen": [
            {
                **_row(c),
                "empfangende_behoerden": [a.name for a in c.recipient_authorities],
                "empfangende_stellen": [a.name for a in c.recipient_agencies],
            }
            for c in consents
        ],
        "faelle": [],
    }
    cases = db.session.scalars(
        select(Case).where(Case.client_id == client.id).order_by(Case.opened_on)
    ).all()
    for case in cases:
        entry = {"fall": _row(case)}
        for part in CASE_PARTS:
            rows = db.session.scalars(select(part).where(part.case_id == case.id)).all()
            entry[part.__tablename__] = [_row(r) for r in rows]
        shares = db.session.scalars(select(CaseShare).where(CaseShare.case_id == case.id)).all()
        entry["freigaben"] = [{**_row(s), "empfaenger": s.authority.name} for s in shares]
        document["faelle"].append(entry)
    record("export", "client", client.id, {"kind": "subject_access"})
    return document


def _file_name(row: dict) -> str:
    name = shown_name(row.get("original_name")) or "dokument"
    return f"dokumente/{row['id']}_{name}"


def subject_access_zip(document: dict) -> bytes:
    """The Art. 15 export as a zip: ``auskunft.json`` and the file of each document under
    ``dokumente/`` (its id and given name), which the JSON names in ``datei``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for case in document["faelle"]:
            for row in case.get(Document.__tablename__, []):
                if not row.get("sha256"):
                    continue
                try:
                    archive.write(path_of(row["sha256"]), _file_name(row))
                except FileNotFoundError:
                    continue
                row["datei"] = _file_name(row)
        payload = json.dumps(document, ensure_ascii=False, indent=2, default=str)
        archive.writestr("auskunft.json", payload + "\n")
    return buffer.getvalue()


@dataclass
class PurgeResult:
    clients: int = 0
    cases: int = 0
    household_members: int = 0
    texts: int = 0
    audit_events: int = 0
    documents: int = 0
    client_ids: list[int] = field(default_factory=list)
    # Content hashes of the purged documents: ``remove_purged_files`` after the commit.
    files: set[str] = field(default_factory=set)

    def as_counts(self) -> dict:
        return {
            "clients": self.clients,
            "cases": self.cases,
            "household_members": self.household_members,
            "texts": self.texts,
            "documents": self.documents,
            "audit_events": self.audit_events,
        }


def _cutoff(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def purge_candidates(retention_years: int, today: date | None = None):
    """Clients with no open case whose last case closed before the retention cutoff."""
    cutoff = _cutoff(today or date.today(), retention_years)
    last_closed = (
        select(Case.client_id).group_by(Case.client_id).having(func.max(Case.closed_on) < cutoff)
    )
    still_open = exists().where(Case.client_id == Client.id, Case.status.in_(OPEN_STATUSES))
    return (
        select(Client)
        .where(Client.id.in_(last_closed), ~still_open, Client.family_name != REMOVED)
        .order_by(Client.id)
    )


def purge(retention_years: int, *, dry_run: bool = False, today: date | None = None) -> PurgeResult:
    """Anonymise clients past retention; the caller commits (or, for a dry run, nothing).

    The purge's own changes are not written to the trail field by field, which would copy
    the very values it removes; one audit event records the counts instead.
    """
    result = PurgeResult()
    touched: dict[str, set[int]] = {}
    clients = db.session.scalars(purge_candidates(retention_years, today)).all()
    with changes_unrecorded():
        for client in clients:
            result.clients += 1
            result.client_ids.append(client.id)
            touched.setdefault("client", set()).add(client.id)
            cases = db.session.scalars(select(Case).where(Case.client_id == client.id)).all()
            result.cases += len(cases)
            members = db.session.scalars(
                select(HouseholdMember).where(HouseholdMember.client_id == client.id)
            ).all()
            result.household_members += len(members)
            for consent_id in db.session.scalars(
                select(Consent.id).where(Consent.client_id == client.id)
            ):
                touched.setdefault("consent", set()).add(consent_id)
            if dry_run:
                continue
            _anonymise_client(client)
            for case in cases:
                result.texts += _delete_case_texts(case, touched)
                _purge_documents(case, result, touched)
            for member in members:
                touched.setdefault("household_member", set()).add(member.id)
                db.session.delete(member)
        if not dry_run and result.client_ids:
            db.session.flush()
    if not dry_run and result.client_ids:
        result.audit_events = _scrub_audit(touched)
        record("purge", None, None, {**result.as_counts(), "retention_years": retention_years})
    return result


def _anonymise_client(client: Client) -> None:
    client.family_name = REMOVED
    client.given_names = REMOVED
    client.birth_date = None
    client.address = None
    client.phone = None
    client.email = None
    client.notes = None
    client.interpreter_language = None
    client.languages = []
    if client.archived_at is None:
        client.archived_at = utcnow()


def _delete_case_texts(case: Case, touched: dict[str, set[int]]) -> int:
    """Blank the free texts of a case; dates, statuses, areas and effort stay."""
    cleared = 0
    plan = {
        Case: (("intake_summary", None), ("closure_note", None)),
        Need: (("description", None),),
        Goal: (("description", REMOVED), ("indicator", None), ("attainment_note", None)),
        Measure: (("description", REMOVED),),
        Referral: (("reason", REMOVED), ("rejection_reason", None), ("outcome_note", None)),
        Activity: (("summary", None),),
        CaseConference: (("participants_note", None), ("results", None), ("agreed_actions", None)),
        CaseChecklistItem: (("note", None),),
        Evaluation: (("client_view", None), ("caseworker_view", None), ("lessons", None)),
    }
    for model, fields in plan.items():
        rows = (
            [case]
            if model is Case
            else db.session.scalars(select(model).where(model.case_id == case.id)).all()
        )
        for row in rows:
            touched.setdefault(model.__tablename__, set()).add(row.id)
            for name, value in fields:
                if getattr(row, name) not in (None, value):
                    setattr(row, name, value)
                    cleared += 1
    return cleared


def _purge_documents(case: Case, result: PurgeResult, touched: dict[str, set[int]]) -> None:
    """The documents of a purged case lose their title, name and file; kind, date and size
    stay for the figures."""
    for document in db.session.scalars(select(Document).where(Document.case_id == case.id)):
        touched.setdefault("document", set()).add(document.id)
        if document.sha256 is None:
            continue
        result.documents += 1
        result.files.add(document.sha256)
        document.sha256 = None
        document.title = REMOVED
        document.original_name = None


def remove_purged_files(result: PurgeResult) -> int:
    """Delete the files of purged documents that no row names any more: after the commit,
    so that a failed purge keeps every file its rows still name. How many were deleted."""
    return sum(1 for sha256 in sorted(result.files) if remove_if_unreferenced(sha256))


def _scrub_audit(touched: dict[str, set[int]]) -> int:
    """Remove the old values from the audit rows about the purged records: the one, logged,
    exception to the append-only trail. Who did what and when stays."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL lotse.audit_purge = 'on'"))
    scrubbed = 0
    for object_type, ids in touched.items():
        for chunk in _chunks(sorted(ids), 500):
            scrubbed += (
                db.session.execute(
                    update(AuditEvent)
                    .where(
                        AuditEvent.object_type == object_type,
                        AuditEvent.object_id.in_(chunk),
                        AuditEvent.changes.is_not(None),
                    )
                    .values(changes=None)
                    .execution_options(synchronize_session=False)
                ).rowcount
                or 0
            )
    return scrubbed


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]
