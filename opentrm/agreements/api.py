"""Agreements API (/api/v1/agreements/): the same services and selectors as the pages."""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import Field

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, can
from opentrm.agreements import services, states
from opentrm.agreements.access import access_agreement
from opentrm.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementScope,
    AgreementType,
    AgreementVersion,
    Signature,
    SignatureKind,
)
from opentrm.agreements.selectors import agreement_list as list_agreements
from opentrm.core.api import Routes
from opentrm.core.schemas import (
    CASE_WORK_ERRORS,
    IdQuery,
    PatchSchema,
    Schema,
    each_one_of,
    own_fields,
)
from opentrm.directory.models import ContactPoint, Organisation

router = Router(tags=["agreements"], auth=member_auth(Action.AGREEMENT_VIEW))
EDITORS = member_auth(Action.AGREEMENT_EDIT)
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS, url_prefix="agreements_")
_editors_route = _route.having(auth=EDITORS)


# --- shapes --------------------------------------------------------------------------------------


class SignatureOut(Schema):
    kind: str
    signed_on: date
    signed_by: str


# The shapes below read the agreement's rows (``agreement_detail`` prefetches them).


class PartyOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "organisation_name": "organisation.name",
        "country": "organisation.country.code",
    }
    id: int
    organisation_id: int
    organisation_name: str
    country: str
    procedures: list[str]
    measures: list[str]
    responsibilities: str
    signature: SignatureOut | None

    @staticmethod
    def resolve_signature(party: AgreementParty) -> Signature | None:
        return states.signature_of(party)


class FlowOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "sender_id": "sender.organisation_id",
        "receiver_id": "receiver.organisation_id",
        "approved_categories": "effective_categories",
    }
    sender_id: int
    receiver_id: int
    categories: list[str]
    # Only what the sender organisation approved flows; the rest waits for it (issue 9).
    approved_categories: list[str]
    pending_categories: list[str]


class VersionOut(Schema):
    number: int
    version: int
    is_binding: bool
    purpose: str
    principles: str
    target_group: str
    data_protection: str
    exchange_channel: str
    designated_officer_ids: list[int]
    exchanges_personal_data: bool
    exchanges_thematic: bool
    confidentiality_measures: str
    dispute_resolution: str
    valid_from: date | None
    valid_until: date | None
    amendment_note: str
    signed_on: date | None
    parties: list[PartyOut]
    flows: list[FlowOut]

    @staticmethod
    def resolve_designated_officer_ids(version: AgreementVersion) -> list[int]:
        return [officer.pk for officer in version.designated_officers.all()]

    @staticmethod
    def resolve_signed_on(version: AgreementVersion) -> date | None:
        return states.signed_on(version)


class AgreementSummaryOut(Schema):
    id: int
    version: int
    title: str
    type: AgreementType
    scope: AgreementScope
    status: states.Status
    governing_version: int | None
    latest_version: int
    terminated_on: date | None


class AgreementOut(AgreementSummaryOut):
    termination_reason: str
    may_edit: bool
    versions: list[VersionOut]


class ContentIn(Schema):
    is_binding: bool = False
    purpose: str = ""
    principles: str = ""
    target_group: str = ""
    data_protection: str = ""
    exchange_channel: str = ""
    exchanges_personal_data: bool = False
    exchanges_thematic: bool = False
    confidentiality_measures: str = ""
    dispute_resolution: str = ""
    valid_from: date | None = None
    valid_until: date | None = None


class AgreementIn(ContentIn):
    title: str
    type: AgreementType
    scope: AgreementScope


class AgreementPatch(PatchSchema):
    """Only the fields sent change; ``version`` is the lock number of the latest version."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {"designated_officer_ids", "valid_from", "valid_until"}
    )

    version: int
    title: str | None = None
    type: AgreementType | None = None
    scope: AgreementScope | None = None
    is_binding: bool | None = None
    purpose: str | None = None
    principles: str | None = None
    target_group: str | None = None
    data_protection: str | None = None
    exchange_channel: str | None = None
    designated_officer_ids: list[int] | None = None
    exchanges_personal_data: bool | None = None
    exchanges_thematic: bool | None = None
    confidentiality_measures: str | None = None
    dispute_resolution: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    amendment_note: str | None = None


class PartyIn(Schema):
    organisation_id: int
    procedures: list[str] = []
    measures: list[str] = []
    responsibilities: str = ""


class FlowIn(Schema):
    sender_id: int
    receiver_id: int
    # Field groups (the service refuses any other code with a 422), listed in the document.
    categories: list[str] = Field(json_schema_extra=each_one_of(services.CATEGORY_VALUES))


class FlowApproveIn(Schema):
    version: int
    sender_id: int
    receiver_id: int
    # The categories the approver saw; if the flow changed meanwhile nothing is approved.
    categories: list[str] | None = None


class SignatureIn(Schema):
    version: int
    organisation_id: int
    signed_on: date
    signed_by: str
    kind: SignatureKind = SignatureKind.SIGNATURE


class AmendIn(Schema):
    note: str = ""


class TerminateIn(Schema):
    version: int
    terminated_on: date
    reason: str


class MeetingIn(Schema):
    held_on: date
    subject: str = Field(max_length=300)


class MeetingOut(Schema):
    id: int
    held_on: date
    subject: str


# --- conversion ----------------------------------------------------------------------------------


# The summary's fields the agreement's state works out (``states.summary``).
_FROM_STATE = frozenset({"status", "governing_version", "latest_version"})


def _summary_out(agreement: Agreement, summary: states.Summary) -> dict[str, Any]:
    """What ``AgreementSummaryOut`` reads: the agreement's fields, and its state's."""
    return {
        **own_fields(AgreementSummaryOut, agreement, besides=_FROM_STATE),
        "status": summary.status,
        "governing_version": summary.governing.number if summary.governing else None,
        "latest_version": summary.latest.number,
    }


def _detail_out(request: HttpRequest, agreement_id: int) -> dict[str, Any]:
    """What ``AgreementOut`` reads: the summary, and the versions as rows."""
    actor = acting(request)
    agreement = access_agreement(actor, agreement_id)
    summary = states.summary(agreement, timezone.localdate())
    return {
        **_summary_out(agreement, summary),
        "termination_reason": agreement.termination_reason,
        "may_edit": can(actor, Action.AGREEMENT_EDIT, agreement),
        "versions": states.versions_of(agreement),
    }


# --- routes --------------------------------------------------------------------------------------


@_route("GET", "/", list[AgreementSummaryOut], "agreements_list")
def agreement_list(
    request: HttpRequest,
    status: states.Status | None = None,
    type: AgreementType | None = None,
    party: IdQuery | None = None,
) -> Any:
    """Agreements the acting organisation may see, with their derived status"""
    rows = list_agreements(
        actor=acting(request),
        on=timezone.localdate(),
        status=status.value if status else "",
        agreement_type=type.value if type else "",
        party_id=party,
    )
    return [AgreementSummaryOut(**_summary_out(agreement, summary)) for agreement, summary in rows]


@_route("POST", "/", AgreementOut, "agreements_create", status=201, auth=EDITORS)
def agreement_create(request: HttpRequest, payload: AgreementIn) -> Any:
    """Register a draft agreement; the acting organisation is its first party"""
    content = payload.dict(exclude={"title", "type", "scope"})
    agreement = services.agreement_create(
        actor=acting(request),
        title=payload.title,
        type=payload.type.value,
        scope=payload.scope.value,
        content=content,
    )
    return Status(201, _detail_out(request, agreement.pk))


@_route("GET", "/{agreement_id}", AgreementOut, "agreements_detail")
def agreement_detail(request: HttpRequest, agreement_id: int) -> Any:
    """One agreement, every version with its parties, signatures and data flows"""
    return _detail_out(request, agreement_id)


@_route("PATCH", "/{agreement_id}", AgreementOut, "agreements_update", auth=EDITORS)
def agreement_update(request: HttpRequest, agreement_id: int, payload: AgreementPatch) -> Any:
    """Change the unsigned latest version (send the version you read)"""
    actor = acting(request)
    agreement = access_agreement(actor, agreement_id, action="edit")
    changes: dict[str, Any] = {
        name: getattr(payload, name)
        for name in payload.model_fields_set
        if name not in {"version", "designated_officer_ids"}
    }
    for name in ("type", "scope"):
        if changes.get(name) is not None:
            changes[name] = changes[name].value
    if "designated_officer_ids" in payload.model_fields_set:
        ids = payload.designated_officer_ids or []
        officers = list(ContactPoint.objects.filter(pk__in=ids))
        if len(officers) != len(set(ids)):
            raise ValidationError(
                {"designated_officer_ids": _("Pick contact points from the directory.")}
            )
        changes["designated_officers"] = officers
    services.agreement_update(
        actor=actor, agreement=agreement, expected_version=payload.version, changes=changes
    )
    return _detail_out(request, agreement_id)


@_editors_route("POST", "/{agreement_id}/parties", AgreementOut, status=201)
def party_add(request: HttpRequest, agreement_id: int, payload: PartyIn) -> Any:
    """Add a party to the unsigned latest version"""
    actor = acting(request)
    agreement = access_agreement(actor, agreement_id, action="edit")
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise ValidationError({"organisation_id": _("Pick an organisation from the directory.")})
    services.party_add(
        actor=actor,
        agreement=agreement,
        organisation=organisation,
        procedures=payload.procedures,
        measures=payload.measures,
        responsibilities=payload.responsibilities,
    )
    return Status(201, _detail_out(request, agreement_id))


def _edited(
    request: HttpRequest, agreement_id: int, change: Callable[..., object], **values: Any
) -> dict[str, Any]:
    """``change(actor=, agreement=, **values)`` on an agreement the actor may edit; the answer is
    the agreement as it is then."""
    actor = acting(request)
    change(actor=actor, agreement=access_agreement(actor, agreement_id, action="edit"), **values)
    return _detail_out(request, agreement_id)


@_route("PUT", "/{agreement_id}/flows", AgreementOut, auth=EDITORS)
def flow_set(request: HttpRequest, agreement_id: int, payload: FlowIn) -> Any:
    """Set the data categories one party may pass to another (unsigned latest version)"""
    return _edited(request, agreement_id, services.flow_set, **payload.model_dump())


@_route("POST", "/{agreement_id}/flows/approval", AgreementOut, auth=EDITORS)
def flow_approve(request: HttpRequest, agreement_id: int, payload: FlowApproveIn) -> Any:
    """Approve a data flow out of the acting organisation (only the sender approves)"""
    values = payload.model_dump(exclude={"version"})
    return _edited(
        request, agreement_id, services.flow_approve, version_number=payload.version, **values
    )


@_editors_route("POST", "/{agreement_id}/signatures", AgreementOut, status=201)
def signature_record(request: HttpRequest, agreement_id: int, payload: SignatureIn) -> Any:
    """Record the acting organisation's own signature or acknowledgement of the latest version"""
    values = payload.model_dump(exclude={"version", "kind"})
    detail = _edited(
        request,
        agreement_id,
        services.signature_record,
        version_number=payload.version,
        kind=payload.kind.value,
        **values,
    )
    return Status(201, detail)


@_route(
    "POST", "/{agreement_id}/amendments", AgreementOut, "agreements_amend", status=201, auth=EDITORS
)
def agreement_amend(request: HttpRequest, agreement_id: int, payload: AmendIn) -> Any:
    """Draft the next version; the signed one governs until all parties sign the new one"""
    return Status(201, _edited(request, agreement_id, services.agreement_amend, note=payload.note))


@_route("POST", "/{agreement_id}/termination", AgreementOut, "agreements_terminate", auth=EDITORS)
def agreement_terminate(request: HttpRequest, agreement_id: int, payload: TerminateIn) -> Any:
    """Record the termination of the agreement (send the agreement's version)"""
    values = payload.model_dump(exclude={"version"})
    return _edited(
        request,
        agreement_id,
        services.agreement_terminate,
        expected_version=payload.version,
        **values,
    )


@_editors_route("POST", "/{agreement_id}/meetings", MeetingOut, status=201)
def meeting_schedule(request: HttpRequest, agreement_id: int, payload: MeetingIn) -> Any:
    """Schedule a meeting of the parties (its reminder goes out before it)"""
    actor = acting(request)
    agreement = access_agreement(actor, agreement_id, action="edit")
    meeting = services.meeting_schedule(actor=actor, agreement=agreement, **payload.model_dump())
    return Status(201, meeting)
