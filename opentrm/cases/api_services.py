"""Cases API: services, proceedings, the no-contact list, interviews and hearings (issue 3 §13).

The same services as the case screens. A role without the field group gets 403 (ASSISTANCE for
services, PROCEEDINGS for the rest), a case of an organisation not taking part 404, a stale
version 409, bad input 422 naming the field.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import schemas_services as schemas
from opentrm.cases import selectors
from opentrm.cases.access import access_case, hide_hearing_participants
from opentrm.cases.lookups import access_proceeding, access_service
from opentrm.cases.models import Case, CaseService, Hearing, NoContactPerson, Proceeding
from opentrm.cases.services import proceedings as proceeding_services
from opentrm.cases.services import service_delivery
from opentrm.core.api import Routes, api_field_names, patch_changes
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId
from opentrm.directory.models import Organisation

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS, url_prefix="cases_")
_Row = TypeVar("_Row", bound=Model)

# The services name model fields; the API names the ids it takes.
_API_NAMES = {
    "provider": "provider_id",
    "plan_activity": "plan_activity_id",
    "involved_no_contact": "involved_no_contact_ids",
    "proceeding": "proceeding_id",
}


def _case(request: HttpRequest, public_id: PublicId, group: FieldGroup, *, edit: bool) -> Case:
    return _acting_on(request, public_id, group, edit=edit)[1]


def _acting_on(
    request: HttpRequest, public_id: PublicId, group: FieldGroup, *, edit: bool = True
) -> tuple[Actor, Case]:
    """The caller and the case, once the caller may see (or change) the field group."""
    actor = acting(request)
    case = access_case(actor, public_id)
    if group == FieldGroup.ASSISTANCE:
        action = Action.ASSISTANCE_EDIT if edit else Action.ASSISTANCE_VIEW
    else:
        action = Action.PROCEEDINGS_EDIT if edit else Action.PROCEEDINGS_VIEW
    if not can(actor, action, case):
        raise PermissionDenied
    if not edit:
        selectors.case_read(actor=actor, case=case, via="api", groups=[group.value])
    return actor, case


def _child(
    request: HttpRequest,
    public_id: PublicId,
    group: FieldGroup,
    model: type[_Row],
    pk: int,
    **lookup: Any,
) -> tuple[Actor, Case, _Row]:
    """The caller, the case and one of its rows the caller may change (404 for another case's)."""
    actor, case = _acting_on(request, public_id, group)
    return actor, case, get_object_or_404(model, pk=pk, case=case, **lookup)


# --- Services -----------------------------------------------------------------------------------


def _service_objects(case: Case, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a service with the ids sent turned into rows (422 for unknown ids)."""
    values = dict(fields)
    errors: dict[str, str] = {}
    if "provider_id" in values:
        provider_id = values.pop("provider_id")
        values["provider"] = None
        if provider_id is not None:
            values["provider"] = Organisation.objects.filter(pk=provider_id, is_active=True).first()
            if values["provider"] is None:
                errors["provider_id"] = _("There is no active organisation with this id.")
    if "plan_activity_id" in values:
        activity_id = values.pop("plan_activity_id")
        values["plan_activity"] = None
        if activity_id is not None:
            values["plan_activity"] = (
                service_delivery.plan_activity_candidates(case.pk).filter(pk=activity_id).first()
            )
            if values["plan_activity"] is None:
                errors["plan_activity_id"] = _(
                    "There is no activity with this id in the case's plan."
                )
    if errors:
        raise ValidationError(errors)
    return values


@_route("GET", "/{public_id}/services", list[schemas.ServiceOut], "cases_services")
def service_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The services offered to the person (ASSISTANCE field group)"""
    case = _case(request, public_id, FieldGroup.ASSISTANCE, edit=False)
    services = CaseService.objects.filter(case=case, deleted_at__isnull=True)
    return list(services.order_by("-offered_on", "-id"))


@_route("POST", "/{public_id}/services", schemas.ServiceOut, status=201)
def service_create(request: HttpRequest, public_id: PublicId, payload: schemas.ServiceIn) -> Any:
    """Record a service offered to the person"""
    actor, case = _acting_on(request, public_id, FieldGroup.ASSISTANCE)
    values = _service_objects(case, payload.model_dump())
    with api_field_names(_API_NAMES):
        service = service_delivery.service_offer(actor=actor, case=case, **values)
    return Status(201, service)


@_route("PATCH", "/{public_id}/services/{service_id}", schemas.ServiceOut)
def service_update(
    request: HttpRequest, public_id: PublicId, service_id: int, payload: schemas.ServicePatch
) -> Any:
    """Change a service: correct it, or move it on (accepted, delivered, refused)"""
    actor, case = _acting_on(request, public_id, FieldGroup.ASSISTANCE)
    service = access_service(actor, case, service_id, action="edit")
    version, changes = patch_changes(payload)
    changes = _service_objects(case, changes)
    for name in ("description", "provider_name", "currency", "funding_source", "comments"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    with api_field_names(_API_NAMES):
        return service_delivery.service_update(
            actor=actor, service=service, expected_version=version, changes=changes
        )


# --- Proceedings ---------------------------------------------------------------------------------


@_route("GET", "/{public_id}/proceedings", list[schemas.ProceedingOut], "cases_proceedings")
def proceeding_list(request: HttpRequest, public_id: PublicId) -> Any:
    """Civil and criminal proceedings per country (PROCEEDINGS field group)"""
    case = _case(request, public_id, FieldGroup.PROCEEDINGS, edit=False)
    return list(Proceeding.objects.filter(case=case))


@_route("POST", "/{public_id}/proceedings", schemas.ProceedingOut, status=201)
def proceeding_create(
    request: HttpRequest, public_id: PublicId, payload: schemas.ProceedingIn
) -> Any:
    """Record proceedings in a country (one per case, country and kind)"""
    actor, case = _acting_on(request, public_id, FieldGroup.PROCEEDINGS)
    proceeding = proceeding_services.proceeding_record(
        actor=actor, case=case, **payload.model_dump()
    )
    return Status(201, proceeding)


@_route("PATCH", "/{public_id}/proceedings/{proceeding_id}", schemas.ProceedingOut)
def proceeding_update(
    request: HttpRequest, public_id: PublicId, proceeding_id: int, payload: schemas.ProceedingPatch
) -> Any:
    """Change the answers about a set of proceedings"""
    actor, case = _acting_on(request, public_id, FieldGroup.PROCEEDINGS)
    proceeding = access_proceeding(actor, case, proceeding_id, action="edit")
    version, changes = patch_changes(payload)
    return proceeding_services.proceeding_update(
        actor=actor, proceeding=proceeding, expected_version=version, changes=changes
    )


# --- The no-contact list -------------------------------------------------------------------------


@_route("GET", "/{public_id}/no-contact", list[schemas.NoContactOut], "cases_no_contact")
def no_contact_list(
    request: HttpRequest, public_id: PublicId, include_removed: bool = False
) -> Any:
    """People the person must never meet (PROCEEDINGS field group)"""
    case = _case(request, public_id, FieldGroup.PROCEEDINGS, edit=False)
    entries = NoContactPerson.objects.filter(case=case)
    if not include_removed:
        entries = entries.live()
    return list(entries)


@_route("POST", "/{public_id}/no-contact", schemas.NoContactOut, status=201)
def no_contact_add(request: HttpRequest, public_id: PublicId, payload: schemas.NoContactIn) -> Any:
    """Put someone on the no-contact list"""
    actor, case = _acting_on(request, public_id, FieldGroup.PROCEEDINGS)
    entry = proceeding_services.no_contact_add(
        actor=actor, case=case, name=payload.name, description=payload.description
    )
    return Status(201, entry)


@_route("POST", "/{public_id}/no-contact/{entry_id}/remove", schemas.NoContactOut)
def no_contact_remove(
    request: HttpRequest, public_id: PublicId, entry_id: int, payload: schemas.NoContactRemoveIn
) -> Any:
    """Take someone off the no-contact list, with a reason"""
    actor, _case, entry = _child(
        request, public_id, FieldGroup.PROCEEDINGS, NoContactPerson, entry_id
    )
    return proceeding_services.no_contact_remove(actor=actor, entry=entry, reason=payload.reason)


# --- Interviews and hearings ---------------------------------------------------------------------


@_route("GET", "/{public_id}/hearings", list[schemas.HearingOut], "cases_hearings")
def hearing_list(request: HttpRequest, public_id: PublicId) -> Any:
    """Interviews and hearings of the person, cancelled ones included (PROCEEDINGS)"""
    case = _case(request, public_id, FieldGroup.PROCEEDINGS, edit=False)
    hearings = Hearing.objects.filter(case=case).prefetch_related("involved_no_contact")
    return hide_hearing_participants(acting(request), case, list(hearings))


@_route(
    "POST",
    "/{public_id}/hearings",
    schemas.HearingOut,
    "cases_hearing_schedule",
    status=201,
    description=(
        "Refused with 422 on `separation_arrangements` while someone on the no-contact list "
        "takes part (picked in `involved_no_contact_ids` or named in `participants`) and no "
        "arrangements are given; refused with 422 on `video_recorded` without the person's "
        "consent to a video-recorded interview."
    ),
)
def hearing_schedule(request: HttpRequest, public_id: PublicId, payload: schemas.HearingIn) -> Any:
    """Schedule an interview or hearing (no-contact and video-consent rules apply)"""
    actor, case = _acting_on(request, public_id, FieldGroup.PROCEEDINGS)
    errors: dict[str, str] = {}
    ids = set(payload.involved_no_contact_ids)
    involved = list(NoContactPerson.objects.filter(case=case, pk__in=ids))
    if len(involved) != len(ids):
        errors["involved_no_contact_ids"] = _("Pick people on this case's no-contact list.")
    proceeding = None
    if payload.proceeding_id is not None:
        proceeding = Proceeding.objects.filter(case=case, pk=payload.proceeding_id).first()
        if proceeding is None:
            errors["proceeding_id"] = _("There are no proceedings with this id on the case.")
    if errors:
        raise ValidationError(errors)
    scheduled_at = payload.scheduled_at
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    with api_field_names(_API_NAMES):
        hearing = proceeding_services.hearing_schedule(
            actor=actor,
            case=case,
            kind=payload.kind,
            scheduled_at=scheduled_at,
            place=payload.place,
            participants=payload.participants,
            participants_group=payload.participants_group,
            involved_no_contact=involved,
            separation_arrangements=payload.separation_arrangements,
            video_recorded=payload.video_recorded,
            proceeding=proceeding,
            guardian_present=payload.guardian_present,
        )
    return Status(201, hearing)


@_route("POST", "/{public_id}/hearings/{hearing_id}/cancel", schemas.HearingOut)
def hearing_cancel(
    request: HttpRequest, public_id: PublicId, hearing_id: int, payload: schemas.HearingCancelIn
) -> Any:
    """Cancel an interview or hearing (it stays on record as cancelled)"""
    actor, case, hearing = _child(request, public_id, FieldGroup.PROCEEDINGS, Hearing, hearing_id)
    cancelled = proceeding_services.hearing_cancel(
        actor=actor, hearing=hearing, expected_version=payload.version
    )
    return hide_hearing_participants(actor, case, [cancelled])[0]
