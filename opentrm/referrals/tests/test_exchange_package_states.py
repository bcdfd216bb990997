"""What the referral page says of a package the other node applied: delivered and applied, not
a bare "delivered". Fictional data only."""

from conftest import World
from opentrm.exchange.models import OutboxMessage
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.services.exchange_status import referral_packages
from opentrm.referrals.tests.test_exchange_link import arrive, outbox, sent_referral


def test_an_applied_package_reads_delivered_and_applied(world: World) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    (sent,) = outbox("referral")
    OutboxMessage.objects.filter(pk=sent.pk).update(status="delivered")
    arrive(
        ro,
        "outcome",
        {"message_id": str(sent.message_id), "outcome": "applied", "code": "applied"},
    )
    (line,) = referral_packages(referral)
    assert line.state == "Delivered and applied by the receiving node"
    assert line.refused is False
