"""One referral for an actor: 404 when it does not exist or is not theirs; and the referral
rules of ``accounts.policy`` (``@rule``): which side may take which step."""

from django.http import Http404

from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, rule
from opentrm.cases.access import group_access
from opentrm.cases.models import Case
from opentrm.directory.models import Organisation
from opentrm.referrals import states
from opentrm.referrals.models import Delivery, Referral, ReferralStatus
from opentrm.referrals.states import Side, Step
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import EXPLOITATION, ORIGIN, Field

S = ReferralStatus
# A referral leaves as files once the receiver has it and until it is closed.
AFTER_ACCEPTANCE = frozenset({S.ACCEPTED, S.RETURN_ARRANGED, S.ARRIVAL_CONFIRMED})
EXPORTABLE = frozenset({S.SENT, S.ACKNOWLEDGED, S.ACCEPTED, S.ANSWERED, S.RETURN_ARRANGED})


def access_referral(actor: Actor, public_id: str) -> Referral:
    referral: Referral | None = (
        Referral.objects.visible_to(actor)
        .select_related(
            "case",
            "case__person",
            "sender_organisation__country",
            "receiver_organisation__country",
            "intended_organisation",
        )
        .filter(public_id=public_id)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def is_sender(actor: Actor, referral: Referral) -> bool:
    return actor.organisation_id == referral.sender_organisation_id


def is_receiver(actor: Actor, referral: Referral) -> bool:
    return actor.organisation_id == referral.receiver_organisation_id


def originates_with_owner(referral: Referral) -> bool:
    """The referral was sent by the organisation that owns its case, or forwarded (a focal
    point's routing step) from one that was. Only such a referral widens access to the case:
    one a participant sent about the owner's case (possible before the owner rule,
    ``can(actor, Action.REFERRAL_SEND, case)``) shares nothing and joins nobody to the case."""
    if referral.case_id is None:
        return True
    root = referral
    for _hop in range(20):  # a forward chain is short; a loop would be a bug, not a referral
        if root.forwarded_from_id is None:
            break
        root = root.forwarded_from  # type: ignore[assignment]
    assert referral.case is not None
    return root.sender_organisation_id == referral.case.owner_organisation_id


def receiver_on_node(organisation: Organisation) -> bool:
    """Does anyone of the organisation work on this node (then it reads referrals here)?"""
    return Membership.objects.filter(
        organisation=organisation, is_active=True, user__is_active=True
    ).exists()


@rule(Action.REFERRAL_RESPOND, Referral)
def _respond(actor: Actor, referral: Referral) -> bool:
    """The receiver acknowledges, accepts, declines or answers."""
    return actor.may(Action.REFERRAL_RESPOND) and is_receiver(actor, referral)


@rule(Action.REFERRAL_WITHDRAW, Referral)
def _withdraw(actor: Actor, referral: Referral) -> bool:
    """The sender withdraws."""
    return actor.may(Action.REFERRAL_SEND) and is_sender(actor, referral)


@rule(Action.REFERRAL_FORWARD, Referral)
def _forward(actor: Actor, referral: Referral) -> bool:
    """The receiving focal point may forward what reached it through the focal-point route
    from a sender on this node while it has not answered (the state machine's forward step and
    its guards)."""
    return (
        actor.may(Action.REFERRAL_RESPOND)
        and is_receiver(actor, referral)
        and Step.FORWARD in states.steps_from(referral.kind, referral.status, Side.RECEIVER)
        and not states.failed_guards(referral, states.RULES[Step.FORWARD].guards)
    )


@rule(Action.REFERRAL_SHARE, Referral)
def _share(actor: Actor, referral: Referral) -> bool:
    """The case's owner, as the referral's sender, changes what the receiver is shared once it
    took its place (the state machine's ``SHARING_SOURCES``): a widening write with one owner
    (docs/adr/0006). A referral a participant sent about the owner's case shares nothing."""
    return (
        referral.case is not None
        and actor.may(Action.REFERRAL_SEND)
        and is_sender(actor, referral)
        and actor.organisation_id == referral.case.owner_organisation_id
        and not referral.case.is_restricted
        and states.sharing_changeable(referral.kind, referral.status)
        and originates_with_owner(referral)
    )


@rule(Action.REFERRAL_EXPORT, Referral)
def _export(actor: Actor, referral: Referral) -> bool:
    """The sender exports a referral as files for a receiver this node cannot reach."""
    return (
        actor.may(Action.REFERRAL_SEND)
        and is_sender(actor, referral)
        and referral.status in EXPORTABLE
        and not (referral.case is not None and referral.case.is_restricted)
        and referral.delivery != Delivery.NODE_EXCHANGE
        and not receiver_on_node(referral.receiver_organisation)
    )


# --- the transnational template's fields ------------------------------------------------------


def can_view_template_field(actor: Actor, case: Case, code: str) -> bool:
    """A template field's value is shown with the role's view access to the field's group."""
    item = loader.load_template().field(code)
    if item is None or item.group is None:
        return True
    return group_access(actor, case, FieldGroup(item.group)) >= Access.VIEW


def can_edit_template_field(actor: Actor, referral: Referral, item: Field) -> bool:
    """Each field only by its owner side, at the time that side fills it, with the role's
    edit access to the field's group."""
    side = (
        EXPLOITATION
        if is_sender(actor, referral)
        else ORIGIN
        if is_receiver(actor, referral)
        else None
    )
    if side is None or side != item.owner or referral.case is None:
        return False
    if side == EXPLOITATION:
        if referral.status != S.DRAFT or not actor.may(Action.REFERRAL_SEND):
            return False
        if item.group is None:
            return True
        return group_access(actor, referral.case, FieldGroup(item.group)) >= Access.EDIT
    if referral.status not in AFTER_ACCEPTANCE or not actor.may(Action.REFERRAL_RESPOND):
        return False
    return item.group is None or actor.field_group_access(FieldGroup(item.group)) >= Access.EDIT
