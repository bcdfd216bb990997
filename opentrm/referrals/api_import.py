"""Referrals API: import a referral received from outside OpenTRM (a JSON file, multipart).

The same service as the screen. 201 with the new referral; 422 when the file is refused, with
one entry per problem: ``field`` is the JSON pointer of the place in the file (``file`` for the
file as a whole), at most ten; nothing is stored. 403 for a role that may not respond to
referrals (the interpreter).
"""

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.schemas import ErrorOut, PublicId, Schema
from opentrm.referrals.services import importing

router = Router(tags=["referrals"])


class ImportedOut(Schema):
    public_id: PublicId
    reference: str
    kind: str
    status: str
    sender_organisation_id: int
    source_reference: str


@router.post(
    "/import",
    auth=member_auth(Action.REFERRAL_RESPOND),
    response={201: ImportedOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="referrals_import",
    summary="Import a referral received from outside OpenTRM (multipart: file, the JSON)",
)
def referral_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    actor = acting(request)
    raw = file.read(importing.MAX_BYTES + 1)
    referral = importing.referral_import(actor=actor, raw=raw)
    imported = importing.imported_of(referral) or {}
    return Status(
        201,
        ImportedOut(
            public_id=str(referral.public_id),
            reference=referral.reference,
            kind=referral.kind,
            status=referral.status,
            sender_organisation_id=referral.sender_organisation_id,
            source_reference=str(imported.get("reference", "")),
        ),
    )
