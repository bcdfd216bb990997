"""``json_too_deep`` (read before any JSON from outside is parsed) against the byte-by-byte scan
it replaced: the same answer for any text, valid JSON or not (strings cut short, escapes at the
end, brackets inside strings)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from opentrm.core.input import json_too_deep


def scanned_too_deep(raw: bytes, limit: int) -> bool:
    """The reference: one byte at a time, tracking strings and their escapes."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


JSONISH = st.lists(
    st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"a", b"\n", b":", b",", b"\xc3\xa9"]),
    max_size=80,
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(text=JSONISH, limit=st.integers(min_value=0, max_value=6))
def test_the_same_answer_as_the_byte_by_byte_scan(text: bytes, limit: int) -> None:
    assert json_too_deep(text, limit) == scanned_too_deep(text, limit)


def test_strings_cut_short_and_escapes_at_the_end() -> None:
    assert not json_too_deep(b'"abc\\', 0)
    assert not json_too_deep(b'["abc\\"]]]]', 1)  # the escaped quote keeps the string open
    assert json_too_deep(b'["a\\\\"[[', 2)  # an escaped backslash closes it
    assert not json_too_deep('{"é": "[[[["}', 1)
