"""Cases API: who a case's data is shared with, and why (issue 9). For the owner only."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId, Schema

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))


class OpeningOut(Schema):
    agreement_id: int
    title: str
    version: int
    groups: list[FieldGroup]  # what the governing version lets flow from the owner to it


class SharingOut(Schema):
    organisation_id: int
    organisation_name: str
    country: str
    agreements: list[OpeningOut]
    agreement_groups: list[FieldGroup]
    consent_id: int | None
    consent_decided_on: date | None
    visible_groups: list[FieldGroup]  # agreements x consent, within what its referral offered


def _ordered(groups: frozenset[FieldGroup]) -> list[FieldGroup]:
    return [group for group in FieldGroup if group in groups]


@router.get(
    "/{public_id}/sharing",
    response={200: list[SharingOut], **CASE_WORK_ERRORS},
    url_name="cases_sharing",
    summary="For the owner: per organisation on the case, the agreements in force and the "
    "consent that open which field groups to it",
)
def case_sharing(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    if not can(actor, Action.CASE_SHARING_VIEW, case):
        raise PermissionDenied
    rows = selectors.case_sharing(actor=actor, case=case, via="api")
    return [
        SharingOut(
            organisation_id=row.participant.organisation_id,
            organisation_name=row.participant.organisation.name,
            country=row.participant.organisation.country.code,
            agreements=[
                OpeningOut(
                    agreement_id=opening.agreement.pk,
                    title=opening.agreement.title,
                    version=opening.version.number,
                    groups=_ordered(opening.groups),
                )
                for opening in row.openings
            ],
            agreement_groups=_ordered(row.agreement_groups),
            consent_id=row.consent.pk if row.consent else None,
            consent_decided_on=row.consent.decided_on if row.consent else None,
            visible_groups=_ordered(row.groups),
        )
        for row in rows
    ]
