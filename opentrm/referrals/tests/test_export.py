"""Export for a country not on OpenTRM (issue 4 §9): protected PDF + JSON, dispatch record."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import World
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import record_consent
from opentrm.directory.models import Country, Function, Organisation, Responsibility
from opentrm.referrals.models import Delivery, ExternalDispatch, Referral
from opentrm.referrals.services import export, requests
from opentrm.referrals.tests.test_requests import (
    ADDRESS,
    BORN,
    NAME,
    adult_case,
    consent_for,
    draft_request,
    fresh,
    sender,
)

PASSWORD = "fictional-pass-phrase-42"


def offline_focal_point(world: World) -> Organisation:
    """Moldova's focal point: in the directory, nobody of it on this node."""
    country = Country.objects.create(code="MD")
    point = Organisation.objects.create(country=country, name="Fictional focal point MD")
    Responsibility.objects.create(
        country=country, function=Function.NATIONAL_FOCAL_POINT, organisation=point
    )
    return point


def exported_request(world: World) -> tuple[Referral, Case]:
    point = offline_focal_point(world)
    case = adult_case(world)
    case.person.address = ADDRESS
    case.person.save(update_fields=["address"])
    consent_for(world, case, point)
    make_agreement(
        world, others=[point], flows={(world.agency_a, point): [FieldGroup.IDENTITY]}, sign=True
    )
    referral = draft_request(
        world,
        case,
        kind="family_check",
        receiver_country="MD",
        reason="Check the family before return.",
    )
    referral = requests.request_send(
        actor=sender(world),
        referral=referral,
        expected_version=referral.version,
        accept_partial=True,
    )
    return fresh(referral), case


def test_the_pdf_opens_only_with_the_password_and_the_json_holds_only_shared_data(
    world: World,
) -> None:
    referral, _case = exported_request(world)
    files = export.referral_export(
        actor=sender(world), referral=referral, password=PASSWORD, password_again=PASSWORD
    )
    reader = PdfReader(io.BytesIO(files.pdf))
    assert reader.is_encrypted
    with pytest.raises(Exception):  # noqa: B017, PT011 (pypdf raises its own FileNotDecryptedError)
        reader.pages[0].extract_text()
    assert PdfReader(io.BytesIO(files.pdf)).decrypt("wrong password!!") == 0
    opened = PdfReader(io.BytesIO(files.pdf))
    assert opened.decrypt(PASSWORD) != 0
    text = "".join(page.extract_text() for page in opened.pages)
    assert referral.reference in text
    assert NAME in text
    assert ADDRESS.split(",")[0] not in text
    content = json.loads(files.json)
    assert content["reference"] == referral.reference
    assert content["shared_groups"] == ["identity"]
    assert set(content["data"]) == {"names", "date_of_birth", "place_of_birth"}
    assert content["data"]["date_of_birth"]["value"] == BORN.isoformat()
    assert ADDRESS not in files.json.decode()
    with zipfile.ZipFile(io.BytesIO(files.zip())) as archive:
        assert sorted(archive.namelist()) == [
            f"{referral.reference}.json",
            f"{referral.reference}.pdf",
        ]
    event = AuditEvent.objects.get(event_type="REFERRAL_EXPORTED")
    assert event.detail["pdf_sha256"] == files.pdf_sha256
    assert PASSWORD not in json.dumps(event.detail)
    assert NAME not in json.dumps(event.detail)


def test_a_withdrawn_consent_leaves_the_data_out_of_the_export(world: World) -> None:

    referral, case = exported_request(world)
    record_consent(
        sender(world),
        case,
        "share_data",
        "Fictional withdrawal",
        to=referral.receiver_organisation,
        decision="refused",
    )
    files = export.referral_export(
        actor=sender(world), referral=fresh(referral), password=PASSWORD, password_again=PASSWORD
    )
    content = json.loads(files.json)
    assert content["data"] == {}
    assert NAME not in files.json.decode()


@pytest.mark.parametrize(
    ("password", "again", "field"),
    [("short", "short", "password"), (PASSWORD, PASSWORD + "x", "password_again")],
)
def test_a_weak_or_mistyped_password_is_refused(
    world: World, password: str, again: str, field: str
) -> None:
    referral, _case = exported_request(world)
    with pytest.raises(ValidationError) as error:
        export.referral_export(
            actor=sender(world), referral=referral, password=password, password_again=again
        )
    assert field in error.value.message_dict
    assert password not in str(error.value)
    assert not AuditEvent.objects.filter(event_type="REFERRAL_EXPORTED").exists()


def test_a_receiver_on_this_node_is_not_exported_to(world: World) -> None:
    from opentrm.referrals.tests.test_requests import focal_point, sent_request

    focal_point(world)
    referral = fresh(sent_request(world, adult_case(world)))
    assert not can(sender(world), Action.REFERRAL_EXPORT, referral)
    with pytest.raises(ValidationError):
        export.referral_export(
            actor=sender(world), referral=referral, password=PASSWORD, password_again=PASSWORD
        )


def test_the_dispatch_is_recorded_with_the_hashes(world: World) -> None:
    referral, _case = exported_request(world)
    with pytest.raises(ValidationError):
        export.dispatch_record(
            actor=sender(world),
            referral=referral,
            expected_version=referral.version,
            channel="email",
            sent_on=timezone.localdate(),
        )
    files = export.referral_export(
        actor=sender(world), referral=referral, password=PASSWORD, password_again=PASSWORD
    )
    with pytest.raises(ValidationError) as error:
        export.dispatch_record(
            actor=sender(world),
            referral=referral,
            expected_version=referral.version,
            channel="email",
            sent_on=timezone.localdate() + timedelta(days=1),
        )
    assert "sent_on" in error.value.message_dict
    dispatch = export.dispatch_record(
        actor=sender(world),
        referral=referral,
        expected_version=referral.version,
        channel="fax",
        sent_on=timezone.localdate(),
        note="To the duty officer",
    )
    assert (dispatch.pdf_sha256, dispatch.json_sha256) == (files.pdf_sha256, files.json_sha256)
    assert fresh(referral).delivery == Delivery.EXPORTED
    event = AuditEvent.objects.get(event_type="REFERRAL_DISPATCH_RECORDED")
    assert event.detail["channel"] == "fax"
    assert "duty officer" not in json.dumps(event.detail)


def test_the_export_page_downloads_a_zip_and_forgets_the_password(
    world: World, client: Client
) -> None:
    referral, _case = exported_request(world)
    client.force_login(world.user(Role.CASEWORKER))
    url = reverse("referrals:referral_export", args=[referral.public_id])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert PASSWORD not in str(AuditEvent.objects.values_list("detail", flat=True))
    response = client.post(
        reverse("referrals:dispatch_record", args=[referral.public_id]),
        {
            "version": referral.version,
            "channel": "post",
            "sent_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert ExternalDispatch.objects.count() == 1
    api = client.get(f"/api/v1/referrals/{referral.public_id}/exports")
    assert api.status_code == 200
    assert api.json()["dispatches"][0]["channel"] == "post"
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    assert client.get(url).status_code == 404


def test_a_transnational_export_carries_the_sent_template_narrowed_to_the_shared_groups(
    world: World,
) -> None:
    from opentrm.referrals.services import importing
    from opentrm.referrals.services.import_file import Problems, schema_problems
    from opentrm.referrals.tests.test_template import HEALTH, NAME, create, send, setup

    s = setup(world)  # the agreement lets identity flow, never health
    referral = send(s, create(s))

    content = export.export_content(sender(world), referral, now=timezone.now())

    template = content["template"]
    names = [value for code, value in template["values"].items() if code.startswith("s1_1.name")]
    assert names, "the person's name (identity) travels in the template"
    assert NAME in json.dumps(names, ensure_ascii=False)
    assert HEALTH not in json.dumps(content, ensure_ascii=False)  # health is not shared
    assert schema_problems(content).items == []  # the importer reads it
    problems = Problems()
    stored = importing._check_template(
        template, frozenset(content["shared_groups"]), template["language"], problems
    )
    assert problems.items == []
    assert any(NAME in json.dumps(v, ensure_ascii=False) for v in stored["values"].values())
