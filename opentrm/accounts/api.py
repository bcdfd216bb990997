"""The caller's own API tokens: list them (never their secrets) and revoke one.

Tokens are made on the account page, where the secret is shown once; a token cannot mint
further tokens.
"""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router

from opentrm.accounts import services
from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.models import ApiToken
from opentrm.accounts.policy import Action, Actor
from opentrm.core.schemas import ErrorOut, Schema

router = Router(tags=["account"], auth=member_auth(Action.API_TOKENS_OWN))
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The public part of the token, `otrm_<prefix>_…`")
    organisation: str = Field(description="The organisation the token acts for")
    role: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    is_usable: bool

    @staticmethod
    def resolve_organisation(obj: ApiToken) -> str:
        return obj.membership.organisation.name

    @staticmethod
    def resolve_role(obj: ApiToken) -> str:
        return obj.membership.role


def _own_tokens(actor: Actor) -> Any:
    return ApiToken.objects.filter(membership__user=actor.user).select_related(
        "membership__organisation"
    )


@router.get(
    "/tokens",
    response={200: list[ApiTokenOut], **_ERRORS},
    url_name="account_tokens",
    summary="Your API tokens, in all your organisations",
)
def token_list(request: HttpRequest) -> Any:
    return _own_tokens(acting(request)).order_by("-created_at")


@router.post(
    "/tokens/{token_id}/revoke",
    # 422: a token id that is not an integer.
    response={200: ApiTokenOut, **_ERRORS, 422: ErrorOut},
    url_name="account_token_revoke",
    summary="Revoke one of your API tokens (it stops working at once)",
)
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    actor = acting(request)
    token = _own_tokens(actor).filter(pk=token_id).first()
    if token is None:
        raise Http404
    return services.api_token_revoke(actor=actor, token=token)
