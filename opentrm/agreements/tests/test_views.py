"""The pages: who sees what (404 for agreements of others, 403 for viewers), forms and PDF."""

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.models import Agreement, AgreementVersion, Signature
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent

try:
    from opentrm.core import pdf_engine
except OSError:  # pragma: no cover - depends on the system's Pango
    pdf_engine = None  # type: ignore[assignment]

Login = Callable[[User], Client]


def test_members_of_a_party_see_the_agreement_and_its_flows(world: World, login: Login) -> None:
    agreement = make_agreement(
        world, sign=True, flows={(world.agency_a, world.agency_b): [FieldGroup.HEALTH]}
    )
    client = login(world.user(Role.INTERPRETER, org="b"))
    response = client.get(reverse("agreements:agreement_detail", args=[agreement.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert agreement.title in text
    assert "Health" in text
    assert "In force" in text
    assert reverse("agreements:agreement_edit", args=[agreement.pk]) not in text


def test_others_are_told_it_does_not_exist(world: World, login: Login) -> None:
    agreement = make_agreement(world, others=[world.agency_c])
    client = login(world.user(Role.CASE_MANAGER, org="b"))
    assert (
        client.get(reverse("agreements:agreement_detail", args=[agreement.pk])).status_code == 404
    )
    assert client.get(reverse("agreements:agreement_edit", args=[agreement.pk])).status_code == 404
    listed = client.get(reverse("agreements:agreement_list"))
    assert agreement.title not in listed.content.decode()


def test_a_national_coordinator_sees_the_agreements_of_the_country(
    world: World, login: Login
) -> None:
    from conftest import make_member

    coordinator = make_member(world.agency_c, Role.NATIONAL_COORDINATOR, "c_coordinator")
    agreement = make_agreement(world)
    client = login(coordinator.user)
    assert (
        client.get(reverse("agreements:agreement_detail", args=[agreement.pk])).status_code == 200
    )
    # ... but changes it only as a party
    assert client.get(reverse("agreements:agreement_edit", args=[agreement.pk])).status_code == 403


def test_viewers_may_not_change_it(world: World, login: Login) -> None:
    agreement = make_agreement(world)
    client = login(world.user(Role.CASEWORKER))
    assert client.get(reverse("agreements:party_add", args=[agreement.pk])).status_code == 403
    assert client.get(reverse("agreements:agreement_create")).status_code == 403


def test_the_list_filters_by_status_type_and_party(world: World, login: Login) -> None:
    signed = make_agreement(world, sign=True, title="Signed MoU")
    make_agreement(world, title="Draft MoU")
    make_agreement(world, others=[world.agency_c], title="With C")
    client = login(world.user(Role.CASEWORKER))
    url = reverse("agreements:agreement_list")
    text = client.get(url, {"status": "in_force"}).content.decode()
    assert "Signed MoU" in text
    assert "Draft MoU" not in text
    text = client.get(url, {"party": world.agency_c.pk}).content.decode()
    assert "With C" in text
    assert "Signed MoU" not in text
    text = client.get(url, {"type": "protocol"}).content.decode()
    assert signed.title not in text


def test_registering_a_draft_through_the_form(world: World, login: Login) -> None:
    client = login(world.user(Role.NATIONAL_COORDINATOR))
    response = client.post(
        reverse("agreements:agreement_create"),
        {"title": "Protocol on child victims", "type": "protocol", "scope": "national"},
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:agreement_detail", args=[agreement.pk])


def test_the_form_shows_the_message_on_the_field(world: World, login: Login) -> None:
    client = login(world.user(Role.CASE_MANAGER))
    response = client.post(
        reverse("agreements:agreement_create"),
        {
            "title": "Backwards",
            "type": "mou",
            "scope": "national",
            "valid_from": "2026-05-01",
            "valid_until": "2026-04-01",
        },
    )
    assert response.status_code == 200
    assert "cannot end before it starts" in response.content.decode()
    assert not Agreement.objects.exists()


def test_recording_a_signature_and_editing_through_the_forms(world: World, login: Login) -> None:
    agreement = make_agreement(world)
    client = login(world.user(Role.CASE_MANAGER, org="b"))
    draft = AgreementVersion.objects.get(agreement=agreement)
    response = client.post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        {
            "version": draft.version,
            "title": agreement.title,
            "type": "mou",
            "scope": "bilateral",
            "purpose": "Edited by B",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("agreements:flow_edit", args=[agreement.pk]),
        {"sender": world.agency_b.pk, "receiver": world.agency_a.pk, "categories": ["travel"]},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("agreements:signature_record", args=[agreement.pk]),
        {
            "version": 1,
            "party": world.agency_b.pk,
            "kind": "signature",
            "signed_on": timezone.localdate().isoformat(),
            "signed_by": "Director B",
        },
    )
    assert response.status_code == 302
    assert Signature.objects.get().recorded_by == world.user(Role.CASE_MANAGER, org="b")
    # the text is frozen now
    response = client.post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        {"version": draft.version + 1, "title": "x", "type": "mou", "scope": "bilateral"},
    )
    assert "has signatures" in response.content.decode()


def test_the_detail_page_has_a_bounded_number_of_queries(
    world: World, login: Login, django_assert_max_num_queries: object
) -> None:
    agreement = make_agreement(
        world, sign=True, flows={(world.agency_a, world.agency_b): [FieldGroup.IDENTITY]}
    )
    client = login(world.user(Role.CASE_MANAGER))
    with django_assert_max_num_queries(30):  # type: ignore[operator]
        response = client.get(reverse("agreements:agreement_detail", args=[agreement.pk]))
    assert response.status_code == 200


@pytest.mark.skipif(pdf_engine is None, reason="PDF output needs the Pango library")
def test_the_text_exports_to_pdf_and_the_export_is_audited(
    world: World, login: Login, tmp_path: Path
) -> None:
    agreement = make_agreement(world, sign=True, title="Fictional Memorandum Alpha")
    client = login(world.user(Role.PROSECUTOR, org="b"))
    response = client.get(reverse("agreements:agreement_pdf", args=[agreement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF")
    [event] = AuditEvent.objects.filter(event_type=EventType.AGREEMENT_EXPORTED)
    assert event.detail == {"agreement_id": agreement.pk, "version": 1, "format": "pdf"}
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; only the PDF header was checked")
    path = tmp_path / "agreement.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Fictional Memorandum Alpha" in flat
    assert "Agency B Partner Shelter" in flat


# --- Every mistake at once (issue 12 §5) --------------------------------------------------------

ENDS_BEFORE = "The agreement cannot end before it starts."
# A national agreement without a title that ends before it starts.
BACKWARDS = {
    "title": "",
    "type": "mou",
    "scope": "national",
    "valid_from": "2026-05-01",
    "valid_until": "2026-04-01",
}


def test_the_draft_form_shows_the_services_mistakes_with_its_own(
    world: World, login: Login
) -> None:
    client = login(world.user(Role.CASE_MANAGER))
    response = client.post(
        reverse("agreements:agreement_create"),
        BACKWARDS,
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["title"] == ["This field is required."]  # the form's own
    assert errors["valid_until"] == [ENDS_BEFORE]  # the service's
    assert not Agreement.objects.exists()


def test_the_edit_form_shows_a_scope_the_parties_do_not_fit_and_the_dates_together(
    world: World, login: Login
) -> None:
    agreement = make_agreement(world)  # parties in two countries
    draft = AgreementVersion.objects.get(agreement=agreement)
    client = login(world.user(Role.CASE_MANAGER))
    response = client.post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        {"version": draft.version} | BACKWARDS,
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["title"] == ["This field is required."]
    assert errors["valid_until"] == [ENDS_BEFORE]
    assert errors["scope"] == ["The parties of a national agreement are all in one country."]
    agreement.refresh_from_db()
    draft.refresh_from_db()
    assert (agreement.scope, draft.valid_until) == ("bilateral", None)
