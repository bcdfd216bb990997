from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, ConsentPurpose, ConsentRecord
from opentrm.cases.selectors import consent_in_force
from opentrm.cases.services import consent_record, consent_withdraw
from opentrm.cases.tests.factories import new_case


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world)


def _share(world: World, case: Case, **overrides: Any) -> ConsentRecord:
    values: dict[str, Any] = {
        "actor": world.actor(Role.CASEWORKER),
        "case": case,
        "purpose": ConsentPurpose.SHARE_DATA,
        "decision": "given",
        "decided_on": timezone.localdate(),
        "explained_in": "ro",
        "information_given": "Who will see which data, why, and the risks.",
        "recipient_organisation": world.agency_b,
    }
    values.update(overrides)
    return consent_record(**values)


def test_it_finds_a_consent_given_for_the_recipient(world: World, case: Case) -> None:
    _share(world, case)
    assert consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=world.agency_b
    )
    assert not consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=world.agency_c
    )
    assert not consent_in_force(case=case, purpose=ConsentPurpose.RETURN)


def test_it_lets_a_consent_for_a_country_cover_its_organisations(world: World, case: Case) -> None:
    _share(world, case, recipient_organisation=None, recipient_country="RO")
    assert consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=world.agency_b
    )
    assert not consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=world.agency_c
    )


def test_it_ends_a_consent_at_once_when_withdrawn(world: World, case: Case) -> None:
    consent = _share(world, case)
    consent_withdraw(actor=world.actor(Role.CASE_MANAGER), consent=consent)
    assert not consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=world.agency_b
    )
    event = AuditEvent.objects.get(event_type=EventType.CONSENT_WITHDRAWN)
    assert event.detail == {
        "case_id": case.pk,
        "purpose": "share_data",
        "withdrawn_for": world.agency_a.pk,
    }


def test_it_lets_a_later_refusal_replace_a_consent(world: World, case: Case) -> None:
    _share(world, case, decided_on=timezone.localdate() - timedelta(days=3))
    _share(world, case, decision="refused")
    assert not consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=world.agency_b
    )


def test_it_ends_a_consent_on_its_expiry_date(world: World, case: Case) -> None:
    today = timezone.localdate()
    _share(world, case, decided_on=today - timedelta(days=10), expires_on=today - timedelta(days=1))
    assert not consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=world.agency_b
    )
    assert consent_in_force(
        case=case,
        purpose=ConsentPurpose.SHARE_DATA,
        organisation=world.agency_b,
        on=today - timedelta(days=2),
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"decided_on": timezone.localdate() + timedelta(days=1)}, "decided_on"),
        ({"expires_on": timezone.localdate() - timedelta(days=1)}, "expires_on"),
        ({"recipient_organisation": None}, "recipient_organisation"),
        ({"information_given": "  "}, "information_given"),
    ],
)
def test_it_refuses_an_incomplete_or_impossible_record(
    world: World, case: Case, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _share(world, case, **overrides)
    assert field in refused.value.message_dict
    assert not case.consents.exists()


def test_it_cannot_withdraw_a_refusal(world: World, case: Case) -> None:
    refusal = _share(world, case, decision="refused")
    with pytest.raises(ValidationError):
        consent_withdraw(actor=world.actor(Role.CASEWORKER), consent=refusal)


def _post_share(client: Client, case: Case, **fields: object) -> Any:
    """The consent form sent with a decision to share data, explained in Romanian."""
    data = {
        "purpose": "share_data",
        "decision": "given",
        "decided_on": timezone.localdate().isoformat(),
        "explained_in": "ro",
    }
    return client.post(reverse("cases:consent_create", args=[case.public_id]), data | fields)


def test_it_records_and_withdraws_through_the_case_file(world: World, case: Case) -> None:
    client = browser(world, Role.CASEWORKER)
    response = _post_share(
        client,
        case,
        recipient_organisation=world.agency_b.pk,
        information_given="Explained with an interpreter; risks and options discussed.",
    )
    assert response.status_code == 302
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert "Agency B Partner Shelter" in page
    consent = case.consents.get()
    client.post(reverse("cases:consent_withdraw", args=[case.public_id, consent.pk]))
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert "withdrawn" in page


def test_it_shows_a_missing_recipient_on_the_form(world: World, case: Case) -> None:
    response = _post_share(browser(world, Role.CASEWORKER), case, information_given="Told.")
    assert response.status_code == 200
    assert 'id="id_recipient_organisation_error"' in response.content.decode()
    assert not case.consents.exists()


def test_it_refuses_a_recipient_from_another_country_than_the_one_agreed(
    world: World, case: Case
) -> None:
    # Agency B is in Romania; the person agreed to sharing with Moldova.
    with pytest.raises(ValidationError) as refused:
        _share(world, case, recipient_organisation=world.agency_b, recipient_country="MD")
    message = " ".join(refused.value.message_dict["recipient_organisation"])
    assert "Agency B Partner Shelter is in Romania, not in Moldova" in message
    assert not case.consents.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.CONSENT_RECORDED).exists()


def test_it_accepts_a_recipient_in_the_country_agreed(world: World, case: Case) -> None:
    consent = _share(world, case, recipient_organisation=world.agency_b, recipient_country="ro")
    assert consent.recipient_country == "RO"


def test_it_shows_the_wrong_country_on_the_form_and_records_nothing(
    world: World, case: Case
) -> None:
    response = _post_share(
        browser(world, Role.CASEWORKER),
        case,
        recipient_organisation=world.agency_b.pk,
        recipient_country="MD",
        information_given="Told.",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_recipient_organisation_error"' in page
    assert "is in Romania, not in Moldova" in page
    assert not case.consents.exists()


def test_it_names_each_recipient_with_its_type_and_country_own_country_first(
    world: World, case: Case
) -> None:
    page = browser(world, Role.CASEWORKER).get(
        reverse("cases:consent_create", args=[case.public_id])
    )
    text = page.content.decode()
    # The caseworker acts for Agency A in Albania: Albania's group comes before Romania's.
    assert text.index('<optgroup label="Albania">') < text.index('<optgroup label="Romania">')
    assert "Agency B Partner Shelter — Shelter, Romania" in text
    assert 'data-picker="' in text


def test_it_shows_every_error_of_the_form_at_once(world: World, case: Case) -> None:
    """Issue 12 §5: the service's checks (a future date, an expiry before it, no recipient)
    come with the form's own (nothing said to the person), not one more on each submit."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = _post_share(
        browser(world, Role.CASEWORKER),
        case,
        decided_on=tomorrow.isoformat(),
        expires_on=timezone.localdate().isoformat(),
        information_given="",
    )
    page = response.content.decode()
    assert response.status_code == 200
    for field in ("information_given", "decided_on", "expires_on", "recipient_organisation"):
        assert f'id="id_{field}_error"' in page, field
    assert "The date is in the future." in page
    assert not case.consents.exists()
