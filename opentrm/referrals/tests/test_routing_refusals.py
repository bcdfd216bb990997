"""A request to a country whose focal point is not in the directory: refused on the country,
with a message that says why the body asked for cannot be reached directly either; nothing
stored."""

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Organisation
from opentrm.referrals.models import Referral
from opentrm.referrals.services import requests
from opentrm.referrals.tests.test_requests import adult_case, sender


@pytest.mark.parametrize(
    ("ask_for_shelter", "message"),
    [
        (True, "your country does not allow direct requests abroad"),
        (False, "This country has no national focal point in the directory."),
    ],
)
def test_a_country_without_a_focal_point_is_refused_with_the_reason(
    world: World, ask_for_shelter: bool, message: str
) -> None:
    case = adult_case(world)
    shelter = Organisation.objects.create(country=world.country_b, name="Fictional shelter RO")
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        requests.request_create(
            actor=sender(world),
            case=case,
            kind="family_check",
            receiver_country="RO",
            intended=shelter if ask_for_shelter else None,
            reason="Check.",
        )

    assert message in refused.value.message_dict["receiver_country"][0]
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == events
