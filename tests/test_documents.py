"""Documents of a case (issue: documents on the case file): upload, the checks of a file,
storage by content hash, download, archive, the authority rule and shares."""

import io
import zipfile
from pathlib import Path

import pytest
from flask.testing import EnvironBuilder
from sqlalchemy import func, select

from models import AuditEvent, Document, DocumentKind, HouseholdMember, Need, db
from models.scoping import unscoped
from services.documents import DocumentRefused, path_of, shown_name, store
from tests import factories
from tests.conftest import (
    DOCUMENT_DIR,
    AuthActions,
    csrf_login,
    csrf_token_from,
    make_app,
)


def _zip(*entries, stored_first=False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for position, (name, text) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and position == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), text, compress_type=method)
    return buffer.getvalue()


def _ole(at_512: bytes) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    return header + bytes(512 - len(header)) + at_512 + bytes(600)


OOXML = ("[Content_Types].xml", "<Types/>"), ("_rels/.rels", "<Relationships/>")
# One tiny file of each accepted kind, generated here, and the type it must be stored as.
ACCEPTED_FILES = {
    "pdf": (factories.pdf("Bescheid"), "application/pdf"),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32), "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"),
    "tiff": (b"II*\x00\x08\x00\x00\x00" + bytes(32), "image/tiff"),
    "docx": (
        _zip(*OOXML, ("word/document.xml", "<w:document/>")),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        _zip(*OOXML, ("xl/workbook.xml", "<workbook/>")),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": (
        _zip(*OOXML, ("ppt/presentation.xml", "<p:presentation/>")),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "ods": (
        _zip(("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), stored_first=True),
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    "odt": (
        _zip(("mimetype", "application/vnd.oasis.opendocument.text"), stored_first=True),
        "application/vnd.oasis.opendocument.text",
    ),
    "doc": (_ole(b"\xec\xa5\xc1\x00"), "application/msword"),
    "xls": (_ole(b"\x09\x08\x10\x00\x00\x06\x05\x00"), "application/vnd.ms-excel"),
}
# Refused whatever they are called: the content decides.
REFUSED_FILES = {
    "text named .pdf": b"Nur ein Text, kein PDF.\n",
    "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "plain zip": _zip(("notiz.txt", "hallo")),
    "gif": b"GIF89a" + bytes(32),
    "windows program": b"MZ\x90\x00" + bytes(64),
}


def _files() -> set[Path]:
    return {p for p in Path(DOCUMENT_DIR).rglob("*") if p.is_file()}


@pytest.fixture
def case(app, world):
    """A case of the first authority, shared for reading with the second (make_full_case)."""
    with app.app_context(), unscoped("test arrangement"):
        made = factories.make_full_case(world)
        db.session.commit()
        return {"id": made.id, "client": made.client_id}


def _upload(browser, case_id, content, name="nachweis.pdf", **fields):
    form = {"kind": "", "title": "Sprachzertifikat B1", "document_date": "05.03.2026"}
    form["kind"] = str(fields.pop("kind_id"))
    form.update(fields)
    form["file"] = (io.BytesIO(content), name)
    return browser.post(
        f"/admin/document/upload/?case={case_id}", data=form, content_type="multipart/form-data"
    )


def _documents(app, *where):
    with app.app_context(), unscoped("test check"):
        return db.session.scalars(select(Document).where(*where).order_by(Document.id)).all()


def _download(browser, document_id):
    """GET the download, its body read and the response closed (as a WSGI server does)."""
    response = browser.get(f"/admin/document/?id={document_id}")
    response.get_data()
    response.close()
    return response


def _flashes(browser, response) -> str:
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def test_a_caseworker_uploads_a_document_and_finds_it_on_the_case_file(
    app, world, caseworker_client, case
):
    content = factories.pdf("Zertifikat Haddad")
    response = _upload(caseworker_client, case["id"], content, kind_id=world.certificate)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"id={case['id']}#documents-title")
    page = _flashes(caseworker_client, response)
    assert "Dokument „Sprachzertifikat B1“ gespeichert." in page
    assert "Sprachzertifikat B1" in page
    assert "nachweis.pdf" in page
    (document,) = _documents(app)
    assert (document.case_id, document.kind_id, document.content_type) == (
        case["id"],
        world.certificate,
        "application/pdf",
    )
    assert document.document_date.isoformat() == "2026-03-05"
    assert document.size == len(content)
    assert document.original_name == "nachweis.pdf"
    with app.app_context():
        stored = path_of(document.sha256)
    assert stored.read_bytes() == content
    assert stored.parent.name == document.sha256[:2]
    assert not any(p.name.startswith(".upload-") for p in _files())


def test_the_same_content_uploaded_twice_is_one_file_and_two_documents(
    app, world, caseworker_client, case
):
    content = factories.pdf("zweimal derselbe Inhalt")
    before = _files()
    for title in ("Erstes", "Zweites"):
        response = _upload(
            caseworker_client, case["id"], content, kind_id=world.certificate, title=title
        )
        assert response.status_code == 302
    first, second = _documents(app)
    assert first.sha256 == second.sha256
    assert len(_files() - before) == 1


@pytest.mark.parametrize("kind", sorted(ACCEPTED_FILES))
def test_each_accepted_kind_of_file_is_stored_with_its_detected_type(app_ctx, kind):
    content, mime = ACCEPTED_FILES[kind]
    stored = store(io.BytesIO(content))
    assert stored.content_type == mime
    assert path_of(stored.sha256).read_bytes() == content


@pytest.mark.parametrize("kind", sorted(REFUSED_FILES))
def test_a_file_of_another_type_is_refused_in_german_and_changes_nothing(
    app, world, caseworker_client, case, kind
):
    before = _files()
    response = _upload(
        caseworker_client,
        case["id"],
        REFUSED_FILES[kind],
        name="bescheid.pdf",
        kind_id=world.certificate,
    )
    assert response.status_code == 302
    page = _flashes(caseworker_client, response)
    assert (
        "Das Dokument wurde nicht gespeichert: Diese Art von Datei wird nicht angenommen." in page
    )
    assert "PDF, JPEG, PNG, TIFF" in page
    assert _documents(app) == []
    assert _files() == before


def test_an_empty_file_and_missing_fields_are_refused_with_a_clear_message(
    app, world, caseworker_client, case
):
    content = factories.pdf("Felder fehlen")
    cases = [
        ({"kind_id": world.certificate}, b"", "Die Datei ist leer."),
        ({"kind_id": world.certificate, "title": "  "}, content, "Bitte einen Titel"),
        ({"kind_id": 999999}, content, "Bitte eine Dokumentart wählen."),
        (
            {"kind_id": world.certificate, "document_date": "31.02.2026"},
            content,
            "Datum des Dokuments: Bitte ein Datum im Format TT.MM.JJJJ angeben",
        ),
        (
            {"kind_id": world.certificate, "part": "need-999999"},
            content,
            "Bitte einen Teil dieses Falls wählen.",
        ),
        ({"kind_id": world.certificate, "part": "../etc"}, content, "Bitte einen Teil"),
    ]
    before = _files()
    for fields, data, message in cases:
        response = _upload(caseworker_client, case["id"], data, **fields)
        assert response.status_code == 302, fields
        assert message in _flashes(caseworker_client, response), fields
    assert _documents(app) == []
    assert _files() == before


def test_a_document_may_belong_to_a_need_or_a_household_member_of_its_case(
    app, world, caseworker_client, case
):
    with app.app_context(), unscoped("test check"):
        need_id = db.session.scalar(select(Need.id).where(Need.case_id == case["id"]))
        member_id = db.session.scalar(
            select(HouseholdMember.id).where(HouseholdMember.client_id == case["client"])
        )
    page = caseworker_client.get(f"/admin/case/details/?id={case['id']}").get_data(as_text=True)
    assert f'value="need-{need_id}"' in page
    assert f'value="household_member-{member_id}"' in page
    for part, content in ((f"need-{need_id}", "A"), (f"household_member-{member_id}", "B")):
        response = _upload(
            caseworker_client,
            case["id"],
            factories.pdf(content),
            kind_id=world.certificate,
            part=part,
        )
        assert response.status_code == 302
    by_need, by_member = _documents(app)
    assert (by_need.need_id, by_member.household_member_id) == (need_id, member_id)


def test_a_file_name_with_path_parts_is_shown_without_them_and_never_used_as_a_path(
    app, world, caseworker_client, case
):
    assert shown_name("../../etc/passwd") == "passwd"
    assert shown_name("C:\\Users\\x\\..\\bescheid.pdf") == "bescheid.pdf"
    assert shown_name("..") == ""
    assert shown_name("a\x00b\n.pdf") == "ab.pdf"
    escape = Path(DOCUMENT_DIR).parent / "entkommen.pdf"
    response = _upload(
        caseworker_client,
        case["id"],
        factories.pdf("Pfad"),
        name="../entkommen.pdf",
        kind_id=world.certificate,
    )
    assert response.status_code == 302
    (document,) = _documents(app)
    assert document.original_name == "entkommen.pdf"
    assert not escape.exists()


def test_a_download_is_an_attachment_never_sniffed_or_cached_and_is_audited(
    app, world, caseworker_client, case
):
    content = factories.pdf("Download")
    _upload(
        caseworker_client, case["id"], content, kind_id=world.certificate, name='b e;s"cheid.pdf'
    )
    (document,) = _documents(app)
    response = _download(caseworker_client, document.id)
    assert response.status_code == 200
    assert response.get_data() == content
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.mimetype == "application/pdf"
    with app.app_context(), unscoped("test check"):
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "read",
                AuditEvent.object_type == "document",
                AuditEvent.object_id == document.id,
            )
        ).all()
    assert len(reads) == 1
    assert reads[0].user_id == world.caseworker


def test_a_shared_case_shows_and_serves_its_documents_but_never_the_confidential_ones(
    app, world, caseworker_client, foreign_client, case
):
    _upload(
        caseworker_client,
        case["id"],
        factories.pdf("offen"),
        kind_id=world.certificate,
        title="Offener Nachweis",
    )
    _upload(
        caseworker_client,
        case["id"],
        factories.pdf("GEHEIM-Beratung"),
        kind_id=world.certificate,
        title="Beratungsvermerk",
        confidential="1",
    )
    shared, confidential = _documents(app)
    assert confidential.confidential
    assert not shared.confidential
    page = foreign_client.get(f"/admin/case/details/?id={case['id']}").get_data(as_text=True)
    assert "Offener Nachweis" in page
    assert "Beratungsvermerk" not in page
    assert _download(foreign_client, shared.id).status_code == 200
    refused = _download(foreign_client, confidential.id)
    assert refused.status_code == 404
    assert b"GEHEIM-Beratung" not in refused.get_data()
    # The owner reads both.
    assert _download(caseworker_client, confidential.id).status_code == 200


def test_an_upload_refused_by_the_database_guard_leaves_no_row_and_no_file(
    app, world, foreign_client, case
):
    """A read share lets the second authority see the case but not add to it: the flush
    guard refuses the row after the file was written, and the file goes again."""
    content = factories.pdf("Versuch über eine Lesefreigabe")
    before = _files()
    response = _upload(foreign_client, case["id"], content, kind_id=world.certificate)
    assert response.status_code == 404
    assert _documents(app) == []
    assert _files() == before


def test_a_failed_upload_keeps_a_file_that_another_document_uses(
    app, world, caseworker_client, foreign_client, case
):
    content = factories.pdf("schon vorhanden")
    _upload(caseworker_client, case["id"], content, kind_id=world.certificate)
    (kept,) = _documents(app)
    assert (
        _upload(foreign_client, case["id"], content, kind_id=world.certificate).status_code == 404
    )
    with app.app_context():
        assert path_of(kept.sha256).read_bytes() == content
    assert len(_documents(app)) == 1


def test_only_team_leads_archive_documents(app, world, caseworker_client, team_lead_client, case):
    _upload(caseworker_client, case["id"], factories.pdf("archiv"), kind_id=world.certificate)
    (document,) = _documents(app)
    assert caseworker_client.post(f"/admin/document/archive/?id={document.id}").status_code == 403
    assert _documents(app)[0].archived_at is None
    with app.app_context(), unscoped("test check"):
        denied = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "denied", AuditEvent.object_type == "document")
        )
    assert denied == 1
    response = team_lead_client.post(f"/admin/document/archive/?id={document.id}")
    assert response.status_code == 302
    assert _documents(app)[0].archived_at is not None
    page = _flashes(team_lead_client, response)
    assert "archiviert" in page
    # Archived is not deleted: the file is still there and still served.
    assert _download(team_lead_client, document.id).status_code == 200


@pytest.fixture
def small_app(database_url, app):
    """An app on the same database whose documents may have 1 MB at most."""
    return make_app(database_url, LOTSE_DOCUMENT_MAX_MB=1)


def _post_closing_the_body(app, browser, case_id, content, kind_id):
    """An upload whose request body is closed afterwards, as a WSGI server does (Werkzeug's
    test client leaves a large body's temporary file open when the app answers 413)."""
    form = {"kind": str(kind_id), "title": "Groß", "file": (io.BytesIO(content), "gross.pdf")}
    builder = EnvironBuilder(
        app, f"/admin/document/upload/?case={case_id}", method="POST", data=form
    )
    try:
        response = browser.open(builder)
    finally:
        builder.close()
    response.get_data()
    response.close()
    response.request.environ["wsgi.input"].close()
    return response


def test_a_file_over_the_size_limit_is_refused_in_german_and_changes_nothing(
    small_app, world, case
):
    browser = small_app.test_client()
    AuthActions(browser).login(world.emails["caseworker"])
    before = _files()
    # Over the document limit but inside the request limit: the upload's own check.
    big = factories.pdf("x") + bytes(1024 * 1024)
    response = _post_closing_the_body(small_app, browser, case["id"], big, world.certificate)
    assert response.status_code == 302
    assert "Die Datei ist zu groß: erlaubt sind höchstens 1 MB." in _flashes(browser, response)
    # Over the request limit: refused before it is read, with a German page.
    huge = factories.pdf("x") + bytes(3 * 1024 * 1024)
    response = _post_closing_the_body(small_app, browser, case["id"], huge, world.certificate)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "Die gesendeten Daten sind zu groß: eine Datei darf höchstens 1 MB haben." in text
    assert "Request Entity Too Large" not in text
    assert _documents(small_app) == []
    assert _files() == before


def test_an_upload_without_the_csrf_token_is_refused(csrf_app, world, case):
    browser = csrf_app.test_client()
    csrf_login(browser, world.emails["caseworker"])
    response = _upload(browser, case["id"], factories.pdf("ohne Token"), kind_id=world.certificate)
    assert response.status_code == 400
    assert _documents(csrf_app) == []
    page = browser.get(f"/admin/case/details/?id={case['id']}").get_data(as_text=True)
    response = _upload(
        browser,
        case["id"],
        factories.pdf("mit Token"),
        kind_id=world.certificate,
        csrf_token=csrf_token_from(page),
    )
    assert response.status_code == 302
    assert len(_documents(csrf_app)) == 1


def test_store_refuses_before_anything_is_kept(app_ctx):
    before = _files()
    with pytest.raises(DocumentRefused):
        store(io.BytesIO(b"kein Dokument"))
    assert _files() == before


def test_document_kinds_are_reference_data_from_the_seed(app, runner):
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    with app.app_context(), unscoped("test check"):
        codes = set(db.session.scalars(select(DocumentKind.code)))
    assert {"certificate", "translation", "identity_document", "notice", "letter", "other"} <= codes
