"""The encodings the check between nodes compares: the same person in two scripts meets, another
person does not, and without the shared key nothing meets."""

from opentrm.linkage import clk
from opentrm.linkage.names import normalised_name_tokens

KEY = b"fictional shared secret of two nodes, 32+"
OTHER_KEY = b"another pair of nodes' secret, fictional"


def _dice(first: clk.PersonFeatures, second: clk.PersonFeatures, key: bytes = KEY) -> float:
    return clk.dice(clk.encode(first, KEY), clk.encode(second, key))


def _features(name: str, year: int | None = 1998, *codes: str) -> clk.PersonFeatures:
    return clk.PersonFeatures(normalised_name_tokens([name]), year, codes or ("RS",))


def test_names_in_cyrillic_and_latin_have_one_normal_form() -> None:
    assert normalised_name_tokens(["Ђорђевић Марија"]) == ["djordjevic", "marija"]
    assert normalised_name_tokens(["Marija Đorđević"]) == ["djordjevic", "marija"]
    assert normalised_name_tokens(["DJORDJEVIC", "marija"]) == ["djordjevic", "marija"]
    # the national table: Bulgarian Щ is "sht", Ukrainian Г is "h"
    assert normalised_name_tokens(["Щерев"], language="bg") == ["shterev"]
    assert normalised_name_tokens(["Гнат"], language="uk") == ["hnat"]
    # Latin diacritics (Romanian, Albanian)
    assert normalised_name_tokens(["Ștefănescu Ërjona"]) == ["erjona", "stefanescu"]


def test_the_same_person_in_two_scripts_meets_and_another_does_not() -> None:
    latin = _features("Marija Petrović")
    cyrillic = _features("Петровић Марија")
    assert _dice(latin, cyrillic) == 1.0
    # a typo and an estimated birth year one off still meet
    assert _dice(latin, _features("Marija Petrovic", 1999)) >= clk.THRESHOLD
    # someone else of the same year and citizenship does not
    assert _dice(latin, _features("Jelena Nikolić")) < clk.THRESHOLD
    # nor the same name born years apart with another citizenship
    assert _dice(latin, _features("Marija Petrović", 1975, "MK")) < clk.THRESHOLD


def test_encodings_under_another_key_do_not_meet() -> None:
    person = _features("Marija Petrović")
    assert _dice(person, person, key=OTHER_KEY) < 0.6
    assert clk.key_id(KEY) != clk.key_id(OTHER_KEY)


def test_an_encoding_travels_as_text_of_exactly_its_bits() -> None:
    bits = clk.encode(_features("Marija Petrović"), KEY)
    text = clk.to_text(bits)
    assert len(text) == 172
    assert clk.from_text(text) == bits
    for broken in ("", "AAAA", text[:-4]):
        try:
            clk.from_text(broken)
        except ValueError:
            continue
        raise AssertionError("a short encoding was accepted")
