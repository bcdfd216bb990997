import pytest
from django.core.exceptions import ValidationError

from opentrm.core.api import api_field_names


def test_it_renames_the_services_fields_to_the_apis() -> None:
    with pytest.raises(ValidationError) as raised, api_field_names({"provider": "provider_id"}):
        raise ValidationError({"provider": "gone", "cost": "negative"})
    assert raised.value.message_dict == {"provider_id": ["gone"], "cost": ["negative"]}


def test_it_puts_every_message_on_one_field() -> None:
    with pytest.raises(ValidationError) as raised, api_field_names(field="organisation_id"):
        raise ValidationError({"organisation": "already on the case"})
    assert raised.value.message_dict == {"organisation_id": ["already on the case"]}


def test_it_leaves_an_error_without_fields_and_a_success_alone() -> None:
    with pytest.raises(ValidationError) as raised, api_field_names({"a": "b"}):
        raise ValidationError("refused")
    assert raised.value.messages == ["refused"]
    with api_field_names({"a": "b"}):
        pass
