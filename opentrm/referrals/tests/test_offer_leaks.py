"""The minimal offer and the preview honour the viewer's own field groups (issue 9).

The person's sex, age band and languages are identity data. A viewer sees them in a referral's
preview or minimal offer only where it may see the person's identity of the case itself; the
receiver before it accepts sees the minimal offer, but never more than the sender could see.
"""

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.cases.models import CaseParticipant
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_national import Scene, client_for, make_scene, send

G = FieldGroup
PERSON_HIDDEN = {"sex": "unknown", "age_band": "unknown", "languages": []}
PERSON_SHOWN = {"sex": "female", "age_band": "over_18", "languages": ["en", "sq"]}


def _person(offer: dict[str, Any]) -> dict[str, Any]:
    return {key: offer[key] for key in ("sex", "age_band", "languages")}


def _participant_without_identity(scene: Scene) -> Actor:
    """A caseworker of agency C, on agency A's case with nothing shared with it."""
    CaseParticipant.objects.create(case=scene.case, organisation=scene.world.agency_c)
    membership = make_member(scene.world.agency_c, Role.CASEWORKER, "c_caseworker")
    return Actor(user=membership.user, membership=membership)


def _preview_api(client: Client, scene: Scene) -> Any:
    return client.get(
        reverse("api-1:referrals_preview"),
        {"case": str(scene.case.public_id), "receiver": str(scene.shelter.pk)},
    )


def test_the_preview_api_gives_a_participant_without_identity_nothing_of_the_person(
    world: World,
) -> None:
    scene = make_scene(world)
    response = _preview_api(client_for(_participant_without_identity(scene)), scene)
    # Refusing the preview outright is as good (onward referral rules may forbid it).
    if response.status_code == 200:
        assert _person(response.json()["offer"]) == PERSON_HIDDEN
    text = response.content.decode()
    assert "female" not in text
    # The owner's caseworker, who sees the identity, still sees it.
    owner = _preview_api(client_for(scene.sender), scene)
    assert _person(owner.json()["offer"]) == PERSON_SHOWN


def test_the_preview_page_gives_a_participant_without_identity_nothing_of_the_person(
    world: World,
) -> None:
    scene = make_scene(world)
    url = reverse("referrals:referral_create", args=[scene.case.public_id])
    data = {
        "receiver": str(scene.shelter.pk),
        "urgency": "routine",
        "service_type": "shelter",
        "needs": ["accommodation"],
        "reason": "Needs a safe place.",
        "preview": "1",
    }
    response = client_for(_participant_without_identity(scene)).post(url, data)
    if response.status_code == 200 and response.context["offer"] is not None:
        offer = response.context["offer"]
        assert offer["languages"] == []
        assert str(offer["sex"]) == "Unknown"
        assert str(offer["age_band"]) == "Unknown"
    owner = client_for(scene.sender).post(url, data)
    assert str(owner.context["offer"]["sex"]) == "Female"
    assert len(owner.context["offer"]["languages"]) == 2


def test_a_receiver_that_accepted_without_identity_shared_sees_nothing_of_the_person(
    world: World,
) -> None:
    """After accepting, the receiver is on the case: it sees in the offer only what it may see
    of the case (here the agreement lets only assistance data flow)."""
    scene = make_scene(world, groups=(G.ASSISTANCE,))
    referral = send(scene)
    receiver = client_for(scene.receiver)
    before = receiver.get(reverse("api-1:referrals_detail", args=[referral.public_id])).json()
    assert _person(before["offer"]) == PERSON_SHOWN  # the minimal offer, before accepting
    national.referral_accept(
        actor=scene.receiver, referral=referral, expected_version=referral.version
    )
    after = receiver.get(reverse("api-1:referrals_detail", args=[referral.public_id])).json()
    assert _person(after["offer"]) == PERSON_HIDDEN
    listed = receiver.get(reverse("api-1:referrals_list")).json()["items"]
    assert [_person(item["offer"]) for item in listed] == [PERSON_HIDDEN]
    page = receiver.get(reverse("referrals:referral_detail", args=[referral.public_id]))
    assert page.context["offer"]["languages"] == []
    assert str(page.context["offer"]["sex"]) == "Unknown"


def test_a_receiver_never_sees_more_of_the_person_than_the_sender_could(world: World) -> None:
    """A referral sent by an organisation that may not see the person's identity offers none
    of it, whoever receives it."""
    scene = make_scene(world)
    sender = _participant_without_identity(scene)
    referral = Referral.objects.create(
        reference="REF-AL-LEAK-1",
        kind="national",
        case=scene.case,
        sender_organisation=world.agency_c,
        sent_by=sender.user,
        receiver_country="AL",
        receiver_organisation=scene.shelter,
        status=ReferralStatus.SENT,
        sent_at=timezone.now(),
        needs=["accommodation"],
    )
    for viewer in (scene.receiver, sender):
        client = client_for(viewer)
        detail = client.get(reverse("api-1:referrals_detail", args=[referral.public_id]))
        assert _person(detail.json()["offer"]) == PERSON_HIDDEN
        page = client.get(reverse("referrals:referral_detail", args=[referral.public_id]))
        assert page.context["offer"]["languages"] == []
