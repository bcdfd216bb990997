"""Referrals API: requests (issue 4)."""

from ninja import Router

from opentrm.accounts.api_auth import member_auth
from opentrm.accounts.policy import Action

router = Router(tags=["referrals"], auth=member_auth(Action.CASE_VIEW))
