"""Bilingual documents: labels in the sender's and the receiver's language side by side, free
text marked with its language, a blank template per language pair; printing and exporting are
audited; every section heading is in the PDF in both languages."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import TemplateInstance
from opentrm.referrals.services import documents
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.template import loader
from opentrm.referrals.tests.test_template import HEALTH, NAME, create, send, setup, step

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def _headings(a: str, b: str) -> list[str]:
    template = loader.load_template()
    found = []
    for language in (a, b):
        with translation.override(language):
            found.append(template.title)
            found += [c.heading for c in template.chapters]
            found += [s.heading for s in template.sections]
    return found


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_document_has_both_labels_for_every_field(world: World) -> None:
    s = setup(world)
    referral = create(s)
    row = TemplateInstance.objects.get(referral=referral)
    row.sender_language, row.receiver_language = "sq", "ro"
    row.save()
    view = tn.template_view(world.actor(Role.CASEWORKER), referral)
    assert view is not None
    document = documents.referral_document(view)
    assert (document.lang_a, document.lang_b) == ("sq", "ro")
    item = loader.load_template().field("s1_1.sex")
    assert item is not None
    labels = {r.code: r.label for c in document.chapters for sec in c.sections for r in sec.rows}
    with translation.override("sq"):
        assert labels["s1_1.sex"].a == item.label
    with translation.override("ro"):
        assert labels["s1_1.sex"].b == item.label
    name_row = next(
        r
        for c in document.chapters
        for sec in c.sections
        for r in sec.rows
        if r.code == "s1_1.name"
    )
    assert name_row.text_lang == "en"


def test_the_html_document_marks_free_text_with_its_language(world: World, client: Client) -> None:
    s = setup(world)
    referral = create(s)
    client.force_login(world.user(Role.CASEWORKER))
    response = client.get(reverse("referrals:template_document", args=[referral.public_id]))
    html = response.content.decode()
    assert NAME in html
    assert re.search(r'<span lang="en">' + re.escape(NAME), html)
    for heading in _headings("en", "ro"):
        assert heading in html


def test_the_blank_template_per_language_pair(world: World, client: Client) -> None:
    client.force_login(world.user(Role.STATISTICIAN))
    url = reverse("referrals:template_blank")
    response = client.get(url, {"pair": "sq-en"})
    assert response.status_code == 200
    html = response.content.decode()
    for heading in _headings("sq", "en"):
        assert heading in html
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_PRINTED)
    assert event.detail["languages"] == ["sq", "en"]
    assert client.get(url, {"pair": "xx-en"}).status_code == 400


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    if not Path(PDFTOTEXT).exists():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    target = tmp_path / "template.pdf"
    target.write_bytes(content)
    return subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", str(target), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_the_pdf_has_every_section_heading_in_both_languages(
    world: World, client: Client, tmp_path: Path
) -> None:
    pytest.importorskip("weasyprint")
    s = setup(world)
    referral = send(s, create(s))
    row = TemplateInstance.objects.get(referral=referral)
    row.sender_language, row.receiver_language = "sq", "sr"
    row.save()
    step(world, referral, "accept")
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    response = client.get(reverse("referrals:template_pdf", args=[referral.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _flat(_pdf_text(response.content, tmp_path))
    for heading in _headings("sq", "sr"):
        assert _flat(heading) in text, heading
    assert NAME in text
    assert HEALTH not in text  # health is not shared: withheld, never printed
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_EXPORTED).exists()


def test_the_pdf_api_is_audited_and_gated(world: World, client: Client, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    s = setup(world)
    referral = send(s, create(s))
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    response = client.get(f"/api/v1/referrals/{referral.public_id}/template/pdf")
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert NAME not in text  # not accepted yet: nothing personal
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_EXPORTED).exists()
