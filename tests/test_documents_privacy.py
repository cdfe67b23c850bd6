"""Documents travel with the data protection features: the Art. 15 zip, the retention
purge (files deleted, figures kept) and the dashboard's count per kind."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, Case, Document, Goal, db
from models.scoping import unscoped
from services.documents import path_of
from tests import factories

LONG_AGO = date.today() - timedelta(days=4 * 365)


@pytest.fixture
def closed_with_documents(app, world):
    """A client whose only case closed four years ago, with two documents; a second,
    open case of another client holds the same content as one of them."""
    with app.app_context(), unscoped("test arrangement"):
        case = factories.make_full_case(world)
        case.status, case.closed_on, case.closure_reason_id = "closed", LONG_AGO, world.completed
        db.session.flush()
        db.session.scalars(select(Goal).where(Goal.case_id == case.id)).first().status = "achieved"
        own = factories.make_document(
            case, factories.pdf("nur hier"), world.certificate, title="Zeugnis Haddad"
        )
        shared_content = factories.pdf("auch anderswo")
        twin = factories.make_document(
            case, shared_content, world.certificate, title="Bescheid", original_name="b.pdf"
        )
        other = factories.make_case(factories.make_client(case.authority, family_name="Other"))
        kept = factories.make_document(other, shared_content, world.certificate, title="Kopie")
        db.session.commit()
        return {
            "client": case.client_id,
            "number": case.client.number,
            "case": case.id,
            "own": own.id,
            "twin": twin.id,
            "kept": kept.id,
            "own_sha": own.sha256,
            "twin_sha": twin.sha256,
        }


def _zip_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_subject_access_zip_holds_the_json_and_every_document_file(
    app, login_as, closed_with_documents
):
    ids = closed_with_documents
    response = login_as("team_lead").get(
        f"/admin/client/subject-access/?id={ids['client']}&format=zip"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    files = _zip_of(response.get_data())
    document = json.loads(files["auskunft.json"])
    rows = {row["id"]: row for row in document["faelle"][0]["document"]}
    assert set(rows) == {ids["own"], ids["twin"]}
    assert rows[ids["own"]]["title"] == "Zeugnis Haddad"
    assert files[rows[ids["own"]]["datei"]] == factories.pdf("nur hier")
    assert files[f"dokumente/{ids['twin']}_b.pdf"] == factories.pdf("auch anderswo")
    assert f"dokumente/{ids['kept']}_zeugnis.pdf" not in files  # another client's


def test_the_cli_writes_the_subject_access_zip(app, runner, closed_with_documents, tmp_path):
    out = tmp_path / "auskunft.zip"
    result = runner.invoke(
        args=["privacy", "export", closed_with_documents["number"], "--zip", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = _zip_of(out.read_bytes())
    assert "auskunft.json" in files
    assert sum(name.startswith("dokumente/") for name in files) == 2
    with app.app_context(), unscoped("test check"):
        exports = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "export",
                AuditEvent.object_id == closed_with_documents["client"],
            )
        ).all()
    assert len(exports) == 1


def test_the_purge_deletes_the_files_and_texts_of_documents_and_keeps_their_figures(
    app, runner, closed_with_documents
):
    ids = closed_with_documents
    with app.app_context():
        own_path, twin_path = path_of(ids["own_sha"]), path_of(ids["twin_sha"])
    assert own_path.exists()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "2 Dokumente" in result.output
    assert not own_path.exists()
    # The same content is still a document of another, kept case: its file stays.
    assert twin_path.exists()
    with app.app_context(), unscoped("test check"):
        purged = db.session.scalars(
            select(Document).where(Document.case_id == ids["case"]).order_by(Document.id)
        ).all()
        kept = db.session.get(Document, ids["kept"])
        assert db.session.get(Case, ids["case"]) is not None
    assert [(d.sha256, d.title, d.original_name) for d in purged] == [
        (None, "(gelöscht)", None)
    ] * 2
    assert [d.kind_id for d in purged] == [factories_kind(app)] * 2
    assert kept.sha256 == ids["twin_sha"]
    assert kept.title == "Kopie"


def factories_kind(app):
    with app.app_context(), unscoped("test check"):
        return db.session.scalars(select(Document.kind_id).where(Document.title == "Kopie")).one()


def test_a_dry_run_purge_keeps_every_file(app, runner, closed_with_documents):
    with app.app_context():
        own_path = path_of(closed_with_documents["own_sha"])
    result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert own_path.exists()


def test_the_team_leads_dashboard_counts_documents_per_kind(
    app, world, login_as, closed_with_documents
):
    with app.app_context(), unscoped("test arrangement"):
        archived = db.session.get(Document, closed_with_documents["kept"])
        archived.archived_at = factories.utcnow_for_tests()
        foreign_case = factories.make_case(
            factories.make_client(world.foreign_authority, family_name="Fremd")
        )
        factories.make_document(foreign_case, factories.pdf("fremd"), world.certificate)
        db.session.commit()
    html = login_as("team_lead").get("/admin/").get_data(as_text=True)
    assert "Dokumente nach Art" in html
    table = html[html.index('id="team-documents"') :]
    table = table[: table.index("</table>")]
    # Two of the own authority; the archived one and the other authority's are not counted.
    assert "Zeugnis / Nachweis" in table
    assert ">2<" in table.replace(" ", "")
