"""Which referral widens access to its case (``originates_with_owner``), read from memory."""

from opentrm.cases.models import Case
from opentrm.referrals.access import originates_with_owner
from opentrm.referrals.models import Referral

OWNER, PARTICIPANT = 1, 2


def _chain(senders: list[int]) -> Referral:
    """Referrals about one case, each forwarded from the one before; the last is returned."""
    case = Case(pk=1, owner_organisation_id=OWNER)
    previous: Referral | None = None
    for number, sender in enumerate(senders, start=1):
        referral = Referral(pk=number, case=case, sender_organisation_id=sender)
        if previous is not None:
            referral.forwarded_from = previous
        previous = referral
    assert previous is not None
    return previous


def test_it_lets_a_referral_without_a_case_through() -> None:
    assert originates_with_owner(Referral(sender_organisation_id=PARTICIPANT))


def test_it_traces_a_forwarded_referral_back_to_the_owner() -> None:
    assert originates_with_owner(_chain([OWNER, PARTICIPANT, PARTICIPANT]))
    assert not originates_with_owner(_chain([PARTICIPANT, OWNER]))


def test_it_stops_following_a_chain_after_twenty_hops() -> None:
    # A chain this long is a bug, not a referral: the hop at which it stops decides.
    assert not originates_with_owner(_chain([OWNER, *[PARTICIPANT] * 21]))
