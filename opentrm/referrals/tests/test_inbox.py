"""The inbox and outbox of an organisation (and of a focal point), their filters, counts and
overdue flags, the navigation link, and the referral links on the case page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Function, Organisation, OrganisationType, Responsibility
from opentrm.referrals import selectors
from opentrm.referrals.models import Referral, ReferralStatus, Routing
from opentrm.referrals.services import national
from opentrm.referrals.services.transitions import referral_transition
from opentrm.referrals.tests.test_national import (
    Scene,
    assert_nothing_identifying,
    client_for,
    make_scene,
    send,
)

LIST = "referrals:referral_list"


def _second_case_referral(scene: Scene, **changes: Any) -> Referral:
    """Another referral to the shelter, of a second case of agency A."""
    from opentrm.cases.services import case_register

    case = case_register(actor=scene.world.actor(Role.CASE_MANAGER), sex="male")
    return send(scene, case=case, **changes)


def test_the_inbox_and_the_outbox_list_each_sides_referrals(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    inbox = client_for(scene.receiver).get(reverse(LIST)).content.decode()
    assert referral.reference in inbox
    assert "Agency A Centre for Social Work" in inbox
    assert_nothing_identifying(inbox)
    outbox = client_for(scene.sender).get(reverse(LIST), {"box": "outbox"}).content.decode()
    assert referral.reference in outbox
    assert scene.case.number in outbox
    assert "Fictional Shelter D" in outbox
    # The sender's inbox and the receiver's outbox are empty.
    assert referral.reference not in client_for(scene.sender).get(reverse(LIST)).content.decode()
    other = client_for(scene.receiver).get(reverse(LIST), {"box": "outbox"}).content.decode()
    assert referral.reference not in other


def test_filters_and_counts_per_status(world: World) -> None:
    scene = make_scene(world)
    routine = send(scene, urgency="routine")
    urgent = _second_case_referral(scene, urgency="urgent")
    national.referral_acknowledge(
        actor=scene.receiver, referral=urgent, expected_version=urgent.version
    )
    client = client_for(scene.receiver)

    def listed(**query: str) -> str:
        return client.get(reverse(LIST), query).content.decode()

    page = listed()
    assert routine.reference in page
    assert urgent.reference in page
    assert "Sent: 1" in page
    assert "Acknowledged: 1" in page
    assert "2 referrals" in page
    page = listed(status="acknowledged")
    assert urgent.reference in page
    assert routine.reference not in page
    page = listed(urgency="routine")
    assert routine.reference in page
    assert urgent.reference not in page
    page = listed(kind="transnational")
    assert routine.reference not in page
    assert urgent.reference not in page
    page = listed(kind="national", status="bogus", urgency="nope")  # unknown values: ignored
    assert routine.reference in page
    assert urgent.reference in page
    outbox = client_for(scene.sender).get(
        reverse(LIST), {"box": "outbox", "case": str(scene.case.public_id)}
    )
    assert routine.reference in outbox.content.decode()
    assert urgent.reference not in outbox.content.decode()


def test_overdue_referrals_are_flagged_and_filtered(world: World) -> None:
    scene = make_scene(world)
    late = send(scene)
    on_time = _second_case_referral(scene)
    past = timezone.now() - timedelta(hours=1)
    Referral.objects.filter(pk=late.pk).update(acknowledge_due_at=past)
    client = client_for(scene.receiver)
    page = client.get(reverse(LIST), {"overdue": "1"}).content.decode()
    assert late.reference in page
    assert on_time.reference not in page
    assert "overdue" in page
    detail = client.get(reverse("referrals:referral_detail", args=[late.public_id]))
    assert 'class="badge stale"' in detail.content.decode()
    # Acknowledged but not answered in time: still overdue; answered: no longer.
    late.refresh_from_db()
    national.referral_acknowledge(
        actor=scene.receiver, referral=late, expected_version=late.version
    )
    Referral.objects.filter(pk=late.pk).update(answer_due_at=past)
    late.refresh_from_db()
    assert national.is_overdue(late)
    national.referral_accept(actor=scene.receiver, referral=late, expected_version=late.version)
    late.refresh_from_db()
    assert not national.is_overdue(late)
    api = client.get(reverse("api-1:referrals_list"), {"overdue": "true"}).json()
    assert api["items"] == []


def test_a_focal_point_sees_its_inbox_the_same_way(world: World) -> None:
    focal = Organisation.objects.create(
        country=world.country_b,
        name="Fictional National Focal Point B",
        type=OrganisationType.NATIONAL_COORDINATION,
    )
    Responsibility.objects.create(
        country=world.country_b, function=Function.NATIONAL_FOCAL_POINT, organisation=focal
    )
    member = make_member(focal, Role.CASEWORKER, "fp_caseworker")
    referral = Referral.objects.create(
        reference="REF-AL-2026-900001",
        kind="transnational",
        sender_organisation=world.agency_a,
        receiver_country="RO",
        receiver_organisation=focal,
        intended_organisation=world.agency_b,
        routing=Routing.FOCAL_POINT,
    )
    referral_transition(
        actor=world.actor(Role.CASEWORKER), referral=referral, to="sent", expected_version=1
    )
    client = client_for(Actor(user=member.user, membership=member))
    page = client.get(reverse(LIST)).content.decode()
    assert referral.reference in page
    assert "Transnational referral" in page
    api = client.get(reverse("api-1:referrals_list")).json()
    assert [item["reference"] for item in api["items"]] == [referral.reference]
    assert api["counts"] == {"sent": 1}


def test_drafts_stay_out_of_the_receivers_inbox(world: World) -> None:
    scene = make_scene(world)
    Referral.objects.create(
        reference="REF-AL-2026-900002",
        kind="national",
        sender_organisation=world.agency_a,
        receiver_country="AL",
        receiver_organisation=scene.shelter,
    )
    page = client_for(scene.receiver).get(reverse(LIST)).content.decode()
    assert "REF-AL-2026-900002" not in page
    outbox = client_for(scene.sender).get(reverse(LIST), {"box": "outbox"}).content.decode()
    assert "REF-AL-2026-900002" in outbox


def test_the_navigation_links_to_the_referrals_and_new_ones_are_counted(world: World) -> None:
    scene = make_scene(world)
    client = client_for(scene.receiver)
    home = reverse("directory:home")
    assert reverse(LIST) in client.get(home).content.decode()
    assert selectors.new_count(scene.receiver) == 0
    referral = send(scene)
    assert selectors.new_count(scene.receiver) == 1
    national.referral_acknowledge(
        actor=scene.receiver, referral=referral, expected_version=referral.version
    )
    assert selectors.new_count(scene.receiver) == 0
    statistician = client_for(world.actor(Role.STATISTICIAN))
    assert reverse(LIST) not in statistician.get(home).content.decode()
    assert selectors.new_count(world.actor(Role.STATISTICIAN)) == 0


def test_listing_is_audited_with_ids_only(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    client_for(scene.receiver).get(reverse(LIST), {"status": "sent"})
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_LISTED)
    assert event.detail == {"box": "inbox", "count": 1, "referral_ids": [referral.pk]}


def test_the_case_page_links_to_the_referrals_and_offers_to_refer(world: World) -> None:
    scene = make_scene(world)
    case_url = reverse("cases:case_detail", args=[scene.case.public_id]) + "?section=all"
    create_url = reverse("referrals:referral_create", args=[scene.case.public_id])
    page = client_for(scene.sender).get(case_url).content.decode()
    assert f"{reverse(LIST)}?box=outbox&amp;case={scene.case.public_id}" in page
    assert create_url in page
    interpreter = client_for(world.actor(Role.INTERPRETER)).get(case_url).content.decode()
    assert reverse(LIST) in interpreter
    assert create_url not in interpreter


def test_the_list_takes_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    scene = make_scene(world)
    for _index in range(12):
        _second_case_referral(scene)
    client = client_for(scene.receiver)
    client.get(reverse(LIST))
    with django_assert_max_num_queries(16):
        page = client.get(reverse(LIST)).content.decode()
    assert page.count("REF-AL-") >= 12
    with django_assert_max_num_queries(16):
        api = client.get(reverse("api-1:referrals_list"))
    assert len(api.json()["items"]) == 12


def test_status_counts_follow_the_steps(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    national.referral_decline(
        actor=scene.receiver, referral=referral, expected_version=referral.version, reason="Full."
    )
    api = client_for(scene.sender).get(reverse("api-1:referrals_list"), {"box": "outbox"}).json()
    assert api["counts"] == {ReferralStatus.DECLINED.value: 1}
    assert api["items"][0]["decline_reason"] == "Full."
