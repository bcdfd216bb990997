"""Documents, called directly: files recognised across chunks, the refusals a form does not
reach, a second deletion, and opening a document the role may not see."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import InMemoryUploadedFile

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases import services
from opentrm.cases.models import Case, CaseDocument, CaseParticipant, ConsentRecord
from opentrm.cases.services.documents import TEXT, document_opened, inspect_file
from opentrm.cases.tests.factories import new_case, record_consent
from opentrm.cases.tests.test_documents import PDF, _file

CHUNK = File.DEFAULT_CHUNK_SIZE


pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva")


def _upload(world: World, case: Case, role: Role = Role.CASEWORKER, **values: Any) -> CaseDocument:
    arguments: dict[str, Any] = {
        "upload": _file(),
        "title": "Passport copy",
        "kind": "identity_document",
    }
    return services.document_upload(actor=world.actor(role), case=case, **(arguments | values))


def _stored(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


# --- Recognising the file -----------------------------------------------------------------------


def test_it_recognises_plain_text_longer_than_one_chunk() -> None:
    content = ("Statement of the person, line by line.\n" * (CHUNK // 20)).encode()
    # A file on disk (an upload spooled to a temporary file) is read chunk by chunk.
    inspected = inspect_file(File(io.BytesIO(content), name="statement.txt"))
    assert (inspected.file_type, inspected.size) == (TEXT, len(content))


def test_it_does_not_take_a_binary_file_of_several_chunks_for_text() -> None:
    content = b"\x00\x01" + b"a" * (2 * CHUNK)
    assert inspect_file(File(io.BytesIO(content), name="notes.txt")).file_type is None


def test_it_does_not_take_text_cut_in_the_middle_of_a_character_for_text() -> None:
    content = "Përshëndetje".encode()[:-1] + b"\xc3"  # the last character cut in half
    assert inspect_file(_file(content, "note.txt")).file_type is None


# --- Uploading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"kind": "love_letter"}, "kind"),
        ({"field_group": "secrets"}, "field_group"),
    ],
)
def test_it_refuses_a_document_it_cannot_file_and_stores_nothing(
    world: World, case: Case, media: Path, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _upload(world, case, **values)
    assert field in refused.value.message_dict
    assert not CaseDocument.objects.exists()
    assert _stored(media) == []


def test_it_measures_the_file_itself_not_the_size_it_claims(
    world: World, case: Case, media: Path, settings: Any
) -> None:
    settings.OPENTRM_DOCUMENT_MAX_BYTES = 1024
    content = PDF + b"0" * 2048
    claims_small = InMemoryUploadedFile(
        io.BytesIO(content), None, "scan.pdf", "application/pdf", 10, None
    )
    with pytest.raises(ValidationError) as refused:
        _upload(world, case, upload=claims_small)
    assert "too large" in refused.value.message_dict["file"][0]
    assert not CaseDocument.objects.exists()
    assert _stored(media) == []


def test_a_partner_shown_nothing_may_add_no_document(world: World, case: Case, media: Path) -> None:
    CaseParticipant.objects.create(case=case, organisation=world.agency_b)
    with pytest.raises(PermissionDenied):
        services.document_upload(
            actor=world.actor(Role.CASE_MANAGER, org="b"),
            case=case,
            upload=_file(),
            title="Passport copy",
            kind="identity_document",
        )
    assert not CaseDocument.objects.exists()
    assert _stored(media) == []


def test_a_document_deleted_twice_is_recorded_deleted_once(world: World, case: Case) -> None:
    document = _upload(world, case)
    first = services.document_delete(
        actor=world.actor(Role.CASE_MANAGER), document=document, reason="Wrong case."
    )
    again = services.document_delete(
        actor=world.actor(Role.CASEWORKER),
        document=CaseDocument.objects.get(pk=document.pk),
        reason="Duplicate.",
    )
    assert (again.deleted_at, again.deletion_reason) == (first.deleted_at, "Wrong case.")
    assert AuditEvent.objects.filter(event_type=EventType.DOCUMENT_DELETED).count() == 1


def test_a_role_that_may_not_see_health_may_not_open_a_medical_report(
    world: World, case: Case
) -> None:
    report = _upload(world, case, Role.CASE_MANAGER, title="Medical report", kind="medical")
    with pytest.raises(PermissionDenied):
        document_opened(actor=world.actor(Role.PROSECUTOR), document=report)
    assert not AuditEvent.objects.filter(event_type=EventType.DOCUMENT_DOWNLOADED).exists()


def test_a_role_that_may_not_edit_identity_may_not_store_a_signed_consent_form(
    world: World, case: Case, media: Path
) -> None:
    consent = record_consent(
        world.actor(Role.PROSECUTOR), case, "assistance_plan", "What the plan means."
    )
    with pytest.raises(ValidationError) as refused:
        services.consent_signed_form_attach(
            actor=world.actor(Role.PROSECUTOR), consent=consent, upload=_file()
        )
    assert "may not store the signed form" in refused.value.message_dict["file"][0]
    assert ConsentRecord.objects.get().signed_form is None
    assert _stored(media) == []
