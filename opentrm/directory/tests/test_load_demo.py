"""``opentrm load_demo``: enough fictional data to try every part of the directory."""

import re
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from conftest import rolled_back_at_the_end
from opentrm.accounts.models import Membership, User
from opentrm.accounts.passwords import DEMO_PASSWORD
from opentrm.accounts.roles import Role
from opentrm.audit.chain import find_first_problem
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.demo_data import KOSOVO_NOTE
from opentrm.directory.models import (
    ContactChannel,
    ContactPoint,
    Country,
    Function,
    Language,
    Organisation,
    Responsibility,
)
from opentrm.directory.reference import is_language_code
from opentrm.directory.selectors import review_cutoff

pytestmark = pytest.mark.django_db

ANNEX_II = {"AL", "BA", "BG", "HR", "XK", "MK", "MD", "ME", "RO", "RS"}


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The demo data, loaded once for the module (each test's own writes are rolled back as
    usual); what the first run printed."""
    with rolled_back_at_the_end(django_db_blocker):
        with django_db_blocker.unblock():
            output = load()
        yield output


def snapshot() -> dict[str, object]:
    return {
        "countries": list(Country.objects.values_list("code", "display_note", "version")),
        "organisations": list(
            Organisation.objects.order_by("pk").values_list("pk", "name", "version", "updated_at")
        ),
        "contact_points": list(
            ContactPoint.objects.order_by("pk").values_list(
                "pk", "position", "last_verified_at", "updated_at"
            )
        ),
        "channels": ContactChannel.objects.count(),
        "languages": ContactPoint.languages.through.objects.count(),
        "responsibilities": Responsibility.objects.count(),
        "users": list(User.objects.order_by("pk").values_list("username", "password")),
        "memberships": Membership.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_it_lists_every_procedure_and_national_function_for_the_annex_ii_countries(
    demo: str,
) -> None:
    assert set(Country.objects.values_list("code", flat=True)) >= ANNEX_II
    wanted = {f.value for f in Function.procedures()} | {
        Function.NATIONAL_COORDINATOR.value,
        Function.NATIONAL_FOCAL_POINT.value,
        Function.REGIONAL_CONTACT.value,
        Function.INTERPRETATION.value,
        Function.HOTLINE.value,
    }
    for code in ANNEX_II:
        listed = set(
            Responsibility.objects.filter(country__code=code).values_list("function", flat=True)
        )
        assert wanted <= listed, code


def test_it_marks_kosovo_with_its_designation_note(demo: str) -> None:
    assert Country.objects.get(code="XK").display_note == KOSOVO_NOTE


def test_it_gives_each_country_a_24_7_hotline_an_interpreter_and_languages(demo: str) -> None:
    for code in ANNEX_II:
        in_country = ContactChannel.objects.filter(contact_point__organisation__country__code=code)
        assert in_country.filter(available_24_7=True).exists(), code
        interpreter = ContactPoint.objects.get(
            organisation__country__code=code, responsibilities__function=Function.INTERPRETATION
        )
        assert interpreter.languages.count() >= 5
    assert not ContactPoint.objects.filter(languages__isnull=True).exists()


def test_it_flags_some_entries_for_review_and_not_others(demo: str) -> None:
    cutoff = review_cutoff()

    assert ContactPoint.objects.stale(cutoff).exists()
    assert ContactPoint.objects.exclude(pk__in=ContactPoint.objects.stale(cutoff)).exists()
    assert Organisation.objects.stale(cutoff).exists()


def test_it_uses_only_fictional_numbers_and_addresses(demo: str) -> None:
    for kind, value in ContactChannel.objects.values_list("kind", "value"):
        if kind in {"phone", "mobile", "fax", "hotline"}:
            assert re.search(r" 000 \d+$", value), value
        if kind == "email":
            assert value.endswith(".example.org"), value
    assert all(u.endswith("example.org") for u in User.objects.values_list("email", flat=True))
    assert not ContactPoint.objects.exclude(person_name="").exists()


def test_it_creates_one_login_per_role_in_two_countries_and_prints_them(demo: str) -> None:
    output = demo

    for code in ("AL", "RS"):
        roles = set(
            Membership.objects.filter(
                organisation__country__code=code, user__username__startswith=code.lower()
            ).values_list("role", flat=True)
        )
        assert roles == set(Role.values), code
    assert Membership.objects.values("organisation").distinct().count() >= 4
    assert DEMO_PASSWORD in output
    assert "al.caseworker" in output
    assert "rs.directory_editor" in output


def test_it_lets_a_demo_user_log_in_and_see_the_directory(demo: str, client: Client) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "rs.caseworker", "password": DEMO_PASSWORD},
        follow=True,
    )
    page = client.get(reverse("directory:country_detail", args=["XK"]))

    assert response.status_code == 200
    assert response.context["user"].username == "rs.caseworker"
    assert page.status_code == 200
    assert "Interpretation and Cultural Mediation Service" in page.content.decode()
    assert KOSOVO_NOTE in page.content.decode()


def test_its_local_names_are_found_by_the_search(demo: str, client: Client) -> None:
    client.force_login(User.objects.get(username="rs.caseworker"))

    belgrade = client.get(reverse("directory:search"), {"q": "Beograd"}).context["page"]
    qendra = client.get(reverse("directory:search"), {"q": "qendra e punes"}).context["page"]

    assert belgrade.paginator.count > 0
    assert {o.country.code for o in belgrade} == {"RS"}
    assert {o.country.code for o in qendra} == {"AL", "XK"}


def test_it_changes_nothing_when_run_twice(demo: str) -> None:
    before = snapshot()

    output = load()

    assert snapshot() == before
    assert "nothing changed" in output
    assert AuditEvent.objects.filter(event_type=EventType.CONTACTS_IMPORTED).count() == 1


def test_it_keeps_an_editors_change_and_fills_in_what_is_missing(demo: str) -> None:
    organisation = Organisation.objects.get(country__code="AL", name="Child Protection Agency")
    Organisation.objects.filter(pk=organisation.pk).update(city="Elsewhere")
    Responsibility.objects.filter(country__code="BG", function=Function.HOTLINE).delete()

    load()

    organisation.refresh_from_db()
    assert organisation.city == "Elsewhere"
    assert Responsibility.objects.filter(country__code="BG", function=Function.HOTLINE).count() == 2


def test_it_records_one_intact_audit_event_with_counts_only(demo: str) -> None:
    event = AuditEvent.objects.get()
    assert event.event_type == EventType.CONTACTS_IMPORTED
    assert event.detail["source"] == "demo"
    assert event.detail["organisations"] == Organisation.objects.count()
    assert all(isinstance(v, int) for k, v in event.detail.items() if k != "source")
    assert find_first_problem() is None


def test_it_adds_only_real_language_codes(demo: str) -> None:
    assert all(is_language_code(code) for code in Language.objects.values_list("code", flat=True))
