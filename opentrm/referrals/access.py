"""One referral for an actor: 404 when it does not exist or is not theirs."""

from django.http import Http404

from opentrm.accounts.policy import Actor
from opentrm.referrals.models import Referral


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
    ``cases.access.may_refer_case``) shares nothing and joins nobody to the case."""
    if referral.case_id is None:
        return True
    root = referral
    for _hop in range(20):  # a forward chain is short; a loop would be a bug, not a referral
        if root.forwarded_from_id is None:
            break
        root = root.forwarded_from  # type: ignore[assignment]
    assert referral.case is not None
    return root.sender_organisation_id == referral.case.owner_organisation_id
