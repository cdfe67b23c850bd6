"""In Chromium: a caseworker uploads a document on the case file and downloads it; a file
of another type is refused with the German message. Real HTTP server, CSRF on."""

from pathlib import Path

import pytest
from sqlalchemy import select

from models import Document, db
from models.scoping import unscoped
from services.documents import path_of
from tests import factories
from tests.browser_support import PageProblems, artifacts_on_failure
from tests.test_browser_workflow import log_in

pytestmark = pytest.mark.browser

CONTENT = factories.pdf("Sprachzertifikat B1 im Browser")


def test_a_caseworker_uploads_and_downloads_a_document(
    new_page, live_server, app, world, case_id, request, tmp_path
):
    base = live_server.url
    problems = PageProblems()
    page = new_page()
    problems.watch(page)
    upload = tmp_path / "zertifikat.pdf"
    upload.write_bytes(CONTENT)
    not_a_pdf = tmp_path / "bescheid.pdf"
    not_a_pdf.write_bytes(b"nur Text, kein PDF")
    with artifacts_on_failure(page, request.node.name):
        log_in(page, base, world.emails["caseworker"])
        page.goto(f"{base}/admin/case/details/?id={case_id}")
        form = page.locator("form#document-upload")

        # A file that is no PDF, whatever its name: refused, in German, nothing saved.
        form.locator("input[type=file]").set_input_files(str(not_a_pdf))
        page.fill("#document-title", "Falscher Bescheid")
        with page.expect_navigation():
            form.get_by_role("button", name="Hochladen").click()
        assert "Diese Art von Datei wird nicht angenommen." in page.locator(".alert").inner_text()

        form.locator("input[type=file]").set_input_files(str(upload))
        form.locator("#document-kind").select_option(label="Zeugnis / Nachweis")
        page.fill("#document-title", "Sprachzertifikat B1")
        page.fill("#document-date", "05.03.2026")
        with page.expect_navigation():
            form.get_by_role("button", name="Hochladen").click()
        assert "Dokument „Sprachzertifikat B1“ gespeichert." in page.locator(".alert").inner_text()

        link = (
            page.locator("#documents-title")
            .locator("xpath=ancestor::section")
            .get_by_role("link", name="Sprachzertifikat B1")
        )
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename == "zertifikat.pdf"
        assert Path(download.path()).read_bytes() == CONTENT
        problems.collect_from(page)

    with app.app_context(), unscoped("test check"):
        (document,) = db.session.scalars(select(Document)).all()
        assert document.title == "Sprachzertifikat B1"
        assert document.content_type == "application/pdf"
        assert path_of(document.sha256).read_bytes() == CONTENT
    assert not problems, problems.report()
