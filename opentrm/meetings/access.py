"""Fetching one meeting for an actor (404 when missing or not theirs to see, 403 when visible
but not theirs to change), and the meeting rules of ``accounts.policy``.

A meeting on a case follows the case: the actor's organisation takes part in the case, and the
actor's access to the case's field group of the meeting (assistance; child protection for the
child roundtable) decides reading (VIEW) and writing (EDIT), with consent and agreements
narrowing it for organisations that do not own the case (``cases.access.group_access``).
"""

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opentrm.accounts.models import User
from opentrm.accounts.policy import (
    Access,
    Action,
    Actor,
    FieldGroup,
    active_memberships,
    can,
    rule,
)
from opentrm.cases.access import GROUP_ACTIONS, access_case
from opentrm.cases.models import Case
from opentrm.meetings.models import CASE_KINDS, ActionItem, Meeting, MeetingKind

Intent = Literal["view", "change"]


def case_group(kind: str) -> FieldGroup:
    """The field group of a case that a meeting of ``kind`` on it belongs to."""
    return (
        FieldGroup.CHILD_PROTECTION
        if kind == MeetingKind.CHILD_ROUNDTABLE
        else (FieldGroup.ASSISTANCE)
    )


_GROUPS = (FieldGroup.ASSISTANCE, FieldGroup.CHILD_PROTECTION)


def _group_action(group: FieldGroup, *, edit: bool) -> Action:
    level = Access.EDIT if edit else Access.VIEW
    return next(a for a, (g, lvl) in GROUP_ACTIONS.items() if g == group and lvl == level)


def case_meeting_allowed(actor: Actor, case: Case, kind: str, *, edit: bool) -> bool:
    """May the actor read (or write) a meeting of ``kind`` on ``case``? The case must be one
    the actor sees; the field group decides."""
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        return False
    return can(actor, _group_action(case_group(kind), edit=edit), case)


def case_meeting_kinds(actor: Actor, case: Case, *, edit: bool) -> list[str]:
    """The kinds of meeting the actor may read (or write) on ``case``, a case the actor already
    holds from ``access_case`` (so its visibility is not asked again)."""
    groups = {group: can(actor, _group_action(group, edit=edit), case) for group in _GROUPS}
    return [kind.value for kind in CASE_KINDS if groups[case_group(kind)]]


@rule(Action.MEETING_VIEW, Meeting)
def _view_meeting(actor: Actor, meeting: Meeting) -> bool:
    if not actor.may(Action.MEETING_VIEW):
        return False
    if meeting.case is not None:
        return case_meeting_allowed(actor, meeting.case, meeting.kind, edit=False)
    return Meeting.objects.visible_to(actor).filter(pk=meeting.pk).exists()


@rule(Action.MEETING_RECORD, Meeting)
def _record_meeting(actor: Actor, meeting: Meeting) -> bool:
    """On a case: edit access to its field group. An agreement meeting: those who may change the
    agreement. Any other: recorders (coordinators, case managers) of the organising country."""
    if meeting.case is not None:
        return case_meeting_allowed(actor, meeting.case, meeting.kind, edit=True)
    if meeting.agreement_id is not None and can(actor, Action.AGREEMENT_EDIT, meeting.agreement):
        return True
    return (
        actor.may(Action.MEETING_RECORD)
        and actor.country_id is not None
        and actor.country_id == meeting.country_id
    )


@rule(Action.ACTION_ITEM_COMPLETE, ActionItem)
def _complete_action_item(actor: Actor, item: ActionItem) -> bool:
    """Its owner, while the owner may still see the meeting, or the meeting's recorders."""
    if item.owner_id == actor.user.pk and can(actor, Action.MEETING_VIEW, item.meeting):
        return True
    return can(actor, Action.MEETING_RECORD, item.meeting)


def user_sees_meeting(user: User, meeting: Meeting) -> bool:
    """Does ``user`` see ``meeting`` through any of their active memberships? (An action item's
    owner, who may act for another organisation at the moment.)"""
    return any(
        can(Actor(user=user, membership=membership), Action.MEETING_VIEW, meeting)
        for membership in active_memberships(user)
    )


def access_meeting(actor: Actor, meeting_id: int, *, action: Intent = "view") -> Meeting:
    meeting = (
        Meeting.objects.visible_to(actor)
        .select_related("country", "organiser", "case", "agreement", "updated_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    if not can(actor, Action.MEETING_VIEW, meeting):
        # A case the actor's organisation takes part in, a field group the role may not read.
        raise PermissionDenied
    if action == "change" and not can(actor, Action.MEETING_RECORD, meeting):
        raise PermissionDenied
    return meeting


def access_case_for_meeting(actor: Actor, public_id: str) -> Case:
    """A case to record a meeting on: 404 when the actor does not see the case, 403 when the
    actor may write no kind of meeting on it."""
    case = access_case(actor, public_id)
    if not case_meeting_kinds(actor, case, edit=True):
        raise PermissionDenied
    return case


def access_action_item(actor: Actor, item_id: int) -> ActionItem:
    """An action item the actor may complete; 404 for one of a meeting it does not see."""
    item = ActionItem.objects.select_related("meeting", "meeting__case").filter(pk=item_id).first()
    if item is None or not can(actor, Action.MEETING_VIEW, item.meeting):
        raise Http404
    if not can(actor, Action.ACTION_ITEM_COMPLETE, item):
        raise PermissionDenied
    return item


@dataclass(frozen=True)
class MeetingPermissions:
    can_change: bool


def meeting_permissions(actor: Actor, meeting: Meeting) -> MeetingPermissions:
    return MeetingPermissions(can_change=can(actor, Action.MEETING_RECORD, meeting))


def item_permissions(actor: Actor, item: ActionItem) -> bool:
    return can(actor, Action.ACTION_ITEM_COMPLETE, item)
