from django.test import RequestFactory, override_settings

from opentrm.accounts.client_address import client_address


def _address(remote: str, forwarded: str | None = None) -> str:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(request)


def test_it_ignores_x_forwarded_for_without_trusted_proxies() -> None:
    assert _address("203.0.113.9", "198.51.100.7") == "203.0.113.9"


@override_settings(OPENTRM_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8", "::1"])
def test_it_takes_the_right_most_untrusted_address() -> None:
    assert _address("127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert _address("127.0.0.1", "192.0.2.1, 198.51.100.7, 10.0.0.5") == "198.51.100.7"
    assert _address("::1", "[2001:db8::7]:443") == "2001:db8::7"
    assert _address("127.0.0.1", "198.51.100.7:51234") == "198.51.100.7"
    assert _address("127.0.0.1", "10.0.0.1") == "10.0.0.1"  # only proxies: the farthest one
    assert _address("127.0.0.1") == "127.0.0.1"
    assert _address("127.0.0.1", "not an address, 198.51.100.7") == "198.51.100.7"
    assert _address("127.0.0.1", "198.51.100.7, garbage") == "127.0.0.1"


@override_settings(OPENTRM_TRUSTED_PROXIES=["127.0.0.1"])
def test_it_ignores_the_header_from_an_untrusted_sender() -> None:
    assert _address("203.0.113.9", "127.0.0.1") == "203.0.113.9"
