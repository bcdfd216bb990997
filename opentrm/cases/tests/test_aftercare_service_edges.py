"""Follow-up visits and labour inspections through their services: each mistake refused on its
field (the forms catch most of them first), another inspectorate's inspection not found, a
stale visit record refused."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import FollowUpVisit, LabourInspection
from opentrm.cases.services.aftercare import follow_up_visit_record, follow_up_visits_schedule
from opentrm.cases.services.labour import (
    InspectionData,
    access_labour_inspection,
    labour_inspection_record,
    labour_inspection_register_case,
)
from opentrm.cases.tests.factories import new_case
from opentrm.core.errors import ConflictError
from opentrm.directory.models import Organisation, OrganisationType

# --- Follow-up visits ---------------------------------------------------------------------------


def test_it_refuses_a_schedule_too_far_ahead_too_long_or_too_sparse(world: World) -> None:
    case = new_case(world)
    with pytest.raises(ValidationError) as refused:
        follow_up_visits_schedule(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            first_on=timezone.localdate() + timedelta(days=20 * 366),
            every_days=366,
            count=13,
        )

    errors = refused.value.message_dict
    assert set(errors) == {"first_on", "count", "every_days"}
    assert errors["first_on"][0].startswith("The first date must be between 1990-01-01 and ")
    assert errors["count"] == ["Schedule between 1 and 12 visits."]
    assert errors["every_days"] == ["Between 1 and 365 days."]
    assert not FollowUpVisit.objects.exists()


def _visit(world: World) -> FollowUpVisit:
    (visit,) = follow_up_visits_schedule(
        actor=world.actor(Role.CASEWORKER),
        case=new_case(world),
        first_on=timezone.localdate(),
        count=1,
    )
    return visit


def test_it_refuses_a_visit_record_in_the_future_with_no_known_outcome_or_long_notes(
    world: World,
) -> None:
    visit = _visit(world)
    with pytest.raises(ValidationError) as refused:
        follow_up_visit_record(
            actor=world.actor(Role.CASEWORKER),
            visit=visit,
            expected_version=visit.version,
            visited_on=timezone.localdate() + timedelta(days=1),
            outcome="went_fishing",
            notes="x" * 4001,
        )

    assert refused.value.message_dict == {
        "visited_on": ["The date is in the future."],
        "outcome": ["Pick an outcome from the list."],
        "notes": ["At most 4000 characters."],
    }
    visit.refresh_from_db()
    assert visit.visited_on is None
    assert not AuditEvent.objects.filter(event_type="FOLLOW_UP_VISIT_RECORDED").exists()


def test_it_refuses_a_visit_record_from_a_stale_page(world: World) -> None:
    visit = _visit(world)
    actor = world.actor(Role.CASEWORKER)
    stale = visit.version
    follow_up_visit_record(
        actor=actor,
        visit=visit,
        expected_version=stale,
        visited_on=timezone.localdate(),
        outcome="no_risk",
    )

    with pytest.raises(ConflictError):
        follow_up_visit_record(
            actor=actor,
            visit=FollowUpVisit.objects.get(pk=visit.pk),
            expected_version=stale,
            visited_on=timezone.localdate(),
            outcome="risk_found",
        )
    assert FollowUpVisit.objects.get(pk=visit.pk).outcome == "no_risk"


# --- Labour inspections ------------------------------------------------------------------------


def _data(**extra: Any) -> InspectionData:
    values: dict[str, Any] = {
        "inspected_on": timezone.localdate(),
        "trigger": "complaint",
        "classification": "forced_labour",
    }
    return InspectionData(**(values | extra))


def _refused(world: World, **values: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        labour_inspection_record(actor=world.actor(Role.CASEWORKER), data=_data(**values))
    assert not LabourInspection.objects.exists()
    return refused.value.message_dict


@pytest.mark.usefixtures("inspectorate")
def test_it_refuses_an_inspection_with_unknown_trigger_classification_or_long_indicators(
    world: World,
) -> None:
    errors = _refused(world, trigger="rumour", classification="mystery", indicators="x" * 4001)

    assert errors == {
        "trigger": ["Pick what triggered the inspection."],
        "classification": ["Pick a classification."],
        "indicators": ["At most 4000 characters."],
    }


@pytest.mark.usefixtures("inspectorate")
def test_it_refuses_notifying_anything_but_an_active_police_unit(world: World) -> None:
    errors = _refused(world, notified_to=world.agency_b, notified_on=timezone.localdate())

    assert errors == {"notified_to": ["Pick an active police unit from the directory."]}


@pytest.mark.usefixtures("inspectorate")
def test_it_refuses_a_notification_with_no_date_or_a_date_in_the_future(
    world: World, police: Organisation
) -> None:
    assert _refused(world, notified_to=police) == {
        "notified_on": ["Say when the police unit was notified."]
    }
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert _refused(world, notified_to=police, notified_on=tomorrow) == {
        "notified_on": ["The date is in the future."]
    }


def test_only_the_inspectorate_that_made_an_inspection_registers_a_case_from_it_or_opens_it(
    world: World, inspectorate: Organisation, police: Organisation
) -> None:
    inspection = labour_inspection_record(
        actor=world.actor(Role.CASEWORKER),
        data=_data(notified_to=police, notified_on=timezone.localdate()),
    )
    other = Organisation.objects.create(
        country=world.country_a,
        name="Fictional Regional Labour Inspectorate",
        type=OrganisationType.LABOUR_INSPECTORATE,
    )
    member = make_member(other, Role.CASEWORKER, "other_inspector")
    outsider = Actor(user=member.user, membership=member)

    with pytest.raises(PermissionDenied):
        labour_inspection_register_case(actor=outsider, inspection=inspection)
    with pytest.raises(Http404):
        access_labour_inspection(outsider, inspection.pk)
    with pytest.raises(PermissionDenied):  # not an inspectorate at all
        access_labour_inspection(world.actor(Role.CASEWORKER, org="b"), inspection.pk)
    inspection.refresh_from_db()
    assert inspection.case is None
    assert access_labour_inspection(world.actor(Role.CASEWORKER), inspection.pk) == inspection
