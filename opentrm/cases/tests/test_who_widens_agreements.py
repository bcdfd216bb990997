"""Only the parties make an agreement (issue 9, finding 3).

An agreement widens access to cases: the owner of a case shares with a participant the field
groups an agreement in force lets flow from the owner to it. So each party records only its own
signature, a data flow out of an organisation counts only once that organisation approved it,
and the scope must fit the parties' countries. A third organisation -- any case manager, or the
national coordinator of another country -- can draft and propose, but opens nothing.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements import selectors, services, states
from opentrm.agreements.models import Agreement, AgreementParty, DataFlow, Signature
from opentrm.agreements.tests.factories import editor, make_agreement, signer
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.access import sharing_with, visible_groups
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register, participant_add
from opentrm.cases.tests.factories import record_consent
from opentrm.directory.models import ClearanceLevel, Country, Organisation, OrganisationType

EVERY_GROUP = [group.value for group in FieldGroup]
YESTERDAY = timezone.localdate() - timedelta(days=1)


def _actor(organisation: Organisation, role: Role, username: str) -> Actor:
    membership = make_member(organisation, role, username)
    return Actor(user=membership.user, membership=membership)


@pytest.fixture
def police(world: World) -> Organisation:
    return Organisation.objects.create(
        country=world.country_a, name="Fictiva Police Directorate", type=OrganisationType.POLICE
    )


@pytest.fixture
def investigator(police: Organisation) -> Actor:
    return _actor(police, Role.POLICE_INVESTIGATOR, "p_investigator")


@pytest.fixture
def case(world: World, police: Organisation) -> Case:
    """Agency A's case; the police take part, and the person consented to share with them."""
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(actor=manager, names=[NameData(value="Dora Fictiva")])
    participant_add(actor=manager, case=case, organisation=police)
    record_consent(
        manager,
        case,
        "share_data",
        "Who will see which data, why, and the risks.",
        to=police,
        on=YESTERDAY,
    )
    return case


def _forge(forger: Actor, owner: Organisation, police: Organisation, *, scope: str) -> Agreement:
    """What the attacker did: an agreement naming the owner and the police, every group
    allowed from the owner to the police."""
    agreement = services.agreement_create(actor=forger, title="Forged MoU", type="mou", scope=scope)
    for organisation in (owner, police):
        services.party_add(actor=forger, agreement=agreement, organisation=organisation)
    services.flow_set(
        actor=forger,
        agreement=agreement,
        sender_id=owner.pk,
        receiver_id=police.pk,
        categories=EVERY_GROUP,
    )
    return agreement


def _sign(actor: Actor, agreement: Agreement, organisation: Organisation, **extra: Any) -> None:
    services.signature_record(
        actor=actor,
        agreement=agreement,
        version_number=extra.pop("version_number", 1),
        organisation_id=organisation.pk,
        signed_on=YESTERDAY,
        signed_by="Director, fictional",
        **extra,
    )


def _denials() -> int:
    return AuditEvent.objects.filter(event_type=EventType.ACCESS_DENIED).count()


def _status(agreement: Agreement) -> states.Status:
    return states.status(selectors.agreement_detail(agreement.pk), timezone.localdate())


# --- finding 3, as reported ---------------------------------------------------------------------


@pytest.mark.parametrize("attacker", ["case_manager_of_c", "serbian_coordinator"])
def test_it_opens_nothing_when_a_third_organisation_forges_an_agreement(
    world: World, case: Case, police: Organisation, investigator: Actor, attacker: str
) -> None:
    if attacker == "case_manager_of_c":
        # Agency C holds a security clearance (SOP-P12), so only the permission layer stands
        # between the forger and the police.
        Organisation.objects.filter(pk=world.agency_c.pk).update(
            clearance_level=ClearanceLevel.CONFIDENTIAL
        )
        world.agency_c.refresh_from_db()
        forger, scope = _actor(world.agency_c, Role.CASE_MANAGER, "c_manager"), "national"
    else:
        serbia = Country.objects.create(code="RS")
        office = Organisation.objects.create(
            country=serbia, name="Fictional Serbian coordination office", type="government"
        )
        forger, scope = _actor(office, Role.NATIONAL_COORDINATOR, "rs_coordinator"), "bilateral"
    agreement = _forge(forger, world.agency_a, police, scope=scope)
    _sign(forger, agreement, forger.membership.organisation)  # type: ignore[union-attr]

    denied = _denials()
    for organisation in (world.agency_a, police):
        with pytest.raises(PermissionDenied):
            _sign(forger, agreement, organisation)
    assert _denials() == denied + 2  # each refusal is audited
    event = (
        AuditEvent.objects.filter(event_type=EventType.ACCESS_DENIED).order_by("sequence").last()
    )
    assert event is not None
    assert event.detail == {
        "action": "agreement.sign",
        "agreement_id": agreement.pk,
        "organisation_id": police.pk,
    }
    assert Signature.objects.filter(party__version__agreement=agreement).count() == 1
    assert _status(agreement) == states.Status.DRAFT
    assert sharing_with(case, police).groups == frozenset()
    assert visible_groups(investigator, case) == frozenset()

    # Even once the owner and the police sign it themselves, the flow the forger set out of the
    # owner opens nothing: only the owner decides what leaves it.
    _sign(signer(world.agency_a), agreement, world.agency_a)
    _sign(signer(police), agreement, police)
    assert _status(agreement) == states.Status.IN_FORCE
    assert selectors.allowed_categories(world.agency_a.pk, police.pk, timezone.localdate()) == (
        frozenset()
    )
    assert visible_groups(investigator, Case.objects.get(pk=case.pk)) == frozenset()

    with pytest.raises(PermissionDenied):  # the forger cannot approve it either
        services.flow_approve(
            actor=forger,
            agreement=agreement,
            version_number=1,
            sender_id=world.agency_a.pk,
            receiver_id=police.pk,
        )
    services.flow_approve(
        actor=world.actor(Role.CASE_MANAGER),
        agreement=agreement,
        version_number=1,
        sender_id=world.agency_a.pk,
        receiver_id=police.pk,
    )
    fresh = Case.objects.get(pk=case.pk)  # the gate is cached per case object (request)
    assert FieldGroup.PROCEEDINGS in visible_groups(investigator, fresh)


def test_it_lets_a_coordinator_or_case_manager_sign_for_its_own_organisation_only(
    world: World,
) -> None:
    agreement = make_agreement(world)
    with pytest.raises(PermissionDenied):  # no agreement.edit at all
        _sign(world.actor(Role.CASEWORKER), agreement, world.agency_a)
    with pytest.raises(PermissionDenied):  # B's manager is a party member, but not of A
        _sign(editor(world, "b"), agreement, world.agency_a)
    assert not Signature.objects.filter(party__version__agreement=agreement).exists()
    _sign(world.actor(Role.NATIONAL_COORDINATOR), agreement, world.agency_a)
    _sign(editor(world, "b"), agreement, world.agency_b)
    assert _status(agreement) == states.Status.IN_FORCE


def test_it_refuses_another_organisations_signature_through_the_api_and_the_page(
    world: World,
) -> None:
    agreement = make_agreement(world)
    client = Client()
    client.force_login(world.user(Role.CASE_MANAGER))
    response = client.post(
        f"/api/v1/agreements/{agreement.pk}/signatures",
        {
            "version": 1,
            "organisation_id": world.agency_b.pk,
            "signed_on": YESTERDAY.isoformat(),
            "signed_by": "Director B",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    page = client.get(reverse("agreements:signature_record", args=[agreement.pk]))
    assert world.agency_b.name not in page.content.decode()  # only A is offered
    response = client.post(
        reverse("agreements:signature_record", args=[agreement.pk]),
        {
            "version": 1,
            "party": world.agency_b.pk,
            "kind": "signature",
            "signed_on": YESTERDAY.isoformat(),
            "signed_by": "Director B",
        },
    )
    assert response.status_code == 200  # the form says B is not a choice
    assert not Signature.objects.filter(party__version__agreement=agreement).exists()


# --- data flows ---------------------------------------------------------------------------------


def _flow(agreement: Agreement, sender: Organisation, receiver: Organisation) -> DataFlow:
    return DataFlow.objects.get(
        version__agreement=agreement,
        version__number=states.latest_version(selectors.agreement_detail(agreement.pk)).number,
        sender__organisation=sender,
        receiver__organisation=receiver,
    )


def _set(actor: Actor, agreement: Agreement, world: World, *groups: FieldGroup) -> DataFlow:
    services.flow_set(
        actor=actor,
        agreement=agreement,
        sender_id=world.agency_a.pk,
        receiver_id=world.agency_b.pk,
        categories=[group.value for group in groups],
    )
    return _flow(agreement, world.agency_a, world.agency_b)


def test_it_keeps_a_flow_set_by_the_receiver_pending_until_the_sender_approves(
    world: World,
) -> None:
    agreement = make_agreement(world)
    flow = _set(editor(world, "b"), agreement, world, FieldGroup.IDENTITY, FieldGroup.HEALTH)
    assert (flow.effective_categories, flow.pending_categories) == ([], ["health", "identity"])
    _sign(editor(world), agreement, world.agency_a)
    _sign(editor(world, "b"), agreement, world.agency_b)
    today = timezone.localdate()
    assert selectors.allowed_categories(world.agency_a.pk, world.agency_b.pk, today) == frozenset()

    denied = _denials()
    client = Client()
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    api = f"/api/v1/agreements/{agreement.pk}/flows/approval"
    body = {"version": 1, "sender_id": world.agency_a.pk, "receiver_id": world.agency_b.pk}
    assert client.post(api, body, content_type="application/json").status_code == 403
    page = client.get(reverse("agreements:agreement_detail", args=[agreement.pk])).content
    assert b"Approve for our organisation" not in page
    assert _denials() == denied + 1
    assert _flow(agreement, world.agency_a, world.agency_b).approved_categories == []

    client.force_login(world.user(Role.CASE_MANAGER))
    page = client.get(reverse("agreements:agreement_detail", args=[agreement.pk])).content
    assert b"Approve for our organisation" in page
    response = client.post(
        reverse("agreements:flow_approve", args=[agreement.pk]),
        {
            "version": 1,
            "sender": world.agency_a.pk,
            "receiver": world.agency_b.pk,
            "categories": "health,identity",  # what the page showed
        },
    )
    assert response.status_code == 302
    assert selectors.allowed_categories(world.agency_a.pk, world.agency_b.pk, today) == {
        FieldGroup.IDENTITY,
        FieldGroup.HEALTH,
    }
    event = (
        AuditEvent.objects.filter(event_type=EventType.AGREEMENT_FLOW_CHANGED)
        .order_by("sequence")
        .last()
    )
    assert event is not None
    assert event.detail["newly_approved"] == ["health", "identity"]


def test_it_carries_no_approval_over_a_widening(world: World) -> None:
    agreement = make_agreement(world)
    flow = _set(editor(world), agreement, world, FieldGroup.IDENTITY, FieldGroup.CONTACT)
    assert flow.effective_categories == ["contact", "identity"]  # the sender set it: approved
    flow = _set(editor(world, "b"), agreement, world, FieldGroup.IDENTITY)  # narrowing: kept
    assert (flow.effective_categories, flow.pending_categories) == (["identity"], [])
    flow = _set(editor(world, "b"), agreement, world, FieldGroup.IDENTITY, FieldGroup.CONTACT)
    assert (flow.effective_categories, flow.pending_categories) == (["identity"], ["contact"])
    flow = _set(
        editor(world, "b"), agreement, world, FieldGroup.IDENTITY, FieldGroup.HEALTH
    )  # swapping categories widens too
    assert (flow.effective_categories, flow.pending_categories) == (["identity"], ["health"])


def test_an_amendment_keeps_the_senders_approval_and_a_new_widening_waits(world: World) -> None:
    a, b = world.agency_a, world.agency_b
    agreement = make_agreement(world, flows={(a, b): [FieldGroup.IDENTITY]}, sign=True)
    services.agreement_amend(actor=editor(world, "b"), agreement=agreement)
    flow = _set(editor(world, "b"), agreement, world, FieldGroup.IDENTITY, FieldGroup.HEALTH)
    assert (flow.effective_categories, flow.pending_categories) == (["identity"], ["health"])
    _sign(editor(world), agreement, a, version_number=2, kind="acknowledgement")
    _sign(editor(world, "b"), agreement, b, version_number=2, kind="acknowledgement")
    today = timezone.localdate()
    assert selectors.allowed_categories(a.pk, b.pk, today) == {FieldGroup.IDENTITY}


# --- scope --------------------------------------------------------------------------------------


def test_a_national_agreement_refuses_a_party_from_another_country(world: World) -> None:
    agreement = services.agreement_create(
        actor=editor(world), title="National protocol", type="protocol", scope="national"
    )
    with pytest.raises(ValidationError) as refused:
        services.party_add(actor=editor(world), agreement=agreement, organisation=world.agency_b)
    assert "all in one country" in str(refused.value.message_dict["organisation"])
    assert AgreementParty.objects.filter(version__agreement=agreement).count() == 1


def test_a_bilateral_agreement_needs_exactly_two_countries(world: World) -> None:
    agreement = services.agreement_create(
        actor=editor(world), title="Bilateral MoU", type="mou", scope="bilateral"
    )
    services.party_add(actor=editor(world), agreement=agreement, organisation=world.agency_c)
    with pytest.raises(ValidationError) as refused:  # both parties in Albania
        _sign(editor(world), agreement, world.agency_a)
    assert "exactly two countries" in str(refused.value)
    services.party_add(actor=editor(world), agreement=agreement, organisation=world.agency_b)
    third = Organisation.objects.create(
        country=Country.objects.create(code="MD"), name="Fictional Moldovan centre", type="ngo"
    )
    with pytest.raises(ValidationError) as refused:
        services.party_add(actor=editor(world), agreement=agreement, organisation=third)
    assert "exactly two countries" in str(refused.value)
    _sign(editor(world), agreement, world.agency_a)  # A and C in Albania, B in Romania
    assert Signature.objects.filter(party__version__agreement=agreement).count() == 1


def test_a_multilateral_agreement_needs_more_than_two_countries(world: World) -> None:
    agreement = make_agreement(world)
    Agreement.objects.filter(pk=agreement.pk).update(scope="multilateral")
    with pytest.raises(ValidationError) as refused:
        _sign(editor(world), agreement, world.agency_a)
    assert "more than two countries" in str(refused.value)
    assert not Signature.objects.filter(party__version__agreement=agreement).exists()


def test_changing_the_scope_is_checked_against_the_parties(world: World) -> None:
    agreement = make_agreement(world)  # A (Albania) and B (Romania): bilateral
    draft = selectors.agreement_detail(agreement.pk).versions.get()
    with pytest.raises(ValidationError) as refused:
        services.agreement_update(
            actor=editor(world),
            agreement=agreement,
            expected_version=draft.version,
            changes={"scope": "national"},
        )
    assert "all in one country" in str(refused.value.message_dict["scope"])
    agreement.refresh_from_db()
    assert agreement.scope == "bilateral"


def test_it_approves_nothing_when_the_flow_changed_after_the_sender_looked(world: World) -> None:
    agreement = make_agreement(world)
    _set(editor(world, "b"), agreement, world, FieldGroup.IDENTITY)
    seen = ["identity"]
    _set(editor(world, "b"), agreement, world, FieldGroup.IDENTITY, FieldGroup.HEALTH)
    with pytest.raises(ValidationError) as refused:
        services.flow_approve(
            actor=editor(world),
            agreement=agreement,
            version_number=1,
            sender_id=world.agency_a.pk,
            receiver_id=world.agency_b.pk,
            categories=seen,
        )
    assert "changed this data flow meanwhile" in str(refused.value)
    assert _flow(agreement, world.agency_a, world.agency_b).approved_categories == []


def test_the_page_offers_each_organisation_only_its_own_signature(world: World) -> None:
    agreement = make_agreement(world)
    url = reverse("agreements:agreement_detail", args=[agreement.pk])
    sign_url = reverse("agreements:signature_record", args=[agreement.pk])
    client = Client()
    client.force_login(world.user(Role.CASE_MANAGER))
    assert sign_url in client.get(url).content.decode()
    _sign(editor(world), agreement, world.agency_a)
    assert sign_url not in client.get(url).content.decode()  # A has signed; B's is B's
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    assert sign_url in client.get(url).content.decode()
