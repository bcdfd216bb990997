"""The sharing step at its edges: an unknown data category is refused on its field, and a
transnational referral whose template is gone still changes what is shared (no snapshot to
follow, none claimed in the audit). Fictional data only."""

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import TemplateInstance
from opentrm.referrals.tests.test_sharing import accepted, change, without_agreement


def test_an_unknown_data_category_is_refused_on_its_field(world: World) -> None:
    referral = accepted(world, without_agreement(world))
    with pytest.raises(ValidationError) as refused:
        change(world, referral, ["favourite_colour"])
    assert refused.value.message_dict == {"groups": ["Unknown data category."]}
    assert not AuditEvent.objects.filter(event_type=EventType.REFERRAL_SHARING_CHANGED).exists()


def test_without_its_template_the_sharing_changes_and_no_snapshot_is_claimed(
    world: World,
) -> None:
    referral = accepted(world, without_agreement(world))
    TemplateInstance.objects.filter(referral=referral).delete()
    make_agreement(
        world, flows={(world.agency_a, world.agency_b): [FieldGroup.IDENTITY]}, sign=True
    )
    change(world, referral, ["identity"])
    referral.refresh_from_db()
    assert referral.shared_groups == ["identity"]
    audit = AuditEvent.objects.get(event_type=EventType.REFERRAL_SHARING_CHANGED)
    assert audit.detail["snapshot_fields"] == 0
