"""Reads of cases, always from ``visible_to(actor)``, showing only the field groups allowed."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.cases.models import (
    Case,
    CaseParticipant,
    ConsentDecision,
    ConsentPurpose,
    ConsentRecord,
    PersonName,
)
from opentrm.directory.models import Organisation


def case_list(*, actor: Actor, mine_only: bool = False) -> QuerySet[Case]:
    cases = Case.objects.visible_to(actor)
    if actor.organisation_id is None:
        return cases.none()
    if mine_only:
        managed = CaseParticipant.objects.filter(
            case=OuterRef("pk"), organisation_id=actor.organisation_id, case_manager=actor.user
        )
        cases = cases.filter(Exists(managed))
    return (
        cases.select_related("person", "owner_organisation")
        .prefetch_related(
            Prefetch("person__names", queryset=PersonName.objects.order_by("order", "id"))
        )
        .order_by("-opened_on", "-id")
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
    def edits_person(self) -> bool:
        return bool(self.editable & {FieldGroup.IDENTITY, FieldGroup.CONTACT})

    @property
    def display_name(self) -> str:
        """A name if the actor may see identity data, else the case number."""
        if FieldGroup.IDENTITY in self.groups:
            names = list(self.case.person.names.all())
            if names:
                return names[0].value
        return self.case.number


def case_view(*, actor: Actor, case: Case, is_child: bool | None = None) -> CaseView:
    """``is_child``: pass ``states.is_child_case`` (which knows about age assessments) for one
    case; lists use the person's age alone, to stay at a fixed number of queries."""
    return CaseView(
        case=case,
        groups=actor.visible_field_groups(),
        editable=actor.editable_field_groups(),
        is_child=case.person.is_child_on(timezone.localdate()) if is_child is None else is_child,
    )


def consent_in_force(
    *,
    case: Case,
    purpose: str,
    organisation: Organisation | None = None,
    country_code: str = "",
    on: date | None = None,
) -> ConsentRecord | None:
    """The consent that allows ``purpose`` (for this recipient) today, or None.

    The newest decision counts: a refusal after a consent ends it, as does a withdrawal or the
    expiry date. A consent for a country covers the organisations in it.
    """
    day = on or timezone.localdate()
    decisions = ConsentRecord.objects.filter(case=case, purpose=purpose, decided_on__lte=day)
    if purpose == ConsentPurpose.SHARE_DATA:
        recipient = Q(recipient_organisation=organisation) if organisation else Q(pk__in=[])
        country = country_code or (organisation.country.code if organisation else "")
        if country:
            recipient |= Q(recipient_organisation__isnull=True, recipient_country=country)
        decisions = decisions.filter(recipient)
    latest = decisions.order_by("-decided_on", "-id").first()
    if (
        latest is None
        or latest.decision != ConsentDecision.GIVEN
        or latest.withdrawn_at is not None
        or (latest.expires_on is not None and latest.expires_on < day)
    ):
        return None
    return latest
