"""What a request shows of the person at its edges: the stored age band when the date of birth
is unknown, nothing of a request with no case here, each travel document on one line, and an
unknown field code refused rather than shown empty."""

from datetime import date

import pytest

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.cases.models import DocumentType
from opentrm.cases.models.person import AgeBand, Person, TravelDocument
from opentrm.cases.tests.factories import new_case
from opentrm.referrals.models import Referral
from opentrm.referrals.services.requests.data import (
    age_band_of,
    effective_groups,
    field_value,
    minimal_offer,
    shared_values,
)


def test_without_a_date_of_birth_the_recorded_age_band_is_shown() -> None:
    person = Person(date_of_birth=None, age_band=AgeBand.UNDER_18)
    assert age_band_of(person, date(2026, 1, 1)) == "Under 18"


def test_a_request_with_no_case_here_shows_nothing_of_the_person() -> None:
    referral = Referral(case=None, origin_reference="", needs=["shelter"])
    offer = minimal_offer(referral, shows_person=True)
    assert (offer.age_band, offer.sex, offer.languages, offer.needs) == ("", "", [], ["shelter"])
    assert effective_groups(referral) == frozenset()
    assert shared_values(referral, list(FieldGroup)) == []


@pytest.mark.django_db
def test_each_travel_document_is_one_part_and_an_unknown_field_is_refused(world: World) -> None:
    person = new_case(world).person
    TravelDocument.objects.create(
        person=person, type=DocumentType.PASSPORT, number="FX123", issuing_country="AL"
    )
    TravelDocument.objects.create(person=person, type=DocumentType.OTHER)
    assert sorted(field_value(person, "documents").split("; ")) == ["Other", "Passport FX123 (AL)"]
    with pytest.raises(ValueError, match="favourite_colour"):
        field_value(person, "favourite_colour")
