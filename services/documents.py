"""Documents of a case: checking an upload, storing its file, archiving, removing files.

A file is accepted by what its content is, never by its name: ``filetype`` reads the first
bytes and only the types of ``ACCEPTED`` pass (PDF, JPEG, PNG, TIFF and the office
formats). It is stored under ``LOTSE_DOCUMENT_DIR`` as ``<sha256[:2]>/<sha256>``: written
to a temporary file in that directory, synced, then moved into place with ``os.replace``,
so a reader never sees half a file. The same content uploaded twice is one file; a file is
deleted only when no row names its hash any more (across every authority, so the count is
taken unscoped). An upload that fails after its file was written (a refused or failed
commit) removes that file again unless another row uses it: no orphan file, no row.

The authority rule applies to documents as to contacts (``models.scoping``,
``SHARED_CASE_NOT_CONFIDENTIAL``): a shared case shows its documents, never the
confidential ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from models import Case, Document, DocumentKind, Goal, HouseholdMember, Need, Referral, db
from models.auditing import record
from models.scoping import unscoped
from models.types import utcnow
from services.due import CaseClosed, ensure_editable

# Detected MIME type → what the refusal message and the list call it.
ACCEPTED = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
    # Office Open XML and OpenDocument (zip containers, told apart by their first entry)
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (docx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (xlsx)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument-Text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument-Tabelle",
    # Office 97–2003 (OLE compound files)
    "application/msword": "Word (doc)",
    "application/vnd.ms-excel": "Excel (xls)",
}
CHUNK = 64 * 1024
HEAD = 8192  # what filetype reads
TITLE_MAX = 200
NAME_MAX = 255
_SHA256 = re.compile(r"[0-9a-f]{64}")
# The parts of a case a document may belong to: form prefix → model and its column.
PARTS = {
    "need": (Need, "need_id"),
    "goal": (Goal, "goal_id"),
    "referral": (Referral, "referral_id"),
    "household_member": (HouseholdMember, "household_member_id"),
}


class DocumentRefused(ValueError):
    """An upload or change was refused; ``message`` is German and names the problem."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    written: bool  # False when the same content was stored already


def document_dir() -> Path:
    return Path(current_app.config["LOTSE_DOCUMENT_DIR"])


def max_bytes() -> int:
    return current_app.config["LOTSE_DOCUMENT_MAX_MB"] * 1024 * 1024


def path_of(sha256: str) -> Path:
    """Where the file with content hash ``sha256`` lives; only a hash makes a path."""
    if not _SHA256.fullmatch(sha256 or ""):
        raise ValueError("not a SHA-256 hex digest")
    return document_dir() / sha256[:2] / sha256


def accepted_types() -> str:
    return ", ".join(dict.fromkeys(ACCEPTED.values()))


def too_large_message() -> str:
    return _(
        "Die Datei ist zu groß: erlaubt sind höchstens %(mb)s MB.",
        mb=current_app.config["LOTSE_DOCUMENT_MAX_MB"],
    )


def shown_name(filename: str | None) -> str:
    """The file name as given, for showing and as the download's name: without any
    directory part, control characters or surrounding dots, at most 255 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C"
    )
    name = name.strip().strip(".").strip()
    return name[-NAME_MAX:] if name else ""


def store(stream) -> StoredFile:
    """Check and store the content of ``stream`` (a binary file object).

    Raises ``DocumentRefused`` for an empty file, one over the size limit or one whose
    content is not of an accepted type; then nothing is left on disk.
    """
    directory = document_dir()
    directory.mkdir(parents=True, exist_ok=True)
    limit = max_bytes()
    digest, size, head = hashlib.sha256(), 0, b""
    # Closed by the "with" below; kept open here so that the finally clause knows its name.
    handle = tempfile.NamedTemporaryFile(dir=directory, prefix=".upload-", delete=False)  # noqa: SIM115
    temporary = Path(handle.name)
    try:
        with handle:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise DocumentRefused(too_large_message())
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if size == 0:
            raise DocumentRefused(_("Die Datei ist leer."))
        kind = filetype.guess(head)
        if kind is None or kind.mime not in ACCEPTED:
            raise DocumentRefused(
                _(
                    "Diese Art von Datei wird nicht angenommen. Erlaubt sind: %(types)s.",
                    types=accepted_types(),
                )
            )
        sha256 = digest.hexdigest()
        target = path_of(sha256)
        if target.exists():
            temporary.unlink()
            return StoredFile(sha256, size, kind.mime, written=False)
        target.parent.mkdir(exist_ok=True)
        os.replace(temporary, target)
        return StoredFile(sha256, size, kind.mime, written=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def references(sha256: str) -> int:
    """How many rows of any authority name the file ``sha256``."""
    with unscoped("document files: a file is kept while any row names it"):
        return db.session.scalar(
            select(func.count()).select_from(Document).where(Document.sha256 == sha256)
        )


def remove_if_unreferenced(sha256: str) -> bool:
    """Delete the file ``sha256`` if no row names it (any more); whether it was deleted."""
    if references(sha256):
        return False
    with contextlib.suppress(FileNotFoundError):
        path_of(sha256).unlink()
        return True
    return False


@dataclass
class NewDocument:
    """What the upload form gives, checked by ``add_document``."""

    kind_id: int | None
    title: str
    document_date: date | None
    confidential: bool = False
    part: str | None = None  # "need-12", "goal-3", …
    filename: str | None = None


def _part_of(case: Case, part: str | None) -> tuple[str, int] | None:
    if not part:
        return None
    prefix, _sep, raw = part.rpartition("-")
    if prefix not in PARTS or not raw.isdigit():
        raise DocumentRefused(_("Bitte einen Teil dieses Falls wählen."))
    model, column = PARTS[prefix]
    row = db.session.get(model, int(raw))
    belongs = row is not None and (
        row.client_id == case.client_id if model is HouseholdMember else row.case_id == case.id
    )
    if not belongs:
        raise DocumentRefused(_("Bitte einen Teil dieses Falls wählen."))
    return column, row.id


def _check(case: Case, new: NewDocument) -> tuple[DocumentKind, tuple[str, int] | None]:
    try:
        ensure_editable(case)
    except CaseClosed as closed:
        raise DocumentRefused(str(closed.message)) from None
    title = (new.title or "").strip()
    if not title:
        raise DocumentRefused(_("Bitte einen Titel für das Dokument angeben."))
    if len(title) > TITLE_MAX:
        raise DocumentRefused(_("Der Titel ist zu lang (höchstens 200 Zeichen)."))
    kind = db.session.get(DocumentKind, new.kind_id) if new.kind_id else None
    if kind is None or not kind.active:
        raise DocumentRefused(_("Bitte eine Dokumentart wählen."))
    return kind, _part_of(case, new.part)


def add_document(case: Case, new: NewDocument, stream) -> Document:
    """Check ``new``, store the file of ``stream`` and save the row: one transaction.

    Commits. On any failure nothing stays: the row is rolled back and a file this upload
    wrote is deleted again, unless another row names the same content.
    """
    kind, part = _check(case, new)
    stored = store(stream)
    try:
        document = Document(
            case=case,
            authority_id=case.authority_id,
            kind=kind,
            title=new.title.strip(),
            document_date=new.document_date,
            confidential=bool(new.confidential),
            sha256=stored.sha256,
            size=stored.size,
            content_type=stored.content_type,
            original_name=shown_name(new.filename) or None,
        )
        if part is not None:
            setattr(document, part[0], part[1])
        db.session.add(document)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if stored.written:
            remove_if_unreferenced(stored.sha256)
        raise
    return document


def file_for_download(document: Document) -> Path | None:
    """The path of ``document``'s file, the read recorded; None if it is gone (purged).
    The caller commits the audit row."""
    if document.sha256 is None:
        return None
    path = path_of(document.sha256)
    if not path.is_file():
        current_app.logger.error("file of document %s is missing", document.id)
        return None
    record("read", "document", document.id, {"case": document.case_id})
    return path


def archive(document: Document) -> None:
    """Archive ``document`` (the file stays: archived is not deleted); the caller commits."""
    if document.archived_at is None:
        document.archived_at = utcnow()


def download_name(document: Document) -> str:
    return document.original_name or f"dokument-{document.id}"
