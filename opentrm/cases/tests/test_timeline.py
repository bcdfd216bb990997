from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import (
    Assessment,
    Case,
    ChildSafeguards,
    Hearing,
    Proceeding,
)
from opentrm.cases.services import (
    NameData,
    case_register,
    consent_withdraw,
    note_add,
    reflection_period_start,
)
from opentrm.cases.tests.factories import assign_interpreter, record_consent, upload_pdf
from opentrm.cases.timeline import case_timeline, sort_key

TODAY = timezone.localdate


pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def case(world: World) -> Case:
    case = case_register(actor=world.actor(Role.CASEWORKER), names=[NameData(value="Ana Fictiva")])
    assign_interpreter(world, case)
    return case


def _labels(world: World, case: Case, role: Role) -> list[str]:
    return [entry.label for entry in case_timeline(actor=world.actor(role), case=case)]


def _fill(world: World, case: Case) -> None:
    """One record of each kind, by agency A."""
    actor = world.actor(Role.CASE_MANAGER)
    consent = record_consent(
        actor, case, "video_interview", "How the recording is used.", on=TODAY() - timedelta(days=2)
    )
    consent_withdraw(actor=actor, consent=consent)
    reflection_period_start(actor=actor, case=case, starts_on=TODAY())
    upload_pdf(actor, case, "Ana Fictiva medical certificate", "medical", b"%PDF-1.4 medical")
    upload_pdf(actor, case, "Ana Fictiva indictment", "legal", b"%PDF-1.4 legal")
    note_add(actor=actor, case=case, text="Ana was calm today.", visibility="case")
    Assessment.objects.create(
        case=case,
        kind="needs",
        assessed_on=TODAY(),
        organisation=world.agency_a,
        assessed_by=actor.user,
        summary="Needs a shelter.",
    )
    proceeding = Proceeding.objects.create(
        case=case, country_code="AL", kind="criminal", organisation=world.agency_a
    )
    Hearing.objects.create(
        case=case,
        proceeding=proceeding,
        kind="court_hearing",
        scheduled_at=timezone.now() + timedelta(days=3),
        place="Court of Fictiva",
        organisation=world.agency_a,
    )
    ChildSafeguards.objects.create(case=case, asylum_indicated_on=TODAY())


def test_it_shows_what_happened_newest_first_without_personal_data(
    world: World, case: Case
) -> None:
    _fill(world, case)
    entries = case_timeline(actor=world.actor(Role.CASE_MANAGER), case=case)
    labels = [entry.label for entry in entries]
    assert "Case opened" in labels
    assert "Consent given: Video-recorded interview" in labels
    assert "Consent withdrawn: Video-recorded interview" in labels
    assert "Recovery and reflection period started" in labels
    assert "Document added: Legal or court document" in labels
    assert "Document added: Medical record" not in labels  # health: never on the timeline
    assert "Note added" in labels
    assert "Intake and needs assessment" in labels
    assert "Interview or hearing: Court hearing" in labels
    assert "Asylum requested or indicated" in labels
    assert entries == sorted(entries, key=sort_key, reverse=True)
    assert "Ana" not in " ".join(labels)
    assert all(entry.organisation in ("", world.agency_a.name) for entry in entries)


@pytest.mark.parametrize(
    ("role", "hidden"),
    [
        # health never; proceedings, assessments and child protection by role
        (Role.INTERPRETER, ["Document added", "Intake", "Interview or hearing", "Asylum"]),
        (Role.PROSECUTOR, ["Medical record", "Intake"]),
        (Role.POLICE_INVESTIGATOR, ["Medical record"]),
    ],
)
def test_it_leaves_out_the_field_groups_the_role_does_not_see(
    world: World, case: Case, role: Role, hidden: list[str]
) -> None:
    _fill(world, case)
    text = " | ".join(_labels(world, case, role))
    for label in hidden:
        assert label not in text, label
    assert "Case opened" in text
    assert "Consent withdrawn" in text


def test_the_page_is_audited_bounded_and_hidden_from_other_organisations(
    world: World, case: Case, django_assert_max_num_queries: Any
) -> None:
    _fill(world, case)
    url = reverse("cases:case_timeline", args=[case.public_id])
    client = Client()
    client.force_login(world.user(Role.CASEWORKER))
    with django_assert_max_num_queries(40):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Consent withdrawn: Video-recorded interview" in page
    assert "Ana" not in page
    event = AuditEvent.objects.get(event_type=EventType.CASE_TIMELINE_VIEWED)
    assert "health" in event.detail["groups"]
    outsider = Client()
    outsider.force_login(world.user(Role.CASE_MANAGER, org="b"))
    assert outsider.get(url).status_code == 404
    statistician = Client()
    statistician.force_login(world.user(Role.STATISTICIAN))
    assert statistician.get(url).status_code == 403


def test_the_api_returns_the_timeline(world: World, case: Case) -> None:
    _fill(world, case)
    _token, secret = api_token_create(actor=world.actor(Role.INTERPRETER), name="test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get(f"/api/v1/cases/{case.public_id}/timeline")
    assert response.status_code == 200
    kinds = [entry["kind"] for entry in response.json()]
    assert "case.opened" in kinds
    assert "document.added" not in kinds
    assert "hearing.scheduled" not in kinds
    assert AuditEvent.objects.filter(event_type=EventType.CASE_TIMELINE_VIEWED).exists()


def test_it_puts_a_dated_entry_recorded_today_above_the_earlier_timed_ones(
    world: World, case: Case
) -> None:
    """Issue 12 §4: a date-only entry (a consent decided today) recorded after a timed one (a
    note) comes first, newest first; the case opened today, recorded before both, comes last;
    a consent dated yesterday sorts below all of today and above yesterday's timed entries."""
    actor = world.actor(Role.CASE_MANAGER)
    Hearing.objects.create(
        case=case,
        proceeding=Proceeding.objects.create(
            case=case, country_code="AL", kind="criminal", organisation=world.agency_a
        ),
        kind="court_hearing",
        scheduled_at=timezone.now() - timedelta(days=1, hours=1),
        place="Court of Fictiva",
        organisation=world.agency_a,
    )
    note_add(actor=actor, case=case, text="Ana was calm today.", visibility="case")
    record_consent(actor, case, "video_interview", "How the recording is used.", on=TODAY())
    record_consent(actor, case, "family_tracing", "Tracing.", on=TODAY() - timedelta(days=1))
    labels = _labels(world, case, Role.CASE_MANAGER)
    assert labels[:3] == [
        "Consent given: Video-recorded interview",
        "Note added",
        "Criminal proceedings recorded (AL)",
    ]
    assert labels.index("Case opened") < labels.index("Consent given: Family tracing")
    assert labels.index("Consent given: Family tracing") < labels.index(
        "Interview or hearing: Court hearing"
    )
