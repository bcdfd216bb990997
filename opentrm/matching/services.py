"""Candidate search: who in the register may be the person described, for one actor.

``find_candidates(person_data, actor)`` is the one entry point (registration, a referral
arriving, the "check a person" page, and h-link's merge and cross-node check call it). It never
merges anything. Need to know (issue 16 §5): a candidate whose case the actor may open, with
the identity group visible, comes with its names, score and explanation; any other only as
"a possible match is held by organisation X". Both sides are audited: the searcher's
``MATCH_SEARCHED``, and on every case held out of sight a ``MATCH_REPORTED`` that the holder
sees in that case's audit trail. The audit holds ids and counts, never a name.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.db import transaction

from opentrm.accounts.policy import Access, Actor, FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import group_access
from opentrm.cases.models import Case, Person
from opentrm.directory.models import Organisation
from opentrm.matching import index
from opentrm.matching.explain import explain
from opentrm.matching.scoring import STRONG, THRESHOLD, PersonData, prepare, rank

LIMIT = 10
Via = Literal["check", "registration", "case", "referral", "service"]

# Persons never to propose for a person, from apps above this one (the linkage app: pairs a
# reviewer marked "not the same"), registered in their AppConfig.ready().
ExclusionProvider = Callable[[int], Iterable[int]]
_exclusions: dict[ExclusionProvider, None] = {}  # an ordered set: registering twice is one


def register_exclusion(provider: ExclusionProvider) -> None:
    _exclusions[provider] = None


def _restricted(person_ids: list[int | None]) -> set[int]:
    """Persons whose data is under a restriction of processing (GDPR art. 18): never proposed
    as a match, and no match is proposed for them."""
    return set(
        Person.objects.filter(
            pk__in=[pk for pk in person_ids if pk is not None],
            processing_restricted_at__isnull=False,
        ).values_list("pk", flat=True)
    )


def _excluded(person_id: int | None) -> set[int]:
    if person_id is None:
        return set()
    return {other for provider in _exclusions for other in provider(person_id)}


@dataclass(frozen=True)
class Holder:
    """An organisation holding a candidate the actor may not see."""

    organisation_id: int
    name: str


@dataclass(frozen=True)
class Candidate:
    """One possible match. ``case`` and the details are set only when the actor may see them;
    otherwise ``holders`` name who to contact."""

    score: float
    strong: bool
    case: Case | None = None
    names: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    holders: tuple[Holder, ...] = field(default_factory=tuple)

    @property
    def visible(self) -> bool:
        return self.case is not None


def _visible_cases(actor: Actor, person_ids: list[int]) -> dict[int, Case]:
    """Per person, a case of theirs the actor may open with the identity group visible."""
    found: dict[int, Case] = {}
    cases = (
        Case.objects.visible_to(actor)
        .filter(person_id__in=person_ids)
        .select_related("person", "owner_organisation", "owner_organisation__country")
        .order_by("-pk")
    )
    for case in cases:
        if case.person_id in found:
            continue
        if group_access(actor, case, FieldGroup.IDENTITY) >= Access.VIEW:
            found[case.person_id] = case
    return found


def _held_elsewhere(person_ids: list[int]) -> dict[int, list[tuple[int, Organisation]]]:
    """Per person, its live cases (ids) with their owner organisations."""
    held: dict[int, list[tuple[int, Organisation]]] = defaultdict(list)
    for case in (
        Case.objects.live()
        .filter(person_id__in=person_ids)
        .select_related("owner_organisation")
        .order_by("pk")
    ):
        held[case.person_id].append((case.pk, case.owner_organisation))
    return held


@transaction.atomic
def find_candidates(
    person_data: PersonData,
    actor: Actor,
    *,
    exclude_person_id: int | None = None,
    limit: int = LIMIT,
    threshold: float = THRESHOLD,
    via: Via = "service",
) -> list[Candidate]:
    """Ranked possible matches of ``person_data`` in this node's register, best first."""
    query = prepare(person_data)
    ranked = rank(query, index.candidates(query, exclude=exclude_person_id), threshold=threshold)
    never = _excluded(exclude_person_id) | _restricted(
        [exclude_person_id, *(person_id for person_id, _comparison in ranked)]
    )
    if exclude_person_id in never:  # no proposals about a person under restriction
        ranked = []
    ranked = [(person_id, comparison) for person_id, comparison in ranked if person_id not in never]
    ranked = ranked[: limit * 2]  # some may have no live case left
    ids = [person_id for person_id, _comparison in ranked]
    visible = _visible_cases(actor, ids)
    held = _held_elsewhere(ids)
    result: list[Candidate] = []
    reported: list[int] = []
    for person_id, comparison in ranked:
        if person_id not in held:
            continue  # every case of the person was deleted
        strong = comparison.score >= STRONG
        case = visible.get(person_id)
        if case is not None:
            names = tuple(name.value for name in case.person.names.all())
            result.append(
                Candidate(
                    score=round(comparison.score, 1),
                    strong=strong,
                    case=case,
                    names=names,
                    explanation=tuple(explain(comparison.evidence)),
                )
            )
        else:
            holders = {org.pk: Holder(org.pk, org.name) for _pk, org in held[person_id]}
            reported.extend(case_id for case_id, _org in held[person_id])
            result.append(
                Candidate(
                    score=round(comparison.score, 1),
                    strong=strong,
                    holders=tuple(holders.values()),
                )
            )
        if len(result) >= limit:
            break
    if result or via != "case":  # the case page asks on every view: only what it revealed
        _audit(actor, result, reported, via)
    return result


def _audit(actor: Actor, result: list[Candidate], reported: list[int], via: str) -> None:
    record_event(
        event_type=EventType.MATCH_SEARCHED,
        actor=actor,
        target_type="matching.search",
        detail={
            "via": via,
            "candidates": len(result),
            "shown_case_ids": [c.case.pk for c in result if c.case is not None],
            "held_by_organisation_ids": sorted(
                {holder.organisation_id for c in result for holder in c.holders}
            ),
        },
    )
    for case_id in reported:  # the holder's side: seen in the case's audit trail
        record_event(
            event_type=EventType.MATCH_REPORTED,
            actor=actor,
            target_type=Case._meta.label_lower,
            target_id=case_id,
            detail={"case_id": case_id, "via": via},
        )
