"""Linking two person records as one person, marking them as not the same, and undoing either
(issue 16 §4). Neither person record is changed: the decision is a row of its own
(``PersonLink``), audited in the trails of both records' cases, and undone by another decision.

Concurrent decisions on the same pair are detected: the reviewer's page carries the pair's
version (0 when nobody decided yet); a decision made from a stale page is refused with who
decided meanwhile, and two first decisions at the same moment meet on the pair's unique
constraint.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, Person
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import ConflictError
from opentrm.linkage.access import RecordPair
from opentrm.linkage.models import LinkStatus, PersonLink

_EVENTS = {
    LinkStatus.LINKED: EventType.PERSON_LINKED,
    LinkStatus.NOT_SAME: EventType.PERSON_MARKED_NOT_SAME,
    LinkStatus.UNDONE: EventType.PERSON_LINK_UNDONE,
}
# How far the linked records of a person are followed (A = B, B = C: C is A's too).
MAX_GROUP = 25


def _ordered(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


def pair_link(first: Person | int, second: Person | int) -> PersonLink | None:
    """The decision on two persons, if any was ever made."""
    a = first.pk if isinstance(first, Person) else first
    b = second.pk if isinstance(second, Person) else second
    low, high = _ordered(a, b)
    return PersonLink.objects.filter(person_low_id=low, person_high_id=high).first()


def _audit(actor: Actor, link: PersonLink, first: Case, second: Case, previous: str) -> None:
    """One event on the link (in both trails through its foreign keys), naming both cases."""
    record_event(
        event_type=_EVENTS[LinkStatus(link.status)],
        actor=actor,
        target=link,
        detail={
            "case_id": first.pk,
            "other_case_id": second.pk,
            "persons": [link.person_low_id, link.person_high_id],
            "previous": previous,
            "version": link.version,
        },
    )


def link_decide(
    *, actor: Actor, case: Case, other: Case, decision: str, expected_version: int
) -> PersonLink:
    """Record that the persons of ``case`` and ``other`` are the same (``linked``), are not the
    same (``not_same``), or undo the decision (``undone``). ``expected_version``: the pair's
    version the reviewer saw, 0 when there was no decision yet."""
    require(actor, Action.PERSON_LINK, RecordPair(case, other))
    assert actor.organisation_id is not None  # a member: the rule checked it
    organisation_id: int = actor.organisation_id
    status = LinkStatus(decision)
    low, high = _ordered(case.person_id, other.person_id)
    with transaction.atomic():
        link = (
            PersonLink.objects.select_for_update()
            .filter(person_low_id=low, person_high_id=high)
            .first()
        )
        now = timezone.now()
        if link is None:
            if expected_version != 0:
                raise ConflictError(_("This decision was removed meanwhile. Reload the page."))
            if status == LinkStatus.UNDONE:
                raise ConflictError(_("There is no decision on these two records to undo."))
            link = PersonLink(
                person_low_id=low,
                person_high_id=high,
                status=status,
                decided_by=actor.user,
                decided_for_id=organisation_id,
                decided_at=now,
                updated_by=actor.user,
            )
            try:
                with transaction.atomic():
                    link.save(force_insert=True)
            except IntegrityError:
                raise ConflictError(
                    _("Someone else decided on these two records meanwhile. Reload the page.")
                ) from None
            _audit(actor, link, case, other, previous="")
            return link
        previous = link.status
        if expected_version == 0:
            raise ConflictError(
                _("Someone else decided on these two records meanwhile. Reload the page.")
            )
        if status == previous and expected_version == link.version:
            return link
        link.status = status
        link.decided_by = actor.user
        link.decided_for_id = organisation_id
        link.decided_at = now
        save_if_unchanged(
            link,
            expected_version=expected_version,
            fields=["status", "decided_by", "decided_for_id", "decided_at"],
            actor=actor.user,
        )
        _audit(actor, link, case, other, previous=previous)
        return link


def link_undo(*, actor: Actor, link: PersonLink, case: Case, expected_version: int) -> PersonLink:
    """Undo ``link`` from ``case`` (one of its persons' cases): the other record is found
    through the link, and the reviewer must still be able to open both."""
    low, high = link.person_low_id, link.person_high_id
    other_person = high if case.person_id == low else low
    others = Case.objects.filter(person_id=other_person).order_by("pk")
    other = others.visible_to(actor).first() or others.live().first()
    if other is None:
        raise ConflictError(_("The other record no longer exists."))
    return link_decide(
        actor=actor,
        case=case,
        other=other,
        decision=LinkStatus.UNDONE,
        expected_version=expected_version,
    )


def links_of(person_id: int) -> list[PersonLink]:
    """Every decision on ``person_id`` (linked, not the same, undone), newest first."""
    return list(
        PersonLink.objects.filter(Q(person_low_id=person_id) | Q(person_high_id=person_id))
        .select_related("decided_for")
        .order_by("-decided_at")
    )


def linked_persons(person_id: int, *, own_links: list[PersonLink] | None = None) -> list[int]:
    """The persons linked to ``person_id``, directly or through others (at most
    ``MAX_GROUP``), not the person itself. ``own_links``: ``links_of(person_id)`` when the
    caller has read them already (the first step then needs no query)."""
    seen = {person_id}
    queue = deque([person_id])
    while queue and len(seen) < MAX_GROUP:
        current = queue.popleft()
        rows: Iterable[tuple[int, int]]
        if current == person_id and own_links is not None:
            rows = [
                (link.person_low_id, link.person_high_id)
                for link in own_links
                if link.status == LinkStatus.LINKED
            ]
        else:
            rows = PersonLink.objects.filter(
                Q(person_low_id=current) | Q(person_high_id=current), status=LinkStatus.LINKED
            ).values_list("person_low_id", "person_high_id")
        for low, high in rows:
            for other in (low, high):
                if other not in seen and len(seen) < MAX_GROUP:
                    seen.add(other)
                    queue.append(other)
    return sorted(seen - {person_id})


def not_same_persons(person_id: int) -> frozenset[int]:
    """The persons a reviewer marked as not the same as ``person_id``: a candidate search
    never proposes them again."""
    rows = PersonLink.objects.filter(
        Q(person_low_id=person_id) | Q(person_high_id=person_id), status=LinkStatus.NOT_SAME
    ).values_list("person_low_id", "person_high_id")
    return frozenset(other for pair in rows for other in pair if other != person_id)
