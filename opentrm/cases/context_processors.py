"""What the main navigation may offer from the case file's own permissions (``cases.access``):
rules that need more than an action of the policy, such as the organisation's type."""

from django.http import HttpRequest

from opentrm.accounts.session import current_actor
from opentrm.cases.access import may_record_labour_inspection


def navigation(request: HttpRequest) -> dict[str, object]:
    """``may_labour``: the labour inspections screens (/cases/labour/) are the actor's to use:
    a member of a labour inspectorate whose role registers cases."""
    current = current_actor(request)
    return {"may_labour": bool(current and may_record_labour_inspection(current))}
