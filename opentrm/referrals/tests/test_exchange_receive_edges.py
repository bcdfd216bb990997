"""Packages of a peer node at their edges, on the receiving node: no focal point to receive
them, a template version this node does not know, a package of the first format (no minimal
offer) read from the identity it shares or showing no person when it shares none; and on the
sending node, a template without a country profile and a request's optional fields.
Fictional data only."""

import copy
from typing import Any

from django.test import override_settings

from conftest import World
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Function, Organisation, Responsibility
from opentrm.exchange.models import OutboxMessage
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral, TemplateInstance
from opentrm.referrals.services import exchange_packages
from opentrm.referrals.tests.test_exchange_link import (
    _referral_package,
    arrive,
    created,
    processed,
    sent_referral,
)


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_package_for_a_country_without_a_focal_point_is_refused(world: World) -> None:
    _original, body = _referral_package(world)
    Responsibility.objects.filter(country=world.country_b).delete()
    message = arrive(peer("AL"), "referral", body)
    assert message.referral_id is None
    assert processed(message)["error"] == "no_focal_point"


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_template_version_this_node_does_not_know_is_refused(world: World) -> None:
    _original, body = _referral_package(world)
    body = copy.deepcopy(body)
    body["referral"]["template_version"] = 99
    message = arrive(peer("AL"), "referral", body)
    assert message.referral_id is None
    assert processed(message)["error"] == "unknown_template"


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_first_format_package_shows_the_person_from_the_identity_it_shares(
    world: World,
) -> None:
    _original, body = _referral_package(world)  # shares identity and assistance
    first_format = copy.deepcopy(body)
    del first_format["offer"]
    incoming = created(arrive(peer("AL"), "referral", first_format))
    person = incoming.template.data["imported"]["person"]
    assert person["sex"] == "Female"
    assert person["offer"]["sex"] == "female"


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_first_format_package_without_identity_shows_no_person(world: World) -> None:
    _original, body = _referral_package(world)
    first_format = copy.deepcopy(body)
    del first_format["offer"]
    first_format["referral"]["shared_groups"] = ["assistance"]
    incoming = created(arrive(peer("AL"), "referral", first_format))
    assert incoming.template.data["imported"]["person"] == {}
    assert "s1_1.sex" not in incoming.template.data["sent"]["values"]


def test_a_template_without_a_country_profile_travels_without_one(world: World) -> None:
    peer("RO")
    _s, referral = sent_referral(world)
    TemplateInstance.objects.filter(referral=referral).update(profile_country="")
    body = exchange_packages.referral_body(Referral.objects.get(pk=referral.pk))
    assert body["referral"]["template_profile"] is None
    (queued,) = OutboxMessage.objects.filter(type="referral")
    assert queued.body["referral"]["template_profile"] is not None  # as it was sent


def test_a_request_package_carries_its_document_and_no_empty_fields(world: World) -> None:
    from opentrm.referrals.tests.test_requests import adult_case, focal_point, sent_request

    peer("RO")
    focal_point(world)
    request = sent_request(
        world, adult_case(world), kind="document_issuance", document_type="birth_certificate"
    )
    Referral.objects.filter(pk=request.pk).update(answer_due_at=None, legal_basis="")
    body = exchange_packages.request_body(Referral.objects.get(pk=request.pk))
    head = body["request"]
    assert head["document_type"] == "birth_certificate"
    assert "measure_code" not in head
    assert "answer_due_at" not in head
    assert "opentrm_legal_basis" not in head


# --- which organisation of this node a package is for ---------------------------------------


def received_audit(referral: Referral) -> dict[str, Any]:
    event = AuditEvent.objects.get(
        event_type=EventType.REFERRAL_CREATED, target_id=str(referral.pk)
    )
    detail: dict[str, Any] = event.detail
    return detail


def _child_authority(world: World) -> Organisation:
    child = Organisation.objects.create(
        country=world.country_b, name="Fictional RO child authority", type="child_protection"
    )
    Responsibility.objects.create(
        country=world.country_b, function=Function.CHILD_AUTHORITY, organisation=child
    )
    return child


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_package_without_a_receiver_id_reaches_the_child_authority_it_names(
    world: World,
) -> None:
    """A node that sends no stable id (its copy of this node's entry was typed in by hand)
    names the receiver by name: the child authority it names receives the referral."""
    _original, body = _referral_package(world)
    child = _child_authority(world)
    body = copy.deepcopy(body)
    body["referral"]["receiver_organisation"] = child.name
    del body["referral"]["receiver_organisation_id"]
    incoming = created(arrive(peer("AL"), "referral", body))
    assert incoming.receiver_organisation == child
    assert received_audit(incoming)["receiver_id"] == child.pk


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_package_naming_another_body_goes_to_the_national_focal_point(world: World) -> None:
    _original, body = _referral_package(world)
    _child_authority(world)
    body = copy.deepcopy(body)
    body["referral"]["receiver_organisation"] = "A fictional office this node does not know"
    del body["referral"]["receiver_organisation_id"]
    incoming = created(arrive(peer("AL"), "referral", body))
    assert incoming.receiver_organisation == world.agency_b


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_with_a_child_authority_but_no_national_focal_point_a_package_for_another_is_refused(
    world: World,
) -> None:
    """The package names the former focal point (no longer one): only the child authority
    receives here, and only what is addressed to it; the package is refused, nothing kept."""
    _original, body = _referral_package(world)
    _child_authority(world)
    Responsibility.objects.filter(
        country=world.country_b, function=Function.NATIONAL_FOCAL_POINT
    ).delete()
    message = arrive(peer("AL"), "referral", body)
    assert message.referral_id is None
    assert processed(message)["error"] == "no_focal_point"
    assert not Referral.objects.filter(origin_node="node-al").exists()


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_request_keeps_no_field_of_a_group_it_does_not_share(world: World) -> None:
    """A peer that sends a travel-document field with a request sharing only identity: the
    field is not kept on the receiving node, nor listed in the audit of what arrived."""
    from opentrm.referrals.tests.test_exchange_requests import sent_with_package

    _request, package = sent_with_package(world)
    body = copy.deepcopy(package.body)
    assert body["request"]["shared_groups"] == ["identity"]
    body["sections"]["s1_1"]["opentrm_travel_document_comments"] = "Fictional FX0009999"
    message = arrive(peer("AL"), "request", body)
    incoming = created(message)
    kept = incoming.template.data["imported"]["data"]
    assert "names" in kept
    assert "documents" not in kept
    assert "FX0009999" not in str(incoming.template.data)
    assert "names" in received_audit(incoming)["fields"]
    assert "documents" not in received_audit(incoming)["fields"]
