"""The case's countries by role, exploitation (HTCDS 2.0 types) and references: the form, the
service, the API, the audit, the case page (issue 14 A)."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, send_json
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import Exploitation, case_data_update
from opentrm.cases.services.case_data import case_countries
from opentrm.cases.tests.factories import case_page, new_case
from opentrm.core.errors import ConflictError


def _update(world: World, case: Case, role: Role = Role.CASE_MANAGER, **parts: Any) -> Case:
    case.refresh_from_db()
    return case_data_update(
        actor=world.actor(role), case=case, expected_version=case.version, **parts
    )


def test_it_records_countries_exploitation_and_references_and_audits_field_names(
    world: World,
) -> None:
    case = new_case(world, "Fictional Person")
    _update(
        world,
        case,
        countries={"origin": ["MD"], "transit": ["RS", "ME"], "exploitation": ["AL"]},
        exploitation=Exploitation(
            types=["ForcedLabour", "Other"],
            other="Fictional forced chores",
            began_on=date(2025, 1, 5),
            ended_on=date(2025, 11, 30),
            previously_trafficked=True,
        ),
        references={"law_enforcement_reference": "POL-77/2026", "court_reference": "K-12/26"},
    )
    case.refresh_from_db()
    assert case_countries(case) == {
        "exploitation": ["AL"],
        "identification": ["AL"],
        "origin": ["MD"],
        "transit": ["ME", "RS"],
    }
    assert sorted(case.exploitation_types.values_list("type", flat=True)) == [
        "ForcedLabour",
        "Other",
    ]
    assert case.previously_trafficked is True
    assert case.court_reference == "K-12/26"
    event = AuditEvent.objects.get(event_type=EventType.CASE_DATA_CHANGED)
    assert "countries.transit" in event.changed_fields
    assert "POL-77" not in str(event.detail) + str(event.changed_fields)


def test_it_refuses_each_part_to_a_role_without_edit_on_its_group(world: World) -> None:
    case = new_case(world)
    with pytest.raises(PermissionDenied):  # a prosecutor does not edit travel data
        _update(world, case, Role.PROSECUTOR, countries={"origin": ["MD"]})
    with pytest.raises(PermissionDenied):  # a caseworker only views proceedings
        _update(world, case, Role.CASEWORKER, references={"court_reference": "K-1"})
    _update(world, case, Role.PROSECUTOR, references={"court_reference": "K-1"})
    assert Case.objects.get(pk=case.pk).court_reference == "K-1"


def test_it_names_the_field_of_each_mistake_and_saves_nothing(world: World) -> None:
    case = new_case(world)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        _update(
            world,
            case,
            countries={"origin": ["ZZ"]},
            exploitation=Exploitation(types=["Other"], began_on=tomorrow),
        )
    assert set(error.value.message_dict) == {
        "countries_origin",
        "exploitation_other",
        "exploitation_began_on",
    }
    assert not case.exploitation_types.exists()


def test_it_refuses_a_save_from_a_stale_form(world: World) -> None:
    case = new_case(world)
    stale = case.version
    _update(world, case, references={"court_reference": "K-1"})
    with pytest.raises(ConflictError):
        case_data_update(
            actor=world.actor(Role.CASE_MANAGER),
            case=case,
            expected_version=stale,
            references={"court_reference": "K-2"},
        )


def test_the_form_shows_only_the_parts_of_the_role_and_the_page_shows_them(world: World) -> None:
    case = new_case(world)
    url = reverse("cases:case_data_edit", args=[case.public_id])
    prosecutor = browser(world, Role.PROSECUTOR).get(url).content.decode()
    assert "id_court_reference" in prosecutor
    assert "id_countries_origin" not in prosecutor
    assert "id_exploitation_types" not in prosecutor
    client = browser(world, Role.CASE_MANAGER)
    response = client.post(
        url,
        {
            "version": case.version,
            "countries_origin": ["MD"],
            "exploitation_types": ["SexualExploitation"],
            "previously_trafficked": "no",
            "law_enforcement_reference": "POL-77/2026",
        },
    )
    assert response.status_code == 302
    page = case_page(world, case, Role.CASE_MANAGER)
    assert "Moldova" in page
    assert "Sexual exploitation" in page
    assert "POL-77/2026" in page
    assert "POL-77/2026" not in case_page(world, case, Role.INTERPRETER)


def test_the_api_reads_and_writes_each_part_by_its_group(world: World) -> None:
    case = new_case(world)
    url = f"/api/v1/cases/{case.public_id}/data"
    body = {
        "version": case.version,
        "countries": {"recruitment": ["MD"]},
        "exploitation": {"types": ["ForcedBegging"], "previously_trafficked": False},
    }
    response = send_json(api(world, Role.CASEWORKER), url, body, method="put")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["countries"]["recruitment"] == ["MD"]
    assert data["exploitation"]["types"] == [{"type": "ForcedBegging", "other": ""}]
    read = api(world, Role.PROSECUTOR).get(url).json()
    assert read["countries"] is None
    assert read["exploitation"] is None
    assert read["references"] == {"law_enforcement_reference": "", "court_reference": ""}
    refused = send_json(
        api(world, Role.PROSECUTOR),
        url,
        {"version": data["version"], "countries": {"origin": ["MD"]}},
        method="put",
    )
    assert refused.status_code == 403
    bad = send_json(
        api(world, Role.CASE_MANAGER),
        url,
        {"version": data["version"], "exploitation": {"types": ["labour"]}},
        method="put",
    )
    assert bad.status_code == 422
