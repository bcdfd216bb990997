"""The title the system gives a signed consent form is stored as a key and parameters and read
in each reader's language (issue 12 §5)."""

import uuid
from importlib import import_module

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.cases.document_titles import SIGNED_CONSENT_FORM
from opentrm.cases.models import Case, CaseDocument, ConsentRecord
from opentrm.cases.tests.factories import new_case

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
ALBANIAN = "Formular pëlqimi i nënshkruar: Intervistë e regjistruar me video"
ENGLISH = "Signed consent form: Video-recorded interview"


pytestmark = pytest.mark.usefixtures("media")


def _signed_consent(world: World) -> tuple[Case, CaseDocument]:
    case = new_case(world, "Fictional Titled Person")
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:consent_create", args=[case.public_id]),
        {
            "purpose": "video_interview",
            "decision": "given",
            "decided_on": timezone.localdate().isoformat(),
            "explained_in": "sq",
            "information_given": "How the recording is used and kept.",
            "signed_form": SimpleUploadedFile("signature.jpg", JPEG, "image/jpeg"),
        },
    )
    assert response.status_code == 302
    document = ConsentRecord.objects.get(case=case).signed_form
    assert document is not None
    return case, document


def test_the_signed_consent_form_reads_in_albanian_for_an_albanian_reader(world: World) -> None:
    case, document = _signed_consent(world)
    page = reverse("cases:case_detail", args=[case.public_id])
    client = browser(world, Role.CASEWORKER)

    albanian = client.get(page, {"section": "all"}, HTTP_ACCEPT_LANGUAGE="sq").content.decode()
    english = client.get(page, {"section": "all"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (document.title_key, document.title_params) == (
        SIGNED_CONSENT_FORM,
        {"purpose": "video_interview"},
    )
    assert document.title == ENGLISH  # the node's language, kept as the fallback
    assert ALBANIAN in albanian
    assert ENGLISH not in albanian
    assert ENGLISH in english


def test_the_api_lists_the_signed_form_in_the_readers_language(world: World) -> None:
    case, _document = _signed_consent(world)

    listed = (
        api(world, Role.CASEWORKER)
        .get(f"/api/v1/cases/{case.public_id}/documents", HTTP_ACCEPT_LANGUAGE="sq")
        .json()
    )

    assert [item["title"] for item in listed] == [ALBANIAN]


def test_the_migration_reads_the_key_back_from_titles_stored_in_any_language(
    world: World,
) -> None:
    _case, document = _signed_consent(world)
    stored = {
        ALBANIAN: (SIGNED_CONSENT_FORM, {"purpose": "video_interview"}),
        "Потписани образац пристанка: Трагање за породицом": (
            SIGNED_CONSENT_FORM,
            {"purpose": "family_tracing"},
        ),
        "Fictional: a form a caseworker named": ("", {}),
    }
    rows = []
    for title in stored:
        document.pk, document.public_id, document.title = None, uuid.uuid4(), title
        document.title_key, document.title_params = "", {}
        document.save()
        rows.append(CaseDocument.objects.get(pk=document.pk))
    migration = import_module("opentrm.cases.migrations.0024_casedocument_title_key")

    migration.keys_from_titles(apps, None)

    for row, (key, params) in zip(rows, stored.values(), strict=True):
        row.refresh_from_db()
        assert (row.title_key, row.title_params) == (key, params)
    with translation.override("sq"):
        assert rows[1].shown_title == "Formular pëlqimi i nënshkruar: Gjurmimi i familjes"
