"""Child safeguards (issue 3 §10, reference §7): the record the guards of ``states.py`` read,
and the guard every feature calls before anything goes towards a country."""

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.changes import save_audited
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import refuse_widening, require_open
from opentrm.cases.models import AgeAssessmentResult, Case, ChildSafeguards, DurableSolution, Task
from opentrm.cases.services.tasks import CASE_ROLES, task_create
from opentrm.cases.states import origin_contact_blocked
from opentrm.cases.task_titles import COUNTRY_CONTACT, render_title
from opentrm.core.errors import ConflictError, DomainError
from opentrm.core.input import require_known_fields
from opentrm.directory.models import ContactPoint, Organisation, OrganisationType
from opentrm.directory.validation import validate_country_code

SAFEGUARD_FIELDS = (
    "guardian",
    "guardian_name",
    "guardian_appointed_on",
    "liaison_officer",
    "best_interests_determined_on",
    "best_interests_summary",
    "family_tracing_in_best_interests",
    "asylum_indicated_on",
    "welfare_clearance_on",
    "welfare_clearance_by",
    "age_assessed_on",
    "age_assessment_result",
    "age_assessment_participants",
    "best_interests_participants",
    "separated",
    "unaccompanied",
    "street_child",
    "durable_solution",
    "durable_solution_decided_on",
)
_DATE_FIELDS = (
    "guardian_appointed_on",
    "best_interests_determined_on",
    "asylum_indicated_on",
    "welfare_clearance_on",
    "age_assessed_on",
    "durable_solution_decided_on",
)
_TEXT_FIELDS = (
    "guardian_name",
    "best_interests_summary",
    "age_assessment_participants",
    "best_interests_participants",
)


class OriginContactBlockedError(DomainError):
    """Nothing may go towards this country for this case (SOP-P9); the attempt is audited."""

    code = "origin_contact_blocked"

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = list(reasons)


def guardian_candidates(case: Case) -> models.QuerySet[User]:
    """Users who may be appointed: active members, working on cases, of an organisation that
    takes part in the case (the guardianship service joins the case first)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role__in=CASE_ROLES,
            memberships__organisation__case_participations__case=case,
            memberships__organisation__case_participations__is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def liaison_candidates(case: Case) -> models.QuerySet[ContactPoint]:
    """Active contact points in the directory of the country where the case is handled."""
    return (
        ContactPoint.objects.filter(
            is_active=True,
            organisation__is_active=True,
            organisation__country_id=case.owner_organisation.country_id,
        )
        .select_related("organisation")
        .order_by("organisation__name", "position")
    )


# --- Writing the record -----------------------------------------------------------------------


WELFARE_AUTHORITY_TYPES = frozenset(
    {OrganisationType.CHILD_PROTECTION, OrganisationType.SOCIAL_SERVICES}
)


def _is_welfare_authority_for(case: Case, organisation: Organisation) -> bool:
    """A child-welfare clearance comes from a child-protection or social-services body (of any
    country: the country of return clears too), or from an authority of the case's country."""
    return (
        organisation.type in WELFARE_AUTHORITY_TYPES
        or organisation.country_id == case.owner_organisation.country_id
    )


def _validate(case: Case, values: Mapping[str, Any], today: date) -> None:
    errors: dict[str, str] = {}
    for name in _DATE_FIELDS:
        day = values[name]
        if day is not None and day > today:
            errors[name] = _("The date is in the future.")
    guardian = values["guardian"]
    if guardian is not None and values["guardian_name"]:
        errors["guardian_name"] = _("Pick the guardian among the users or write a name, not both.")
    elif guardian is not None and not guardian_candidates(case).filter(pk=guardian.pk).exists():
        errors["guardian"] = _(
            "The guardian must be a member of an organisation that takes part in the case."
        )
    if values["guardian_appointed_on"] and guardian is None and not values["guardian_name"]:
        errors["guardian_appointed_on"] = _("Name the guardian who was appointed.")
    officer = values["liaison_officer"]
    if officer is not None and not liaison_candidates(case).filter(pk=officer.pk).exists():
        errors["liaison_officer"] = _(
            "Pick an active contact point in the directory of the case's country."
        )
    pairs = [
        (
            "best_interests_determined_on",
            "best_interests_summary",
            _("Record the date of the best-interests determination."),
            _("Summarise the best-interests determination."),
        ),
        (
            "welfare_clearance_on",
            "welfare_clearance_by",
            _("Record the date of the clearance."),
            _("Name the child-welfare authority that gave the clearance."),
        ),
        (
            "age_assessed_on",
            "age_assessment_result",
            _("Record the date of the age assessment."),
            _("Record the result of the age assessment."),
        ),
        (
            "durable_solution_decided_on",
            "durable_solution",
            _("Record the date of the decision."),
            _("Pick the durable solution decided."),
        ),
    ]
    for first, second, first_missing, second_missing in pairs:
        if values[second] and values[first] is None:
            errors.setdefault(first, first_missing)
        if values[first] is not None and not values[second]:
            errors.setdefault(second, second_missing)
    _validate_situation(values, errors)
    result = values["age_assessment_result"]
    if result and result not in AgeAssessmentResult.values:
        errors["age_assessment_result"] = _("Unknown result.")
    clearance_by = values["welfare_clearance_by"]
    if clearance_by is not None and not clearance_by.is_active:
        errors["welfare_clearance_by"] = _("Pick an active organisation from the directory.")
    elif clearance_by is not None and not _is_welfare_authority_for(case, clearance_by):
        errors["welfare_clearance_by"] = _(
            "%(organisation)s is neither a child-protection or social-services body nor an "
            "authority of the case's country: pick the child-welfare authority that cleared "
            "the return."
        ) % {"organisation": clearance_by.name}
    if errors:
        raise ValidationError(errors)


def _validate_situation(values: Mapping[str, Any], errors: dict[str, str]) -> None:
    """The child's situation and the durable solution (CH-03, CH-04, CH-35, CH-D1)."""
    solution = values["durable_solution"]
    if solution and solution not in DurableSolution.values:
        errors["durable_solution"] = _("Pick a durable solution from the list.")
    elif solution and values["best_interests_determined_on"] is None:
        # CH-D1: a durable solution is decided only after a best-interests determination.
        errors.setdefault(
            "durable_solution",
            _("Record the best-interests determination before the durable solution."),
        )
    if values["unaccompanied"] is True and values["separated"] is False:
        errors["separated"] = _("An unaccompanied child is also separated from the parents.")


def _current(safeguards: ChildSafeguards) -> dict[str, Any]:
    return {name: getattr(safeguards, name) for name in SAFEGUARD_FIELDS}


def _applied(values: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    applied = dict(values)
    for name, value in changes.items():
        applied[name] = value.strip() if name in _TEXT_FIELDS else value
    return applied


def safeguards_errors(case: Case, changes: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of a change of the child safeguards at once, by field (issue 12 §5): the
    rules ``child_safeguards_update`` applies, for a form's precheck; a field not in
    ``changes`` keeps its recorded value."""
    safeguards = ChildSafeguards.objects.filter(case=case).first() or ChildSafeguards(case=case)
    known = {name: value for name, value in changes.items() if name in SAFEGUARD_FIELDS}
    try:
        _validate(case, _applied(_current(safeguards), known), timezone.localdate())
    except ValidationError as error:
        return error.message_dict
    return {}


def _key(value: Any) -> Any:
    """Compare related rows by primary key."""
    return ("pk", value.pk) if isinstance(value, models.Model) else value


def loosened_safeguards(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The fields whose change opens something for the child's case: an asylum indication
    lifted (contacts with the country of origin), a welfare clearance or best-interests
    determination recorded (a return may go ahead), family tracing found in the child's best
    interests, an age assessment finding an adult (the child safeguards stop applying)."""
    loosened = []
    if before.get("asylum_indicated_on") is not None and after.get("asylum_indicated_on") is None:
        loosened.append("asylum_indicated_on")
    for name in ("welfare_clearance_on", "best_interests_determined_on"):
        if after.get(name) is not None and after.get(name) != before.get(name):
            loosened.append(name)
    if (
        after.get("family_tracing_in_best_interests") is True
        and before.get("family_tracing_in_best_interests") is not True
    ):
        loosened.append("family_tracing_in_best_interests")
    if (
        after.get("age_assessment_result") == AgeAssessmentResult.ADULT
        and before.get("age_assessment_result") != AgeAssessmentResult.ADULT
    ):
        loosened.append("age_assessment_result")
    return loosened


def _loosens(case: Case, changes: Mapping[str, Any]) -> list[str]:
    current = ChildSafeguards.objects.filter(case=case).first()
    before = _current(current) if current is not None else dict.fromkeys(SAFEGUARD_FIELDS)
    return loosened_safeguards(before, {**before, **changes})


def child_safeguards_update(
    *, actor: Actor, case: Case, expected_version: int, changes: Mapping[str, Any]
) -> ChildSafeguards:
    """Record the child's safeguards: guardian, liaison officer, best interests, family
    tracing, asylum, return clearance, age assessment. Only the fields in ``changes`` change.

    A participant with edit access to child protection records what protects the child; a
    change that opens something (``loosened_safeguards``) is the owner organisation's alone
    (``can(actor, Action.CHILD_SAFEGUARDS_LOOSEN, case)``), and a refusal is audited.

    ``expected_version`` is the version the editor started from, 0 when there was no record
    yet; a save from a stale form is refused with a ConflictError.
    """
    require(actor, Action.CASE_VIEW)
    if not can(actor, Action.CHILD_PROTECTION_EDIT, case):
        raise PermissionDenied
    if not can(actor, Action.CHILD_SAFEGUARDS_LOOSEN, case) and _loosens(case, changes):
        refuse_widening(actor, case, action="child_safeguards.loosen")
    return _update(actor=actor, case=case, expected_version=expected_version, changes=changes)


@transaction.atomic
def _update(
    *, actor: Actor, case: Case, expected_version: int, changes: Mapping[str, Any]
) -> ChildSafeguards:
    require_known_fields(changes, SAFEGUARD_FIELDS, "a child-safeguards")
    safeguards = (
        ChildSafeguards.objects.select_related(
            "guardian", "liaison_officer", "welfare_clearance_by"
        )
        .filter(case=case)
        .first()
    )
    is_new = safeguards is None
    if safeguards is None:
        if expected_version != 0:
            raise ConflictError(_("This record no longer exists. Reload the page."))
        safeguards = ChildSafeguards(case=case)
    values_before = _current(safeguards)
    values = _applied(values_before, changes)
    _validate(case, values, timezone.localdate())
    changed = [name for name in SAFEGUARD_FIELDS if _key(values[name]) != _key(values_before[name])]
    if not can(actor, Action.CHILD_SAFEGUARDS_LOOSEN, case) and loosened_safeguards(
        values_before, values
    ):
        raise PermissionDenied  # loosened by someone else since the check above
    for name in changed:
        setattr(safeguards, name, values[name])
    if is_new and not changed:
        return safeguards  # an empty form: nothing to record
    return save_audited(
        safeguards,
        actor=actor,
        is_new=is_new,
        expected_version=expected_version,
        fields=changed,
        event_type=EventType.CHILD_SAFEGUARDS_CHANGED,
        detail={"case_id": case.pk},
    )


# --- The guard on contacts with a country -----------------------------------------------------

_PURPOSE_CODE = re.compile(r"[a-z][a-z0-9_.]{0,39}")


def _record_blocked(actor: Actor, case: Case, country_code: str, purpose: str) -> None:
    record_event(
        event_type=EventType.ORIGIN_CONTACT_BLOCKED,
        actor=actor,
        target=case,
        detail={"case_id": case.pk, "country_code": country_code, "purpose": purpose},
    )


def contact_country_of_origin_check(
    *, actor: Actor, case: Case, country_code: str, purpose: str
) -> None:
    """Raise OriginContactBlockedError if no action, referral or message about ``case`` may go
    towards ``country_code`` (a child who requested or indicated asylum, SOP-P9 / CH-31).

    A refused attempt is audited in a transaction of its own that is committed before this
    returns, so the trail keeps it whatever the caller does next. That is why it must be
    called *before* the caller opens its transaction: called inside one, it raises
    RuntimeError at once (Django's durable block), on every call, so a test of the caller
    finds the mistake even when nothing is blocked::

        contact_country_of_origin_check(actor=..., case=..., country_code="MD",
                                        purpose="referral")
        with transaction.atomic():
            ...  # the referral itself

    ``purpose`` is a code (``referral``, ``exchange_message``, ...): it goes into the audit
    trail, which holds codes, never text.
    """
    if not _PURPOSE_CODE.fullmatch(purpose):
        raise ValueError("purpose must be a short lower-case code")
    code = country_code.strip().upper()
    with transaction.atomic(durable=True):
        reasons = origin_contact_blocked(case, code, timezone.localdate())
        if reasons:
            _record_blocked(actor, case, code, purpose)
    if reasons:
        raise OriginContactBlockedError(reasons)


class ContactPurpose(models.TextChoices):
    """Why a caseworker contacts a country's authorities about a case."""

    IDENTITY = "identity_verification", gettext_lazy("Verify identity or nationality")
    INFORMATION = "information_request", gettext_lazy("Request information")
    FAMILY_TRACING = "family_tracing", gettext_lazy("Trace the family")
    RETURN = "return_arrangements", gettext_lazy("Arrange a return")
    REFERRAL = "referral", gettext_lazy("Refer the person")


@transaction.atomic
def _country_contact_task(
    *, actor: Actor, case: Case, country_code: str, purpose: ContactPurpose
) -> Task:
    # Between the check and this transaction someone may have recorded an asylum indication:
    # ask again with the record locked.
    ChildSafeguards.objects.select_for_update().filter(case=case).first()
    reasons = origin_contact_blocked(case, country_code, timezone.localdate())
    if reasons:
        raise OriginContactBlockedError(reasons)
    # Worded per reader from its key (the country by name); stored in the node's language.
    params = {"country": country_code, "purpose": purpose.value}
    with translation.override(settings.LANGUAGE_CODE):
        title = render_title(COUNTRY_CONTACT, params) or country_code
    task = task_create(
        actor=actor,
        case=case,
        title=title,
        due_on=timezone.localdate(),
        assignee=actor.user,
        title_key=COUNTRY_CONTACT,
        title_params=params,
    )
    record_event(
        event_type=EventType.COUNTRY_CONTACT_PLANNED,
        actor=actor,
        target=task,
        detail={"case_id": case.pk, "country_code": country_code, "purpose": purpose.value},
    )
    return task


def country_contact_plan(*, actor: Actor, case: Case, country_code: str, purpose: str) -> Task:
    """Plan a contact with a country's authorities about the case: a task for the actor, due
    today. Refused, and audited, when the contact would go towards a child's country of origin
    after an asylum indication.

    Not one transaction on purpose: the guard's audit of a refusal must survive the rollback.
    """
    require(actor, Action.TASK_MANAGE)
    require_open(case)
    errors: dict[str, str] = {}
    try:
        code = validate_country_code(country_code)
    except ValidationError as error:
        errors["country_code"] = error.messages[0]
    if purpose not in ContactPurpose.values:
        errors["purpose"] = _("Pick a purpose from the list.")
    if errors:
        raise ValidationError(errors)
    contact_country_of_origin_check(actor=actor, case=case, country_code=code, purpose=purpose)
    try:
        return _country_contact_task(
            actor=actor, case=case, country_code=code, purpose=ContactPurpose(purpose)
        )
    except OriginContactBlockedError:
        # Blocked by a change made since the check: the rollback took nothing of the refusal's
        # audit with it, because it is written now, after it.
        with transaction.atomic(durable=True):
            _record_blocked(actor, case, code, purpose)
        raise
