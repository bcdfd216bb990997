"""The matching benchmark, in one run (docs/matching.md, "Measured").

    PYTHONPATH=. python -m bench.matching.run

1. OpenTRM's blocking and scoring on FEBRL4, on FEBRL4 with the left file rewritten in Serbian,
   Macedonian and Bulgarian Cyrillic (each also through one generic table: the Russian one for
   every language), and on the generated South-East European set.
2. The same files through recordlinkage (its documented FEBRL4 recipe: blocks, comparisons,
   a sum-of-agreements rule, and its unsupervised ECM classifier).

Database search and index build at scale: ``bench.matching.scale``.
"""

import dataclasses
import os
import time
from collections.abc import Mapping

import pandas as pd
import recordlinkage

from opentrm.matching.normalise import cyrillic_latin, fold
from opentrm.matching.scoring import THRESHOLD, PersonData

from .evaluate import Result, link
from .febrl import febrl4, febrl4_frames
from .generator import generate


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _frame(records: Mapping[str, PersonData]) -> pd.DataFrame:
    """The records as recordlinkage sees them: the name split at its last space."""
    rows = {}
    for key, data in records.items():
        name = data.names[0] if data.names else ""
        given, _space, family = name.rpartition(" ")
        rows[key] = {
            "given_name": (given or family).lower(),
            "surname": family.lower(),
            "date_of_birth": data.date_of_birth.isoformat() if data.date_of_birth else None,
            "address": fold(data.address) or fold(data.place_of_birth) or None,
            "document": data.documents[0] if data.documents else None,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _recordlinkage(
    name: str,
    a: pd.DataFrame,
    b: pd.DataFrame,
    truth: set[tuple[str, str]],
    columns: dict[str, str],
) -> list[Result]:
    started = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block(columns["given"])
    indexer.block(columns["family"])
    indexer.block(columns["birth"])
    pairs = indexer.index(a, b)
    compare = recordlinkage.Compare()
    compare.string(
        columns["given"], columns["given"], method="jarowinkler", threshold=0.85, label="given"
    )
    compare.string(
        columns["family"], columns["family"], method="jarowinkler", threshold=0.85, label="family"
    )
    compare.exact(columns["birth"], columns["birth"], label="birth")
    compare.string(columns["address"], columns["address"], threshold=0.85, label="address")
    compare.exact(columns["document"], columns["document"], label="document")
    features = compare.compute(pairs, a, b)
    found = sum(1 for pair in pairs if (str(pair[0]), str(pair[1])) in truth)
    results = []
    for rule, links in (
        ("sum>3", features[features.sum(axis=1) > 3].index),
        ("ECM", recordlinkage.ECMClassifier().fit_predict(features)),
    ):
        predicted = {(str(x), str(y)) for x, y in links}
        seconds = time.perf_counter() - started
        results.append(
            Result(
                name=f"recordlinkage {rule} {name}",
                true_pairs=len(truth),
                candidate_pairs=len(pairs),
                total_pairs=len(a) * len(b),
                found_in_blocks=found,
                predicted=len(predicted),
                correct=len(predicted & truth),
                seconds_per_query=seconds / len(a),
                build_seconds=0.0,
            )
        )
    return results


def main() -> None:
    print(f"threshold {THRESHOLD}; {_load()}")
    left, right, truth = febrl4()
    print(link("opentrm febrl4", left, right, truth).line())
    latin = {}
    for language in ("sr", "mk", "bg"):
        cyr, _right, _truth = febrl4(language)
        print(link(f"opentrm febrl4 left in {language} Cyrillic", cyr, right, truth).line())
        blind = {k: dataclasses.replace(d, language="") for k, d in cyr.items()}
        print(link(f"opentrm febrl4 {language}, language unknown", blind, right, truth).line())
        generic = {
            k: dataclasses.replace(
                d, names=tuple(cyrillic_latin(n, "ru") for n in d.names), language=""
            )
            for k, d in cyr.items()
        }
        print(link(f"opentrm febrl4 {language}, one generic table", generic, right, truth).line())
        latin[language] = cyr
    see_left, see_right, see_truth = generate()
    print(link("opentrm generated SEE", see_left, see_right, see_truth).line())
    print(_load())
    a, b = febrl4_frames()
    febrl_columns = {
        "given": "given_name",
        "family": "surname",
        "birth": "date_of_birth",
        "address": "address_1",
        "document": "soc_sec_id",
    }
    for result in _recordlinkage("febrl4", a, b, truth, febrl_columns):
        print(result.line())
    ours = {
        "given": "given_name",
        "family": "surname",
        "birth": "date_of_birth",
        "address": "address",
        "document": "document",
    }
    sr_a = _frame(latin["sr"])
    for result in _recordlinkage("febrl4 left in sr Cyrillic", sr_a, _frame(right), truth, ours):
        print(result.line())
    for result in _recordlinkage(
        "generated SEE", _frame(see_left), _frame(see_right), see_truth, ours
    ):
        print(result.line())
    print(_load())


if __name__ == "__main__":
    main()
