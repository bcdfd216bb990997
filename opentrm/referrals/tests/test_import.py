"""Import of a referral received from outside OpenTRM (issue 4 §9, "a malformed template import
... gets a clear message and sends nothing")."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.models import User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Country, Organisation
from opentrm.referrals.models import Referral, ReferralStatus, TemplateInstance
from opentrm.referrals.services import export, importing, receiving
from opentrm.referrals.tests.test_export import exported_request
from opentrm.referrals.tests.test_requests import NAME, sender
from opentrm.referrals.views_import import import_context

FOREIGN = "Fictional Ministry of Social Affairs MD"


@pytest.fixture
def foreign(world: World) -> Organisation:
    """An organisation of a country not on OpenTRM, in the directory."""
    return Organisation.objects.create(country=Country.objects.create(code="MD"), name=FOREIGN)


def importer(world: World, role: Role = Role.CASEWORKER) -> Actor:
    return world.actor(role)


def hand_filled(world: World, **changes: Any) -> dict[str, Any]:
    """A transnational referral as another system writes it, to agency A."""
    content: dict[str, Any] = {
        "format": "opentrm.referral-export",
        "format_version": 1,
        "reference": "MD-2026-17",
        "kind": "transnational",
        "urgency": "urgent",
        "sender": {"organisation": FOREIGN, "country": "MD"},
        "receiver": {"organisation": world.agency_a.name, "country": "AL"},
        "sent_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "reason": "Return of a person identified in Moldova.",
        "person": {"age_band": "Over 18", "sex": "Female", "languages": ["ro", "sq"]},
        "needs": ["accommodation"],
        "shared_groups": ["identity", "health"],
        "data": {
            "names": {"group": "identity", "value": NAME},
            "eye_colour": {"label": "Eye colour", "group": "identity", "value": "Fictional"},
        },
        "template": {
            "template_version": 1,
            "language": "ro",
            "values": {
                "header.date": timezone.localdate().isoformat(),
                "s1_1.name": {"text": NAME, "lang": "ro"},
                "s1_1.date_of_birth": "1990-04-02",
                "s1_1.shoe_size": "38",
            },
        },
    }
    content.update(changes)
    return content


def raw(content: Any) -> bytes:
    return json.dumps(content, ensure_ascii=False).encode()


@pytest.fixture
def nothing_stored(foreign: Organisation) -> Iterator[None]:
    before = (Referral.objects.count(), TemplateInstance.objects.count())
    yield
    assert (Referral.objects.count(), TemplateInstance.objects.count()) == before
    assert not AuditEvent.objects.filter(
        event_type="REFERRAL_CREATED", detail__imported=True
    ).exists()


def refused(actor: Actor, data: bytes) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        importing.referral_import(actor=actor, raw=data)
    return caught.value.message_dict


# --- round trip ------------------------------------------------------------------------------


def test_an_export_imports_cleanly_on_the_receivers_side_with_the_same_sections(
    world: World,
) -> None:
    referral, _case = exported_request(world)
    content = export.export_content(sender(world), referral, now=timezone.now())
    point = referral.receiver_organisation
    membership = make_member(point, Role.CASEWORKER, "md_caseworker")
    md = Actor(user=membership.user, membership=membership)

    imported = importing.referral_import(actor=md, raw=raw(content))

    assert imported.status == ReferralStatus.SENT
    assert imported.case is None
    assert imported.receiver_organisation == point
    assert imported.sender_organisation == world.agency_a
    assert imported.reference != content["reference"]
    assert imported in Referral.objects.visible_to(md)
    assert imported.acknowledge_due_at is not None
    sections = importing.content_sections(imported)
    for key in ("kind", "urgency", "reason", "needs", "shared_groups", "person", "data", "sender"):
        assert sections[key] == (content[key] or sections[key]), key
    assert sections["data"] == content["data"]
    assert sections["data"]["names"]["value"] == NAME
    event = AuditEvent.objects.get(event_type="REFERRAL_CREATED", detail__imported=True)
    assert event.detail["source_reference"] == content["reference"]
    assert NAME not in json.dumps(event.detail)


def test_an_imported_referral_shows_the_persons_data_only_after_acknowledging(
    world: World, foreign: Organisation
) -> None:
    actor = importer(world)
    referral = importing.referral_import(actor=actor, raw=raw(hand_filled(world)))
    section = import_context(actor, referral)["imported"]
    assert section.hidden_until_acknowledged
    assert section.values == []
    assert section.sex == "Female"
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.ACKNOWLEDGED)
    referral.refresh_from_db()
    section = import_context(actor, referral)["imported"]
    values = {item.code: item for item in section.values}
    assert values["names"].value == NAME
    assert values["eye_colour"].unknown
    assert not values["names"].unknown
    assert AuditEvent.objects.filter(event_type="REFERRAL_VIEWED").exists()


def test_the_template_is_stored_as_a_sent_snapshot_and_unknown_fields_are_kept(
    world: World, foreign: Organisation
) -> None:
    referral = importing.referral_import(actor=importer(world), raw=raw(hand_filled(world)))
    data = TemplateInstance.objects.get(referral=referral).data
    sent = data["sent"]
    assert sent["values"]["s1_1.name"] == {"text": NAME, "lang": "ro"}
    assert sent["values"]["s1_1.date_of_birth"] == "1990-04-02"
    assert sent["values"]["s1_1.shoe_size"] == {"text": "38", "lang": "ro"}
    assert sent["groups"] == ["health", "identity"]
    added = {field["code"]: field for field in data["fields"]}
    assert added["s1_1.shoe_size"]["section"] == "s1_1"
    assert added["s1_1.shoe_size"]["group"] == "identity"
    assert data["imported"]["unknown"] == ["eye_colour"]


def test_the_same_file_is_not_imported_twice(world: World, foreign: Organisation) -> None:
    first = importing.referral_import(actor=importer(world), raw=raw(hand_filled(world)))
    errors = refused(importer(world), raw(hand_filled(world)))
    assert first.reference in errors["/reference"][0]
    assert first.origin_reference == hand_filled(world)["reference"]


def test_two_imports_of_one_file_at_once_store_one(
    world: World, foreign: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = importing.referral_import(actor=importer(world), raw=raw(hand_filled(world)))
    # the second import checked before the first committed: the database decides
    monkeypatch.setattr(importing, "already_imported", lambda *args: None)
    real, calls = receiving.origin_match, []

    def raced(incoming: receiving.Incoming) -> Referral | None:
        calls.append(incoming)
        return None if len(calls) == 1 else real(incoming)

    monkeypatch.setattr(receiving, "origin_match", raced)
    errors = refused(importer(world), raw(hand_filled(world)))
    assert first.reference in errors["/reference"][0]


# --- refusals: a clear message, nothing stored -----------------------------------------------


@pytest.mark.usefixtures("nothing_stored")
def test_malformed_json_is_refused(world: World, foreign: Organisation) -> None:
    errors = refused(importer(world), b'{"format": "opentrm.referral-export",\n "kind": }')
    assert "not valid JSON" in errors["file"][0]
    assert "line 2" in errors["file"][0]
    errors = refused(importer(world), b'{"kind": "a", "kind": "b"}')
    assert "“kind” appears twice" in errors["file"][0]


@pytest.mark.usefixtures("nothing_stored")
def test_a_file_that_is_not_utf8_or_empty_is_refused(world: World, foreign: Organisation) -> None:
    assert "UTF-8" in refused(importer(world), '{"reason": "é"}'.encode("latin-1"))["file"][0]
    assert "empty" in refused(importer(world), b"  ")["file"][0]


@pytest.mark.usefixtures("nothing_stored")
def test_an_oversize_file_is_refused(world: World, foreign: Organisation) -> None:
    content = hand_filled(world, reason="x" * 100)
    data = raw(content) + b" " * importing.MAX_BYTES
    assert "2 MiB" in refused(importer(world), data)["file"][0]


@pytest.mark.usefixtures("nothing_stored")
def test_a_schema_violation_names_the_place_and_never_the_value(
    world: World, foreign: Organisation
) -> None:
    content = hand_filled(world, kind="holiday", urgency=NAME, reason=12)
    content["sender"]["country"] = "Moldova"
    del content["receiver"]["organisation"]
    errors = refused(importer(world), raw(content))
    assert set(errors) >= {"/kind", "/urgency", "/reason", "/sender/country", "/receiver"}
    assert errors["/sender/country"][0].startswith("/sender/country: expected a country code")
    assert "“organisation” is missing" in errors["/receiver"][0]
    assert "expected a text or null" in errors["/reason"][0]
    assert NAME not in json.dumps(errors)


@pytest.mark.usefixtures("nothing_stored")
def test_at_most_ten_problems_are_listed(world: World, foreign: Organisation) -> None:
    content = hand_filled(world)
    content.update({f"extra_{n}": n for n in range(5)})
    content["needs"] = list(range(12))
    errors = refused(importer(world), raw(content))
    assert sum(len(messages) for messages in errors.values()) == importing.MAX_PROBLEMS


@pytest.mark.usefixtures("nothing_stored")
def test_a_sender_not_in_the_directory_is_refused(world: World, foreign: Organisation) -> None:
    content = hand_filled(world, sender={"organisation": "Unknown Fictional Body", "country": "MD"})
    errors = refused(importer(world), raw(content))
    assert "is not in the directory" in errors["/sender/organisation"][0]


@pytest.mark.usefixtures("nothing_stored")
def test_a_file_for_another_receiver_is_refused(world: World, foreign: Organisation) -> None:
    other = hand_filled(world, receiver={"organisation": world.agency_c.name, "country": "AL"})
    assert "/receiver/organisation" in refused(importer(world), raw(other))
    abroad = hand_filled(world, receiver={"organisation": world.agency_b.name, "country": "RO"})
    assert "/receiver/country" in refused(importer(world), raw(abroad))


@pytest.mark.usefixtures("nothing_stored")
def test_bad_dates_codes_and_template_values_are_refused_with_their_place(
    world: World, foreign: Organisation
) -> None:
    content = hand_filled(
        world,
        sent_at=(timezone.now() + timedelta(days=3)).isoformat(),
        answer_by="2020-02-30",
        person={"languages": ["zz9"]},
    )
    content["template"]["values"]["s1_1.date_of_birth"] = "1990-13-01"
    content["template"]["values"]["s1_1.sex"] = "unicorn"
    content["template"]["values"]["s99.anything"] = "x"
    content["template"]["values"]["s3_2.medical_history"] = "Fictional"
    content["data"]["names"]["group"] = "health"
    errors = refused(importer(world), raw(content))
    assert "in the future" in errors["/sent_at"][0]
    assert "not a valid date" in errors["/answer_by"][0]
    assert "/person/languages/0" in errors
    assert "/template/values/s1_1.date_of_birth" in errors
    assert "/template/values/s1_1.sex" in errors
    assert "no such section" in errors["/template/values/s99.anything"][0]
    assert "/data/names/group" in errors


@pytest.mark.usefixtures("nothing_stored")
def test_a_request_carries_no_template_and_a_document_request_names_its_document(
    world: World, foreign: Organisation
) -> None:
    errors = refused(importer(world), raw(hand_filled(world, kind="document_issuance")))
    assert "/document_type" in errors
    assert "/template" in errors


# --- who may import --------------------------------------------------------------------------


@pytest.mark.usefixtures("nothing_stored")
def test_the_interpreter_may_not_import(world: World, foreign: Organisation) -> None:
    with pytest.raises(PermissionDenied):
        importing.referral_import(
            actor=importer(world, Role.INTERPRETER), raw=raw(hand_filled(world))
        )


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("referral.json", content, content_type="application/json")


def test_the_import_page(
    world: World, foreign: Organisation, login: Callable[[User], Client], client: Client
) -> None:
    url = reverse("referrals:referral_import")
    assert client.get(url).status_code == 302  # to the login page
    login(world.user(Role.INTERPRETER))
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": _upload(raw(hand_filled(world)))}).status_code == 403
    login(world.user(Role.CASEWORKER))
    page = client.get(reverse("referrals:referral_list") + "?box=inbox")
    assert url in page.content.decode()
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 200
    bad = client.post(url, {"file": _upload(b"{not json")})
    assert bad.status_code == 200
    assert "not valid JSON" in bad.content.decode()
    assert not Referral.objects.exists()
    done = client.post(url, {"file": _upload(raw(hand_filled(world)))})
    referral = Referral.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("referrals:referral_detail", args=[referral.public_id])
    assert client.get(done["Location"]).status_code == 200


def test_the_import_api(
    world: World, foreign: Organisation, login: Callable[[User], Client], client: Client
) -> None:
    url = reverse("api-1:referrals_import")
    login(world.user(Role.INTERPRETER))
    assert client.post(url, {"file": _upload(raw(hand_filled(world)))}).status_code == 403
    assert client.post(url, {}).status_code == 403
    login(world.user(Role.CASEWORKER))
    assert client.post(url, {}).status_code == 422  # no file
    content = hand_filled(world)
    content["sender"]["country"] = "md"
    bad = client.post(url, {"file": _upload(raw(content))})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "/sender/country"
    assert not Referral.objects.exists()
    done = client.post(url, {"file": _upload(raw(hand_filled(world)))})
    assert done.status_code == 201, done.content
    assert done.json()["source_reference"] == "MD-2026-17"
    assert Referral.objects.get().receiver_organisation == world.agency_a


def test_the_documented_example_imports(world: World, foreign: Organisation) -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[3] / "docs" / "referrals.md").read_text(encoding="utf-8")
    section = docs.split("## Importing a referral from outside OpenTRM", 1)[1]
    example = section.split("```json", 1)[1].split("```", 1)[0]
    referral = importing.referral_import(actor=importer(world), raw=example.encode())
    assert referral.kind == "family_check"
    assert referral.sender_organisation == foreign
