"""The officer's reviews at the service's edge (the pages check access first): an alert or an
emergency access outside the officer's scope, an empty or unstorable note, a second review, an
unknown conclusion, and a working-hours setting that is not a range."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts import alerts
from opentrm.accounts.models import AccessAlert, AlertKind
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.cases.models import EmergencyAccess
from opentrm.cases.services import emergency
from opentrm.cases.tests.factories import new_case
from opentrm.core.errors import ConflictError
from opentrm.notifications.tests.test_emergency_access import REASON

pytestmark = pytest.mark.django_db
NUL = "found\x00nothing"


def _alert(world: World) -> AccessAlert:
    now = timezone.now()
    return AccessAlert.objects.create(
        key="fictional-alert",
        kind=AlertKind.MANY_CASES,
        user=world.user(Role.CASEWORKER),
        organisation=world.agency_a,
        window_start=now - timedelta(hours=1),
        window_end=now,
        count=3,
        first_sequence=1,
        last_sequence=3,
    )


def test_an_alert_is_closed_once_with_a_storable_note_by_an_officer_in_scope(
    world: World,
) -> None:
    alert = _alert(world)
    officer = world.actor(Role.DATA_PROTECTION_OFFICER)
    with pytest.raises(PermissionDenied):
        alerts.alert_close(
            actor=world.actor(Role.DATA_PROTECTION_OFFICER, org="b"), alert_id=alert.pk, note="x"
        )
    for note, message in (("  ", "Say what you found."), (NUL, "NUL")):
        with pytest.raises(ValidationError) as refused:
            alerts.alert_close(actor=officer, alert_id=alert.pk, note=note)
        assert message in refused.value.message_dict["note"][0]
    alerts.alert_close(actor=officer, alert_id=alert.pk, note="Backlog after a leave.")
    with pytest.raises(ConflictError):
        alerts.alert_close(actor=officer, alert_id=alert.pk, note="Looked again.")
    assert AccessAlert.objects.get(pk=alert.pk).review_note == "Backlog after a leave."


@override_settings(OPENTRM_ALERT_WORKING_HOURS="nine to five")
def test_a_working_hours_setting_that_is_not_a_range_is_named() -> None:
    with pytest.raises(ImproperlyConfigured, match="OPENTRM_ALERT_WORKING_HOURS"):
        alerts.outside_working_hours(timezone.now())


def test_an_emergency_access_is_reviewed_once_with_a_known_conclusion(world: World) -> None:
    case = new_case(world, "Ana Fictiva", role=Role.CASE_MANAGER)
    outsider = make_member(world.agency_c, Role.CASEWORKER, "c_caseworker")
    actor = Actor(user=outsider.user, membership=outsider)
    with pytest.raises(ValidationError) as refused:
        emergency.emergency_open(actor=actor, number=case.number, reason=REASON + "\x00")
    assert "NUL" in refused.value.message_dict["reason"][0]
    access = emergency.emergency_open(actor=actor, number=case.number, reason=REASON)
    officer = world.actor(Role.DATA_PROTECTION_OFFICER)
    with pytest.raises(PermissionDenied):
        emergency.emergency_review(
            actor=world.actor(Role.DATA_PROTECTION_OFFICER, org="b"),
            access_id=access.pk,
            conclusion="justified",
            note="",
        )
    with pytest.raises(ValidationError) as unknown:
        emergency.emergency_review(actor=officer, access_id=access.pk, conclusion="fine", note="")
    assert unknown.value.message_dict == {"conclusion": ["Choose a conclusion."]}
    with pytest.raises(ValidationError) as unstorable:
        emergency.emergency_review(
            actor=officer, access_id=access.pk, conclusion="justified", note=NUL
        )
    assert "NUL" in unstorable.value.message_dict["note"][0]
    emergency.emergency_review(actor=officer, access_id=access.pk, conclusion="justified", note="")
    with pytest.raises(ConflictError):
        emergency.emergency_review(
            actor=officer, access_id=access.pk, conclusion="not_justified", note="Changed."
        )
    assert EmergencyAccess.objects.get(pk=access.pk).conclusion == "justified"
