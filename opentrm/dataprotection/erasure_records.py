"""Field-by-field erasure of the structured records of a case (issue 17 §5), per category:
health, assistance, child protection, and the identity-resolution index of the person.

Free text, descriptive details and the names of people around the person are emptied; codes,
dates and statuses stay for the statistics (the case row itself stays, anonymous). Each
function returns the rows it changed per model (``app_label.model``), so a dry run lists them
and the audit trail records them, and changes nothing a second time.
"""

from django.db.models import F, Q

from opentrm.cases.models import (
    Assessment,
    AssistancePlan,
    BestInterestsAssessment,
    Case,
    CaseService,
    ChildSafeguards,
    FollowUpVisit,
    HealthRecord,
    PlanActivity,
    RiskManagementPlan,
    RiskPlanReview,
)
from opentrm.matching.models import MatchKey, MatchProfile

Changed = dict[str, int]

HEALTH_TEXT = ("medical_history", "chronic_diseases", "addiction", "medication", "comments")
ASSESSMENT_TEXT = ("harm_source_other", "unsafe_locations", "summary")
ASSESSMENT_LISTS = ("harm_sources", "partners")
SERVICE_TEXT = ("description", "provider_name", "funding_source", "comments")
SAFEGUARDS_TEXT = (
    "guardian_name",
    "best_interests_summary",
    "age_assessment_participants",
    "best_interests_participants",
)
BEST_INTERESTS_TEXT = ("action_detail", "child_views", "participants", "conclusion")


def _filled(*texts: str, lists: tuple[str, ...] = ()) -> Q:
    """Rows where any of the fields still holds something (encrypted fields: ``""`` is
    stored as ``""``, so the comparison works on them too)."""
    condition = Q()
    for name in texts:
        condition |= ~Q(**{name: ""})
    for name in lists:
        condition |= ~Q(**{name: []})
    return condition


def _count(changed: Changed, label: str, rows: int) -> None:
    if rows:
        changed[label] = changed.get(label, 0) + rows


def erase_health(case: Case) -> Changed:
    changed: Changed = {}
    rows = (
        HealthRecord.objects.filter(case=case)
        .filter(_filled(*HEALTH_TEXT))
        .update(**dict.fromkeys(HEALTH_TEXT, ""), version=F("version") + 1)
    )
    _count(changed, "cases.healthrecord", rows)
    return changed


def erase_assistance(case: Case) -> Changed:
    """Assessments' findings and the people and places named in them, plans' goals and
    activities, risk plans, services' descriptions and comments, follow-up visit notes."""
    changed: Changed = {}
    assessments = Assessment._base_manager.filter(case=case).filter(
        _filled(*ASSESSMENT_TEXT, lists=ASSESSMENT_LISTS)
    )
    _count(
        changed,
        "cases.assessment",
        assessments.update(
            **dict.fromkeys(ASSESSMENT_TEXT, ""),
            **{name: [] for name in ASSESSMENT_LISTS},
            version=F("version") + 1,
        ),
    )
    plans = AssistancePlan.objects.filter(case=case)
    _count(
        changed,
        "cases.assistanceplan",
        plans.filter(_filled("goals", "acknowledged_how")).update(
            goals="", acknowledged_how="", version=F("version") + 1
        ),
    )
    _count(
        changed,
        "cases.planactivity",
        PlanActivity.objects.filter(plan__case=case).exclude(description="").update(description=""),
    )
    _count(
        changed,
        "cases.riskmanagementplan",
        RiskManagementPlan.objects.filter(case=case)
        .filter(_filled("risks", "measures"))
        .update(risks="", measures="", version=F("version") + 1),
    )
    _count(
        changed,
        "cases.riskplanreview",
        RiskPlanReview.objects.filter(plan__case=case).exclude(notes="").update(notes=""),
    )
    _count(
        changed,
        "cases.caseservice",
        CaseService._base_manager.filter(case=case)
        .filter(_filled(*SERVICE_TEXT))
        .update(**dict.fromkeys(SERVICE_TEXT, ""), version=F("version") + 1),
    )
    _count(
        changed,
        "cases.followupvisit",
        FollowUpVisit.objects.filter(case=case)
        .exclude(notes="")
        .update(notes="", version=F("version") + 1),
    )
    return changed


def erase_child_protection(case: Case) -> Changed:
    """The guardian's name (a user stays linked: the account is staff, not the child's data),
    the best-interests summaries and determinations, who took part in them and what the child
    said; dates, results and the durable solution's code stay."""
    changed: Changed = {}
    _count(
        changed,
        "cases.childsafeguards",
        ChildSafeguards.objects.filter(case=case)
        .filter(_filled(*SAFEGUARDS_TEXT))
        .update(**dict.fromkeys(SAFEGUARDS_TEXT, ""), version=F("version") + 1),
    )
    _count(
        changed,
        "cases.bestinterestsassessment",
        BestInterestsAssessment.objects.filter(case=case)
        .filter(_filled(*BEST_INTERESTS_TEXT))
        .update(**dict.fromkeys(BEST_INTERESTS_TEXT, "")),
    )
    return changed


def erase_match_index(case: Case) -> Changed:
    """The person's rows in the identity-resolution index (normalised names, birth data and
    blocking keys): derived from the identity erased with them."""
    changed: Changed = {}
    _count(changed, "matching.matchkey", MatchKey.objects.filter(person=case.person_id).delete()[0])
    _count(
        changed,
        "matching.matchprofile",
        MatchProfile.objects.filter(person=case.person_id).delete()[0],
    )
    return changed
