"""Issue 13, item 7: any out-of-range or wrongly typed claim or header is refused with a code.

Property-based (hypothesis): a valid package from a confirmed peer, sealed with real keys, has
one claim, one signed (inner) header field or one encrypted (outer) header field replaced by an
arbitrary JSON value. The inbox must answer with the protocol's code (never a 500), count and
audit the refusal like every other, and store nothing.
"""

import base64
import json
from datetime import timedelta
from typing import Any

import hypothesis
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st

from opentrm.audit.models import AuditEvent
from opentrm.exchange import crypto
from opentrm.exchange.models import InboxMessage, RejectionCount
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node
from opentrm.exchange.tests.test_inbox import post
from opentrm.exchange.tests.test_inbox_hostile import _encrypted as _encrypt_to_node

__all__ = ["foreign", "node"]

SETTINGS = hypothesis.settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values a hostile or broken sender could put anywhere: wrong types, huge and negative numbers,
# non-finite floats (Python's JSON reads NaN and Infinity), dates beyond year 9999.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([2**63, -(2**63), 253402300800, -62135596801, 10**20, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)

CLAIMS = ["v", "jti", "iss", "aud", "iat", "type", "body", "exp", "nbf"]
INNER_HEADER = ["alg", "kid", "typ", "crit", "b64", "cty", "jwk", "x5c"]
OUTER_HEADER = ["alg", "enc", "kid", "cty", "zip", "epk", "apu", "apv", "crit", "iv", "tag"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signed(header: dict[str, Any], payload: dict[str, Any], key: Any) -> bytes:
    """A JWS compact with any header and payload, signed ES256 with the sender's real key."""
    signing_input = f"{_b64(crypto.canonical(header))}.{_b64(crypto.canonical(payload))}"
    der = key.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input}.{_b64(signature)}".encode("ascii")


def _encrypted(inner: bytes) -> str:
    return _encrypt_to_node(inner)


def _assert_refused_and_counted(response: Any, before: int) -> str:
    assert response.status_code < 500, response.content
    if response.status_code == 200:  # the mutation happened to be valid
        return ""
    code = str(response.json()["code"])
    assert crypto.STATUS_OF_CODE[code] == response.status_code
    assert InboxMessage.objects.count() == 0
    assert sum(row.count for row in RejectionCount.objects.all()) == before + 1
    assert AuditEvent.objects.filter(event_type="EXCHANGE_REJECTED", detail__code=code).exists()
    return code


def _counted() -> int:
    return sum(row.count for row in RejectionCount.objects.all())


def _post_and_check(token: str | bytes) -> str:
    """Post ``token``; a refusal must be coded, counted, audited, with nothing stored."""
    InboxMessage.objects.all().delete()
    before = _counted()
    return _assert_refused_and_counted(post(token), before)


@SETTINGS
@hypothesis.given(claim=st.sampled_from(CLAIMS), value=JSON_VALUES)
def test_any_claim_out_of_range_or_mistyped_is_a_coded_refusal(
    node: OwnNode, foreign: ForeignNode, claim: str, value: Any
) -> None:
    payload = foreign.payload()
    payload[claim] = value
    _post_and_check(_encrypted(_signed(_inner_header(foreign), payload, foreign.sig)))


@SETTINGS
@hypothesis.given(iat=st.one_of(SCALARS, st.integers(min_value=0, max_value=2**64)))
def test_an_iat_is_accepted_only_as_an_integer_within_the_window(
    node: OwnNode, foreign: ForeignNode, iat: Any
) -> None:
    payload = foreign.payload()
    payload["iat"] = iat
    code = _post_and_check(foreign.seal(payload))
    now = timezone.now().timestamp()
    in_window = (
        type(iat) is int and now - 600 - 5 <= iat <= now + 300 + 5  # settings' defaults, slack
    )
    if not in_window:
        assert code in {"expired", "schema_invalid"}


def _inner_header(foreign: ForeignNode) -> dict[str, Any]:
    return {"alg": "ES256", "kid": foreign.sig.thumbprint(), "typ": crypto.PACKAGE_TYP}


@SETTINGS
@hypothesis.given(field=st.sampled_from(INNER_HEADER), value=JSON_VALUES)
def test_any_signed_header_field_mistyped_is_a_coded_refusal(
    node: OwnNode, foreign: ForeignNode, field: str, value: Any
) -> None:
    header = _inner_header(foreign)
    header[field] = value
    inner = _signed(header, foreign.payload(), foreign.sig)
    _post_and_check(_encrypted(inner))


@SETTINGS
@hypothesis.given(field=st.sampled_from(OUTER_HEADER), value=JSON_VALUES)
def test_any_encrypted_header_field_mistyped_is_a_coded_refusal(
    node: OwnNode, foreign: ForeignNode, field: str, value: Any
) -> None:
    token = foreign.seal(foreign.payload())
    first, rest = token.split(".", 1)
    header = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    header[field] = value
    _post_and_check(f"{_b64(crypto.canonical(header))}.{rest}")


def test_an_iat_in_the_year_10000_is_a_400_expired(node: OwnNode, foreign: ForeignNode) -> None:
    payload = foreign.payload(iat=timezone.now() - timedelta(seconds=1))
    payload["iat"] = 253402300800
    assert _post_and_check(foreign.seal(payload)) == "expired"
