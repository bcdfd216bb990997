import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseStatusChange, IdentificationStatus
from opentrm.cases.tests.factories import assign_interpreter


def _register(client: Client, **data: str | list[str]) -> Case:
    public_id = str(data.pop("public_id", str(uuid.uuid4())))
    form = {"public_id": public_id, "sex": "female", "age_band": "over_18", **data}
    response = client.post(reverse("cases:case_register"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get(public_id=public_id)


def test_it_opens_a_case_for_a_presumed_victim_with_little_data(world: World) -> None:
    case = _register(browser(world, Role.CASEWORKER), name="D. K.", languages=["ro", "uk"])
    year = timezone.localdate().year
    assert case.number == f"AL-{year}-000001"
    assert case.identification_status == IdentificationStatus.PRESUMED
    assert case.owner_organisation == world.agency_a
    assert [name.value for name in case.person.names.all()] == ["D. K."]
    assert {language.code for language in case.person.languages.all()} == {"ro", "uk"}
    assert CaseStatusChange.objects.get(case=case).new_value == "presumed"
    event = AuditEvent.objects.get(event_type=EventType.CASE_REGISTERED)
    assert event.target_id == str(case.pk)
    assert "D. K." not in str(event.detail) + str(event.changed_fields)


def test_it_numbers_cases_one_after_the_other(world: World) -> None:
    client = browser(world, Role.CASEWORKER)
    numbers = [_register(client).number for _ in range(3)]
    assert [number[-6:] for number in numbers] == ["000001", "000002", "000003"]


def test_it_opens_one_case_when_the_form_is_sent_twice(world: World) -> None:
    client = browser(world, Role.CASEWORKER)
    public_id = str(uuid.uuid4())
    _register(client, public_id=public_id, name="Twice")
    _register(client, public_id=public_id, name="Twice")
    assert Case.objects.count() == 1


def test_it_refuses_a_birth_date_in_the_future_on_the_field(world: World) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:case_register"),
        {
            "public_id": str(uuid.uuid4()),
            "sex": "male",
            "age_band": "unknown",
            "date_of_birth": tomorrow,
        },
    )
    assert response.status_code == 200
    assert 'id="id_date_of_birth_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_it_refuses_a_language_not_on_the_list_and_opens_nothing(world: World) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:case_register"),
        {
            "public_id": str(uuid.uuid4()),
            "sex": "male",
            "age_band": "unknown",
            "languages": "xx-yy",
        },
    )
    assert response.status_code == 200
    assert 'id="id_languages_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_it_offers_languages_and_countries_by_name(world: World) -> None:
    page = browser(world, Role.CASEWORKER).get(reverse("cases:case_register")).content.decode()
    assert re.search(r'name="languages" value="ro"[^>]*>\s*Romanian</label>', page)
    assert re.search(r'name="citizenship" value="MD"[^>]*>\s*Moldova</label>', page)


def test_it_treats_a_person_of_unknown_age_as_a_child(world: World) -> None:
    client = browser(world, Role.CASEWORKER)
    case = _register(client, age_band="unknown")
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert "the child safeguards apply" in page


def test_it_hides_a_case_from_an_organisation_that_does_not_take_part(world: World) -> None:
    case = _register(browser(world, Role.CASEWORKER), name="Hidden Name")
    outsider = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    client = Client()
    client.force_login(outsider.user)
    assert client.get(reverse("cases:case_detail", args=[case.public_id])).status_code == 404
    assert "Hidden Name" not in client.get(reverse("cases:case_list")).content.decode()


def test_it_shows_no_case_to_a_statistician(world: World) -> None:
    _register(browser(world, Role.CASEWORKER))
    assert browser(world, Role.STATISTICIAN).get(reverse("cases:case_list")).status_code == 403


@pytest.mark.parametrize(
    ("role", "sees_identity", "sees_contact"),
    [
        (Role.CASE_MANAGER, True, True),
        (Role.CASEWORKER, True, True),
        (Role.INTERPRETER, True, False),
        (Role.PROSECUTOR, True, False),
    ],
)
def test_it_shows_each_role_only_its_field_groups(
    world: World, role: Role, sees_identity: bool, sees_contact: bool
) -> None:
    case = _register(browser(world, Role.CASEWORKER), name="Visible Name")
    assign_interpreter(world, case)
    case.person.address = "Hidden Street 4"
    case.person.save()
    page = (
        browser(world, role)
        .get(reverse("cases:case_detail", args=[case.public_id]))
        .content.decode()
    )
    assert ("Visible Name" in page) is sees_identity
    assert ("Hidden Street 4" in page) is sees_contact
    event = AuditEvent.objects.filter(event_type=EventType.CASE_VIEWED).latest("sequence")
    assert ("contact" in event.detail["groups"]) is sees_contact


def test_it_audits_every_opening_of_a_case_file_and_list(world: World) -> None:
    client = browser(world, Role.CASEWORKER)
    case = _register(client)
    client.get(reverse("cases:case_detail", args=[case.public_id]))
    client.get(reverse("cases:case_list"))
    viewed = AuditEvent.objects.get(event_type=EventType.CASE_VIEWED)
    assert (viewed.actor_label, viewed.target_id) == ("a_caseworker", str(case.pk))
    listed = AuditEvent.objects.get(event_type=EventType.CASE_LISTED)
    assert listed.detail == {"count": 1, "case_ids": [case.pk]}


def test_it_lists_my_cases_only_when_asked(world: World) -> None:
    manager = browser(world, Role.CASE_MANAGER)
    mine = _register(manager, name="Managed By Me")
    other = _register(browser(world, Role.CASEWORKER), name="Nobody Manages")
    page = manager.get(reverse("cases:case_list"), {"mine": "1"}).content.decode()
    assert mine.number in page
    assert other.number not in page
    assert other.number in manager.get(reverse("cases:case_list")).content.decode()


def test_it_lists_cases_with_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    client = browser(world, Role.CASEWORKER)
    for index in range(20):
        _register(client, name=f"Person {index}")
    client.get(reverse("cases:case_list"))
    # 16: the header's notification counter and the search form's case-manager choices
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        page = client.get(reverse("cases:case_list")).content.decode()
    assert "Person 19" in page


def test_it_deletes_a_case_softly_with_a_reason(world: World) -> None:
    manager = browser(world, Role.CASE_MANAGER)
    case = _register(manager)
    url = reverse("cases:case_delete", args=[case.public_id])
    response = manager.post(url, {"reason": ""})
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).deleted_at is None
    assert manager.post(url, {"reason": "Registered twice by mistake"}).status_code == 302
    case.refresh_from_db()
    assert case.deleted_at is not None
    assert case.deletion_reason == "Registered twice by mistake"
    assert manager.get(reverse("cases:case_detail", args=[case.public_id])).status_code == 404
    assert AuditEvent.objects.filter(
        event_type=EventType.CASE_DELETED, target_id=str(case.pk)
    ).exists()


def test_it_lets_only_the_owners_case_manager_delete(world: World) -> None:
    case = _register(browser(world, Role.CASE_MANAGER))
    url = reverse("cases:case_delete", args=[case.public_id])
    assert browser(world, Role.CASEWORKER).post(url, {"reason": "no"}).status_code == 403
    assert Case.objects.get(pk=case.pk).deleted_at is None


def test_it_titles_the_case_page_with_the_case_number_only(world: World) -> None:
    client = browser(world, Role.CASEWORKER)
    case = _register(client)
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.strip().startswith(case.number)
    assert "<" not in title
    assert page.count(">Consents</h2>") == 1


def test_it_stops_treating_a_person_as_a_child_after_an_adult_age_assessment(
    world: World,
) -> None:
    from opentrm.cases.models import ChildSafeguards

    client = browser(world, Role.CASEWORKER)
    case = _register(client, age_band="unknown")
    ChildSafeguards.objects.create(
        case=case, age_assessed_on=timezone.localdate(), age_assessment_result="adult"
    )
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert "the child safeguards apply" not in page


def test_the_form_shows_a_notification_in_the_future_with_its_own_errors(world: World) -> None:
    """Issue 12 §5: the service's rule (the notification not in the future) comes with the
    form's own (the birth date), not on the next submit."""
    later = timezone.localtime() + timedelta(days=2)
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:case_register"),
        {
            "public_id": str(uuid.uuid4()),
            "sex": "male",
            "age_band": "unknown",
            "date_of_birth": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "notified_at": later.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["date_of_birth"] == ["The date of birth is in the future."]
    assert errors["notified_at"] == ["The time of the notification is in the future."]
    assert not Case.objects.exists()
