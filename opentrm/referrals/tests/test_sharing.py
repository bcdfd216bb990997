"""Issue 11: the receiver of a transnational referral on this node takes part in the case; the
sender sees its own template; sharing more (or less) later is a step of the accepted referral,
here and between nodes. Fictional data only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import CaseParticipant
from opentrm.directory.models import Organisation, OrganisationType
from opentrm.exchange.models import OutboxMessage
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral, ReferralEvent, ReferralKind, ReferralStatus
from opentrm.referrals.services import forwarding, national, sharing
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests.test_exchange_link import _referral_package, arrive, created
from opentrm.referrals.tests.test_template import (
    NAME,
    Setup,
    create,
    focal_point,
    make_case,
    receiver,
    send,
    sender,
    setup,
    share_consent,
    step,
)

S = ReferralStatus


def accepted(world: World, s: Setup) -> Referral:
    referral = send(s, create(s))
    step(world, referral, "accept")
    referral.refresh_from_db()
    return referral


def without_agreement(world: World) -> Setup:
    """Consent to share with B, but no agreement in force yet: only the minimal offer leaves."""
    focal_point(world)
    case = make_case(world)
    return Setup(world, case, share_consent(world, case))


def change(
    world: World, referral: Referral, groups: list[str], actor: Actor | None = None
) -> Referral:
    referral.refresh_from_db()
    return sharing.referral_sharing_change(
        actor=actor or sender(world),
        referral=referral,
        expected_version=referral.version,
        groups=groups,
    )


# --- 1. the receiver ends with the case ----------------------------------------------------


def test_accepting_on_this_node_puts_the_focal_point_on_the_case_capped(world: World) -> None:
    s = setup(world)
    referral = accepted(world, s)
    participant = CaseParticipant.objects.get(case=s.case, organisation=world.agency_b)
    assert participant.is_active
    assert participant.shared_cap == ["identity"]
    assert referral.participant == participant
    client = Client()
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    assert s.case.number in client.get(reverse("cases:case_list")).content.decode()
    page = client.get(reverse("cases:case_detail", args=[s.case.public_id]), {"section": "all"})
    assert page.status_code == 200
    assert NAME in page.content.decode()
    assert 'id="health"' not in page.content.decode()


def test_the_focal_point_forwards_after_accepting(world: World) -> None:
    s = setup(world)
    referral = accepted(world, s)
    body = Organisation.objects.create(
        country=world.country_b, name="Fictional Assistance Body", type=OrganisationType.NGO
    )
    assert referral.pk in [r.pk for r in Referral.objects.filter(status=S.ACCEPTED)]
    forward = forwarding.referral_forward(
        actor=receiver(world), referral=referral, expected_version=referral.version, to=body
    )
    referral.refresh_from_db()
    assert referral.status == S.FORWARDED
    assert forward.receiver_organisation == body
    assert forward.kind == ReferralKind.TRANSNATIONAL


# --- 2. the sender sees its own draft ------------------------------------------------------


def test_the_sender_sees_its_own_values_and_what_the_gate_keeps_back(world: World) -> None:
    s = without_agreement(world)
    referral = create(s)
    view = tn.template_view(sender(world), referral)
    assert view is not None
    person = next(sv for sv in view.sections if sv.section.code == "s1_1")
    name = next(c for c in person.cells if c.field.code == "s1_1.name")
    assert name.state == tn.VALUE
    assert name.value["text"] == NAME
    assert name.kept
    assert person.filled >= 3  # name, sex, languages at least
    assert person.kept
    assert "s1_1.name" in view.withheld_codes()
    assert view.visible_values()["s1_1.name"]["text"] == NAME
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    page = client.get(reverse("referrals:template_editor", args=[referral.public_id])).content
    assert b"withheld by the gate" not in page
    assert b"stays with you" in page


# --- 3. sharing more later, here -----------------------------------------------------------


def test_an_agreement_in_force_later_lets_the_sender_share_identity_as_a_step(
    world: World,
) -> None:
    s = without_agreement(world)
    referral = accepted(world, s)
    assert referral.shared_groups == []
    member = receiver(world)
    view = tn.template_view(member, referral)
    assert view is not None
    assert "s1_1.name" not in view.visible_values()
    # before the agreement: identity is not allowed
    with pytest.raises(ValidationError):
        change(world, referral, ["identity"])
    make_agreement(
        world, flows={(world.agency_a, world.agency_b): [FieldGroup.IDENTITY]}, sign=True
    )
    change(world, referral, ["identity"])
    referral.refresh_from_db()
    assert referral.shared_groups == ["identity"]
    assert referral.status == S.ACCEPTED
    participant = CaseParticipant.objects.get(case=s.case, organisation=world.agency_b)
    assert participant.shared_cap == ["identity"]
    view = tn.template_view(member, referral)
    assert view is not None
    assert view.visible_values()["s1_1.name"]["text"] == NAME
    event = ReferralEvent.objects.filter(referral=referral).order_by("-id").first()
    assert event is not None
    assert event.status == S.ACCEPTED
    assert "identity" in event.note
    audit = AuditEvent.objects.get(event_type=EventType.REFERRAL_SHARING_CHANGED)
    assert audit.detail["groups_before"] == []
    assert audit.detail["groups_after"] == ["identity"]
    assert NAME not in str(audit.detail)
    # and narrowed again
    change(world, referral, [])
    referral.refresh_from_db()
    view = tn.template_view(member, referral)
    assert view is not None
    assert "s1_1.name" not in view.visible_values()
    assert CaseParticipant.objects.get(pk=participant.pk).shared_cap == []


def test_only_the_owner_shares_and_only_after_acceptance(world: World) -> None:
    s = setup(world)
    draft = create(s)
    with pytest.raises(ValidationError):
        change(world, draft, [])
    referral = accepted(world, s)
    with pytest.raises(PermissionDenied):
        change(world, referral, [], actor=receiver(world))
    with pytest.raises(ValidationError):
        change(world, referral, ["identity"])  # nothing changes
    with pytest.raises(ValidationError):
        change(world, referral, ["health"])  # the agreement does not allow it


def test_the_referral_page_offers_the_step_and_the_form_changes_it(world: World) -> None:
    s = setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.TRAVEL))
    referral = accepted(world, s)
    change(world, referral, ["identity"])
    referral.refresh_from_db()
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    detail = client.get(reverse("referrals:referral_detail", args=[referral.public_id]))
    assert b"Change what is shared" in detail.content
    url = reverse("referrals:referral_sharing", args=[referral.public_id])
    response = client.post(url, {"version": referral.version, "groups": ["identity", "travel"]})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.shared_groups == ["identity", "travel"]
    refused = client.post(url, {"version": referral.version, "groups": ["health"]})
    assert refused.status_code == 422


def test_the_api_takes_the_sharing_step(world: World) -> None:
    s = setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.TRAVEL))
    referral = accepted(world, s)
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    url = f"/api/v1/referrals/{referral.public_id}/sharing"
    response = client.post(
        url, {"version": referral.version, "groups": ["travel"]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["shared_groups"] == ["travel"]
    stale = client.post(
        url, {"version": referral.version, "groups": ["identity"]}, content_type="application/json"
    )
    assert stale.status_code == 409
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    refused = client.post(
        url, {"version": referral.version + 1, "groups": []}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_a_referral_within_the_country_shares_more_later_and_a_second_one_is_pointed_there(
    world: World,
) -> None:
    from conftest import make_member
    from opentrm.cases.tests.factories import record_consent

    ngo = world.agency_c
    member = make_member(ngo, Role.CASEWORKER, "c_caseworker")
    case = make_case(world)
    record_consent(world.actor(Role.CASE_MANAGER), case, "share_data", "Fictional.", to=ngo)
    referral = national.referral_send_national(
        actor=sender(world), case=case, receiver=ngo, reason="Fictional", service_type="shelter"
    )
    assert referral.shared_groups == []
    ngo_actor = Actor(user=member.user, membership=member)
    national.referral_accept(actor=ngo_actor, referral=referral, expected_version=referral.version)
    make_agreement(
        world, others=[ngo], flows={(world.agency_a, ngo): [FieldGroup.IDENTITY]}, sign=True
    )
    with pytest.raises(ValidationError) as refused:
        national.referral_send_national(
            actor=sender(world), case=case, receiver=ngo, reason="Fictional", service_type="shelter"
        )
    assert "Change what is shared" in str(refused.value)
    change(world, referral, ["identity"])
    participant = CaseParticipant.objects.get(case=case, organisation=ngo)
    assert participant.shared_cap == ["identity"]


# --- 3. sharing more later, between nodes --------------------------------------------------


def test_the_sharing_step_travels_to_the_other_node(world: World) -> None:
    ro = peer("RO")
    s = without_agreement(world)
    referral = send(s, create(s))
    arrive(
        ro,
        "status_update",
        {"reference": referral.reference, "status": "accepted", "at": "2026-01-01T10:00:00Z"},
    )
    make_agreement(
        world, flows={(world.agency_a, world.agency_b): [FieldGroup.IDENTITY]}, sign=True
    )
    change(world, referral, ["identity"])
    package = OutboxMessage.objects.filter(type="status_update", peer=ro).order_by("-id").first()
    assert package is not None
    assert package.body["status"] == "accepted"
    assert package.body["shared_groups"] == ["identity"]
    assert NAME in str(package.body["sections"])


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_sharing_step_from_the_sender_node_widens_the_incoming_referral(world: World) -> None:
    _original, body = _referral_package(world)
    al = peer("AL")
    narrow = {**body, "sections": {k: v for k, v in body["sections"].items() if k != "s1_1"}}
    narrow["referral"] = {**body["referral"], "shared_groups": []}
    incoming = created(arrive(al, "referral", narrow))
    member = world.actor(Role.CASE_MANAGER, org="b")
    national.referral_accept(actor=member, referral=incoming, expected_version=incoming.version)
    incoming.refresh_from_db()
    view = tn.template_view(member, incoming)
    assert view is not None
    assert "s1_1.name" not in view.visible_values()
    arrive(
        al,
        "status_update",
        {
            "format": 2,
            "reference": body["referral"]["reference"],
            "status": "accepted",
            "at": "2026-01-02T10:00:00Z",
            "shared_groups": ["identity"],
            "sections": body["sections"],
            "withheld": body["withheld"],
        },
    )
    incoming.refresh_from_db()
    assert incoming.shared_groups == ["identity"]
    view = tn.template_view(member, incoming)
    assert view is not None
    assert view.visible_values()["s1_1.name"]["text"] == NAME
    assert ReferralEvent.objects.filter(referral=incoming, note__contains="identity").exists()
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_SHARING_CHANGED).exists()
