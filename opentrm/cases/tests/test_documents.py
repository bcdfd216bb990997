import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseDocument, ConsentRecord
from opentrm.cases.services import (
    document_delete,
    document_upload,
)
from opentrm.cases.services import documents as document_services
from opentrm.cases.tests.factories import case_page, consent_form, new_case

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"


pytestmark = pytest.mark.usefixtures("media")


def _stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva")


def _file(content: bytes = PDF, name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _upload(
    world: World, case: Case, role: Role = Role.CASEWORKER, **overrides: Any
) -> CaseDocument:
    values: dict[str, Any] = {
        "actor": world.actor(role),
        "case": case,
        "upload": _file(),
        "title": "Passport copy",
        "kind": "identity_document",
    }
    values.update(overrides)
    return document_upload(**values)


# --- Uploading -------------------------------------------------------------------------------


def test_it_stores_an_upload_under_a_random_path_with_its_checksum(
    world: World, case: Case, media: Path
) -> None:
    url = reverse("cases:document_create", args=[case.public_id])
    client = browser(world, Role.CASEWORKER)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Passport copy",
            "kind": "identity_document",
            "file": _file(name="Ana Fictiva passport.pdf"),
        },
    )
    assert response.status_code == 302
    document = CaseDocument.objects.get()
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.field_group == "identity"  # from the kind
    assert document.organisation == world.agency_a
    assert document.original_name == "Ana Fictiva passport.pdf"
    stored = _stored_files(media)
    assert len(stored) == 1
    # Encrypted at rest (issue 17 §4): the bytes on disk are not the file.
    assert PDF not in stored[0].read_bytes()
    assert document.file.open("rb").read() == PDF
    assert "Ana" not in str(stored[0])
    assert "Passport copy" in case_page(world, case, Role.CASEWORKER)
    event = AuditEvent.objects.get(event_type=EventType.DOCUMENT_UPLOADED)
    assert event.detail["sha256"] == document.sha256
    assert "Ana" not in str(event.detail)
    assert "Passport" not in str(event.detail)


def test_it_recognises_the_type_by_content_not_by_name(world: World, case: Case) -> None:
    assert _upload(world, case, upload=_file(PNG, "photo.pdf")).content_type == "image/png"
    assert _upload(world, case, upload=_file(JPEG, "x.txt")).content_type == "image/jpeg"
    assert _upload(world, case, upload=_file(PDF, "x.exe")).content_type == "application/pdf"
    text = "Declaration, signed. Përshëndetje.\n".encode()
    assert _upload(world, case, upload=_file(text, "x.png")).content_type == "text/plain"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (ZIP, "Only PDF, PNG, JPEG or plain-text files can be added."),
        (GIF, "Only PDF, PNG, JPEG or plain-text files can be added."),
        (b"text with a \x00 nul byte", "Only PDF, PNG, JPEG or plain-text files can be added."),
        (b"", "The file is empty."),
        (PDF + b"x" * 100, "The file is too large"),
    ],
)
def test_it_refuses_a_bad_file_on_the_field_and_stores_nothing(
    world: World,
    case: Case,
    media: Path,
    settings: Any,
    content: bytes,
    message: str,
) -> None:
    settings.OPENTRM_DOCUMENT_MAX_BYTES = len(PDF) + 50
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:document_create", args=[case.public_id]),
        {"title": "Scan", "kind": "other", "file": _file(content, "scan.pdf")},
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert not CaseDocument.objects.exists()
    assert _stored_files(media) == []
    assert not AuditEvent.objects.filter(event_type=EventType.DOCUMENT_UPLOADED).exists()


def test_it_asks_for_a_file_and_a_title(world: World, case: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:document_create", args=[case.public_id]), {"kind": "other"}
    )
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    with pytest.raises(ValidationError) as error:
        _upload(world, case, upload=None)
    assert "file" in error.value.message_dict


def test_it_needs_edit_rights_on_the_documents_field_group(world: World, case: Case) -> None:
    # A caseworker reads health data but does not edit it: a medical record is refused.
    with pytest.raises(ValidationError) as error:
        _upload(world, case, Role.CASEWORKER, kind="medical", title="Report")
    assert "field_group" in error.value.message_dict
    # A prosecutor sees no health data: a medical record is refused, a legal one accepted.
    with pytest.raises(ValidationError) as error:
        _upload(world, case, Role.PROSECUTOR, kind="medical", title="Report")
    assert "field_group" in error.value.message_dict
    assert _upload(world, case, Role.PROSECUTOR, kind="legal").field_group == "proceedings"
    # The interpreter adds nothing.
    assert (
        browser(world, Role.INTERPRETER)
        .get(reverse("cases:document_create", args=[case.public_id]))
        .status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        _upload(world, case, Role.INTERPRETER)


def test_it_removes_the_file_when_the_transaction_fails(
    world: World, case: Case, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**kwargs: Any) -> None:
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr(document_services, "record_event", fail)
    with pytest.raises(RuntimeError):
        _upload(world, case)
    assert not CaseDocument.objects.exists()
    assert _stored_files(media) == []


# --- Seeing and opening -----------------------------------------------------------------------


def test_it_lists_only_documents_of_field_groups_the_role_sees(world: World, case: Case) -> None:
    _upload(world, case, Role.CASE_MANAGER, kind="medical", title="Medical certificate")
    _upload(world, case, kind="identity_document", title="Passport copy")
    caseworker = case_page(world, case, Role.CASEWORKER)
    assert "Medical certificate" in caseworker
    assert "Passport copy" in caseworker
    interpreter = case_page(world, case, Role.INTERPRETER)
    assert "Medical certificate" not in interpreter
    assert "Passport copy" in interpreter
    assert "Add a document" not in interpreter


def test_it_serves_a_file_only_through_the_checked_view(world: World, case: Case) -> None:
    document = _upload(world, case, Role.CASE_MANAGER, kind="medical", title="Medical certificate")
    url = reverse("cases:document_download", args=[case.public_id, document.public_id])
    response = browser(world, Role.CASEWORKER).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.number}-document-{document.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    event = AuditEvent.objects.get(event_type=EventType.DOCUMENT_DOWNLOADED)
    assert event.detail["document_id"] == document.pk
    # Health is not the police investigator's nor the interpreter's; other organisations see
    # no case at all.
    assert browser(world, Role.POLICE_INVESTIGATOR).get(url).status_code == 403
    assert browser(world, Role.INTERPRETER).get(url).status_code == 403
    assert browser(world, Role.CASE_MANAGER, org="b").get(url).status_code == 404
    assert AuditEvent.objects.filter(event_type=EventType.DOCUMENT_DOWNLOADED).count() == 1
    # No URL under MEDIA_URL serves it.
    assert Client().get("/" + document.file.name).status_code == 404


# --- Deleting ---------------------------------------------------------------------------------


def test_it_deletes_a_document_softly_with_a_reason(world: World, case: Case, media: Path) -> None:
    document = _upload(world, case, title="Wrong scan")
    url = reverse("cases:document_delete", args=[case.public_id, document.public_id])
    client = browser(world, Role.CASE_MANAGER)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"reason": "Uploaded to the wrong case."})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.deleted_at is not None
    assert document.deletion_reason == "Uploaded to the wrong case."
    assert len(_stored_files(media)) == 1  # the file is kept
    assert "Wrong scan" not in case_page(world, case, Role.CASEWORKER)
    download = reverse("cases:document_download", args=[case.public_id, document.public_id])
    assert client.get(download).status_code == 404
    event = AuditEvent.objects.get(event_type=EventType.DOCUMENT_DELETED)
    assert event.detail == {"case_id": case.pk, "document_id": document.pk}


def test_it_lets_only_the_uploading_organisation_with_edit_rights_delete(
    world: World, case: Case
) -> None:
    document = _upload(world, case)
    url = reverse("cases:document_delete", args=[case.public_id, document.public_id])
    assert browser(world, Role.PROSECUTOR).get(url).status_code == 403  # views identity only
    assert browser(world, Role.CASE_MANAGER, org="b").get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        document_delete(actor=world.actor(Role.PROSECUTOR), document=document, reason="x")
    document.refresh_from_db()
    assert document.deleted_at is None


# --- The scanned signature of a consent -------------------------------------------------------


def _consent_form(**extra: Any) -> dict[str, Any]:
    return consent_form("video_interview", "How the recording is used and kept.", **extra)


def test_it_keeps_the_scanned_signature_with_the_consent(world: World, case: Case) -> None:
    client = browser(world, Role.CASEWORKER)
    response = client.post(
        reverse("cases:consent_create", args=[case.public_id]),
        _consent_form(signed_form=_file(JPEG, "signature.jpg")),
    )
    assert response.status_code == 302
    consent = ConsentRecord.objects.get()
    assert consent.signed_form is not None
    assert consent.signed_form.kind == "consent_form"
    assert consent.signed_form.content_type == "image/jpeg"
    url = reverse("cases:document_download", args=[case.public_id, consent.signed_form.public_id])
    assert url in case_page(world, case, Role.CASEWORKER)
    assert client.get(url).status_code == 200


def test_it_records_no_consent_when_the_signature_file_is_refused(
    world: World, case: Case, media: Path
) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:consent_create", args=[case.public_id]),
        _consent_form(signed_form=_file(ZIP, "signature.pdf")),
    )
    assert response.status_code == 200
    assert "signed_form" in response.context["form"].errors
    assert not ConsentRecord.objects.exists()
    assert not CaseDocument.objects.exists()
    assert _stored_files(media) == []


def test_it_records_a_consent_without_a_signature_file(world: World, case: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:consent_create", args=[case.public_id]), _consent_form()
    )
    assert response.status_code == 302
    assert ConsentRecord.objects.get().signed_form is None


# --- API --------------------------------------------------------------------------------------


def test_the_api_uploads_lists_and_serves_documents(world: World, case: Case) -> None:
    client = api(world, Role.CASE_MANAGER)
    base = f"/api/v1/cases/{case.public_id}/documents"
    response = client.post(
        base, {"title": "Medical certificate", "kind": "medical", "file": _file(PNG, "a.png")}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["field_group"] == "health"
    assert body["content_type"] == "image/png"
    listed = client.get(base).json()
    assert [item["id"] for item in listed] == [body["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]
    # The interpreter sees neither the metadata nor the file of a health document.
    interpreter = api(world, Role.INTERPRETER)
    assert interpreter.get(base).json() == []
    assert interpreter.get(body["download_url"]).status_code == 403
    assert api(world, Role.CASEWORKER, org="b").get(base).status_code == 404


def test_the_api_names_the_field_of_a_refused_file(world: World, case: Case) -> None:
    response = api(world, Role.CASEWORKER).post(
        f"/api/v1/cases/{case.public_id}/documents",
        {"title": "Archive", "kind": "other", "file": _file(ZIP, "a.pdf")},
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["file"]
    assert not CaseDocument.objects.exists()
