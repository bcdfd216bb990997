"""Issue 11 §6: the small things a newcomer tripped over on the referral screens — the country
list's empty choice, the bilingual document's headings, the request kinds' help, a refused
guard in its own words, and the warning when planning the safe transport of a child who
indicated asylum. Fictional data only."""

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import CaseMeasure
from opentrm.cases.tests.factories import indicate_asylum
from opentrm.referrals.models import Referral
from opentrm.referrals.services.requests import KIND_NOTES, REQUEST_KINDS
from opentrm.referrals.tests.test_template import create, focal_point, make_case, setup

SAFE_TRANSPORT = "sop4.safe_transport"


def client_of(world: World, role: Role = Role.CASEWORKER, org: str = "a") -> Client:
    client = Client()
    client.force_login(world.user(role, org=org))
    return client


def test_the_country_list_starts_empty_and_a_country_must_be_chosen(world: World) -> None:
    focal_point(world)
    case = make_case(world)
    client = client_of(world)
    url = reverse("referrals:transnational_create", args=[case.public_id])
    page = client.get(url).content.decode()
    options = re.findall(r'<option value="([^"]*)"', page.split('name="country"')[1])
    assert options[0] == ""
    assert "RO" in options
    refused = client.post(url, {"country": "", "urgency": "routine"})
    assert refused.status_code == 422
    assert not Referral.objects.exists()


def test_the_bilingual_document_never_runs_the_two_languages_together(world: World) -> None:
    s = setup(world)
    referral = create(s)
    page = client_of(world).get(reverse("referrals:template_document", args=[referral.public_id]))
    html = page.content.decode()
    assert '</span><span class="b"' not in html
    assert re.search(
        r'<h3 class="pair"[^>]*><span class="a"[^>]*>[^<]+</span> <span class="b"', html
    )


def test_the_request_form_describes_each_kind_apart(world: World) -> None:
    case = make_case(world)
    page = client_of(world).get(reverse("referrals:request_create_for_case", args=[case.public_id]))
    html = page.content.decode()
    section = html.split('id="request-kinds"')[1]
    described = [code for code in REQUEST_KINDS if code in KIND_NOTES]
    assert section.count("<dt>") == len(described)
    notes = [str(KIND_NOTES[code]) for code in described]
    help_text = html.split('id="id_kind_helptext">')[1].split("</p>")[0]
    assert sum(1 for note in notes if note in help_text) == 0  # none merged into the help


def test_a_refused_guard_is_shown_in_its_own_words(world: World) -> None:
    focal_point(world)
    case = make_case(world, birth=timezone.localdate() - timedelta(days=365 * 15))
    indicate_asylum(world, case)
    response = client_of(world).post(
        reverse("referrals:transnational_create", args=[case.public_id]),
        {"country": "RO", "urgency": "routine"},
    )
    assert response.status_code == 422
    alert = response.content.decode().split('id="form-errors"')[1].split("</div>")[0]
    assert "asylum" in alert
    assert "Please correct" not in alert


def test_planning_the_safe_transport_of_a_child_who_indicated_asylum_warns(world: World) -> None:
    case = make_case(world, birth=timezone.localdate() - timedelta(days=365 * 15))
    client = client_of(world)
    url = reverse("cases:measure_plan", args=[case.public_id, SAFE_TRANSPORT])
    assert 'id="measure-warnings"' not in client.get(url).content.decode()
    indicate_asylum(world, case)
    page = client.get(url).content.decode()
    assert 'id="measure-warnings"' in page
    assert "asylum" in page.split('id="measure-warnings"')[1].split("</div>")[0]
    planned = client.post(url, {"due_on": ""}, follow=True)
    assert CaseMeasure.objects.filter(case=case, code=SAFE_TRANSPORT).exists()
    shown = [str(m) for m in planned.context["messages"]]
    assert any("asylum" in m for m in shown)
