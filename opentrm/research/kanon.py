"""k-anonymity over the quasi-identifiers: generalise, then suppress.

Records are counted, not kept: a ``Counter`` of quasi-identifier tuples (in the order of
``layout.QUASI_IDENTIFIERS``), so a million records cost a few thousand distinct keys. The
generalisation ladder (``LADDER``) is applied one rung after the other to every record alike
(global recoding) until the records still in a combination of fewer than ``k`` make up no more
than ``max_suppression`` of the whole; those records are then left out (suppressed). If no rung
gets there, the last rung is kept and whatever is still below ``k`` is suppressed: the result
is k-anonymous whatever the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from opentrm.research.layout import EXPLOIT_FLAGS, QUASI_IDENTIFIERS

Key = tuple[str, ...]
Counts = Counter[Key]

DEFAULT_K = 11
DEFAULT_MAX_SUPPRESSION = 0.05

_AT = {name: i for i, name in enumerate(QUASI_IDENTIFIERS)}

# CTDC's bands -> wider bands (first rung).
WIDE_AGE = {
    "0--8": "0--17",
    "9--17": "0--17",
    "18--20": "18--29",
    "21--23": "18--29",
    "24--26": "18--29",
    "27--29": "18--29",
    "30--38": "30+",
    "39--47": "30+",
    "48+": "30+",
}


def _set(key: Key, values: dict[str, str]) -> Key:
    items = list(key)
    for name, value in values.items():
        items[_AT[name]] = value
    return tuple(items)


Totals = dict[str, Counter[str]]  # column -> value -> records holding it


def _column_totals(counts: Counts) -> Totals:
    totals: Totals = {c: Counter() for c in QUASI_IDENTIFIERS}
    for key, n in counts.items():
        for c, value in zip(QUASI_IDENTIFIERS, key, strict=True):
            totals[c][value] += n
    return totals


def _widen_age(key: Key, totals: Totals, k: int) -> Key:
    age = key[_AT["ageBroad"]]
    return _set(key, {"ageBroad": WIDE_AGE.get(age, age)})


def _rare_values(column: str, *with_it: str) -> Callable[[Key, Totals, int], Key]:
    """Withhold (empty) a value of ``column`` that fewer than ``k`` records hold, and the
    columns derived from it (``with_it``), which would otherwise tell it again."""

    def step(key: Key, totals: Totals, k: int) -> Key:
        if totals[column][key[_AT[column]]] >= k:
            return key
        return _set(key, dict.fromkeys((column, *with_it), ""))

    return step


def _both(*steps: Callable[[Key, Totals, int], Key]) -> Callable[[Key, Totals, int], Key]:
    def step(key: Key, totals: Totals, k: int) -> Key:
        for one in steps:
            key = one(key, totals, k)
        return key

    return step


def _withhold(*columns: str) -> Callable[[Key, Totals, int], Key]:
    def step(key: Key, totals: Totals, k: int) -> Key:
        return _set(key, dict.fromkeys(columns, ""))

    return step


@dataclass(frozen=True)
class Rung:
    code: str  # stable, recorded with the dataset
    describe: str  # for the docs and the page (English; the page translates its own words)
    apply: Callable[[Key, Totals, int], Key]


LADDER: tuple[Rung, ...] = (
    Rung("age_wide", "age bands widened to 0-17, 18-29, 30+", _widen_age),
    Rung(
        "rare_countries",
        "citizenships and countries of exploitation held by fewer than k records withheld",
        _both(_rare_values("citizenship"), _rare_values("CountryOfExploitation")),
    ),
    Rung(
        "exploit_detail",
        "labour sub-type and majority at exploitation withheld",
        _withhold("typeOfLabourBegging", "typeOfLabourConcatenated", "majorityStatusAtExploit"),
    ),
    Rung("age_withheld", "age band withheld (majority status kept)", _withhold("ageBroad")),
    Rung(
        "rare_years_types",
        "years and types of exploitation held by fewer than k records withheld",
        _both(
            _rare_values("yearOfRegistration"),
            _rare_values("typeOfExploitConcatenated", *EXPLOIT_FLAGS),
        ),
    ),
    Rung(
        "exploitation_country",
        "country of exploitation withheld",
        _withhold("CountryOfExploitation"),
    ),
    Rung("citizenship", "citizenship withheld", _withhold("citizenship")),
)


@dataclass
class KAnonymous:
    """The outcome: ``counts`` holds only combinations of ``k`` records or more."""

    k: int
    counts: Counts
    records_in: int
    suppressed: int
    rungs: list[str] = field(default_factory=list)

    @property
    def records_out(self) -> int:
        return self.records_in - self.suppressed

    @property
    def suppressed_share(self) -> float:
        return self.suppressed / self.records_in if self.records_in else 0.0


def _recode(counts: Counts, rung: Rung, k: int) -> Counts:
    totals = _column_totals(counts)
    out: Counts = Counter()
    for key, n in counts.items():
        out[rung.apply(key, totals, k)] += n
    return out


def _below_k(counts: Counts, k: int) -> int:
    return sum(n for n in counts.values() if n < k)


def k_anonymise(
    counts: Counts, *, k: int = DEFAULT_K, max_suppression: float = DEFAULT_MAX_SUPPRESSION
) -> KAnonymous:
    """Generalise ``counts`` rung by rung until at most ``max_suppression`` of the records are
    in combinations below ``k``, then suppress those."""
    if k < 2:
        raise ValueError("k must be at least 2")
    total = sum(counts.values())
    current: Counts = Counter(counts)
    rungs: list[str] = []
    for rung in LADDER:
        if _below_k(current, k) <= max_suppression * total:
            break
        current = _recode(current, rung, k)
        rungs.append(rung.code)
    kept: Counts = Counter({key: n for key, n in current.items() if n >= k})
    return KAnonymous(
        k=k, counts=kept, records_in=total, suppressed=total - sum(kept.values()), rungs=rungs
    )


def expand(counts: Counts) -> Iterator[Key]:
    """Every record of ``counts``, sorted: the order says nothing about the real records."""
    for key in sorted(counts):
        for _ in range(counts[key]):
            yield key
