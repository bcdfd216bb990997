# ruff: noqa: RUF001, RUF002, RUF003 (Cyrillic and Greek letters that look like Latin ones are the point here)
"""Names in a common Latin form, whatever script and language they were written in.

Three forms of every name, from the most to the least faithful (docs/matching.md):

``latin``
    The national romanisation, diacritics kept: Serbian Cyrillic by the Serbian Latin alphabet
    (``cyrtranslit`` "sr"), Macedonian by the Macedonian Latin alphabet (``cyrtranslit`` "mk"),
    Bulgarian by the Transliteration Act 2009 (own table: ``cyrtranslit`` writes Ъ as Ă), Russian
    by ICAO Doc 9303 as in Russian passports (own table: ``cyrtranslit`` follows GOST 7.79-B),
    Ukrainian by Cabinet Resolution 55/2010 (own table: position-dependent Є, Ї, Й, Ю, Я), Greek
    by ELOT 743 as in Greek passports (own table: ``cyrtranslit`` "el" writes ω as w, η as h).
``folded``
    ``latin`` lower-cased, without diacritics, the way each language writes itself in plain
    ASCII: Albanian ë/ç -> e/c, Romanian ș/ş/ț/ţ (comma and cedilla alike) -> s/t, Croatian and
    Serbian č/ć -> c, š -> s, ž -> z, đ -> dj, Macedonian ǵ/ḱ -> gj/kj, Turkish ğ/ı/ş -> g/i/s.
``skeleton``
    ``folded`` with the spelling variants that different conventions give one sound collapsed
    (dj/gj -> d/g, zh/sh/ch/ts -> z/s/c/c, j/y -> i, w -> v, ph -> f, doubled letters once), so
    "Đorđević", "Ђорђевић", "Djordjevic" and "Dordevic" share the skeleton ``dordevic``.

A Cyrillic name whose language is not known (no hint, no letter that only one language has)
has one ``latin`` form per plausible language: matching takes the best of them.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import cyrtranslit
import jellyfish

# --- national tables where cyrtranslit's differ from the national convention ------------------

# Bulgarian: Transliteration Act (State Gazette 19/2009), "Streamlined System". The ending -ия
# is written -ia (Art. 4(2)).
_BG = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht",
    "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}  # fmt: skip
# Russian: ICAO Doc 9303 (Russian passports since 2013; Order of the Federal Migration Service 320).
_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip
# Ukrainian: Cabinet of Ministers Resolution 55 (2010). Є, Ї, Й, Ю, Я are written ye, yi, y,
# yu, ya at the start of a word and ie, i, i, iu, ia elsewhere; зг is zgh.
_UK = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": "",
}  # fmt: skip
_UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
# Greek: ELOT 743:1982 / ISO 843 (type 2), as in Greek passports.
_EL = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip
_EL_PAIRS = {"ου": "ou", "γγ": "ng", "γκ": "gk", "γξ": "nx", "γχ": "nch", "μπ": "mp", "ντ": "nt"}
_EL_VOICED = set("βγδζλμνραεηιοωυ")  # after αυ/ευ/ηυ: v before these, f otherwise

LANGUAGES = ("sr", "mk", "bg", "ru", "uk")
_LANGUAGE_OF_COUNTRY = {
    "RS": "sr", "ME": "sr", "BA": "sr", "XK": "sr", "MK": "mk", "BG": "bg", "RU": "ru",
    "BY": "ru", "KZ": "ru", "UA": "uk", "MD": "ru",
}  # fmt: skip
# Letters only one of the languages has (first match wins).
_TELLTALE = (
    ("mk", set("ѓќѕ")),
    ("sr", set("ђћ")),
    ("uk", set("іїєґ")),
    ("ru", set("ыэё")),
)
_SOUTH_SLAVIC = set("јљњџ")  # Serbian or Macedonian


def _cyrillic_language(text: str, hint: str) -> tuple[str, ...]:
    """The languages ``text`` may be written in, the likeliest first."""
    letters = set(text.casefold())
    for language, telltale in _TELLTALE:
        if letters & telltale:
            return (language,)
    if letters & _SOUTH_SLAVIC:
        return ("sr", "mk") if hint != "mk" else ("mk", "sr")
    if hint in LANGUAGES:
        return (hint, *(lang for lang in LANGUAGES if lang != hint))
    return LANGUAGES


def _table_latin(text: str, table: dict[str, str], initial: dict[str, str]) -> str:
    out: list[str] = []
    previous_letter = False
    for char in text:
        lower = char.lower()
        latin = initial.get(lower) if not previous_letter else None
        if latin is None:
            latin = table.get(lower, char)
        out.append(latin.capitalize() if char != lower and latin else latin)
        previous_letter = char.isalpha()
    return "".join(out)


def _bulgarian(text: str) -> str:
    text = re.sub(r"ия\b", "ia", text)
    text = re.sub(r"ИЯ\b", "IA", text)
    text = re.sub(r"Ия\b", "Ia", text)
    return _table_latin(text, _BG, {})


def _ukrainian(text: str) -> str:
    text = re.sub("зг", "zgh", text)
    text = re.sub("Зг", "Zgh", text)
    return _table_latin(text, _UK, _UK_INITIAL)


def greek_latin(text: str) -> str:
    """ELOT 743 romanisation of Greek (accents dropped first)."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    out: list[str] = []
    i = 0
    while i < len(plain):
        pair = plain[i : i + 2].lower()
        upper = plain[i] != plain[i].lower()
        if pair in ("αυ", "ευ", "ηυ"):
            after = plain[i + 2 : i + 3].lower()
            latin = _EL[pair[0]] + ("v" if after and after in _EL_VOICED else "f")
            i += 2
        elif pair in _EL_PAIRS:
            latin = _EL_PAIRS[pair]
            if pair == "μπ" and (i == 0 or not plain[i - 1].isalpha()):
                latin = "b"
            i += 2
        else:
            latin = _EL.get(pair[:1], plain[i])
            i += 1
        out.append(latin.capitalize() if upper else latin)
    return "".join(out)


def cyrillic_latin(text: str, language: str) -> str:
    """The national romanisation of Cyrillic ``text`` written in ``language``."""
    if language == "bg":
        return _bulgarian(text)
    if language == "ru":
        return _table_latin(text, _RU, {})
    if language == "uk":
        return _ukrainian(text)
    return str(cyrtranslit.to_latin(text, "mk" if language == "mk" else "sr"))


def _has(text: str, first: int, last: int) -> bool:
    return any(first <= ord(c) <= last for c in text)


def is_cyrillic(text: str) -> bool:
    return _has(text, 0x0400, 0x04FF)


def is_greek(text: str) -> bool:
    return _has(text, 0x0370, 0x03FF) or _has(text, 0x1F00, 0x1FFF)


def latin_forms(text: str, *, language: str = "") -> tuple[str, ...]:
    """``text`` in Latin script, diacritics kept: one form, or one per plausible language."""
    if is_greek(text):
        return (greek_latin(text),)
    if not is_cyrillic(text):
        return (text,)
    forms: list[str] = []
    for lang in _cyrillic_language(text, language):
        form = cyrillic_latin(text, lang)
        if form not in forms and not is_cyrillic(form):  # a letter the language lacks
            forms.append(form)
    return tuple(forms)


# --- folding to plain ASCII, per the languages' own plain spelling ----------------------------

_LATIN_SPECIAL = str.maketrans(
    {
        "đ": "dj", "ǵ": "gj", "ḱ": "kj", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l",
        "ı": "i", "ħ": "h", "þ": "th", "ð": "d", "ŀ": "l",
    }
)  # fmt: skip
_NOT_LETTER = re.compile(r"[^a-z]+")


def fold(text: str) -> str:
    """Lower case, plain ASCII letters, words separated by one space (hyphens split words)."""
    lowered = text.casefold().translate(_LATIN_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(word for word in _NOT_LETTER.split(plain) if word)


_SKELETON_RULES = (
    ("shch", "s"), ("tsch", "c"), ("dzh", "z"), ("sch", "s"), ("sht", "st"), ("tch", "c"),
    ("dj", "d"), ("gj", "g"), ("kj", "k"), ("dz", "z"), ("zh", "z"), ("sh", "s"), ("ch", "c"),
    ("ts", "c"), ("tz", "c"), ("cz", "c"), ("sz", "s"), ("ph", "f"), ("th", "t"), ("kh", "h"),
    ("ck", "k"), ("qu", "kv"), ("q", "k"), ("x", "ks"), ("w", "v"), ("y", "i"), ("j", "i"),
)  # fmt: skip
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The spelling-insensitive form of one folded word."""
    for old, new in _SKELETON_RULES:
        word = word.replace(old, new)
    return _DOUBLE.sub(r"\1", word)


@lru_cache(maxsize=65536)
def phonetic(word: str) -> str:
    """A sound key of one folded word (Metaphone of its skeleton, at most 6 letters)."""
    return str(jellyfish.metaphone(skeleton(word)))[:6] or skeleton(word)[:4]


# --- nicknames: a small table of the region's and English common short forms -----------------

NICKNAMES: dict[str, str] = {
    # Serbian, Croatian, Bosnian, Montenegrin
    "ceca": "svetlana", "goca": "gordana", "buba": "biljana", "beba": "biljana",
    "sneza": "snezana", "jeca": "jelena", "maca": "marija", "mica": "milica",
    "baki": "bakir", "mile": "milan", "gaga": "dragana", "duca": "dusica",
    "peca": "petar", "pera": "petar", "zoki": "zoran", "boki": "bojan", "djole": "djordje",
    "gile": "miodrag", "ivo": "ivan", "joca": "jovan", "vlada": "vladimir",
    "aco": "aleksandar", "sasa": "aleksandar", "sale": "aleksandar",
    "nesa": "nebojsa", "raca": "radmila", "ljilja": "ljiljana", "danka": "danijela",
    "kaca": "katarina", "anka": "ana", "mara": "marija", "maja": "marija",
    # Albanian
    "ela": "elona", "besa": "besiana", "mira": "miranda", "geni": "genti", "beni": "besnik",
    # Romanian
    "ionut": "ion", "nelu": "ion", "gica": "gheorghe", "ghita": "gheorghe", "lenuta": "elena",
    "mitica": "dumitru", "sanda": "alexandra", "dana": "daniela", "costel": "constantin",
    # Bulgarian, Macedonian
    "gosho": "georgi", "pesho": "petar", "tosho": "todor", "ceko": "cvetko", "vanja": "ivana",
    "mimi": "maria", "dimi": "dimitar", "mite": "dimitar", "kire": "kiril", "goce": "georgi",
    # Russian, Ukrainian
    "natasha": "natalia", "tanya": "tatiana", "olya": "olga", "sasha": "aleksandr",
    "lena": "elena", "masha": "maria", "dima": "dmitrii", "kolya": "nikolai", "vanya": "ivan",
    "yulia": "iuliia", "sveta": "svetlana", "galya": "galina",
    # English (FEBRL)
    "bill": "william", "will": "william", "bob": "robert", "rob": "robert", "jim": "james",
    "liz": "elizabeth", "beth": "elizabeth", "kate": "katherine", "kathy": "katherine",
    "mike": "michael", "tom": "thomas", "tony": "anthony", "alex": "alexander",
    "dan": "daniel", "dave": "david", "steve": "stephen", "chris": "christopher",
    "matt": "matthew", "nick": "nicholas", "sam": "samuel", "ben": "benjamin",
    "jenny": "jennifer", "jen": "jennifer", "sue": "susan", "pat": "patricia",
}  # fmt: skip


@lru_cache(maxsize=65536)
def formal(word: str) -> str:
    """The formal given name of a folded nickname (by skeleton), else the word itself."""
    return _FORMAL_BY_SKELETON.get(skeleton(word), word)


_FORMAL_BY_SKELETON = {skeleton(fold(k)): fold(v) for k, v in NICKNAMES.items()}


# --- one name, all its forms -----------------------------------------------------------------


@dataclass(frozen=True)
class NormalisedName:
    """A name as entered and its normalised forms (one ``folded`` per plausible reading)."""

    value: str
    latin: tuple[str, ...]
    folded: tuple[str, ...]

    @property
    def words(self) -> tuple[tuple[str, ...], ...]:
        """Per reading, its folded words."""
        return tuple(tuple(f.split()) for f in self.folded)

    @property
    def skeletons(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(skeleton(w) for w in f.split()) for f in self.folded)


def normalise_name(value: str, *, language: str = "") -> NormalisedName:
    latin = latin_forms(value.strip(), language=language)
    folded: list[str] = []
    for form in latin:
        f = fold(form)
        if f and f not in folded:
            folded.append(f)
    return NormalisedName(value=value, latin=latin, folded=tuple(folded))


def language_of_countries(countries: Iterable[str]) -> str:
    """The Cyrillic language a person's citizenship suggests ("" when none)."""
    for code in countries:
        language = _LANGUAGE_OF_COUNTRY.get(code.upper())
        if language:
            return language
    return ""


def same_name(a: str, b: str) -> bool:
    """Whether two names share a skeleton under some reading (the normalisation tests' "=")."""
    left = {tuple(s) for s in normalise_name(a).skeletons}
    right = {tuple(s) for s in normalise_name(b).skeletons}
    return bool(left & right)
