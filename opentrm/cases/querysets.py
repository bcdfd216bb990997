"""Where every case list starts: ``visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from opentrm.core.models import SoftDeletableQuerySet

if TYPE_CHECKING:
    from opentrm.cases.models import Case  # noqa: F401 (string annotations)


EMERGENCY_CASES_CACHE = "_emergency_case_ids"


class CaseReader(Protocol):
    """The part of ``accounts.policy.Actor`` that case lists need."""

    @property
    def organisation_id(self) -> int | None: ...

    @property
    def user_id(self) -> int | None: ...

    @property
    def sees_assigned_cases_only(self) -> bool: ...

    def may(self, action: Any) -> bool: ...


class CaseQuerySet(SoftDeletableQuerySet["Case"]):
    def visible_to(self, actor: CaseReader | None) -> CaseQuerySet:
        """Cases the actor's organisation takes part in, for roles that do case work; for a
        role that sees assigned cases only (an interpreter), those of them it is assigned to.

        Deleted cases are hidden from everyone here; the audit trail keeps their history.
        """
        from opentrm.accounts.policy import Action

        if actor is None or not actor.may(Action.CASE_VIEW) or actor.organisation_id is None:
            return self.none()
        # EXISTS rather than a join: a join would need DISTINCT, which sorts every visible
        # case on a large node (bench/README.md, cases benchmark).
        from opentrm.cases.models.case import CaseParticipant  # models import this module

        takes_part = CaseParticipant.objects.filter(
            case=OuterRef("pk"), organisation_id=actor.organisation_id, is_active=True
        )
        # Break-the-glass: the user's own emergency access, for the organisation she opened it
        # for, until it expires (opentrm/cases/emergency.py).
        emergency_cases = emergency_case_ids(actor)
        condition = Exists(takes_part) | Q(pk__in=emergency_cases) if emergency_cases else None
        visible = self.live().filter(condition or Exists(takes_part))
        if actor.sees_assigned_cases_only:
            # An interpreter: only the cases they are assigned to, undertaking signed.
            from opentrm.cases.models.interpreters import CaseInterpreter

            assigned = CaseInterpreter.objects.filter(
                case=OuterRef("pk"), interpreter_id=actor.user_id, ended_at__isnull=True
            )
            visible = visible.filter(Exists(assigned))
        return visible


def emergency_case_ids(actor: CaseReader) -> tuple[int, ...]:
    """The cases the user holds a break-the-glass access to now, for the organisation she
    opened it for (opentrm/cases/emergency.py); kept on the actor for the request.

    Read apart rather than as a second EXISTS: ``EXISTS(participant) OR EXISTS(emergency)``
    cannot become a semi-join, so PostgreSQL hashed every participant row of the organisation
    on each list (20-30 ms at 200,000 cases; bench/README.md, home and search). Such accesses
    are rare, so the list keeps the plain plan. ``services.emergency`` forgets the cached
    answer when it opens an access.
    """
    from opentrm.cases.models.emergency import EmergencyAccess  # models import this module

    if actor.user_id is None or actor.organisation_id is None:
        return ()
    key = (actor.user_id, actor.organisation_id)
    cached: dict[tuple[int | None, int | None], tuple[int, ...]] = vars(actor).setdefault(
        EMERGENCY_CASES_CACHE, {}
    )
    if key not in cached:
        cached[key] = tuple(
            EmergencyAccess.objects.filter(
                user_id=actor.user_id,
                organisation_id=actor.organisation_id,
                expires_at__gt=timezone.now(),
            ).values_list("case_id", flat=True)
        )
    return cached[key]
