"""The owner of a case sees which agreements widen access to it (issue 9): per organisation on
the case, the agreements in force whose flows (approved by the owner) open which field groups,
the person's consent, and what the organisation sees today. Nobody else sees this."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser, user_browser
from opentrm.agreements import services as agreement_services
from opentrm.agreements.tests.factories import make_agreement, sign_all
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register, participant_add
from opentrm.cases.tests.factories import record_consent

YESTERDAY = timezone.localdate() - timedelta(days=1)
NAME = "Dora Fictiva"


@pytest.fixture
def case(world: World) -> Case:
    """Agency A's case, with agency C on it and the person's consent to share with C."""
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(actor=manager, names=[NameData(value=NAME)])
    participant_add(actor=manager, case=case, organisation=world.agency_c)
    record_consent(
        manager,
        case,
        "share_data",
        "Who will see which data, why, and the risks.",
        to=world.agency_c,
        on=YESTERDAY,
    )
    return case


def test_it_shows_the_owner_which_agreement_opens_which_groups(world: World, case: Case) -> None:
    a, c = world.agency_a, world.agency_c
    make_agreement(
        world,
        others=[c],
        flows={(a, c): [FieldGroup.IDENTITY, FieldGroup.ASSISTANCE]},
        sign=True,
        signed_on=YESTERDAY,
        title="Fictional protocol with the NGO",
    )
    client = browser(world, Role.CASEWORKER)
    page = client.get(
        reverse("cases:case_detail", args=[case.public_id]), {"section": "participants"}
    ).content.decode()
    assert reverse("cases:case_sharing", args=[case.public_id]) in page

    page = client.get(reverse("cases:case_sharing", args=[case.public_id])).content.decode()
    assert c.name in page
    assert "Fictional protocol with the NGO" in page
    assert "Identity" in page
    assert NAME not in page  # who sees what, never the person's data

    body = client.get(f"/api/v1/cases/{case.public_id}/sharing").json()
    assert body == [
        {
            "organisation_id": c.pk,
            "organisation_name": c.name,
            "country": "AL",
            "agreements": [
                {
                    "agreement_id": body[0]["agreements"][0]["agreement_id"],
                    "title": "Fictional protocol with the NGO",
                    "version": 1,
                    "groups": ["identity", "assistance"],
                }
            ],
            "agreement_groups": ["identity", "assistance"],
            "consent_id": body[0]["consent_id"],
            "consent_decided_on": YESTERDAY.isoformat(),
            "visible_groups": ["identity", "assistance"],
        }
    ]


def test_it_lists_no_agreement_whose_flow_the_owner_did_not_approve(
    world: World, case: Case
) -> None:
    """A flow out of the owner set by another party (pending) opens nothing, and the owner's
    view says so."""
    a, c = world.agency_a, world.agency_c
    agreement = make_agreement(world, others=[c], title="Proposed by the NGO")
    c_manager = make_member(c, Role.CASE_MANAGER, "c_manager")
    agreement_services.flow_set(
        actor=Actor(user=c_manager.user, membership=c_manager),
        agreement=agreement,
        sender_id=a.pk,
        receiver_id=c.pk,
        categories=[group.value for group in FieldGroup],
    )
    sign_all(world, agreement, on=YESTERDAY)
    body = browser(world, Role.CASE_MANAGER).get(f"/api/v1/cases/{case.public_id}/sharing")
    assert body.json()[0]["agreements"] == []
    assert body.json()[0]["visible_groups"] == []


def test_only_the_owners_members_see_it(world: World, case: Case) -> None:
    c_worker = make_member(world.agency_c, Role.CASEWORKER, "c_worker")
    client = user_browser(c_worker.user)  # takes part in the case, does not own it
    assert client.get(reverse("cases:case_sharing", args=[case.public_id])).status_code == 403
    assert client.get(f"/api/v1/cases/{case.public_id}/sharing").status_code == 403
    page = client.get(
        reverse("cases:case_detail", args=[case.public_id]), {"section": "participants"}
    ).content.decode()
    assert reverse("cases:case_sharing", args=[case.public_id]) not in page
    outsider = browser(world, Role.CASE_MANAGER, org="b")
    assert outsider.get(reverse("cases:case_sharing", args=[case.public_id])).status_code == 404
    assert outsider.get(f"/api/v1/cases/{case.public_id}/sharing").status_code == 404
