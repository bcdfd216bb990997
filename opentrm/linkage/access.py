"""Who may decide that two person records are one person, and who may ask another node whether
it holds a person (the rules of ``accounts.policy``; docs/matching-linkage.md, "Who decides").

Deciding needs the identity data of both records: the reviewer must be able to open both (each
case is visible to the reviewer's organisation and its identity group is shared with it), and
acts for the organisation that owns at least one of them, as a case manager (or a guardian,
who acts as case manager for a child). Someone who cannot open the other record learns only
which organisation holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, rule
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import access_case, acts_for_owner, group_access
from opentrm.cases.models import Case
from opentrm.core.errors import DomainError
from opentrm.directory.models import Organisation
from opentrm.linkage.models import PersonLink


@dataclass(frozen=True)
class RecordPair:
    """Two cases whose persons a reviewer compares (the case in hand first)."""

    first: Case
    second: Case


def may_open(actor: Actor, case: Case) -> bool:
    """The actor's organisation takes part in the case and sees its identity data."""
    return (
        Case.objects.visible_to(actor).filter(pk=case.pk).exists()
        and group_access(actor, case, FieldGroup.IDENTITY) >= Access.VIEW
    )


@rule(Action.PERSON_LINK, RecordPair)
def _link_records(actor: Actor, pair: RecordPair) -> bool:
    return (
        actor.may(Action.PERSON_LINK)
        and pair.first.person_id != pair.second.person_id
        and (acts_for_owner(actor, pair.first) or acts_for_owner(actor, pair.second))
        and may_open(actor, pair.first)
        and may_open(actor, pair.second)
    )


@rule(Action.HOLDER_QUERY, Case)
def _ask_holders(actor: Actor, case: Case) -> bool:
    """Encodings of the person leave the node: the owner organisation's case manager (or
    guardian), who sees the person's identity."""
    return (
        actor.may(Action.HOLDER_QUERY)
        and acts_for_owner(actor, case)
        and group_access(actor, case, FieldGroup.IDENTITY) >= Access.VIEW
    )


class HeldElsewhereError(DomainError):
    """The other record exists but the actor may not open it: only its holder is named."""

    code = "held_elsewhere"

    def __init__(self, holder: Organisation) -> None:
        self.holder = holder
        super().__init__(
            _(
                "This record is held by %(organisation)s. You cannot open it: contact their "
                "focal point."
            )
            % {"organisation": holder.name}
        )


def refuse_other_record(actor: Actor, case: Case, other: Case) -> HeldElsewhereError:
    """Audit, in the other case's trail, that the actor was refused it; the refusal to raise."""
    record_event(
        event_type=EventType.ACCESS_DENIED,
        actor=actor,
        target=other,
        detail={"action": Action.PERSON_LINK.value, "case_id": other.pk, "from_case": case.pk},
    )
    return HeldElsewhereError(other.owner_organisation)


def access_identity_case(actor: Actor, case_id: str) -> Case:
    """The case, for a reader of its person's identity: 404 for a case the reader does not see
    (``access_case``), 403 for a reader who does not see its identity group."""
    case = access_case(actor, case_id)
    if group_access(actor, case, FieldGroup.IDENTITY) < Access.VIEW:
        raise PermissionDenied
    return case


def access_other_record(actor: Actor, case: Case, other: Case | None) -> Case:
    """The other record a reviewer compares with ``case``, if the reviewer may open it: 404
    when there is none; otherwise ``HeldElsewhereError`` naming only its holder (audited in
    the holder's trail)."""
    if other is None or other.is_deleted:
        raise Http404
    if not may_open(actor, other):
        raise refuse_other_record(actor, case, other)
    return other


def access_case_link(case: Case, link_id: str) -> PersonLink:
    """A decision on the person of ``case`` (404 for any other)."""
    link = PersonLink.objects.filter(
        Q(person_low_id=case.person_id) | Q(person_high_id=case.person_id), public_id=link_id
    ).first()
    if link is None:
        raise Http404
    return link
