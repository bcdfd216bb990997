# ruff: noqa: RUF001 (local names in Cyrillic: the letters are meant)
"""Issue 12 §7: local-language names and contact persons found, exports as the screen shows."""

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory import selectors, services
from opentrm.directory.models import Function, Organisation, OrganisationType
from opentrm.directory.tests.test_exporting import contact_list  # noqa: F401 (fixture)

Login = Callable[[User], Client]


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def local_names(world: World) -> Organisation:
    """A centre in country A known locally as "Qendra ...", in a city written "Beograd"."""
    return services.organisation_create(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        country=world.country_a,
        name="National Reception Centre for Victims",
        type=OrganisationType.SHELTER,
        city="Belgrade",
        alternate_names="Qendra Kombëtare e Pritjes\nБеоград",
    )


def _names(world: World, text: str, **filters: str) -> list[str]:
    found = selectors.organisation_list(actor=world.actor(Role.CASEWORKER), text=text, **filters)
    return [organisation.name for organisation in found]


@pytest.mark.parametrize("text", ["Qendra", "qendra kombetare", "KOMBËTARE", "Beograd", "београд"])
def test_it_finds_a_body_by_its_local_names_with_or_without_accents(
    world: World, local_names: Organisation, text: str
) -> None:
    assert _names(world, text) == ["National Reception Centre for Victims"]


def test_a_local_name_does_not_find_unrelated_bodies(
    world: World, local_names: Organisation
) -> None:
    assert _names(world, "Qendra Sociale") == []
    assert _names(world, "Qendra", country_code="RO") == []


def test_the_city_filter_ignores_accents(world: World) -> None:
    services.organisation_create(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        country=world.country_a,
        name="Northern Shelter",
        type=OrganisationType.SHELTER,
        city="Shkodër",
    )
    assert _names(world, "", city="shkoder") == ["Northern Shelter"]


def test_the_search_page_shows_contact_persons_the_viewer_may_see(
    world: World,
    contact_list: Organisation,  # noqa: F811 (the fixture imported above)
    login: Login,
) -> None:
    hidden = services.contact_point_create(
        actor=world.actor(Role.DIRECTORY_EDITOR, org="b"),
        organisation=world.agency_b,
        position="Night desk",
        person_name="Dritan Imagjinari-Tjetri",
    )
    services.contact_point_update(
        actor=world.actor(Role.DIRECTORY_EDITOR, org="b"),
        contact_point=hidden,
        expected_version=hidden.version,
        is_active=False,
    )
    client = login(world.user(Role.CASEWORKER))

    page = client.get(reverse("directory:search"), {"q": "imagjinari"}).content.decode()

    assert "Dritan Imagjinari" in page
    assert "Tjetri" not in page  # inactive, in a country the caseworker does not edit
    assert "Contact persons and positions" in page


def test_the_country_export_holds_only_the_procedure_shown(
    world: World,
    contact_list: Organisation,  # noqa: F811 (the fixture imported above)
    login: Login,
) -> None:
    client = login(world.user(Role.CASEWORKER))
    shown = client.get(
        reverse("directory:country_detail", args=["AL"]), {"function": Function.PROCEEDINGS}
    ).content.decode()
    assert "?format=csv&amp;function=sop5" in shown

    response = client.get(
        reverse("directory:export", args=["AL"]),
        {"format": "csv", "function": Function.PROCEEDINGS, "layout": "import"},
    )

    assert {row["function"] for row in csv_rows(response.content)} == {"sop5"}
    event = AuditEvent.objects.get(event_type=EventType.CONTACTS_EXPORTED)
    assert event.detail["functions"] == ["sop5"]


def test_the_export_shows_labels_not_codes_and_keeps_codes_for_import(
    world: World,
    contact_list: Organisation,  # noqa: F811 (the fixture imported above)
    login: Login,
) -> None:
    client = login(world.user(Role.CASEWORKER))
    url = reverse("directory:export", args=["AL"])

    rows = csv_rows(client.get(url, {"format": "csv"}).content)
    first = rows[0]
    assert first["Procedure or function"] == "Identification"
    assert first["Type"] == "Specialised anti-trafficking police unit"
    assert first["Country"] == "Albania"
    assert first["Languages spoken"] == "English, Albanian"
    sheet = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content)).worksheets[0]
    assert "Specialised anti-trafficking police unit" in [cell.value for cell in sheet[2]]

    codes = csv_rows(client.get(url, {"format": "csv", "layout": "import"}).content)
    assert codes[0]["function"] == "sop1"
    assert codes[0]["type"] == "anti_trafficking_police"
    assert client.get(url, {"format": "csv", "layout": "codes"}).status_code == 400


def test_the_search_results_export_as_on_the_screen(
    world: World,
    contact_list: Organisation,  # noqa: F811 (the fixture imported above)
    local_names: Organisation,
    login: Login,
) -> None:
    client = login(world.user(Role.CASEWORKER))
    page = client.get(reverse("directory:search"), {"q": "Qendra"}).content.decode()
    assert f"{reverse('directory:search_export')}?q=Qendra&amp;format=csv" in page

    response = client.get(reverse("directory:search_export"), {"q": "Qendra", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="directory-search-')
    rows = csv_rows(response.content)
    assert [row["Organisation"] for row in rows] == ["National Reception Centre for Victims"]
    assert rows[0]["Type"] == "Shelter"
    event = AuditEvent.objects.get(event_type=EventType.CONTACTS_EXPORTED)
    assert event.detail == {"search": ["text"], "format": "csv", "rows": 1}  # no search words


def test_the_search_export_includes_contact_persons_found_by_name(
    world: World,
    contact_list: Organisation,  # noqa: F811 (the fixture imported above)
    login: Login,
) -> None:
    client = login(world.user(Role.CASEWORKER))

    response = client.get(reverse("directory:search_export"), {"q": "Imagjinari", "format": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == 1
    assert "Dritan Imagjinari" in values[0]
    assert "Fictiva Anti-Trafficking Unit" in values[0]


def test_the_search_export_refuses_a_pdf_and_anonymous_users(
    world: World, client: Client, login: Login
) -> None:
    url = reverse("directory:search_export")
    assert client.get(url, {"format": "csv"}).status_code == 302
    assert login(world.user(Role.STATISTICIAN)).get(url, {"format": "pdf"}).status_code == 400
