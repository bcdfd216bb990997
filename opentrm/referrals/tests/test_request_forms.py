"""The blank form of every kind of request between countries, per language pair: the kind's
title and description, the sender/receiver header and the lines the request form asks, each
label in both languages side by side; no personal data; audited like the blank template."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.forms_requests import RequestCreateForm
from opentrm.referrals.models import ReferralKind
from opentrm.referrals.services.requests import FIELDS, KIND_FIELDS, KIND_NOTES
from opentrm.referrals.tests.test_bilingual import _flat, _pdf_text
from opentrm.referrals.tests.test_template import NAME, create, setup

ASKED = ("receiver_country", "intended", "urgency", "reason")


def _in(language: str, text: object) -> str:
    with translation.override(language):
        return escape(str(text))


def _cell(html: str, code: str, language: str) -> str:
    """The label cell of the row ``code`` in ``language``."""
    found = re.search(
        rf'<tr data-field="{code}"[^>]*>\s*(?:<td[^>]*>.*?</td>\s*)*?'
        rf'<td data-label="{language}" lang="{language}">(.*?)</td>',
        html,
        re.S,
    )
    assert found, (code, language)
    return found.group(1).strip()


@pytest.mark.parametrize("kind", [kind.value for kind in ReferralKind.requests()])
def test_each_request_kind_has_a_blank_form_in_two_languages(
    world: World, client: Client, kind: str
) -> None:
    referral = create(setup(world))  # a case with a person exists: none of her data prints
    client.force_login(world.user(Role.STATISTICIAN))
    response = client.get(reverse("referrals:request_blank", args=[kind]), {"pair": "sq-sr"})
    assert response.status_code == 200
    html = response.content.decode()
    label = ReferralKind(kind).label
    assert _in("sq", label) in html
    assert _in("sr", label) in html
    assert _in("sq", label) != _in("sr", label)
    if kind in KIND_NOTES:
        assert _in("sq", KIND_NOTES[kind]) in html
        assert _in("sr", KIND_NOTES[kind]) in html
    asked = RequestCreateForm.base_fields
    for code in ASKED:
        assert _cell(html, code, "sq") == _in("sq", asked[code].label)
        assert _cell(html, code, "sr") == _in("sr", asked[code].label)
    for code in KIND_FIELDS[kind]:
        assert _cell(html, code, "sq") == _in("sq", FIELDS[code].label)
        assert _cell(html, code, "sr") == _in("sr", FIELDS[code].label)
    for code in ("from", "to", "date"):
        assert _cell(html, code, "sq") != _cell(html, code, "sr")
    assert ('data-field="document_type"' in html) == (kind == ReferralKind.DOCUMENT_ISSUANCE)
    assert NAME not in html
    assert referral.reference not in html
    assert html.count("________") >= len(ASKED) - 1 + len(KIND_FIELDS[kind])
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_PRINTED)
    assert event.detail == {
        "blank": True,
        "format": "html",
        "languages": ["sq", "sr"],
        "kind": kind,
    }


def test_an_immediate_danger_alert_is_always_immediate_on_paper(
    world: World, client: Client
) -> None:
    client.force_login(world.user(Role.CASEWORKER))
    url = reverse("referrals:request_blank", args=[ReferralKind.IMMEDIATE_DANGER])
    html = client.get(url, {"pair": "en-sq"}).content.decode()
    urgency = re.search(r'<tr data-field="urgency".*?</tr>', html, re.S)
    assert urgency is not None
    assert "Immediate (danger to life or safety)" in urgency.group(0)
    assert "Routine" not in urgency.group(0)


def test_an_unknown_kind_or_pair_is_refused(world: World, client: Client) -> None:
    client.force_login(world.user(Role.CASEWORKER))
    assert client.get(reverse("referrals:request_blank", args=["national"])).status_code == 404
    url = reverse("referrals:request_blank", args=["family_check"])
    assert client.get(url, {"pair": "xx-en"}).status_code == 400
    assert not AuditEvent.objects.filter(event_type=EventType.REFERRAL_PRINTED).exists()


def test_the_blank_request_form_as_pdf(world: World, client: Client, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    client.force_login(world.user(Role.CASEWORKER))
    url = reverse("referrals:request_blank", args=[ReferralKind.DOCUMENT_ISSUANCE])
    response = client.get(url, {"pair": "sq-sr", "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "document-issuance-request-sq-sr.pdf" in response["Content-Disposition"]
    text = _flat(_pdf_text(response.content, tmp_path))
    for language in ("sq", "sr"):
        with translation.override(language):
            assert _flat(str(ReferralKind.DOCUMENT_ISSUANCE.label)) in text
            assert _flat(str(RequestCreateForm.base_fields["document_type"].label)) in text
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_EXPORTED).exists()
