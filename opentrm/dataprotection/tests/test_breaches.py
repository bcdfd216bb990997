"""The breach workflow and the record of processing, as the data-protection officer uses them."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.tests.factories import new_case
from opentrm.dataprotection.breaches import affected_cases, clock
from opentrm.dataprotection.models import Breach

DPO = Role.DATA_PROTECTION_OFFICER


def local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def record(client: Any, world: World, **values: Any) -> Any:
    now = timezone.now()
    data = {
        "summary": "A fictional laptop was lost on a train.",
        "discovered_at": local(now - timedelta(hours=2)),
        "window_start": local(now - timedelta(days=1)),
        "window_end": local(now + timedelta(minutes=1)),
        "account": world.user(Role.CASEWORKER).pk,
    } | values
    return client.post(reverse("dataprotection:breach_list"), data)


def test_the_dpo_records_a_breach_and_sees_the_clock_and_the_affected_cases(
    world: World, login: Any
) -> None:
    touched = new_case(world, "Fictiva Touched")  # registered by the caseworker: audited
    other = new_case(world, "Fictiva Other", role=Role.CASE_MANAGER, interpreter=False)
    client = login(world.user(DPO))
    response = record(client, world)
    breach = Breach.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "hours left to notify the authority" in page
    assert touched.number in page
    assert other.number not in page  # only what the account involved touched
    assert "Fictiva" not in page
    assert AuditEvent.objects.filter(event_type="BREACH_VIEWED", target_id=str(breach.pk)).exists()

    notified = client.post(
        reverse("dataprotection:breach_notified", args=[breach.public_id]),
        {"version": breach.version, "reference": "DPA-FICT-1"},
    )
    assert notified.status_code == 302
    breach.refresh_from_db()
    assert breach.authority_notified_at is not None
    assert breach.authority_reference == "DPA-FICT-1"
    event = AuditEvent.objects.get(event_type="BREACH_AUTHORITY_NOTIFIED")
    assert event.detail == {"late": False}
    # A second notification (a stale form) is refused and changes nothing.
    again = client.post(
        reverse("dataprotection:breach_notified", args=[breach.public_id]),
        {"version": breach.version - 1, "reference": "other"},
    )
    assert again.status_code == 400
    breach.refresh_from_db()
    assert breach.authority_reference == "DPA-FICT-1"


def test_the_clock_turns_overdue_after_72_hours(world: World, login: Any) -> None:
    client = login(world.user(DPO))
    record(client, world, discovered_at=local(timezone.now() - timedelta(hours=80)))
    breach = Breach.objects.get()
    assert clock(breach).overdue
    assert clock(breach).hours_overdue == 8
    page = client.get(reverse("dataprotection:breach_list")).content.decode()
    assert "Overdue by 8 hours" in page


def test_without_an_account_every_member_of_the_organisation_counts(world: World) -> None:
    case = new_case(world, "Fictiva Any", role=Role.CASE_MANAGER, interpreter=False)
    now = timezone.now()
    breach = Breach.objects.create(
        organisation=world.agency_a,
        summary="Fictional",
        discovered_at=now,
        window_start=now - timedelta(hours=1),
        window_end=now + timedelta(minutes=1),
        recorded_by=world.user(DPO),
    )
    assert case in affected_cases(breach)
    breach.window_end = now - timedelta(minutes=30)
    breach.window_start = now - timedelta(hours=2)
    assert case not in affected_cases(breach)


def test_a_reversed_window_is_refused_and_nothing_recorded(world: World, login: Any) -> None:
    client = login(world.user(DPO))
    now = timezone.now()
    response = record(
        client,
        world,
        window_start=local(now),
        window_end=local(now - timedelta(days=1)),
    )
    assert response.status_code == 200
    assert "before its start" in response.content.decode()
    assert not Breach.objects.exists()


def test_another_organisations_dpo_is_told_the_breach_does_not_exist(
    world: World, login: Any
) -> None:
    record(login(world.user(DPO)), world)
    breach = Breach.objects.get()
    partner = login(world.members_b[DPO].user)
    assert (
        partner.get(reverse("dataprotection:breach_detail", args=[breach.public_id])).status_code
        == 404
    )
    assert (
        "Fictional laptop"
        not in partner.get(reverse("dataprotection:breach_list")).content.decode()
    )


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.SYSTEM_ADMINISTRATOR])
def test_other_roles_are_refused(world: World, login: Any, role: Role) -> None:
    client = login(world.user(role))
    assert client.get(reverse("dataprotection:breach_list")).status_code == 403
    assert client.get(reverse("dataprotection:processing_records")).status_code == 403


def test_the_record_of_processing_states_readers_and_periods_from_the_node(
    world: World, login: Any, settings: Any
) -> None:
    settings.OPENTRM_RETENTION_YEARS = "default=5,health=2"
    page = login(world.user(DPO)).get(reverse("dataprotection:processing_records"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Record of processing activities" in text
    health_row = text.split("Your health:")[1].split("</tr>")[0]
    assert ">2<" in health_row
    assert "Police investigator" not in health_row
