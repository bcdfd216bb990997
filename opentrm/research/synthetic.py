"""A differentially private synthetic dataset in the CTDC layout, and how useful it is.

The synthesizer is Microsoft Research's ``pac-synth`` (``DpAggregateSeededSynthesizer``, the
"Synthetic Data Showcase" family CTDC used for its 2021 synthetic dataset): it counts the
combinations of up to ``reporting_length`` attributes with noise calibrated to ``epsilon`` and
builds records from those noisy counts only. It sees the independent columns
(``SYNTH_COLUMNS``); the flags are derived afterwards from the synthetic type of exploitation,
and the majority status from the synthetic age band, so every synthetic record is consistent.

Afterwards every synthetic record that equals, on all quasi-identifiers, a record that is
unique in the real data is dropped (``drop_real_uniques``): the synthesizer can produce one by
chance, and such a record would point at the one real person it matches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from django.utils.translation import gettext as _

from opentrm.core.errors import DomainError
from opentrm.research.kanon import Counts, Key
from opentrm.research.layout import QUASI_IDENTIFIERS, band_majority, exploit_columns

DEFAULT_EPSILON = 4.0
DEFAULT_REPORTING_LENGTH = 3
MIN_RECORDS = 100  # below this the noise swamps every count: refuse rather than publish noise

SYNTH_COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "citizenship",
    "CountryOfExploitation",
    "typeOfExploitConcatenated",
    "typeOfLabourBegging",
)
# Columns where "0" is a value, not "nothing recorded" (pac-synth drops zeros otherwise).
_ZEROS = ["typeOfLabourBegging"]
_AT = {name: i for i, name in enumerate(QUASI_IDENTIFIERS)}


class TooFewRecordsError(DomainError):
    pass


def synthesizer_name() -> str:
    return f"pac-synth {version('pac-synth')} DpAggregateSeededSynthesizer"


# pac-synth reads ";" and ":" in a value as its own separators: "a;b" would come back empty.
def _to_synth(value: str) -> str:
    return value.replace(";", " + ")


def _from_synth(value: str) -> str:
    return value.replace(" + ", ";")


def _complete(values: Mapping[str, str]) -> Key:
    """A synthetic row of ``SYNTH_COLUMNS`` -> a full quasi-identifier key, derived columns
    worked out from the synthetic ones."""
    row = dict.fromkeys(QUASI_IDENTIFIERS, "")
    row.update({c: values.get(c, "") for c in SYNTH_COLUMNS})
    if row["ageBroad"]:
        row["majorityStatus"] = band_majority(row["ageBroad"])
    row.update(exploit_columns(row["typeOfExploitConcatenated"]))
    if row["typeOfLabourBegging"] and row["isForcedLabour"] != "1":
        row["typeOfLabourBegging"] = ""
    row["typeOfLabourConcatenated"] = "Begging" if row["typeOfLabourBegging"] == "1" else ""
    return tuple(row[c] for c in QUASI_IDENTIFIERS)


def synthesize(
    counts: Counts,
    *,
    epsilon: float = DEFAULT_EPSILON,
    reporting_length: int = DEFAULT_REPORTING_LENGTH,
    threads: int | None = None,
) -> Counts:
    """Synthetic records (counted like ``counts``), about as many as the real ones."""
    import pacsynth  # type: ignore[import-untyped]  # only this path needs the native library

    total = sum(counts.values())
    if total < MIN_RECORDS:
        raise TooFewRecordsError(
            _("A synthetic dataset needs at least %(minimum)s records; there are %(count)s.")
            % {"minimum": MIN_RECORDS, "count": total}
        )
    if threads:
        pacsynth.set_number_of_threads(threads)
    at = [_AT[c] for c in SYNTH_COLUMNS]
    rows: list[list[str]] = [list(SYNTH_COLUMNS)]
    for key, n in counts.items():
        projected = [_to_synth(key[i]) for i in at]
        rows.extend([projected] * n)
    dataset = pacsynth.Dataset(rows, sensitive_zeros=_ZEROS)
    parameters = (
        pacsynth.DpAggregateSeededParametersBuilder()
        .epsilon(float(epsilon))
        .reporting_length(reporting_length)
        .build()
    )
    synthesizer = pacsynth.DpAggregateSeededSynthesizer(parameters)
    synthesizer.fit(dataset)
    sampled = synthesizer.sample(total)
    header, body = sampled[0], sampled[1:]
    out: Counts = Counter()
    for record in body:
        out[_complete({c: _from_synth(v) for c, v in zip(header, record, strict=True)})] += 1
    return out


def drop_real_uniques(synthetic: Counts, real: Counts) -> tuple[Counts, int]:
    """``synthetic`` without the records equal to a record unique in ``real``; how many went."""
    unique = {key for key, n in real.items() if n == 1}
    dropped = sum(n for key, n in synthetic.items() if key in unique)
    kept: Counts = Counter({key: n for key, n in synthetic.items() if key not in unique})
    return kept, dropped


@dataclass(frozen=True)
class ColumnUtility:
    column: str
    total_variation: float  # half the sum of the absolute differences of the shares, 0..1
    max_difference: float  # the largest difference of one value's share, 0..1

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "total_variation": round(self.total_variation, 4),
            "max_difference": round(self.max_difference, 4),
        }


def marginal(counts: Counts, column: str) -> Counter[str]:
    i = _AT[column]
    shares: Counter[str] = Counter()
    for key, n in counts.items():
        shares[key[i]] += n
    return shares


def utility(
    real: Counts, synthetic: Counts, columns: Sequence[str] = SYNTH_COLUMNS
) -> list[ColumnUtility]:
    """Marginal error per column: the distance between the real and the synthetic share of
    each value (an empty value counts as the value "not recorded")."""
    n_real = sum(real.values()) or 1
    n_syn = sum(synthetic.values()) or 1
    report = []
    for column in columns:
        a, b = marginal(real, column), marginal(synthetic, column)
        differences = {v: abs(a[v] / n_real - b[v] / n_syn) for v in set(a) | set(b)}
        report.append(
            ColumnUtility(
                column=column,
                total_variation=sum(differences.values()) / 2,
                max_difference=max(differences.values(), default=0.0),
            )
        )
    return report
