"""The rules that protect the person even when a user forgets them (reference §2.10, §7).

Pure questions about a case, asked by services before they act: each returns the reasons an
action is blocked (empty when it is allowed), worded for the person who tried.
"""

from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext as _

from opentrm.accounts.roles import Role
from opentrm.cases.models import (
    AssessmentKind,
    Case,
    ChildSafeguards,
    ConsentPurpose,
    CountryRole,
    MeasureStatus,
    ReflectionPeriod,
)
from opentrm.cases.selectors import consent_in_force

# Measures whose completion moves the person out of the country (SOP IV).
RETURN_COMPLETION_MEASURES = frozenset({"sop4.safe_transport"})
FAMILY_TRACING_MEASURE = "sop4.family_tracing"

# Reference ACT-53 / GAP-07: the Kosovo list, the default until a country configures its own.
DEFAULT_IDENTIFYING_ROLES = frozenset(
    {Role.POLICE_INVESTIGATOR, Role.PROSECUTOR, Role.CASE_MANAGER, Role.CASEWORKER}
)


def reflection_period_running(case: Case, on: date) -> ReflectionPeriod | None:
    """The recovery and reflection period in force on ``on``, if any (SOP-T1)."""
    return case.reflection_periods.filter(starts_on__lte=on, ends_on__gte=on).first()


_SAFEGUARDS_READ = "_child_safeguards_read"  # where a read-only page keeps the row


def remember_child_safeguards(case: Case) -> None:
    """Read the case's child safeguards once for the rest of a read-only request (the case
    file asks ``child_safeguards`` from half a dozen rules and sections). Not for a request
    that writes them: the row kept would be the one before the write."""
    if _SAFEGUARDS_READ not in case.__dict__:
        found = (
            ChildSafeguards.objects.select_related(
                "guardian", "liaison_officer__organisation", "welfare_clearance_by"
            )
            .filter(case=case)
            .first()
        )
        case.__dict__[_SAFEGUARDS_READ] = (found,)


def remembers_child_safeguards(case: Case) -> bool:
    return _SAFEGUARDS_READ in case.__dict__


def child_safeguards(case: Case) -> ChildSafeguards | None:
    remembered: tuple[ChildSafeguards | None] | None = case.__dict__.get(_SAFEGUARDS_READ)
    if remembered is not None:
        return remembered[0]
    return ChildSafeguards.objects.filter(case=case).first()


def is_child_case(case: Case, on: date) -> bool:
    """A child: under 18, or of unknown or disputed age until an assessment says adult."""
    safeguards = child_safeguards(case)
    if safeguards is not None and safeguards.age_assessment_result:
        return safeguards.age_assessment_result == "child"
    return case.person.is_child_on(on)


def child_case_ids(case_ids: Iterable[int], on: date) -> set[int]:
    """Which of these cases are children's (``is_child_case``), in one query: for the priority
    marker of the inboxes (SOP-T4, REC-102)."""
    ids = set(case_ids)
    if not ids:  # an empty inbox: not even the ORM's work of building the query
        return set()
    rows = Case.objects.filter(pk__in=ids).select_related("person", "child_safeguards")
    return children_among(rows, on)


def children_among(cases: Iterable[Case], on: date) -> set[int]:
    """``child_case_ids`` of cases read with their person and child safeguards
    (``select_related("person", "child_safeguards")``): no query."""
    found = set()
    for case in cases:
        safeguards = getattr(case, "child_safeguards", None)
        if safeguards is not None and safeguards.age_assessment_result:
            if safeguards.age_assessment_result == "child":
                found.add(case.pk)
        elif case.person.is_child_on(on):
            found.add(case.pk)
    return found


def child_default_deadline(days: int) -> int:
    """A child's case gets half the country's default deadline, at least one day (SOP-T4:
    child victims are referred expeditiously; REC-102)."""
    return max(1, (days + 1) // 2)


def origin_country_codes(case: Case) -> set[str]:
    codes = set(
        case.countries.filter(role=CountryRole.ORIGIN).values_list("country_code", flat=True)
    )
    codes |= set(case.person.citizenships.values_list("country_code", flat=True))
    return codes


def origin_contact_blocked(case: Case, country_code: str, on: date) -> list[str]:
    """A child who requests or indicates asylum: nothing goes towards the country of origin
    (SOP-P9, CH-31)."""
    safeguards = child_safeguards(case)
    if (
        is_child_case(case, on)
        and safeguards is not None
        and safeguards.asylum_indicated_on is not None
        and country_code.upper() in origin_country_codes(case)
    ):
        return [
            _(
                "The child has requested or indicated asylum: no action, referral or message "
                "may go towards the country of origin."
            )
        ]
    return []


def measure_warnings(case: Case, guards: tuple[str, ...], on: date) -> list[str]:
    """What planning a measure with these catalogue ``guards`` should make the user stop and
    check (a warning, not a refusal): a child who requested or indicated asylum and a measure
    that may reach the country of origin (SOP-P9), such as the safe transport."""
    safeguards = child_safeguards(case)
    if (
        "SOP-P9" in guards
        and safeguards is not None
        and safeguards.asylum_indicated_on is not None
        and is_child_case(case, on)
    ):
        return [
            _(
                "The child has requested or indicated asylum: this measure must not involve the "
                "country of origin (no transport, contact or message towards it)."
            )
        ]
    return []


def return_completion_blocked(case: Case, on: date) -> list[str]:
    """Why the return (or removal) of the person cannot be completed on ``on``."""
    reasons = []
    period = reflection_period_running(case, on)
    if period is not None:
        reasons.append(
            _("The recovery and reflection period runs until %(date)s.")
            % {"date": period.ends_on.isoformat()}
        )
    if consent_in_force(case=case, purpose=ConsentPurpose.RETURN, on=on) is None:
        reasons.append(_("The person's consent to return is not recorded: return is voluntary."))
    if is_child_case(case, on):
        safeguards = child_safeguards(case)
        if safeguards is None or safeguards.welfare_clearance_on is None:
            reasons.append(
                _(
                    "The child-welfare authority has not recorded that return would not place "
                    "the child in danger."
                )
            )
        if safeguards is None or safeguards.best_interests_determined_on is None:
            reasons.append(_("No best-interests determination is recorded for the child."))
        if safeguards is not None and safeguards.asylum_indicated_on is not None:
            # The destination may be the country of origin; nothing goes there (SOP-P9).
            reasons.append(
                _("The child has requested or indicated asylum: the return cannot be completed.")
            )
    return reasons


def family_tracing_blocked(case: Case, on: date) -> list[str]:
    """Family tracing: for a child only in the child's best interests; for an adult only with
    consent (SOP-P6)."""
    if is_child_case(case, on):
        safeguards = child_safeguards(case)
        if safeguards is None or safeguards.family_tracing_in_best_interests is not True:
            return [
                _(
                    "Family tracing for a child needs a record that it is in the child's "
                    "best interests."
                )
            ]
        return []
    if consent_in_force(case=case, purpose=ConsentPurpose.FAMILY_TRACING, on=on) is None:
        return [_("The person's consent to family tracing is not recorded.")]
    return []


# The assessments of SOP IV that assess the risks of a return or a reunification (template §3.4).
REUNIFICATION_RISK_KINDS = frozenset({AssessmentKind.SAFETY, AssessmentKind.RETRAFFICKING})
RISK_ASSESSMENT_MEASURE = "sop4.risk_assessment"


def reunification_risk_assessed(case: Case) -> bool:
    """SOP-P7: a thorough risk assessment is on record: a safety or re-trafficking assessment
    (template §3.4), or the risk-assessment measure completed."""
    return (
        case.assessments.filter(kind__in=REUNIFICATION_RISK_KINDS, deleted_at__isnull=True).exists()
        or case.measures.filter(code=RISK_ASSESSMENT_MEASURE, status=MeasureStatus.DONE).exists()
    )


def child_case_warnings(case: Case, on: date) -> list[str]:
    """What a child case still lacks (warnings, not blocks)."""
    if not is_child_case(case, on):
        return []
    safeguards = child_safeguards(case)
    warnings = []
    if safeguards is None or (safeguards.guardian_id is None and not safeguards.guardian_name):
        warnings.append(_("No guardian has been appointed for the child."))
    if safeguards is None or safeguards.liaison_officer_id is None:
        warnings.append(_("No Interior-Ministry liaison officer is named for the child."))
    if (
        safeguards is not None
        and safeguards.age_assessed_on
        and not (safeguards.age_assessment_participants)
    ):
        warnings.append(
            _("The age assessment names no participants: it must be multi-disciplinary.")
        )
    if (
        safeguards is not None
        and safeguards.best_interests_determined_on
        and not (safeguards.best_interests_participants)
    ):
        warnings.append(_("The best-interests determination names no participants."))
    return warnings


def role_identifies_formally(role: Role | None, configured_roles: list[str]) -> bool:
    """Only roles configured for the country (default: reference ACT-53) formally identify."""
    allowed = (
        {Role(code) for code in configured_roles} if configured_roles else DEFAULT_IDENTIFYING_ROLES
    )
    return role in allowed
