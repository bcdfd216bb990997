"""What the case's screens share: the way back to the case page and the gate of a section's
edit screens (its GET an audited read of that section)."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case
from opentrm.cases.models import Case


def case_url(case: Case, anchor: str = "") -> str:
    """The case page, at the section ``anchor`` (an id, without ``#``) if given."""
    url = reverse("cases:case_detail", args=[case.public_id])
    return f"{url}#{anchor}" if anchor else url


def editable_case(
    request: AuthenticatedHttpRequest,
    public_id: str,
    *,
    action: Action,
    group: FieldGroup,
) -> tuple[Actor, Case]:
    """The case on which the actor may take ``action`` (403 otherwise); the form's GET is an
    audited read of ``group``."""
    actor = request.actor
    case = access_case(actor, public_id)
    if not can(actor, action, case):
        raise PermissionDenied
    if request.method == "GET":
        selectors.case_read(actor=actor, case=case, via="web", groups=[group.value])
    return actor, case
