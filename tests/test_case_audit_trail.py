"""The auditor's view of one case (docs/audit.md, "A case's trail")."""

import csv
import io
import re

from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import ConsentRecord
from opentrm.cases.services import NameData, case_register
from opentrm.cases.tests.factories import record_consent
from opentrm.referrals.tests.test_national import make_scene, send

URL = reverse("case_audit:trail")


def _events(target: object) -> set[int]:
    return set(
        AuditEvent.objects.filter(
            target_type=target._meta.label_lower,  # type: ignore[attr-defined]
            target_id=str(target.pk),  # type: ignore[attr-defined]
        ).values_list("sequence", flat=True)
    )


def _rows(page: str) -> set[int]:
    return {int(cell) for cell in re.findall(r'<td data-label="#">(\d+)</td>', page)}


def test_the_trail_by_case_number_holds_its_consents_and_referrals_only(world: World) -> None:
    scene = make_scene(world)
    referral = send(scene)
    consent = ConsentRecord.objects.get(case=scene.case)
    other_case = case_register(
        actor=world.actor(Role.CASE_MANAGER), names=[NameData(value="Mira Fiktiva")]
    )
    other_consent = record_consent(
        world.actor(Role.CASE_MANAGER), other_case, "share_data", "Explained.", to=scene.shelter
    )
    officer = browser(world, Role.DATA_PROTECTION_OFFICER)
    response = officer.get(URL, {"number": scene.case.number.lower()})
    assert response.status_code == 200
    page = response.content.decode()
    shown = _rows(page)
    assert _events(consent)
    assert _events(consent) <= shown
    assert _events(referral)
    assert _events(referral) <= shown
    assert _events(scene.case) <= shown
    assert not (_events(other_consent) | _events(other_case)) & shown
    assert "Audit chain intact" in page
    viewed = AuditEvent.objects.filter(event_type=EventType.AUDIT_VIEWED).latest("sequence")
    assert viewed.detail == {"case_id": scene.case.pk, "view": "case_trail"}

    export = officer.get(reverse("case_audit:trail_csv"), {"number": scene.case.number})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    exported = {int(row["sequence"]) for row in rows}
    assert _events(consent) | _events(referral) <= exported
    assert not _events(other_consent) & exported
    assert "Ariana" not in export.content.decode("utf-8-sig")
    viewed = AuditEvent.objects.filter(event_type=EventType.AUDIT_VIEWED).latest("sequence")
    assert viewed.detail["export"] == "csv"


def test_only_audit_readers_open_the_case_trail(world: World) -> None:
    case = case_register(actor=world.actor(Role.CASE_MANAGER), names=[NameData(value="X Y")])
    for role in (Role.CASE_MANAGER, Role.CASEWORKER, Role.NATIONAL_COORDINATOR):
        client = browser(world, role)
        assert client.get(URL, {"number": case.number}).status_code in {403, 404}
        csv_url = reverse("case_audit:trail_csv")
        assert client.get(csv_url, {"number": case.number}).status_code in {403, 404}


def test_a_case_outside_the_officers_country_is_not_found(world: World) -> None:
    elsewhere = case_register(actor=world.actor(Role.CASE_MANAGER, org="b"), names=[])
    officer = browser(world, Role.DATA_PROTECTION_OFFICER)
    page = officer.get(URL, {"number": elsewhere.number}).content.decode()
    assert "No case with this number in your scope." in page
    assert not _rows(page)
    assert (
        officer.get(reverse("case_audit:trail_csv"), {"number": elsewhere.number}).status_code
        == 404
    )
