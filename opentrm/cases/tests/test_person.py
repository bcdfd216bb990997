import re

import pytest
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import new_case


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "D. K.")


def _form(case: Case, **overrides: str) -> dict[str, str]:
    data = {
        "version": str(case.person.version),
        "sex": "female",
        "date_of_birth": "",
        "age_band": "over_18",
        "marital_status": "unknown",
        "identity_confirmed_by": "",
        "identity_note": "",
        "place_of_birth": "",
        "languages": "ro",
        "citizenships": "MD",
        "address": "Shelter, room 3",
        "residence_country": "MD",
        "names-TOTAL_FORMS": "2",
        "names-INITIAL_FORMS": "1",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "12",
        "names-0-kind": "name",
        "names-0-value": "Doina K.",
        "names-0-script": "Latn",
        "names-1-kind": "alias",
        "names-1-value": "Дойна",
        "names-1-script": "Cyrl",
    }
    data.update(overrides)
    return data


def test_it_keeps_every_name_with_its_script(world: World, case: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:person_edit", args=[case.public_id]), _form(case)
    )
    assert response.status_code == 302
    names = [(n.kind, n.value, n.script) for n in case.person.names.order_by("order")]
    assert names == [("name", "Doina K.", "Latn"), ("alias", "Дойна", "Cyrl")]
    case.person.refresh_from_db()
    assert case.person.address == "Shelter, room 3"
    event = AuditEvent.objects.get(event_type=EventType.PERSON_CHANGED)
    assert {"names", "address", "citizenships", "age_band"} <= set(event.changed_fields)
    assert "Doina" not in str(event.detail)


def test_it_shows_countries_and_languages_back_by_name(world: World, case: Case) -> None:
    client = browser(world, Role.CASEWORKER)
    form = _form(case) | {"languages": ["ro", "uk"], "citizenships": ["MD", "UA"]}
    assert client.post(reverse("cases:person_edit", args=[case.public_id]), form).status_code == 302
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert "<dd>Moldova, Ukraine</dd>" in page  # citizenship, and the country of residence
    assert "Romanian, Ukrainian" in page
    assert "<dd>MD" not in page
    # The form shows them back ticked and chosen, by name.
    edit = client.get(reverse("cases:person_edit", args=[case.public_id])).content.decode()
    assert 'value="MD" selected>Moldova</option>' in edit
    assert re.search(r'name="citizenships" value="UA"[^>]*checked', edit)
    assert not re.search(r'name="citizenships" value="AL"[^>]*checked', edit)


def test_it_refuses_a_save_from_a_stale_form(world: World, case: Case) -> None:
    client = browser(world, Role.CASEWORKER)
    url = reverse("cases:person_edit", args=[case.public_id])
    stale = _form(case)
    assert client.post(url, _form(case, address="First save")).status_code == 302
    response = client.post(url, {**stale, "address": "Second save"})
    assert response.status_code == 200
    assert "changed by" in response.content.decode()
    case.person.refresh_from_db()
    assert case.person.address == "First save"


def test_it_offers_a_prosecutor_nothing_to_edit(world: World, case: Case) -> None:
    url = reverse("cases:person_edit", args=[case.public_id])
    assert browser(world, Role.PROSECUTOR).get(url).status_code == 403


def test_it_lets_a_police_investigator_edit_identity_but_not_contact(
    world: World, case: Case
) -> None:
    client = browser(world, Role.POLICE_INVESTIGATOR)
    url = reverse("cases:person_edit", args=[case.public_id])
    page = client.get(url).content.decode()
    assert 'name="sex"' in page
    assert 'name="address"' not in page
    response = client.post(url, _form(case, address="Ignored Street"))
    assert response.status_code == 302
    case.person.refresh_from_db()
    assert case.person.address == ""


def test_it_refuses_a_birth_date_in_the_future(world: World, case: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:person_edit", args=[case.public_id]),
        _form(case, date_of_birth="2999-01-01"),
    )
    assert response.status_code == 200
    assert 'id="id_date_of_birth_error"' in response.content.decode()
    case.person.refresh_from_db()
    assert case.person.date_of_birth is None


def test_it_audits_opening_the_person_form(world: World, case: Case) -> None:
    browser(world, Role.CASEWORKER).get(reverse("cases:person_edit", args=[case.public_id]))
    event = AuditEvent.objects.get(event_type=EventType.CASE_VIEWED)
    assert event.detail == {"groups": ["contact", "identity"], "view": "person_edit"}
