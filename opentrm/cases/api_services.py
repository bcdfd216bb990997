"""Cases API: services and proceedings (issue 3 §13)."""

from ninja import Router

from opentrm.accounts.api_auth import member_auth
from opentrm.accounts.policy import Action

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
