"""The real client address of a request, behind the configured trusted reverse proxies.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only when the
request comes from a proxy named in ``OPENTRM_TRUSTED_PROXIES``; then the header is read from
the right (the hop our proxy appended) and the first address that is not itself a trusted proxy
is the client. A client cannot choose its address by sending the header itself: what it writes
stands to the left of the address our proxy appends.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in configured)


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "OPENTRM_TRUSTED_PROXIES", ())))


def _is_trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(request: HttpRequest) -> str:
    """The address the request really comes from (as text), or "" if unknown."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return ""
    proxies = trusted_proxies()
    if not _is_trusted(remote, proxies):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    client = remote
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _parse(hop)
        if address is None:
            # A malformed hop our proxy did not write: stop at the last hop we can trust.
            break
        client = address
        if not _is_trusted(address, proxies):
            break
    return str(client)
