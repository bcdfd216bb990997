"""The consent + agreement gate (``access.sharing_with``) for lists of cases, at once.

A list across cases (the case list, its API) shows a field group's data of a case the actor's
organisation does not own only where the owner shares it. Asking ``access.visible_groups`` row
by row would cost a few queries per row; ``prime_sharing`` works the gate out for every row in a
fixed number of queries and leaves the answer where ``access._shared_groups`` caches it, so the
rows then cost nothing.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.agreements import states as agreement_states
from opentrm.agreements.models import Agreement, AgreementParty, DataFlow
from opentrm.agreements.selectors import flow_categories
from opentrm.cases.access import capped
from opentrm.cases.emergency import prime_emergency_access
from opentrm.cases.models import Case, CaseParticipant
from opentrm.cases.selectors import cases_consenting_to_share

CACHE = "_shared_cache"  # the attribute of a case object where access._shared_groups caches


def prime_sharing(actor: Actor, cases: Iterable[Case], *, on: date | None = None) -> None:
    """Work out what is shared with the actor's organisation of each case it does not own,
    and cache it on the case objects, so that ``group_access`` / ``visible_groups`` on every
    row cost no query. One query for the consents, one for emergency accesses and a few for the
    agreements, however many cases and owners; none when the organisation owns every case. The
    same rules as ``access.sharing_with``: ``consent_in_force`` and ``allowed_categories``."""
    key = actor.organisation_id
    if key is None or actor.membership is None:
        return
    others = [
        case
        for case in cases
        if case.owner_organisation_id != key and key not in case.__dict__.get(CACHE, {})
    ]
    if not others:
        return
    prime_emergency_access(actor, others)  # the break-the-glass check of group_access, too
    organisation = actor.membership.organisation
    day = on or timezone.localdate()
    consenting = cases_consenting_to_share([case.pk for case in others], organisation, on=day)
    owners = {case.owner_organisation_id for case in others if case.pk in consenting}
    allowed = allowed_by_sender(owners, key, day) if owners else {}
    caps = dict(
        CaseParticipant.objects.filter(
            case_id__in=[case.pk for case in others if case.pk in consenting], organisation_id=key
        ).values_list("case_id", "shared_cap")
    )
    for case in others:
        groups: frozenset[FieldGroup] = frozenset()
        if case.pk in consenting:
            groups = capped(allowed.get(case.owner_organisation_id, frozenset()), caps.get(case.pk))
        cache: dict[int | None, frozenset[FieldGroup]] = case.__dict__.setdefault(CACHE, {})
        cache[key] = groups


def allowed_by_sender(
    sender_ids: set[int], receiver_id: int, on: date
) -> dict[int, frozenset[FieldGroup]]:
    """``agreements.selectors.allowed_categories(sender, receiver, on)`` for many senders, in a
    fixed number of queries: the agreements naming the receiver and any of the senders."""

    def party(org_ids: Iterable[int]) -> Exists:
        return Exists(
            AgreementParty.objects.filter(
                version__agreement_id=OuterRef("pk"), organisation_id__in=list(org_ids)
            )
        )

    agreements = [
        agreement
        for agreement in Agreement.objects.filter(party([receiver_id]), party(sender_ids))
        .prefetch_related(
            *agreement_states.AGREEMENT_PREFETCH,
            Prefetch(
                "versions__flows",
                queryset=DataFlow.objects.select_related("sender", "receiver"),
            ),
        )
        .order_by("pk")
        if agreement_states.is_in_force(agreement, on)
    ]
    known = {group.value for group in FieldGroup}
    allowed: dict[int, frozenset[FieldGroup]] = {}
    for sender_id in sender_ids - {receiver_id}:
        categories: set[str] = set()
        for agreement in agreements:
            version = agreement_states.governing_version(agreement, on)
            assert version is not None  # in force: a version governs
            parties = {party.organisation_id for party in version.parties.all()}
            if {sender_id, receiver_id} <= parties:
                categories |= flow_categories(version, sender_id, receiver_id)
        allowed[sender_id] = frozenset(FieldGroup(value) for value in categories if value in known)
    return allowed
