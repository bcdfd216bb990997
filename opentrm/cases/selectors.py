"""Reads of cases, always from ``visible_to(actor)``, showing only the field groups allowed."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.cases.models import Case, PersonName


def case_list(*, actor: Actor, mine_only: bool = False) -> QuerySet[Case]:
    cases = Case.objects.visible_to(actor)
    if actor.organisation_id is None:
        return cases.none()
    if mine_only:
        cases = cases.filter(
            participants__organisation_id=actor.organisation_id,
            participants__case_manager=actor.user,
        )
    return (
        cases.select_related("person", "owner_organisation")
        .prefetch_related(
            Prefetch("person__names", queryset=PersonName.objects.order_by("order", "id"))
        )
        .order_by("-opened_on", "-id")
        .distinct()
    )


@dataclass(frozen=True)
class CaseView:
    """A case as one actor may see it: groups the role may not see are simply absent."""

    case: Case
    groups: frozenset[FieldGroup]
    editable: frozenset[FieldGroup]
    is_child: bool

    @property
    def show(self) -> dict[str, bool]:
        """For templates: ``view.show.identity``."""
        return {group.value: group in self.groups for group in FieldGroup}

    @property
    def display_name(self) -> str:
        """A name if the actor may see identity data, else the case number."""
        if FieldGroup.IDENTITY in self.groups:
            names = list(self.case.person.names.all())
            if names:
                return names[0].value
        return self.case.number


def case_view(*, actor: Actor, case: Case) -> CaseView:
    return CaseView(
        case=case,
        groups=actor.visible_field_groups(),
        editable=actor.editable_field_groups(),
        is_child=case.person.is_child_on(timezone.localdate()),
    )
