"""Fetching one case for an actor: 404 when it does not exist or is not theirs, 403 when it
is theirs but the action is not."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case

Intent = Literal["view", "delete"]


def may_delete_case(actor: Actor, case: Case) -> bool:
    """Only a case manager of the organisation that owns the case deletes it (softly)."""
    return actor.role == Role.CASE_MANAGER and case.owner_organisation_id == actor.organisation_id


def access_case(actor: Actor, public_id: str, *, action: Intent = "view") -> Case:
    """The case with ``public_id`` if the actor's organisation takes part in it."""
    case: Case | None = (
        Case.objects.visible_to(actor)
        .select_related("person", "owner_organisation", "owner_organisation__country")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    if action == "delete" and not may_delete_case(actor, case):
        raise PermissionDenied
    return case
