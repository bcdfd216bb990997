"""Closing, interpreters and statuses set by hand, called directly: the refusals a form does not
reach, an assignment ended twice, a case closed with no closure row, an override ended twice."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseClosure, CaseInterpreter, CaseStatus
from opentrm.cases.services import case_close, case_reopen, status_override, status_override_end
from opentrm.cases.services.interpreters import interpreter_assign, interpreter_unassign
from opentrm.cases.tests.factories import new_case
from opentrm.core.errors import ConflictError


def _events(event_type: str) -> int:
    return AuditEvent.objects.filter(event_type=event_type).count()


# --- Closing ------------------------------------------------------------------------------------


def test_it_refuses_to_close_for_a_reason_not_on_the_list(world: World) -> None:
    case = new_case(world)
    with pytest.raises(ValidationError) as refused:
        case_close(actor=world.actor(Role.CASE_MANAGER), case=case, reason="bored")

    assert refused.value.message_dict == {"reason": ["Choose why the case is closed."]}
    assert Case.objects.get(pk=case.pk).case_status == CaseStatus.ACTIVE
    assert not CaseClosure.objects.exists()


def test_a_case_closed_with_no_closure_row_is_reopened_all_the_same(world: World) -> None:
    """A closed case whose closure was never written (closed outside the service, e.g. by a
    data import) is still reopened, and the reopening audited."""
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(case_status=CaseStatus.CLOSED)

    reopened = case_reopen(actor=world.actor(Role.CASE_MANAGER), case=case, reason="Imported")

    assert reopened.case_status == CaseStatus.ACTIVE
    assert Case.objects.get(pk=case.pk).case_status == CaseStatus.ACTIVE
    assert _events(EventType.CASE_REOPENED) == 1


# --- Interpreters -------------------------------------------------------------------------------


def _assign_interpreter(world: World, case: Case, languages: str = "") -> None:
    """Agency A's case manager assigns agency A's interpreter, undertaking signed today."""
    interpreter_assign(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        interpreter=world.user(Role.INTERPRETER),
        undertaking_signed_on=timezone.localdate(),
        languages=languages,
    )


def test_it_refuses_an_interpreters_languages_longer_than_the_field(world: World) -> None:
    case = new_case(world, interpreter=False)
    with pytest.raises(ValidationError) as refused:
        _assign_interpreter(world, case, languages="ro " * 100)

    assert refused.value.message_dict == {"languages": ["At most 200 characters."]}
    assert not CaseInterpreter.objects.exists()


def test_the_same_interpreter_is_not_assigned_twice(world: World) -> None:
    case = new_case(world)  # agency A's interpreter assigned already
    with pytest.raises(ValidationError) as refused:
        _assign_interpreter(world, case)

    assert refused.value.message_dict == {
        "interpreter": ["This interpreter is already assigned to the case."]
    }
    assert CaseInterpreter.objects.filter(case=case).count() == 1
    assert _events(EventType.INTERPRETER_ASSIGNED) == 1


def test_an_assignment_ended_twice_is_a_conflict_and_audited_once(world: World) -> None:
    case = new_case(world)
    assignment = CaseInterpreter.objects.get(case=case)
    actor = world.actor(Role.CASE_MANAGER)
    interpreter_unassign(actor=actor, case=case, assignment=assignment)
    ended_at = CaseInterpreter.objects.get(pk=assignment.pk).ended_at

    with pytest.raises(ConflictError, match="already ended"):
        interpreter_unassign(actor=actor, case=case, assignment=assignment)

    assert CaseInterpreter.objects.get(pk=assignment.pk).ended_at == ended_at
    assert _events(EventType.INTERPRETER_UNASSIGNED) == 1


# --- Statuses set by hand -----------------------------------------------------------------------


def test_it_refuses_a_status_not_offered_and_a_status_that_is_not_derived(world: World) -> None:
    case = new_case(world)
    actor = world.actor(Role.CASEWORKER)
    with pytest.raises(ValidationError) as refused:
        status_override(
            actor=actor, case=case, attribute="assistance_status", value="ecstatic", reason="x"
        )
    assert refused.value.message_dict == {"value": ["Choose one of the statuses offered."]}
    with pytest.raises(ValueError, match="not a derived status: case_status"):
        status_override(actor=actor, case=case, attribute="case_status", value="closed", reason="x")

    assert not Case.objects.get(pk=case.pk).assistance_status_overridden
    assert _events(EventType.CASE_STATUS_OVERRIDDEN) == 0


def test_ending_an_override_that_is_not_set_changes_and_audits_nothing(world: World) -> None:
    case = new_case(world)
    before = Case.objects.get(pk=case.pk)

    after = status_override_end(
        actor=world.actor(Role.CASEWORKER), case=case, attribute="assistance_status"
    )

    assert after.assistance_status == before.assistance_status
    assert not after.assistance_status_overridden
    assert _events(EventType.CASE_STATUS_OVERRIDE_ENDED) == 0
