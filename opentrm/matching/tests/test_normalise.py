# ruff: noqa: RUF001 (Cyrillic and Greek letters are the point of these tests)
"""Each normalisation rule of docs/matching.md, one test each."""

import pytest

from opentrm.matching.normalise import (
    fold,
    latin_forms,
    normalise_name,
    phonetic,
    same_name,
    skeleton,
)


@pytest.mark.parametrize("spelling", ["Ђорђевић", "Djordjevic", "Dordevic", "ĐORĐEVIĆ", "đorđević"])
def test_serbian_dj_in_every_spelling_is_one_name(spelling: str) -> None:
    assert same_name("Đorđević", spelling)


def test_serbian_cyrillic_follows_the_serbian_latin_alphabet() -> None:
    assert latin_forms("Ђорђе Љиљана Џаковић Његош") == ("Đorđe Ljiljana Džaković Njegoš",)


def test_macedonian_letters_give_the_macedonian_latin_alphabet_and_gj_kj_without_accents() -> None:
    assert latin_forms("Ѓорѓи Ќосе Ѕвезда") == ("Ǵorǵi Ḱose Dzvezda",)
    assert fold("Ǵorǵi Ḱose") == "gjorgji kjose"
    assert same_name("Ѓорѓи", "Gjorgji")
    assert same_name("Ѓорѓи", "Gorgi")


def test_bulgarian_follows_the_2009_act_sht_and_a_for_the_hard_sign() -> None:
    forms = latin_forms("Щерев Ъгълов Мария", language="bg")
    assert forms[0] == "Shterev Agalov Maria"  # not the Ă of cyrtranslit, -ия is -ia
    assert same_name("Щерев", "Shterev")


def test_ukrainian_h_for_g_and_initial_ye_yi_yu() -> None:
    assert latin_forms("Григорій Їжак Юлія Євгенія Згурський") == (
        "Hryhorii Yizhak Yuliia Yevheniia Zghurskyi",
    )
    assert same_name("Григорій", "Hryhorii")


def test_russian_follows_icao_9303_as_in_passports() -> None:
    forms = latin_forms("Щукин Хрущёв Юлия", language="ru")
    assert forms[0] == "Shchukin Khrushchev Iuliia"
    assert same_name("Юлия", "Yulia")  # the older passport spelling still matches


def test_cyrillic_of_unknown_language_has_a_reading_per_language() -> None:
    readings = latin_forms("Щерев")
    assert "Shterev" in readings
    assert "Shcherev" in readings
    assert same_name("Щерев", "Shcherev")
    assert same_name("Щерев", "Shterev")


def test_a_citizenship_hint_puts_its_language_first() -> None:
    assert latin_forms("Юлия", language="bg")[0] == "Yulia"
    assert latin_forms("Юлия", language="ru")[0] == "Iuliia"


def test_greek_follows_elot_743() -> None:
    assert latin_forms("Γεώργιος Παπαδόπουλος") == ("Georgios Papadopoulos",)
    assert latin_forms("Ευάγγελος Χρήστος Θεοδώρα") == ("Evangelos Christos Theodora",)
    assert latin_forms("Μπάμπης") == ("Bampis",)


def test_albanian_e_and_c_fold_to_plain_letters() -> None:
    assert fold("Ëndrit Çela") == "endrit cela"
    assert same_name("Ëndrit Çela", "Endrit Cela")


@pytest.mark.parametrize("spelling", ["Ştefan Ţăranu", "Ștefan Țăranu", "Stefan Taranu"])
def test_romanian_comma_and_cedilla_letters_are_one(spelling: str) -> None:
    assert fold(spelling) == "stefan taranu"


def test_croatian_and_serbian_latin_letters_fold_as_written_without_accents() -> None:
    assert fold("Čačić Šušnjar Žužić Đurđa") == "cacic susnjar zuzic djurdja"


def test_turkish_dotless_i_and_soft_g_fold() -> None:
    assert fold("Işık Ğülşen İlker") == "isik gulsen ilker"


def test_a_compound_surname_splits_into_words() -> None:
    assert normalise_name("Jovanović-Petrović").words == (("jovanovic", "petrovic"),)


def test_spelling_variants_share_a_skeleton_and_a_sound_key() -> None:
    assert skeleton("marija") == skeleton("maria") == skeleton("mariya")
    assert skeleton("zhivkov") == skeleton("zivkov")
    assert phonetic("dzhordzhevich") == phonetic("dzordzevic")


def test_different_names_stay_different() -> None:
    assert not same_name("Jovanović", "Petrović")
    assert not same_name("Ђорђевић", "Đurić")
