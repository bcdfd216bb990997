"""Erasure at the end of the retention period (GDPR art. 5(1)(e), 17; issue 17 §5).

``opentrm apply_retention`` (daily) looks at every closed case. For each data category
(field group) whose period (``OPENTRM_RETENTION_YEARS``, counted from the last closure) has run
out, it erases that category's data of the case; the case row itself, its statuses and dates
stay, anonymous, for the statistics. What proceedings still need is held back, with the reason
recorded in the audit trail:

- while criminal or civil proceedings are not concluded (no decision, or "underway") or a
  hearing is still to come: the proceedings and identity categories (a witness must remain
  identifiable to the court);
- while the same person has another case that is open or still kept: identity and contact.

Erasing is idempotent: a category already erased changes nothing and is not audited again.
What is erased, per category: docs/security-data.md "Retention".
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from opentrm.accounts.policy import FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import (
    Case,
    CaseClosure,
    CaseDocument,
    CaseNote,
    Hearing,
    Person,
    PersonName,
    PersonNameKey,
    Proceeding,
    TravelDocument,
)
from opentrm.cases.models.case import CaseStatus
from opentrm.dataprotection.erasure_records import (
    Changed,
    erase_assistance,
    erase_child_protection,
    erase_health,
    erase_match_index,
)
from opentrm.dataprotection.retention import retention_years

ERASED = "[erased]"
CLOSED = (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)
WHOLE_CASE = ""  # notes and documents about the whole case fall under the default period
PROCEEDINGS_HOLD = frozenset({FieldGroup.PROCEEDINGS.value, FieldGroup.IDENTITY.value})
PERSON_HOLD = frozenset({FieldGroup.IDENTITY.value, FieldGroup.CONTACT.value})


@dataclass
class CaseOutcome:
    case: Case
    erased: dict[str, int] = field(default_factory=dict)  # category -> rows changed
    records: dict[str, Changed] = field(default_factory=dict)  # category -> model -> rows
    held: dict[str, str] = field(default_factory=dict)  # category -> reason code


def _free_text(case: Case, group: str) -> Changed:
    """Notes and documents the writer filed under ``group``; document files are deleted."""
    # Note texts are encrypted: the database cannot tell an erased one, so they are read.
    unerased = [
        note.pk
        for note in CaseNote._base_manager.filter(case=case, field_group=group).only("text")
        if note.text != ERASED
    ]
    notes = CaseNote._base_manager.filter(pk__in=unerased).update(text=ERASED)
    documents = CaseDocument._base_manager.filter(case=case, field_group=group).exclude(
        title=ERASED
    )
    names = [name for name in documents.values_list("file", flat=True) if name]
    changed = {
        "cases.casenote": notes,
        "cases.casedocument": documents.update(
            title=ERASED, title_key="", title_params={}, original_name="", file=""
        ),
    }
    transaction.on_commit(lambda: _delete_files(names))
    return {label: rows for label, rows in changed.items() if rows}


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _rows(**changed: int) -> Changed:
    """``cases_person=1`` -> ``{"cases.person": 1}``, without the models left unchanged."""
    return {label.replace("_", ".", 1): rows for label, rows in changed.items() if rows}


def _identity(case: Case) -> Changed:
    person = case.person
    return _rows(
        cases_personnamekey=PersonNameKey.objects.filter(person=person).delete()[0],
        cases_personname=PersonName.objects.filter(person=person).delete()[0],
        cases_person=Person.objects.filter(pk=person.pk)
        .exclude(date_of_birth=None, place_of_birth="", identity_note="")
        .update(date_of_birth=None, place_of_birth="", identity_note="", version=F("version") + 1),
    ) | erase_match_index(case)


def _contact(case: Case) -> Changed:
    return _rows(
        cases_person=Person.objects.filter(pk=case.person_id)
        .exclude(address="")
        .update(address="", version=F("version") + 1)
    )


def _travel(case: Case) -> Changed:
    return _rows(
        cases_traveldocument=TravelDocument.objects.filter(person=case.person_id)
        .exclude(number="", note="")
        .update(number="", note="")
    )


def _proceedings(case: Case) -> Changed:
    return _rows(
        cases_proceeding=Proceeding.objects.filter(case=case)
        .exclude(reference="", comments="")
        .update(reference="", comments="", version=F("version") + 1),
        cases_hearing=Hearing.objects.filter(case=case)
        .exclude(participants="", separation_arrangements="")
        .update(participants="", separation_arrangements="", version=F("version") + 1),
        cases_case=Case._base_manager.filter(pk=case.pk)
        .exclude(law_enforcement_reference="", court_reference="")
        .update(law_enforcement_reference="", court_reference="", version=F("version") + 1),
    )


# Structured data erased per category, on top of the category's notes and documents.
STRUCTURED: dict[str, Callable[[Case], Changed]] = {
    FieldGroup.IDENTITY.value: _identity,
    FieldGroup.CONTACT.value: _contact,
    FieldGroup.TRAVEL.value: _travel,
    FieldGroup.PROCEEDINGS.value: _proceedings,
    FieldGroup.HEALTH.value: erase_health,
    FieldGroup.ASSISTANCE.value: erase_assistance,
    FieldGroup.CHILD_PROTECTION.value: erase_child_protection,
}


def closed_since(case: Case) -> datetime | None:
    """When the case was last closed (None while it is open or was reopened)."""
    if case.case_status not in CLOSED:
        return None
    closure = CaseClosure.objects.filter(case=case, reopened_at=None).order_by("-closed_at").first()
    return closure.closed_at if closure else None


def _proceedings_pending(case: Case, now: datetime) -> bool:
    unconcluded = (
        Proceeding.objects.filter(case=case)
        .exclude(initiated=False)
        .filter(court_decision__in=("", "underway"))
    )
    upcoming = Hearing.objects.filter(case=case, cancelled_at=None, scheduled_at__gte=now)
    return unconcluded.exists() or upcoming.exists()


def _person_kept_elsewhere(case: Case, now: datetime, years: dict[str, int]) -> bool:
    for other in Case._base_manager.filter(person=case.person_id).exclude(pk=case.pk):
        since = closed_since(other)
        if since is None or since > now - timedelta(days=365 * years["default"]):
            return True
    return False


def apply_to_case(
    case: Case, *, now: datetime, years: dict[str, int], dry_run: bool
) -> CaseOutcome:
    outcome = CaseOutcome(case=case)
    since = closed_since(case)
    if since is None:
        return outcome
    due = [
        category
        for category in [*(group.value for group in FieldGroup), "default"]
        if since <= now - timedelta(days=365 * years[category])
    ]
    if not due:
        return outcome
    held: dict[str, str] = {}
    if _proceedings_pending(case, now):
        held.update(dict.fromkeys(PROCEEDINGS_HOLD & set(due), "proceedings_pending"))
    if _person_kept_elsewhere(case, now, years):
        held.update(dict.fromkeys(PERSON_HOLD & set(due) - set(held), "person_has_another_case"))
    outcome.held = held
    with transaction.atomic():
        for category in due:
            if category in held:
                continue
            group = WHOLE_CASE if category == "default" else category
            changed = _free_text(case, group)
            if category in STRUCTURED:
                changed |= STRUCTURED[category](case)
            if changed:
                outcome.erased[category] = sum(changed.values())
                outcome.records[category] = dict(sorted(changed.items()))
        if dry_run:
            transaction.set_rollback(True)
            return outcome
        if outcome.erased:
            record_event(
                event_type=EventType.RETENTION_ERASED,
                actor=None,
                target=case,
                detail={
                    "case_id": case.pk,
                    "categories": sorted(outcome.erased),
                    "records": dict(sorted(outcome.records.items())),
                },
            )
        if held:
            record_event(
                event_type=EventType.RETENTION_HELD_BACK,
                actor=None,
                target=case,
                detail={"case_id": case.pk, "held": dict(sorted(held.items()))},
            )
    return outcome


def apply_retention(*, now: datetime | None = None, dry_run: bool = False) -> list[CaseOutcome]:
    """Erase what has outlived its period in every closed case; what each case kept and why."""
    now = now or timezone.now()
    years = retention_years()
    shortest = min(years.values())
    candidates = (
        Case._base_manager.filter(
            Q(case_status__in=CLOSED),
            closures__reopened_at=None,
            closures__closed_at__lte=now - timedelta(days=365 * shortest),
        )
        .distinct()
        .select_related("person")
    )
    outcomes = []
    for case in candidates.order_by("pk").iterator():
        outcome = apply_to_case(case, now=now, years=years, dry_run=dry_run)
        if outcome.erased or outcome.held:
            outcomes.append(outcome)
    return outcomes
