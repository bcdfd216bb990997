"""Packages of a peer node at their edges, on the receiving node: no focal point to receive
them, a template version this node does not know, a package of the first format (no minimal
offer) read from the identity it shares or showing no person when it shares none; and on the
sending node, a template without a country profile and a request's optional fields.
Fictional data only."""

import copy

from django.test import override_settings

from conftest import World
from opentrm.directory.models import Responsibility
from opentrm.exchange.models import OutboxMessage
from opentrm.referrals.models import Referral, TemplateInstance
from opentrm.referrals.services import exchange_packages
from opentrm.referrals.tests.test_exchange_link import (
    _referral_package,
    arrive,
    created,
    peer,
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
