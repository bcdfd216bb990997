"""Where every case list starts: ``visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Exists, OuterRef
from django.utils import timezone

from opentrm.core.models import SoftDeletableQuerySet

if TYPE_CHECKING:
    from opentrm.cases.models import Case  # noqa: F401 (string annotations)


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
        from opentrm.cases.models.emergency import EmergencyAccess

        # Break-the-glass: the user's own emergency access, for the organisation she opened it
        # for, until it expires (opentrm/cases/emergency.py).
        emergency = EmergencyAccess.objects.filter(
            case=OuterRef("pk"),
            user_id=actor.user_id or 0,
            organisation_id=actor.organisation_id,
            expires_at__gt=timezone.now(),
        )
        visible = self.live().filter(Exists(takes_part) | Exists(emergency))
        if actor.sees_assigned_cases_only:
            # An interpreter: only the cases they are assigned to, undertaking signed.
            from opentrm.cases.models.interpreters import CaseInterpreter

            assigned = CaseInterpreter.objects.filter(
                case=OuterRef("pk"), interpreter_id=actor.user_id, ended_at__isnull=True
            )
            visible = visible.filter(Exists(assigned))
        return visible
