"""Cases for tests, registered through the services, and the pages tests read."""

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseDocument, CaseMeasure, ConsentRecord, MeasureStatus
from opentrm.cases.services import (
    NameData,
    case_register,
    child_safeguards_update,
    consent_record,
    document_upload,
    measure_update,
)
from opentrm.cases.services.interpreters import interpreter_assign
from opentrm.directory.models import Organisation


def new_case(
    world: World,
    name: str | None = None,
    *,
    role: Role = Role.CASEWORKER,
    interpreter: bool = True,
    **values: Any,
) -> Case:
    """A case registered by agency A's member with ``role``, named ``name`` when given.

    Agency A's interpreter is assigned to it (undertaking signed today) unless ``interpreter``
    is false: an interpreter sees only the cases assigned (tests of what an interpreter sees of
    a case need one it may open)."""
    if name is not None:
        values["names"] = [NameData(value=name)]
    case = case_register(actor=world.actor(role), **values)
    if interpreter:
        assign_interpreter(world, case)
    return case


def assign_interpreter(world: World, case: Case, org: str = "a") -> None:
    """Agency A's case manager assigns the interpreter of ``org`` (taking part) to ``case``."""
    interpreter_assign(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        interpreter=world.user(Role.INTERPRETER, org=org),
        undertaking_signed_on=timezone.localdate(),
    )


def events(event_type: str) -> int:
    """How many audit events of ``event_type`` there are."""
    return AuditEvent.objects.filter(event_type=event_type).count()


def detail_page(client: Client, case: Case) -> str:
    """The case's page as ``client`` sees it (which must be allowed), every section on it."""
    response = client.get(reverse("cases:case_detail", args=[case.public_id]), {"section": "all"})
    assert response.status_code == 200
    return response.content.decode()


def case_page(world: World, case: Case, role: Role = Role.CASEWORKER, org: str = "a") -> str:
    return detail_page(browser(world, role, org), case)


def record_consent(
    actor: Actor,
    case: Case,
    purpose: str,
    information_given: str,
    *,
    to: Organisation | None = None,
    decision: str = "given",
    on: date | None = None,
    explained_in: str = "sq",
    **values: Any,
) -> ConsentRecord:
    """The person's decision on ``purpose`` (sharing with ``to``), explained in
    ``explained_in`` and recorded by ``actor`` on ``on`` (today by default)."""
    return consent_record(
        actor=actor,
        case=case,
        purpose=purpose,
        decision=decision,
        decided_on=on or timezone.localdate(),
        explained_in=explained_in,
        information_given=information_given,
        recipient_organisation=to,
        **values,
    )


def indicate_asylum(world: World, case: Case) -> None:
    """Agency A's case manager records today that the child has applied for asylum (which
    blocks contact with the country of origin)."""
    child_safeguards_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=0,
        changes={"asylum_indicated_on": timezone.localdate()},
    )


def share_identity_with_c(world: World, case: Case, role: Role, information_given: str) -> None:
    """What lets agency A show agency C the person's identity: the person's consent to share
    with C (recorded by agency A's member with ``role``) and an agreement in force that allows
    it."""
    from opentrm.agreements.tests.factories import make_agreement

    record_consent(world.actor(role), case, "share_data", information_given, to=world.agency_c)
    make_agreement(
        world,
        others=[world.agency_c],
        flows={(world.agency_a, world.agency_c): [FieldGroup.IDENTITY]},
        sign=True,
    )


def upload_pdf(
    actor: Actor,
    case: Case,
    title: str,
    kind: str,
    content: bytes = b"%PDF-1.4 fictional",
    **values: Any,
) -> CaseDocument:
    """A small fictional PDF uploaded to the case by ``actor``."""
    upload = SimpleUploadedFile("scan.pdf", content)
    return document_upload(actor=actor, case=case, upload=upload, title=title, kind=kind, **values)


def complete_measure(world: World, measure: CaseMeasure) -> CaseMeasure:
    """Agency A's case manager marks ``measure`` done, at its version in the database."""
    measure.refresh_from_db()
    manager = world.actor(Role.CASE_MANAGER)
    return measure_update(
        actor=manager, measure=measure, expected_version=measure.version, status=MeasureStatus.DONE
    )


def consent_form(purpose: str, information_given: str, **extra: Any) -> dict[str, Any]:
    """The consent form's fields as a browser or an API client posts them: the decision on
    ``purpose`` given today, explained in Albanian."""
    return {
        "purpose": purpose,
        "decision": "given",
        "decided_on": timezone.localdate().isoformat(),
        "explained_in": "sq",
        "information_given": information_given,
        **extra,
    }
