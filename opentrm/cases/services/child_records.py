"""Best-interests assessments for a child's significant actions (CH-06, CH-D1).

A best-interests assessment (BIA) is made by staff acting for the child before a significant
action, with the child's participation; when the child did not take part the record says why.
Appended, never edited: a later assessment of the same action is a new row.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import BestInterestsAssessment, Case, SignificantAction

MAX_TEXT = 4000


@transaction.atomic
def best_interests_assessment_record(
    *,
    actor: Actor,
    case: Case,
    action: str,
    assessed_on: date | None,
    child_participated: bool,
    conclusion: str,
    action_detail: str = "",
    child_views: str = "",
    participants: str = "",
) -> BestInterestsAssessment:
    """Record a best-interests assessment for a significant action on a child's case.

    Refused (403) without edit access to child protection; ValidationError for a missing
    date, action or conclusion, a date in the future, or a child who did not take part with
    no word on why."""
    require(actor, Action.CASE_VIEW)
    if not can(actor, Action.CHILD_PROTECTION_EDIT, case):
        raise PermissionDenied
    assert actor.membership is not None
    conclusion, child_views = conclusion.strip(), child_views.strip()
    errors: dict[str, str] = {}
    if action not in SignificantAction.values:
        errors["action"] = _("Pick the significant action from the list.")
    if assessed_on is None:
        errors["assessed_on"] = _("Enter the date of the assessment.")
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The date is in the future.")
    if not conclusion:
        errors["conclusion"] = _("Write what is in the child's best interests.")
    if not child_participated and not child_views:
        # CH-06: the assessment requires the participation of the child.
        errors["child_views"] = _(
            "The assessment requires the child's participation: write why the child did not "
            "take part."
        )
    for name, text in (
        ("conclusion", conclusion),
        ("child_views", child_views),
        ("participants", participants),
    ):
        if len(text) > MAX_TEXT:
            errors[name] = _("At most %(max)d characters.") % {"max": MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    assert assessed_on is not None
    assessment = BestInterestsAssessment(
        case=case,
        action=action,
        action_detail=action_detail.strip(),
        assessed_on=assessed_on,
        child_participated=child_participated,
        child_views=child_views,
        participants=participants.strip(),
        conclusion=conclusion,
        organisation=actor.membership.organisation,
        assessed_by=actor.user,
    )
    assessment.full_clean()
    assessment.save()
    record_event(
        event_type=EventType.BEST_INTERESTS_ASSESSED,
        actor=actor,
        target=assessment,
        detail={
            "case_id": case.pk,
            "action": action,
            "child_participated": child_participated,
        },
    )
    return assessment
