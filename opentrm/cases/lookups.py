"""One thing in a case for an actor (issue 10, §4): the HTML views and the API look it up here.

Each takes the case the actor already holds (``cases.access.access_case``) and the child's id.
404 when the child does not exist, is not in this case, or is not the actor's to see (another
organisation's task); 403 when it is there but the action is not the actor's, as the rules of
``cases.access`` answer through ``accounts.policy``."""

from typing import Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404

from opentrm.accounts.policy import Action, Actor, require
from opentrm.cases.models import (
    Assessment,
    AssistancePlan,
    Case,
    CaseDocument,
    CaseParticipant,
    CaseService,
    ConsentRecord,
    PlanActivity,
    Proceeding,
    Task,
)

_M = TypeVar("_M", bound=Model)

_Intent = Literal["view", "edit"]

_GROUP_OF_CHILD: dict[str, tuple[Action, Action]] = {
    "assistance": (Action.ASSISTANCE_VIEW, Action.ASSISTANCE_EDIT),
    "proceedings": (Action.PROCEEDINGS_VIEW, Action.PROCEEDINGS_EDIT),
}


def _require_group(actor: Actor, case: Case, group: str, action: _Intent) -> None:
    view, edit = _GROUP_OF_CHILD[group]
    require(actor, edit if action == "edit" else view, case)


def _one(queryset: QuerySet[_M], case: Case, **lookup: object) -> _M:
    """The one row of ``queryset`` in ``case`` matching ``lookup``, else 404; its ``case`` is
    the caller's object, so what is shared of it is worked out once per request."""
    try:
        found = queryset.filter(case=case, **lookup).first()
    except ValidationError:  # a malformed public id
        found = None
    if found is None:
        raise Http404
    found.case = case  # type: ignore[attr-defined]  # every model looked up here has one
    return found


def access_document(
    actor: Actor, case: Case, document_id: str, *, action: Literal["view", "delete"] = "view"
) -> CaseDocument:
    """A live document of the case; 403 unless its field group is the actor's to view (to
    delete: the adding organisation, with edit access to the group)."""
    document = _one(
        CaseDocument.objects.live().select_related("organisation", "uploaded_by"),
        case,
        public_id=document_id,
    )
    require(actor, Action.DOCUMENT_DELETE if action == "delete" else Action.DOCUMENT_VIEW, document)
    return document


def access_participant(
    actor: Actor,
    case: Case,
    participant_id: int,
    *,
    action: Literal["view", "set_case_manager"] = "view",
) -> CaseParticipant:
    """An active participant of the case; naming its case manager is its own case managers'."""
    participant = _one(
        CaseParticipant.objects.select_related("organisation__country", "case_manager"),
        case,
        pk=participant_id,
        is_active=True,
    )
    if action == "set_case_manager":
        require(actor, Action.CASE_PARTICIPANTS_MANAGE, participant)
    return participant


def access_assessment(
    actor: Actor, case: Case, assessment_id: int, *, action: _Intent = "view"
) -> Assessment:
    """A live assessment of the case; changing it is the signing organisation's alone."""
    _require_group(actor, case, "assistance", action)
    assessment = _one(
        Assessment.objects.live().select_related("organisation", "assessed_by"),
        case,
        pk=assessment_id,
    )
    if action == "edit":
        require(actor, Action.ASSISTANCE_EDIT, assessment)
    return assessment


def access_plan(
    actor: Actor, case: Case, plan_id: int, *, action: _Intent = "view"
) -> AssistancePlan:
    """A revision of the case's assistance plan, with its activities."""
    _require_group(actor, case, "assistance", action)
    activities = PlanActivity.objects.select_related("provider").order_by("order", "id")
    return _one(
        AssistancePlan.objects.select_related("organisation", "drafted_by").prefetch_related(
            Prefetch("activities", queryset=activities)
        ),
        case,
        pk=plan_id,
    )


def access_service(
    actor: Actor, case: Case, service_id: int, *, action: _Intent = "view"
) -> CaseService:
    """A live service of the case."""
    _require_group(actor, case, "assistance", action)
    return _one(
        CaseService.objects.live().select_related("provider"),
        case,
        pk=service_id,
    )


def access_proceeding(
    actor: Actor, case: Case, proceeding_id: int, *, action: _Intent = "view"
) -> Proceeding:
    """A set of proceedings of the case."""
    _require_group(actor, case, "proceedings", action)
    return _one(Proceeding.objects.all(), case, pk=proceeding_id)


def access_consent(actor: Actor, case: Case, consent_id: int) -> ConsentRecord:
    """A consent record of the case (the register is the case's; who may change it is
    ``can(actor, Action.CONSENT_RECORD, case)``)."""
    return _one(ConsentRecord.objects.all(), case, pk=consent_id)


def access_task(actor: Actor, case: Case, task_id: int) -> Task:
    """A task of the case that belongs to the actor's organisation: another organisation's
    task on the same case is not there for this actor (404)."""
    return _one(Task.objects.all(), case, pk=task_id, organisation_id=actor.organisation_id)
