"""Peers for tests that need one listed but never talk to it (no keys, no server)."""

from opentrm.exchange.models import Peer, PeerStatus


def peer(country: str, status: str = PeerStatus.ACTIVE) -> Peer:
    """The fictional node of ``country`` (``node-ro`` for "RO"), listed as ``status``."""
    return Peer.objects.create(
        node_id=f"node-{country.lower()}",
        country_code=country,
        name=f"Node {country}",
        base_url=f"https://{country.lower()}.example.test",
        fingerprint="AAAA / BBBB",
        status=status,
    )
