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
