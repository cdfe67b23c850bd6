"""Documents on the case file: upload, download, archive (docs/design.md §2, "document").

Not a list of its own: the case file lists a case's documents and carries the upload form.
The three URLs answer as every other case data URL does: anonymous visitors go to the
login page, a role without the right gets 403 (recorded), and a document or case the
authority rule hides is 404 (recorded), so a foreign authority never gets a file's bytes.
"""

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _

from models import Case, Document, db
from models.scoping import ScopeViolation
from services.documents import (
    DocumentRefused,
    NewDocument,
    add_document,
    archive,
    download_name,
    file_for_download,
)

from .base import ARCHIVE, CREATE, ProtectedMixin, allowed, deny
from .dates import NotADate, date_error, parse_date
from .ids import parse_id
from .labels import LABELS


def _visible(model, raw_id):
    """The row the authority rule lets the user see, else 404 (recorded)."""
    pk = parse_id(raw_id)  # a number within the id range, or no row at all
    if pk is None:
        abort(404)
    found = db.session.get(model, pk)
    if found is None:
        deny(model.__tablename__, pk, 404)
    return found


def _case_file(case_id: int):
    return redirect(url_for("case.details_view", id=case_id) + "#documents-title")


class DocumentView(ProtectedMixin, BaseView):
    resource = "document"

    def is_visible(self) -> bool:
        return False  # reached from the case file, not the menu

    @expose("/")
    def download(self):
        """The file, as an attachment; every download is in the audit trail."""
        document = _visible(Document, request.args.get("id"))
        path = file_for_download(document)
        if path is None:
            abort(404)
        db.session.commit()  # the audit row of the read
        response = send_file(
            path,
            mimetype=document.content_type,
            as_attachment=True,
            download_name=download_name(document),
            conditional=False,
            etag=False,
            max_age=0,
        )
        # The security headers (admin_views/security.py) add nosniff and no-store.
        return response

    @expose("/upload/", methods=("POST",))
    def upload(self):
        """A new document for the case ``?case=<id>`` (multipart form, CSRF-protected)."""
        case_id = request.args.get("case")
        if not allowed("document", CREATE):
            deny("document", None, 403, operation=CREATE, case=parse_id(request.args.get("case")))
        case = _visible(Case, case_id)
        # A request over MAX_CONTENT_LENGTH never gets here: it is answered with 413 and a
        # German page (admin_views/security.py) before its form is read.
        upload, form = request.files.get("file"), request.form
        try:
            if upload is None or not upload.filename:
                raise DocumentRefused(_("Bitte eine Datei auswählen."))
            raw_date = form.get("document_date", "").strip()
            try:
                on = parse_date(raw_date) if raw_date else None
            except NotADate:
                raise DocumentRefused(date_error(LABELS["document_date"])) from None
            new = NewDocument(
                kind_id=form.get("kind", type=int),
                title=form.get("title", ""),
                document_date=on,
                confidential=form.get("confidential") in ("1", "y", "on"),
                part=form.get("part") or None,
                filename=upload.filename,
            )
            document = add_document(case, new, upload.stream)
        except DocumentRefused as refused:
            db.session.rollback()
            flash(
                _("Das Dokument wurde nicht gespeichert: %(reason)s", reason=refused.message),
                "error",
            )
        except ScopeViolation:
            db.session.rollback()
            deny("case", case.id, 404)
        else:
            flash(_("Dokument „%(title)s“ gespeichert.", title=document.title), "success")
        return _case_file(case.id)

    @expose("/archive/", methods=("POST",))
    def archive_view(self):
        if not allowed("document", ARCHIVE):
            deny("document", parse_id(request.args.get("id")), 403, operation=ARCHIVE)
        document = _visible(Document, request.args.get("id"))
        archive(document)
        db.session.commit()
        flash(_("Dokument „%(title)s“ archiviert.", title=document.title), "success")
        return _case_file(document.case_id)
