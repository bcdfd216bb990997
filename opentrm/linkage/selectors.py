"""What a reader sees of the records linked to a case: the linked histories together, as far as
the reader may open each record; for any other only "a linked record is held by organisation X
— contact their focal point" (issue 16 §4-§5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, can
from opentrm.cases.access import group_access, visible_groups
from opentrm.cases.models import Case
from opentrm.cases.selectors import case_read
from opentrm.cases.timeline import TimelineEntry, case_timeline, sort_key
from opentrm.directory.models import Organisation
from opentrm.linkage.access import RecordPair, may_open
from opentrm.linkage.models import HolderQuery, LinkStatus, PersonLink
from opentrm.linkage.services.links import linked_persons, links_of

HISTORY_LIMIT = 200


@dataclass(frozen=True)
class LinkedRecord:
    """A case of a linked person: opened (``case`` set) or only its holder named."""

    holder: Organisation
    case: Case | None


@dataclass(frozen=True)
class HistoryEntry:
    entry: TimelineEntry
    case_number: str
    is_this_case: bool


@dataclass(frozen=True)
class Decision:
    """A decision on the person of the case and another record, with what the reader may do."""

    link: PersonLink
    other: LinkedRecord
    may_undo: bool


def _records(actor: Actor, person_ids: list[int]) -> list[tuple[Case, bool]]:
    cases = (
        Case.objects.live()
        .filter(person_id__in=person_ids)
        .select_related("owner_organisation", "owner_organisation__country")
        .order_by("opened_on", "pk")
    )
    return [(case, may_open(actor, case)) for case in cases]


def _record(case: Case, opened: bool) -> LinkedRecord:
    return LinkedRecord(holder=case.owner_organisation, case=case if opened else None)


def linked_records(actor: Actor, case: Case, *, with_history: bool = True) -> dict[str, Any]:
    """The linked records of ``case``'s person, the decisions on it and (``with_history``) the
    histories of the records the reader may open together with this case's, newest first.
    Each linked record whose history is shown is audited as read."""
    own_links = links_of(case.person_id)  # read once: the linked persons and the decisions
    others = _records(actor, linked_persons(case.person_id, own_links=own_links))
    history: list[HistoryEntry] = []
    if with_history:
        for entry in case_timeline(actor=actor, case=case):
            history.append(HistoryEntry(entry, case.number, True))
        for other, opened in others:
            if not opened:
                continue
            groups = sorted(visible_groups(actor, other))
            case_read(actor=actor, case=other, via="web", groups=groups, view="linkage.history")
            for entry in case_timeline(actor=actor, case=other):
                history.append(HistoryEntry(entry, other.number, False))
        history.sort(key=lambda item: sort_key(item.entry), reverse=True)
    decisions = []
    for link in own_links:
        if link.status == LinkStatus.UNDONE:
            continue
        other_person = (
            link.person_high_id if link.person_low_id == case.person_id else link.person_low_id
        )
        found = _records(actor, [other_person])
        if not found:
            continue
        other_case, opened = next(((c, o) for c, o in found if o), found[0])
        decisions.append(
            Decision(
                link=link,
                other=_record(other_case, opened),
                may_undo=opened and can(actor, Action.PERSON_LINK, RecordPair(case, other_case)),
            )
        )
    return {
        "case": case,
        "records": [_record(other, opened) for other, opened in others],
        "history": history[:HISTORY_LIMIT],
        "decisions": decisions,
        "may_link": actor.may(Action.PERSON_LINK),
        "may_ask": can(actor, Action.HOLDER_QUERY, case),
    }


def case_panel(actor: Actor, case: Case) -> dict[str, Any] | None:
    """The "Linked records" panel on the case page: for readers of the person's identity, when
    there is a linked record or the reader may link one."""
    if group_access(actor, case, FieldGroup.IDENTITY) < Access.VIEW:
        return None
    context = linked_records(actor, case, with_history=False)
    if not context["records"] and not context["may_link"] and not context["decisions"]:
        return None
    return context


def case_queries(case: Case) -> list[HolderQuery]:
    """The questions asked to other nodes about the person of ``case``, newest first."""
    return list(
        HolderQuery.objects.filter(case=case).select_related("peer").order_by("-created_at")[:20]
    )
