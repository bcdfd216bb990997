"""The input rules of proceedings and of interviews and hearings (issue 3 §9), apart from the
writes in ``proceedings.py``: one function per form returns every mistake at once, by field
(issue 12 §5), for the service to raise and for the form's precheck to show with the form's own
errors.

The rules that read the database (one set of proceedings per case, country and kind; the
no-contact list; the consent register; SOP-P11 on a child's interview) are said here before the
write too; the service checks them again in its transaction, under its locks.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import FieldGroup
from opentrm.cases.models import (
    Case,
    ConsentPurpose,
    CourtDecision,
    Hearing,
    HearingKind,
    NoContactPerson,
    Proceeding,
    ProceedingKind,
)
from opentrm.cases.selectors import consent_in_force
from opentrm.cases.services.measures import GuardBlockedError
from opentrm.cases.states import is_child_case
from opentrm.catalogue import guards
from opentrm.core.input import require_known_fields
from opentrm.directory.validation import validate_country_code

PROCEEDING_FIELDS = (
    "country_code",
    "kind",
    "initiated",
    "reference",
    "statement_taken",
    "testified",
    "compensation_claimed",
    "compensation_obtained",
    "court_decision",
    "legal_status",
    "support_before_trial",
    "support_during_trial",
    "support_after_trial",
    "comments",
)
PROCEEDING_DEFAULTS: dict[str, Any] = {
    "country_code": "",
    "kind": "",
    "initiated": None,
    "reference": "",
    "statement_taken": None,
    "testified": None,
    "compensation_claimed": None,
    "compensation_obtained": None,
    "court_decision": "",
    "legal_status": "",
    "support_before_trial": False,
    "support_during_trial": False,
    "support_after_trial": False,
    "comments": "",
}
_PROCEEDING_TEXT = ("reference", "legal_status", "comments")
_PROCEEDING_FLAGS = ("support_before_trial", "support_during_trial", "support_after_trial")

HEARING_FIELDS = (
    "kind",
    "scheduled_at",
    "place",
    "participants",
    "participants_group",
    "involved_no_contact",
    "separation_arrangements",
    "video_recorded",
    "proceeding",
    "guardian_present",
)
_HEARING_DEFAULTS: dict[str, Any] = {
    "kind": "",
    "scheduled_at": None,
    "place": "",
    "participants": "",
    "participants_group": FieldGroup.PROCEEDINGS.value,
    "involved_no_contact": [],
    "separation_arrangements": "",
    "video_recorded": False,
    "proceeding": None,
    "guardian_present": "",
}
_HEARING_TEXT = ("place", "participants", "separation_arrangements", "guardian_present")
# Interviews by law enforcement (the police, the prosecutor): SOP-P11 / CH-25, ACT-68.
CHILD_INTERVIEW_KINDS = frozenset({HearingKind.POLICE_INTERVIEW, HearingKind.PROSECUTOR_INTERVIEW})


# --- Proceedings ---------------------------------------------------------------------------------


def proceeding_values(values: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    require_known_fields(changes, PROCEEDING_FIELDS, "a proceedings")
    for name, value in changes.items():
        if name in _PROCEEDING_TEXT or name == "court_decision":
            value = str(value or "").strip()
        elif name in _PROCEEDING_FLAGS:
            value = bool(value)
        values[name] = value
    return values


def proceeding_errors(
    case: Case, values: dict[str, Any], exclude_pk: int | None
) -> dict[str, list[str]]:
    """Every mistake of a set of proceedings at once, by field (issue 12 §5): the choices, the
    answers that contradict each other and one per case, country and kind (checked against the
    database; the unique constraint keeps it at write time). ``values`` (all of
    ``PROCEEDING_FIELDS``) get the country code and the kind in their stored form."""
    errors: dict[str, str] = {}
    try:
        values["country_code"] = validate_country_code(str(values["country_code"] or ""))
    except ValidationError as error:
        errors["country_code"] = error.messages[0]
    if values["kind"] not in ProceedingKind.values:
        errors["kind"] = _("Pick civil or criminal proceedings.")
    else:
        values["kind"] = ProceedingKind(values["kind"]).value
    if values["court_decision"] and values["court_decision"] not in CourtDecision.values:
        errors["court_decision"] = _("Pick a court decision from the list.")
    not_initiated = values["initiated"] is False
    if not_initiated and values["court_decision"]:
        errors["court_decision"] = _("There is no court decision in a case that was not initiated.")
    if not_initiated and values["testified"]:
        errors["testified"] = _(
            "The person cannot have testified in a case that was not initiated."
        )
    if values["compensation_obtained"] and values["compensation_claimed"] is False:
        errors["compensation_obtained"] = _(
            "Compensation cannot have been obtained without a claim: record the claim as filed."
        )
    if "country_code" not in errors and "kind" not in errors:
        duplicate = Proceeding.objects.filter(
            case=case, country_code=values["country_code"], kind=values["kind"]
        )
        if exclude_pk is not None:
            duplicate = duplicate.exclude(pk=exclude_pk)
        if duplicate.exists():
            errors["kind"] = duplicate_message(values["country_code"], values["kind"])
    return {name: [message] for name, message in errors.items()}


def duplicate_message(country_code: str, kind: str) -> str:
    return _("%(kind)s in %(country)s are already recorded on this case: edit them instead.") % {
        "kind": ProceedingKind(kind).label,
        "country": country_code,
    }


def proceeding_form_errors(
    case: Case, changes: Mapping[str, Any], proceeding: Proceeding | None = None
) -> dict[str, list[str]]:
    """Every mistake at once of a form's proceedings (new, or changes to ``proceeding``), for
    its precheck: a field not in ``changes`` (one with its own error) keeps its value, or is
    empty on new proceedings."""
    if proceeding is None:
        before = dict(PROCEEDING_DEFAULTS)
    else:
        before = {name: getattr(proceeding, name) for name in PROCEEDING_FIELDS}
    given = {name: value for name, value in changes.items() if name in PROCEEDING_FIELDS}
    values = proceeding_values(before, given)
    return proceeding_errors(case, values, None if proceeding is None else proceeding.pk)


# --- Interviews and hearings ---------------------------------------------------------------------


def active_no_contact(case: Case) -> models.QuerySet[NoContactPerson]:
    """The people the person must not meet: those on the list and not removed from it."""
    return NoContactPerson.objects.live().filter(case=case)


def normalise_name(text: str) -> str:
    """Lower case, without accents, one space between words: "  Ćosić  Ana" -> "cosic ana"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def named_in(entries: Iterable[NoContactPerson], text: str) -> list[NoContactPerson]:
    """The entries whose name appears, as whole words, in ``text``."""
    haystack = normalise_name(text)
    if not haystack:
        return []
    found = []
    for entry in entries:
        needle = normalise_name(entry.name)
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
            found.append(entry)
    return found


def no_contact_conflicts(
    active: Sequence[NoContactPerson], involved: Iterable[NoContactPerson], participants: str
) -> list[NoContactPerson]:
    """Who on the list (``active``) takes part: picked as involved, or named among those
    attending. Ordered as the list is."""
    picked = {entry.pk for entry in involved}
    named = {entry.pk for entry in named_in(active, participants)}
    return [entry for entry in active if entry.pk in picked | named]


class NoContactConflictError(ValidationError):
    """Someone on the no-contact list takes part and no separation arrangements are written.

    The message names them: it is for the form or the API response, never for a log."""

    def __init__(self, people: Sequence[NoContactPerson]) -> None:
        super().__init__({"separation_arrangements": conflict_message(people)})
        self.people = list(people)


def conflict_message(people: Sequence[NoContactPerson]) -> str:
    """SOP-P13's refusal, naming who on the list takes part (for the form or the API only)."""
    return _(
        "Someone on the no-contact list takes part: %(names)s. The person must never meet "
        "them. Describe the arrangements that keep them apart (separate arrival and waiting "
        "rooms, a video link, a screen…) to schedule it."
    ) % {"names": ", ".join(entry.name for entry in people)}


def child_interview_needs_guardian(case: Case, kind: str, scheduled_at: datetime) -> bool:
    """SOP-P11: is this an interview by law enforcement of a child, with the guard in force?"""
    return (
        kind in CHILD_INTERVIEW_KINDS
        and guards.applies("SOP-P11")
        and is_child_case(case, timezone.localdate(scheduled_at))
    )


def check_child_interview(case: Case, values: dict[str, Any]) -> None:
    if values["guardian_present"] or not child_interview_needs_guardian(
        case, values["kind"], values["scheduled_at"]
    ):
        return
    raise GuardBlockedError("SOP-P11", [guards.refusal("SOP-P11")], detail={"kind": values["kind"]})


def hearing_values(values: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    require_known_fields(changes, HEARING_FIELDS, "a hearing")
    for name, value in changes.items():
        if name in _HEARING_TEXT:
            value = str(value or "").strip()
            if name == "place":
                value = " ".join(value.split())
        elif name == "involved_no_contact":
            value = list(value or [])
        elif name == "video_recorded":
            value = bool(value)
        values[name] = value
    return values


def hearing_errors(
    case: Case, values: dict[str, Any], *, check_time: bool, active: Sequence[NoContactPerson]
) -> dict[str, list[str]]:
    """Every mistake of an interview or hearing at once, by field (issue 12 §5): the type, the
    time (not passed, when ``check_time``), the place, the no-contact list (``active``), the
    proceedings, the consent to video (SOP-P5) and SOP-P13 (someone on the list takes part and
    no separation arrangements are written). ``values`` (all of ``HEARING_FIELDS``) get the
    kind in its stored form. SOP-P11 is a refusal of its own (``check_child_interview``)."""
    errors = _field_errors(case, values, check_time=check_time, active=active)
    conflicts = no_contact_conflicts(active, values["involved_no_contact"], values["participants"])
    if conflicts and not values["separation_arrangements"]:
        errors["separation_arrangements"] = conflict_message(conflicts)
    return {name: [message] for name, message in errors.items()}


def _field_errors(
    case: Case, values: dict[str, Any], *, check_time: bool, active: Sequence[NoContactPerson]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if values["kind"] not in HearingKind.values:
        errors["kind"] = _("Pick a type from the list.")
    else:
        values["kind"] = HearingKind(values["kind"]).value
    scheduled_at: datetime | None = values["scheduled_at"]
    if scheduled_at is None:
        errors["scheduled_at"] = _("Enter the date and time.")
    elif check_time and scheduled_at < timezone.now():
        errors["scheduled_at"] = _("The date and time have passed: schedule it for later.")
    if not values["place"]:
        errors["place"] = _("Enter the place.")
    active_ids = {entry.pk for entry in active}
    if any(entry.pk not in active_ids for entry in values["involved_no_contact"]):
        errors["involved_no_contact"] = _("Pick people on this case's no-contact list.")
    proceeding = values["proceeding"]
    if proceeding is not None and proceeding.case_id != case.pk:
        errors["proceeding"] = _("Pick proceedings of this case.")
    if values["video_recorded"]:
        consent = consent_in_force(case=case, purpose=ConsentPurpose.VIDEO_INTERVIEW)
        if consent is None:
            errors["video_recorded"] = _(
                "A video-recorded interview needs the person's consent to it, and none is in "
                "force in the consent register. Record the person's consent first, or schedule "
                "the interview without video."
            )
        elif (
            consent.expires_on is not None
            and scheduled_at is not None
            and consent.expires_on < timezone.localdate(scheduled_at)
        ):
            errors["video_recorded"] = _(
                "The person's consent to a video-recorded interview expires on %(date)s, before "
                "the interview. Record a new consent first, or schedule it without video."
            ) % {"date": formats.date_format(consent.expires_on, "SHORT_DATE_FORMAT")}
    return errors


def hearing_form_errors(
    case: Case, changes: Mapping[str, Any], hearing: Hearing | None = None
) -> dict[str, list[str]]:
    """Every mistake at once of a form's interview or hearing (new, or changes to ``hearing``),
    for its precheck, SOP-P11 included (on the guardian's field; the service refuses it
    audited): a field not in ``changes`` (one with its own error) keeps its value, or is empty
    on a new one."""
    if hearing is None:
        before: dict[str, Any] = dict(_HEARING_DEFAULTS)
    else:
        before = {name: getattr(hearing, name) for name in HEARING_FIELDS}
        before["involved_no_contact"] = list(hearing.involved_no_contact.all())
    given = {name: value for name, value in changes.items() if name in HEARING_FIELDS}
    values = hearing_values(dict(before), given)
    if hearing is not None and "involved_no_contact" not in given:
        values["involved_no_contact"] = [
            e for e in before["involved_no_contact"] if not e.is_deleted
        ]
    moved = hearing is None or values["scheduled_at"] != before["scheduled_at"]
    active = list(active_no_contact(case))
    errors = hearing_errors(case, values, check_time=moved, active=active)
    if "kind" not in errors and values["scheduled_at"] is not None:
        try:
            check_child_interview(case, values)
        except GuardBlockedError as blocked:
            errors.setdefault("guardian_present", blocked.reasons)
    return errors
