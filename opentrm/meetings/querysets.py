"""Where every meeting list starts: ``visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

if TYPE_CHECKING:
    from opentrm.meetings.models import Meeting  # noqa: F401 (string annotations)


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, actor: Any) -> MeetingQuerySet:
        """Meetings of the actor's country or with the actor's organisation among the
        participants; meetings on a case only on cases the actor's organisation takes part in.
        The case's field-group rule narrows further, per meeting (``access.meeting_visible``)."""
        from opentrm.accounts.policy import Action
        from opentrm.cases.models import Case
        from opentrm.meetings.models import CASE_KINDS, Participant

        if actor is None or not actor.may(Action.MEETING_VIEW) or actor.organisation_id is None:
            return self.none()
        takes_part = Participant.objects.filter(
            meeting_id=OuterRef("pk"), organisation_id=actor.organisation_id
        )
        on_case = Q(kind__in=[kind.value for kind in CASE_KINDS])
        general = ~on_case & (Q(country_id=actor.country_id) | Q(Exists(takes_part)))
        cases = Case.objects.visible_to(actor).values("pk")
        return self.filter(general | (on_case & Q(case_id__in=cases)))
