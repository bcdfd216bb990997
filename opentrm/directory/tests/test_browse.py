from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory.models import (
    ChannelKind,
    ContactChannel,
    ContactPoint,
    Function,
    Language,
    Organisation,
    OrganisationType,
    Responsibility,
)


@pytest.fixture
def listed(world: World) -> Organisation:
    """A body in country A answering for Identification and as national focal point."""
    police = Organisation.objects.create(
        country=world.country_a,
        name="Fictiva Police Anti-Trafficking Directorate",
        type=OrganisationType.ANTI_TRAFFICKING_POLICE,
        city="Fictiva",
        last_verified_at=timezone.localdate(),
    )
    duty = ContactPoint.objects.create(
        organisation=police, position="Duty officer", last_verified_at=timezone.localdate()
    )
    ContactChannel.objects.create(
        contact_point=duty, kind=ChannelKind.HOTLINE, value="+355 4 000 0999", available_24_7=True
    )
    duty.languages.add(Language.objects.create(code="sq"), Language.objects.create(code="en"))
    Responsibility.objects.create(
        country=world.country_a,
        function=Function.IDENTIFICATION,
        organisation=police,
        contact_point=duty,
    )
    Responsibility.objects.create(
        country=world.country_a, function=Function.NATIONAL_FOCAL_POINT, organisation=police
    )
    return police


def _member(client: Client, world: World, role: Role = Role.CASEWORKER) -> Client:
    client.force_login(world.user(role))
    return client


def test_it_lists_countries_with_their_organisation_counts(
    world: World, listed: Organisation, client: Client
) -> None:
    page = _member(client, world).get(reverse("directory:home")).content.decode()
    assert "Albania" in page
    assert "Romania" in page


def test_it_shows_a_country_contact_list_by_procedure(
    world: World, listed: Organisation, client: Client
) -> None:
    page = (
        _member(client, world)
        .get(reverse("directory:country_detail", args=["al"]))
        .content.decode()
    )
    for procedure in Function.procedures():
        assert str(procedure.label) in page  # every procedure has a row, even an empty one
    assert "Fictiva Police Anti-Trafficking Directorate" in page
    assert "+355 4 000 0999" in page
    assert "24/7" in page
    assert "National focal point" in page
    assert "Nobody listed for this procedure." in page  # the gaps are visible


def test_it_filters_the_contact_list_to_one_procedure(
    world: World, listed: Organisation, client: Client
) -> None:
    url = reverse("directory:country_detail", args=["AL"])
    page = _member(client, world).get(url, {"function": Function.RETURN}).content.decode()
    assert "Return and Social Inclusion" in page
    assert "Fictiva Police Anti-Trafficking Directorate" not in page


def test_it_uses_the_countrys_own_row_label(
    world: World, listed: Organisation, client: Client
) -> None:
    Responsibility.objects.create(
        country=world.country_a,
        function=Function.NATIONAL_COORDINATOR,
        organisation=world.agency_a,
        label="NIT Coordinator",
    )
    page = (
        _member(client, world)
        .get(reverse("directory:country_detail", args=["AL"]))
        .content.decode()
    )
    assert "NIT Coordinator" in page


def test_it_answers_404_for_an_unknown_country(world: World, client: Client) -> None:
    assert (
        _member(client, world).get(reverse("directory:country_detail", args=["ZZ"])).status_code
        == 404
    )


def test_it_shows_the_display_note_of_a_territory(world: World, client: Client) -> None:
    from opentrm.directory.models import Country

    Country.objects.create(
        code="XK", display_note="This designation is without prejudice to positions on status."
    )
    page = _member(client, world).get(reverse("directory:home")).content.decode()
    assert "Kosovo" in page
    assert "without prejudice" in page


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"q": "anti-trafficking"}, True),
        ({"q": "shelter"}, False),
        ({"type": OrganisationType.ANTI_TRAFFICKING_POLICE}, True),
        ({"type": OrganisationType.NGO}, False),
        ({"city": "fictiva"}, True),
        ({"city": "Imaginara"}, False),
        ({"language": "sq"}, True),
        ({"language": "en", "country": "RO"}, False),
        ({"function": Function.IDENTIFICATION}, True),
        ({"function": Function.PROCEEDINGS}, False),
    ],
)
def test_it_searches_by_name_type_city_language_and_procedure(
    world: World, listed: Organisation, client: Client, params: dict[str, str], found: bool
) -> None:
    page = _member(client, world).get(reverse("directory:search"), params).content.decode()
    assert ("Fictiva Police Anti-Trafficking Directorate" in page) is found


def test_it_answers_an_htmx_search_with_the_results_only(
    world: World, listed: Organisation, client: Client
) -> None:
    response = _member(client, world).get(
        reverse("directory:search"), {"q": "police"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body


def test_it_hides_inactive_organisations_from_everyone_but_their_countrys_editors(
    world: World, listed: Organisation, client: Client
) -> None:
    listed.is_active = False
    listed.save()
    url = reverse("directory:organisation_detail", args=[listed.pk])
    assert _member(client, world).get(url).status_code == 404
    editor_b = Client()
    editor_b.force_login(world.user(Role.DIRECTORY_EDITOR, org="b"))
    assert editor_b.get(url).status_code == 404
    editor_a = Client()
    editor_a.force_login(world.user(Role.DIRECTORY_EDITOR))
    assert editor_a.get(url).status_code == 200


def test_it_flags_entries_not_verified_within_the_review_age(
    world: World, listed: Organisation, client: Client
) -> None:
    stale = Organisation.objects.create(
        country=world.country_a,
        name="Long Unchecked Body",
        type=OrganisationType.MINISTRY,
        last_verified_at=timezone.localdate() - timedelta(days=200),
    )
    editor = _member(client, world, Role.DIRECTORY_EDITOR)
    page = editor.get(reverse("directory:review")).content.decode()
    assert "Long Unchecked Body" in page
    assert "Fictiva Police Anti-Trafficking Directorate" not in page  # verified today
    assert "Agency A Centre for Social Work" in page  # never verified
    assert "Agency B Partner Shelter" not in page  # another country's editors review it
    detail = editor.get(reverse("directory:organisation_detail", args=[stale.pk])).content.decode()
    assert "review due" in detail


def test_it_renders_the_search_page_with_a_fixed_number_of_queries(
    world: World, listed: Organisation, client: Client, django_assert_max_num_queries: object
) -> None:
    for index in range(60):
        Organisation.objects.create(
            country=world.country_b, name=f"Generated Body {index}", type=OrganisationType.NGO
        )
    member = _member(client, world)
    member.get(reverse("directory:search"))  # warm the session
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert member.get(reverse("directory:search")).status_code == 200
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert member.get(reverse("directory:search"), {"page": 2}).status_code == 200


def test_it_renders_a_contact_list_with_a_fixed_number_of_queries(
    world: World, listed: Organisation, client: Client, django_assert_max_num_queries: object
) -> None:
    for index in range(30):
        body = Organisation.objects.create(
            country=world.country_a, name=f"Body {index}", type=OrganisationType.NGO
        )
        contact = ContactPoint.objects.create(organisation=body, position="Coordinator")
        ContactChannel.objects.create(
            contact_point=contact, kind=ChannelKind.EMAIL, value=f"c{index}@body.example"
        )
        Responsibility.objects.create(
            country=world.country_a, function=Function.FIRST_ASSISTANCE, organisation=body
        )
    member = _member(client, world)
    member.get(reverse("directory:home"))
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        page = member.get(reverse("directory:country_detail", args=["AL"]))
    assert "c29@body.example" in page.content.decode()


def test_it_lets_an_editor_verify_from_the_review_list_and_stay_on_it(
    world: World, listed: Organisation, client: Client
) -> None:
    editor = _member(client, world, Role.DIRECTORY_EDITOR)
    review = reverse("directory:review")
    assert "Agency A Centre for Social Work" in editor.get(review).content.decode()
    response = editor.post(
        reverse("directory:organisation_verify", args=[world.agency_a.pk]), {"next": review}
    )
    assert response.status_code == 302
    assert response["Location"] == review
    world.agency_a.refresh_from_db()
    assert world.agency_a.last_verified_at == timezone.localdate()
    page = editor.get(review).content.decode()
    assert "was marked as verified today" in page
    listed_entries = page.split("<h2>", 1)[1]  # below the header (acting org) and the message
    assert "Agency A Centre for Social Work" not in listed_entries


def test_it_shows_the_nodes_name_in_the_header(
    world: World, client: Client, settings: object
) -> None:
    settings.OPENTRM_NODE_NAME = "OpenTRM Albania"  # type: ignore[attr-defined]
    page = _member(client, world).get(reverse("directory:home")).content.decode()
    # a member's brand link leads to the home page (what needs her today)
    assert '<a class="brand" href="/home/">OpenTRM Albania</a>' in page
