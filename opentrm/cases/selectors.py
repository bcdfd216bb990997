"""Reads of cases, always from ``visible_to(actor)``, showing only the field groups allowed."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
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
    """A case as one actor may see it: groups the actor may not see of it are simply absent."""

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
    """The field groups of ``case`` the actor sees and edits: the role's, narrowed for an
    organisation that does not own the case to what the owner shares with it
    (``access.visible_groups``; lists call ``sharing.prime_sharing`` first, to stay at a fixed
    number of queries).

    ``is_child``: pass ``states.is_child_case`` (which knows about age assessments) for one
    case; lists use the person's age alone, to stay at a fixed number of queries."""
    from opentrm.cases.access import editable_groups, visible_groups  # access imports us

    return CaseView(
        case=case,
        groups=visible_groups(actor, case),
        editable=editable_groups(actor, case),
        is_child=case.person.is_child_on(timezone.localdate()) if is_child is None else is_child,
    )


def consent_takers(case: Case) -> set[int]:
    """Ids of the organisations whose consent records count on ``case``: the owner, and the
    active participants the owner named as consent-taker."""
    named = CaseParticipant.objects.filter(case=case, is_active=True, takes_consent=True)
    return {case.owner_organisation_id, *named.values_list("organisation_id", flat=True)}


def _recorded_by_a_taker(case_id: str = "case_id", taken_for: str = "taken_for_id") -> Q:
    """A consent row counts only when recorded for the case's owner or for an organisation the
    owner names as consent-taker today. A row recorded by anyone else (an old row, a forged
    one, or one whose taker was un-named since) opens nothing."""
    named = CaseParticipant.objects.filter(
        case_id=OuterRef(case_id),
        organisation_id=OuterRef(taken_for),
        is_active=True,
        takes_consent=True,
    )
    return Q(**{taken_for: F("case__owner_organisation_id")}) | Q(Exists(named))


def counted_consents() -> QuerySet[ConsentRecord]:
    """The consent records that count: recorded by the owner or a named consent-taker, and not
    corrected by a later record that counts itself (``supersedes``)."""
    correction = ConsentRecord.objects.filter(supersedes_id=OuterRef("pk")).filter(
        _recorded_by_a_taker()
    )
    return ConsentRecord.objects.filter(_recorded_by_a_taker()).exclude(Exists(correction))


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
    expiry date. A consent for a country covers the organisations in it. Only decisions
    recorded by the owner organisation or a named consent-taker count (``counted_consents``).
    """
    day = on or timezone.localdate()
    decisions = counted_consents().filter(case=case, purpose=purpose, decided_on__lte=day)
    if purpose == ConsentPurpose.SHARE_DATA:
        decisions = decisions.filter(share_recipient(organisation, country_code))
    latest = decisions.order_by("-decided_on", "-id").first()
    if latest is None or not decision_in_force(latest, day):
        return None
    return latest


def latest_decision(*, case: Case, purpose: str) -> ConsentRecord | None:
    """The newest counted decision for ``purpose`` (given or refused), in force or not."""
    return (
        counted_consents().filter(case=case, purpose=purpose).order_by("-decided_on", "-id").first()
    )


def share_recipient(organisation: Organisation | None, country_code: str = "") -> Q:
    """Consents to share data that name this organisation, or its country (without naming an
    organisation)."""
    recipient = Q(recipient_organisation=organisation) if organisation else Q(pk__in=[])
    country = country_code or (organisation.country.code if organisation else "")
    if country:
        recipient |= Q(recipient_organisation__isnull=True, recipient_country=country)
    return recipient


def decision_in_force(latest: ConsentRecord, day: date) -> bool:
    """Whether the newest decision for a purpose (and recipient) allows it on ``day``."""
    return (
        latest.decision == ConsentDecision.GIVEN
        and latest.withdrawn_at is None
        and (latest.expires_on is None or latest.expires_on >= day)
    )


def cases_consenting_to_share(
    case_ids: Iterable[int], organisation: Organisation, *, on: date
) -> set[int]:
    """Of ``case_ids``, those whose person's consent to share data with ``organisation`` (or
    its country) is in force on ``on``: ``consent_in_force`` for many cases, in one query."""
    latest: dict[int, ConsentRecord] = {}
    decisions = (
        counted_consents()
        .filter(case_id__in=list(case_ids), purpose=ConsentPurpose.SHARE_DATA, decided_on__lte=on)
        .filter(share_recipient(organisation))
        .order_by("case_id", "-decided_on", "-id")
    )
    for decision in decisions:
        latest.setdefault(decision.case_id, decision)
    return {case_id for case_id, decision in latest.items() if decision_in_force(decision, on)}
