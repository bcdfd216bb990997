# ruff: noqa: RUF001 (Cyrillic letters that look like Latin ones are the point of this module)
"""Search keys for names: case-, diacritic- and script-insensitive.

``search_words("Јовановић")``, ``search_words("Jovanović")`` and ``search_words("JOVANOVIC")``
all give ``["jovanovic"]``. Serbian (and Macedonian) Cyrillic is transliterated to Latin the way
the Serbian Latin alphabet writes it, then diacritics are folded (č, ć -> c; š -> s; ž -> z;
đ -> dj, as Serbian writes it without diacritics). The keys are stored beside the names by the
services that write them, so a search is an index lookup, never a scan of the names.
"""

import re
import unicodedata

# Cyrillic letters whose Latin spelling is not one base letter plus a diacritic.
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z",
        "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n",
        "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c", "у": "u",
        "ф": "f", "х": "h", "ц": "c", "ч": "c", "џ": "dz", "ш": "s",
        # Macedonian, Russian, Ukrainian, Bulgarian letters met in the region
        "ѓ": "g", "ќ": "k", "ѕ": "dz", "й": "j", "ы": "y", "э": "e", "ю": "ju", "я": "ja",
        "щ": "sc", "ъ": "", "ь": "", "є": "je", "і": "i", "ї": "ji", "ё": "e",
    }
)  # fmt: skip
# Latin letters that do not decompose into a base letter and a combining mark.
_LATIN = str.maketrans(
    {"đ": "dj", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "þ": "th"}
)
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 10
KEY_LENGTH = 100


def search_key(text: str) -> str:
    """``text`` lower-cased, in Latin script, without diacritics."""
    folded = text.casefold().translate(_CYRILLIC).translate(_LATIN)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_words(text: str) -> list[str]:
    """The distinct words of ``text`` as search keys, in order (at most ``MAX_WORDS``)."""
    words: list[str] = []
    for word in _WORD.findall(search_key(text)):
        word = word[:KEY_LENGTH]
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]
