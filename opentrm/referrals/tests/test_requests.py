"""Transnational requests (issue 4 §7): routing, the gate, the asylum guard, the steps."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import case_register
from opentrm.cases.services.child import OriginContactBlockedError
from opentrm.cases.services.registration import NameData
from opentrm.cases.tests.factories import indicate_asylum, record_consent
from opentrm.core.errors import ConflictError
from opentrm.directory.models import Country, Function, Organisation, Responsibility
from opentrm.referrals.models import Referral, ReferralEvent, Routing, Urgency, WorkingCalendar
from opentrm.referrals.services import requests

NAME = "Elira Fictivani"
BORN = date(1990, 4, 2)
ADDRESS = "Rruga e Imagjinuar 7, Fictiva"


def focal_point(world: World, organisation: Organisation | None = None) -> Organisation:
    organisation = organisation or world.agency_b
    Responsibility.objects.create(
        country=organisation.country,
        function=Function.NATIONAL_FOCAL_POINT,
        organisation=organisation,
    )
    return organisation


def adult_case(world: World, *, citizenship: str = "RO") -> Case:
    return case_register(
        actor=world.actor(Role.CASEWORKER),
        names=[NameData(value=NAME)],
        sex="female",
        date_of_birth=BORN,
        citizenships=[citizenship],
    )


def child_case(world: World) -> Case:
    return case_register(
        actor=world.actor(Role.CASEWORKER),
        names=[NameData(value="Mira Fictiva")],
        date_of_birth=timezone.localdate() - timedelta(days=365 * 14),
        citizenships=["RO"],
    )


def consent_for(world: World, case: Case, organisation: Organisation) -> None:
    record_consent(
        world.actor(Role.CASEWORKER), case, "share_data", "Fictional explanation", to=organisation
    )


def agreement_for(world: World, groups: list[FieldGroup], to: Organisation | None = None) -> None:
    receiver = to or world.agency_b
    make_agreement(world, others=[receiver], flows={(world.agency_a, receiver): groups}, sign=True)


def sender(world: World) -> Actor:
    return world.actor(Role.CASEWORKER)


def receiver(world: World) -> Actor:
    return world.actor(Role.CASEWORKER, org="b")


def draft_request(
    world: World,
    case: Case | None,
    *,
    kind: str = "identity_verification",
    receiver_country: str = "RO",
    reason: str = "Please verify the nationality.",
    **extra: Any,
) -> Referral:
    """A request about ``case`` to ``receiver_country``, drafted by agency A's caseworker."""
    return requests.request_create(
        actor=sender(world),
        case=case,
        kind=kind,
        receiver_country=receiver_country,
        reason=reason,
        **extra,
    )


def sent_request(
    world: World,
    case: Case | None,
    *,
    kind: str = "identity_verification",
    accept_partial: bool = True,
    **extra: str,
) -> Referral:
    referral = draft_request(world, case, kind=kind, **extra)
    return requests.request_send(
        actor=sender(world),
        referral=referral,
        expected_version=referral.version,
        accept_partial=accept_partial,
    )


def step(
    take: Callable[..., Referral], referral: Referral, actor: Actor, **values: Any
) -> Referral:
    """``actor`` takes the step ``take`` on ``referral``, at its version, with ``values``."""
    return take(actor=actor, referral=fresh(referral), expected_version=referral.version, **values)


def fresh(referral: Referral) -> Referral:
    return Referral.objects.select_related(
        "case__person", "receiver_organisation__country", "sender_organisation__country"
    ).get(pk=referral.pk)


# --- creating and routing ----------------------------------------------------------------------


def test_a_request_goes_to_the_focal_point_by_default(world: World) -> None:
    point = focal_point(world)
    case = adult_case(world)
    referral = draft_request(world, case, kind="family_check", reason="Check the family situation.")
    assert referral.receiver_organisation == point
    assert referral.routing == Routing.FOCAL_POINT
    assert referral.status == "draft"
    event = AuditEvent.objects.get(event_type="REFERRAL_CREATED")
    assert event.detail["routing"] == "focal_point"


def _family_check(world: World, case: Case, intended: Organisation) -> Referral:
    """A request to Romania to check the family, meant for ``intended``."""
    return draft_request(world, case, kind="family_check", intended=intended, reason="Check.")


def test_a_direct_route_is_taken_only_where_the_country_allows_it_and_is_logged(
    world: World,
) -> None:
    focal_point(world)
    shelter = Organisation.objects.create(country=world.country_b, name="Fictional shelter RO")
    case = adult_case(world)
    routed = _family_check(world, case, shelter)
    assert routed.receiver_organisation == world.agency_b
    assert routed.intended_organisation == shelter
    WorkingCalendar.objects.create(country=world.country_a, allow_direct_routes=True)
    direct = _family_check(world, case, shelter)
    assert direct.receiver_organisation == shelter
    assert direct.routing == Routing.DIRECT
    requests.request_send(
        actor=sender(world), referral=direct, expected_version=direct.version, accept_partial=True
    )
    sent = AuditEvent.objects.filter(event_type="REFERRAL_SENT", target_id=str(direct.pk)).get()
    assert sent.detail["routing"] == "direct"


def test_it_refuses_a_competent_body_outside_the_country_asked(world: World) -> None:
    focal_point(world)
    moldovan = Organisation.objects.create(
        country=Country.objects.create(code="MD"), name="Fictional shelter MD"
    )
    case = adult_case(world)
    with pytest.raises(ValidationError) as refused:
        _family_check(world, case, moldovan)
    assert refused.value.message_dict["intended"] == [
        "Pick an organisation in the receiving country."
    ]
    assert not Referral.objects.exists()


def test_a_child_case_goes_to_the_child_authority(world: World) -> None:
    focal_point(world)
    authority = Organisation.objects.create(country=world.country_b, name="Child authority RO")
    Responsibility.objects.create(
        country=world.country_b, function=Function.CHILD_AUTHORITY, organisation=authority
    )
    referral = draft_request(
        world, child_case(world), kind="safety_check", reason="Check the safety of the home."
    )
    assert referral.receiver_organisation == authority


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "teleport"}, "kind"),
        ({"receiver_country": "XX"}, "receiver_country"),
        ({"receiver_country": "AL"}, "receiver_country"),
        ({"reason": "  "}, "reason"),
        ({"kind": "document_issuance"}, "document_type"),
        ({"urgency": "immediate"}, "urgency"),
        ({"document_type": "passport"}, "document_type"),
        ({"urgency": "whenever"}, "urgency"),
        ({"reason": "x" * 4001}, "reason"),
    ],
)
def test_bad_input_is_refused_on_the_field_and_nothing_is_written(
    world: World, changes: dict[str, str], field: str
) -> None:
    focal_point(world)
    case = adult_case(world)
    values = {"kind": "family_check", "receiver_country": "RO", "reason": "Check."} | changes
    with pytest.raises(ValidationError) as error:
        requests.request_create(actor=sender(world), case=case, **values)  # type: ignore[arg-type]
    assert field in error.value.message_dict
    assert not Referral.objects.exists()


def test_a_personal_request_needs_a_case_but_a_thematic_one_does_not(world: World) -> None:
    focal_point(world)
    with pytest.raises(ValidationError) as error:
        requests.request_create(
            actor=sender(world), kind="identity_verification", receiver_country="RO", reason="x"
        )
    assert "case" in error.value.message_dict
    thematic = sent_request(world, None, kind="socio_economic_risk")
    assert thematic.case is None
    assert thematic.shared_groups == []


def test_a_country_without_a_focal_point_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        draft_request(world, adult_case(world), kind="family_check", reason="x")
    assert "receiver_country" in error.value.message_dict


def test_an_inactive_focal_point_is_refused(world: World) -> None:
    focal_point(world)
    Organisation.objects.filter(pk=world.agency_b.pk).update(is_active=False)
    with pytest.raises(ValidationError):
        draft_request(world, adult_case(world), kind="family_check", reason="x")
    assert not Referral.objects.exists()


def test_immediate_danger_is_immediate_with_short_time_limits(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world), kind="immediate_danger")
    assert referral.urgency == Urgency.IMMEDIATE
    assert referral.sent_at is not None
    assert referral.acknowledge_due_at == referral.sent_at + timedelta(hours=2)
    assert referral.answer_due_at == referral.sent_at + timedelta(hours=24)


def test_a_document_issuance_names_the_document(world: World) -> None:
    focal_point(world)
    referral = sent_request(
        world, adult_case(world), kind="document_issuance", document_type="birth_certificate"
    )
    assert referral.document_type == "birth_certificate"


# --- the asylum guard --------------------------------------------------------------------------


def test_no_request_goes_to_the_childs_country_of_origin_after_asylum(world: World) -> None:
    focal_point(world)
    case = child_case(world)
    indicate_asylum(world, case)
    for kind in ("identity_verification", "family_check", "immediate_danger"):
        with pytest.raises(OriginContactBlockedError):
            draft_request(world, case, kind=kind, reason="x")
    assert not Referral.objects.exists()
    blocked = AuditEvent.objects.filter(event_type="ORIGIN_CONTACT_BLOCKED")
    assert blocked.count() == 3
    assert "Mira" not in str(blocked.first().detail)  # type: ignore[union-attr]


def test_the_asylum_guard_answers_first_whatever_else_is_wrong(world: World) -> None:
    """No focal point for the country and no reason: still the guard's audited refusal, not
    the routing or the reason error (an attempt towards the origin is always on the trail)."""
    case = child_case(world)
    indicate_asylum(world, case)
    with pytest.raises(OriginContactBlockedError):
        draft_request(world, case, kind="family_check", reason="")
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(event_type="ORIGIN_CONTACT_BLOCKED").count() == 1


def test_asylum_indicated_after_the_draft_blocks_the_sending(world: World) -> None:
    focal_point(world)
    case = child_case(world)
    draft = draft_request(world, case, kind="family_check", reason="x")
    indicate_asylum(world, case)
    with pytest.raises(OriginContactBlockedError):
        requests.request_send(
            actor=sender(world), referral=draft, expected_version=draft.version, accept_partial=True
        )
    assert fresh(draft).status == "draft"


# --- the gate --------------------------------------------------------------------------------


def test_without_consent_and_agreement_the_sender_must_confirm_a_minimal_request(
    world: World,
) -> None:
    focal_point(world)
    case = adult_case(world)
    draft = draft_request(world, case, reason="x")
    with pytest.raises(ValidationError) as error:
        requests.request_send(actor=sender(world), referral=draft, expected_version=draft.version)
    message = " ".join(error.value.message_dict["accept_partial"])
    assert "consent" in message
    assert fresh(draft).status == "draft"
    sent = requests.request_send(
        actor=sender(world), referral=draft, expected_version=draft.version, accept_partial=True
    )
    assert sent.shared_groups == []


def test_only_the_groups_that_consent_and_agreement_allow_reach_the_receiver(
    world: World,
) -> None:
    focal_point(world)
    case = adult_case(world)
    consent_for(world, case, world.agency_b)
    agreement_for(world, [FieldGroup.IDENTITY])
    referral = sent_request(world, case, kind="family_check")
    assert referral.shared_groups == ["identity"]
    assert referral.consent is not None
    assert referral.agreement is not None
    # before acknowledging: the minimal offer only
    assert requests.receiver_groups(receiver(world), fresh(referral)) == frozenset()
    step(requests.request_acknowledge, referral, receiver(world))
    groups = requests.receiver_groups(receiver(world), fresh(referral))
    values = {v.code: v.value for v in requests.shared_values(fresh(referral), groups)}
    assert values["names"] == NAME
    assert values["date_of_birth"] == BORN.isoformat()
    assert "address" not in values  # contact: no agreement for it


def test_the_receiver_page_shows_the_minimal_offer_until_acknowledged(
    world: World, client: Client
) -> None:
    focal_point(world)
    case = adult_case(world)
    case.person.address = ADDRESS
    case.person.save(update_fields=["address"])
    consent_for(world, case, world.agency_b)
    agreement_for(world, [FieldGroup.IDENTITY, FieldGroup.CONTACT])
    referral = sent_request(world, case, kind="safety_check")
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    url = reverse("referrals:referral_detail", args=[referral.public_id])
    page = client.get(url).content.decode()
    for value in (NAME, BORN.isoformat(), ADDRESS):
        assert value not in page
    # the birth year alone, not as part of a hex id on the page (a uuid may hold "1990")
    assert re.search(r"(?<![0-9a-f])1990(?![0-9a-f-])", page) is None
    client.post(
        reverse("referrals:request_acknowledge", args=[referral.public_id]),
        {"version": referral.version},
    )
    page = client.get(url).content.decode()
    assert NAME in page
    assert ADDRESS in page
    viewed = AuditEvent.objects.filter(event_type="REFERRAL_VIEWED", target_id=str(referral.pk))
    details = [event.detail for event in viewed]
    assert any(detail.get("groups") == ["contact", "identity"] for detail in details)
    assert NAME not in str(details)


def test_a_withdrawn_consent_hides_the_data_from_that_moment(world: World) -> None:
    focal_point(world)
    case = adult_case(world)
    consent_for(world, case, world.agency_b)
    agreement_for(world, [FieldGroup.IDENTITY])
    referral = sent_request(world, case)
    step(requests.request_acknowledge, referral, receiver(world))
    record_consent(
        world.actor(Role.CASEWORKER),
        case,
        "share_data",
        "Fictional withdrawal",
        to=world.agency_b,
        decision="refused",
    )
    assert requests.receiver_groups(receiver(world), fresh(referral)) == frozenset()


# --- the steps -------------------------------------------------------------------------------


def test_the_receiver_acknowledges_and_answers(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    acknowledged = step(requests.request_acknowledge, referral, receiver(world))
    answered = step(
        requests.request_answer,
        acknowledged,
        receiver(world),
        answer="Nationality confirmed by the civil registry.",
    )
    assert answered.status == "answered"
    assert answered.answered_at is not None
    assert list(
        ReferralEvent.objects.filter(referral=referral).values_list("status", flat=True)
    ) == [
        "sent",
        "acknowledged",
        "answered",
    ]
    assert AuditEvent.objects.filter(event_type="REFERRAL_ANSWERED").exists()
    closed = requests.request_close(
        actor=sender(world), referral=fresh(referral), expected_version=answered.version
    )
    assert closed.status == "closed"


def test_an_answer_needs_text_and_a_decline_a_reason(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    with pytest.raises(ValidationError) as error:
        step(requests.request_answer, referral, receiver(world), answer=" ")
    assert "answer" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        step(requests.request_decline, referral, receiver(world), reason="")
    assert "reason" in error.value.message_dict
    declined = step(requests.request_decline, referral, receiver(world), reason="Not competent.")
    assert declined.status == "declined"


def test_only_the_receiver_answers_and_only_the_sender_sends(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    with pytest.raises(PermissionDenied):
        step(requests.request_answer, referral, sender(world), answer="x")
    with pytest.raises(PermissionDenied):
        step(requests.request_acknowledge, referral, world.actor(Role.INTERPRETER, org="b"))


def test_a_stale_answer_is_refused(world: World) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    step(requests.request_acknowledge, referral, receiver(world))
    with pytest.raises(ConflictError):
        step(requests.request_answer, referral, receiver(world), answer="Late.")


def test_others_do_not_see_the_request(world: World, client: Client) -> None:
    focal_point(world)
    referral = sent_request(world, adult_case(world))
    outsider = Organisation.objects.create(country=world.country_a, name="Outsider org")
    from conftest import make_member

    member = make_member(outsider, Role.CASEWORKER, "outsider_cw")
    client.force_login(member.user)
    response = client.post(
        reverse("referrals:request_answer", args=[referral.public_id]),
        {"version": referral.version, "answer": "x"},
    )
    assert response.status_code == 404


def test_the_create_page_drafts_and_shows_field_errors(world: World, client: Client) -> None:
    focal_point(world)
    case = adult_case(world)
    client.force_login(world.user(Role.CASEWORKER))
    url = reverse("referrals:request_create_for_case", args=[case.public_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "document_issuance",
            "receiver_country": "RO",
            "urgency": "routine",
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert "Pick the document asked for." in response.content.decode()
    response = client.post(
        url,
        {
            "kind": "document_issuance",
            "receiver_country": "RO",
            "urgency": "routine",
            "document_type": "laissez_passer",
            "reason": "Issue a laissez-passer for the return.",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    page = client.get(reverse("referrals:referral_detail", args=[referral.public_id]))
    assert "Send the request" in page.content.decode()


def test_the_api_creates_sends_and_answers(world: World, client: Client) -> None:
    focal_point(world)
    case = adult_case(world)
    client.force_login(world.user(Role.CASEWORKER))
    response = client.post(
        "/api/v1/referrals/requests/",
        {
            "kind": "identity_verification",
            "receiver_country": "RO",
            "case_public_id": str(case.public_id),
            "reason": "Verify.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    public_id = body["public_id"]
    response = client.post(
        f"/api/v1/referrals/{public_id}/request/send",
        {"version": body["version"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "accept_partial"
    response = client.post(
        f"/api/v1/referrals/{public_id}/request/send",
        {"version": body["version"], "accept_partial": True},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["withheld_groups"] == ["identity", "travel"]
    client.force_login(world.user(Role.CASEWORKER, org="b"))
    version = response.json()["version"]
    response = client.post(
        f"/api/v1/referrals/{public_id}/request/answer",
        {"version": version, "answer": "Confirmed."},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "answered"
