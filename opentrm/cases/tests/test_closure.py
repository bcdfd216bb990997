"""Closing a case with its reason and reopening it: audited, only by a case manager of the
owner organisation, and a closed case is read-only except reopening (SOP-00j, SOP-T8)."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Action, Actor, can
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, send_json
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseClosure, CaseStatusChange
from opentrm.cases.services import (
    Exploitation,
    case_close,
    case_data_update,
    case_reopen,
    note_add,
    participant_add,
    service_offer,
    task_create,
)
from opentrm.cases.tests.factories import case_page, new_case


def _closed(world: World, reason: str = "completed") -> Case:
    case = new_case(world, "Fictional Closed")
    case_close(actor=world.actor(Role.CASE_MANAGER), case=case, reason=reason, details="")
    return Case.objects.get(pk=case.pk)


def test_it_closes_with_the_reason_and_reopens_with_history_and_audit(world: World) -> None:
    case = _closed(world)
    assert case.case_status == "closed"
    case_reopen(actor=world.actor(Role.CASE_MANAGER), case=case, reason="New proceedings")
    case = Case.objects.get(pk=case.pk)
    assert case.case_status == "active"
    closure = CaseClosure.objects.get(case=case)
    assert (closure.reason, closure.reopen_reason) == ("completed", "New proceedings")
    changes = CaseStatusChange.objects.filter(case=case, attribute="case_status")
    assert [c.new_value for c in changes] == ["closed", "active"]
    events = AuditEvent.objects.filter(target_id=str(case.pk)).values_list("event_type", flat=True)
    assert EventType.CASE_CLOSED in events
    assert EventType.CASE_REOPENED in events


def test_a_referral_closure_is_htcds_closed_referred_and_other_needs_details(
    world: World,
) -> None:
    assert _closed(world, "referred").case_status == "closed_referred"
    case = new_case(world)
    with pytest.raises(ValidationError) as error:
        case_close(actor=world.actor(Role.CASE_MANAGER), case=case, reason="other", details="")
    assert "details" in error.value.message_dict
    with pytest.raises(ValidationError):
        case_reopen(actor=world.actor(Role.CASE_MANAGER), case=_closed(world), reason=" ")


def _participant_case_manager(world: World) -> Actor:
    membership = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    return Actor(user=membership.user, membership=membership)


@pytest.mark.parametrize(
    "who",
    [
        lambda world: world.actor(Role.CASEWORKER),
        lambda world: world.actor(Role.POLICE_INVESTIGATOR),
        lambda world: world.actor(Role.GUARDIAN),
        _participant_case_manager,  # a case manager of another organisation on the case
    ],
    ids=["caseworker", "police", "guardian", "participant_case_manager"],
)
def test_only_a_case_manager_of_the_owner_closes_or_reopens(
    world: World, who: Callable[[World], Actor]
) -> None:
    actor = who(world)
    manager = world.actor(Role.CASE_MANAGER)
    case, closed = new_case(world), new_case(world)
    for on in (case, closed):
        participant_add(actor=manager, case=on, organisation=world.agency_c)
    case_close(actor=manager, case=closed, reason="completed")
    closed.refresh_from_db()
    with pytest.raises(PermissionDenied):
        case_close(actor=actor, case=case, reason="completed")
    assert Case.objects.get(pk=case.pk).case_status == "active"
    with pytest.raises(PermissionDenied):
        case_reopen(actor=actor, case=closed, reason="Why not")
    assert Case.objects.get(pk=closed.pk).case_status == "closed"


def test_a_closed_case_refuses_every_write_but_reopening(world: World) -> None:
    case = _closed(world)
    manager = world.actor(Role.CASE_MANAGER)
    refused: list[Callable[[], object]] = [
        lambda: note_add(actor=manager, case=case, text="x", visibility="case"),
        lambda: task_create(actor=manager, case=case, title="x", due_on=timezone.localdate()),
        lambda: service_offer(
            actor=manager, case=case, service_type="shelter", offered_on=timezone.localdate()
        ),
        lambda: case_data_update(
            actor=manager,
            case=case,
            expected_version=case.version,
            exploitation=Exploitation(types=["ForcedLabour"]),
        ),
        lambda: participant_add(actor=manager, case=case, organisation=world.agency_c),
        lambda: case_close(actor=manager, case=case, reason="completed"),
    ]
    for write in refused:
        with pytest.raises(PermissionDenied):
            write()
    assert not can(manager, Action.CONSENT_RECORD, case)
    assert not can(manager, Action.CASE_DELETE, case)
    assert can(manager, Action.CASE_REOPEN, case)


def test_the_screens_close_show_read_only_and_reopen(world: World) -> None:
    case = new_case(world)
    manager = browser(world, Role.CASE_MANAGER)
    assert "Close the case" not in case_page(world, case, Role.CASEWORKER)
    response = manager.post(
        reverse("cases:case_close", args=[case.public_id]),
        {"reason": "lost_contact", "details": ""},
    )
    assert response.status_code == 302
    page = case_page(world, case, Role.CASE_MANAGER)
    assert "this case is read-only" in page
    timeline = manager.get(reverse("cases:case_timeline", args=[case.public_id]))
    assert "Case status: Closed" in timeline.content.decode()
    assert "Contact with the person was lost" in page
    note = manager.post(
        reverse("cases:note_create", args=[case.public_id]), {"text": "x", "visibility": "case"}
    )
    assert note.status_code == 403
    refused = browser(world, Role.CASEWORKER).post(
        reverse("cases:case_reopen", args=[case.public_id]), {"reason": "x"}
    )
    assert refused.status_code == 403
    reopened = manager.post(
        reverse("cases:case_reopen", args=[case.public_id]), {"reason": "Contact again"}
    )
    assert reopened.status_code == 302
    assert Case.objects.get(pk=case.pk).case_status == "active"


def test_the_api_closes_lists_and_reopens(world: World) -> None:
    case = new_case(world)
    base = f"/api/v1/cases/{case.public_id}"
    refused = send_json(api(world, Role.CASEWORKER), f"{base}/close", {"reason": "completed"})
    assert refused.status_code == 403
    client = api(world, Role.CASE_MANAGER)
    response = send_json(client, f"{base}/close", {"reason": "other", "details": "Moved away"})
    assert response.status_code == 200, response.content
    assert response.json()["case_status"] == "closed"
    written = send_json(client, f"{base}/notes", {"text": "x", "visibility": "case"})
    assert written.status_code == 403
    listed = api(world, Role.PROSECUTOR).get(f"{base}/closures").json()
    assert listed["closures"][0]["details"] is None  # free text: assistance data
    reopened = send_json(client, f"{base}/reopen", {"reason": "Back"})
    assert reopened.json()["case_status"] == "active"
    assert api(world, Role.CASE_MANAGER).get(base).json()["case_status"] == "active"
