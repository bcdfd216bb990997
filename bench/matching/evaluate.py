"""Linkage of two labelled files through OpenTRM's own blocking and scoring, in memory.

``link(left, right)`` files every record of ``right`` under its blocking keys, then looks up
each record of ``left`` as the candidate search does: the persons sharing a key, scored, the best
at or above the threshold taken as its match. The figures are the issue's: precision, recall
and F1 of the links, pair completeness and reduction ratio of the blocking, time per query.
"""

import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from opentrm.matching.scoring import (
    MAX_CANDIDATES,
    THRESHOLD,
    PersonData,
    Prepared,
    blocking_keys,
    compare,
    prepare,
)


@dataclass
class Result:
    name: str
    true_pairs: int
    candidate_pairs: int
    total_pairs: int
    found_in_blocks: int
    predicted: int
    correct: int
    seconds_per_query: float
    build_seconds: float

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def pair_completeness(self) -> float:
        return self.found_in_blocks / self.true_pairs if self.true_pairs else 0.0

    @property
    def reduction_ratio(self) -> float:
        return 1 - self.candidate_pairs / self.total_pairs

    def line(self) -> str:
        return (
            f"{self.name:<34} P={self.precision:.4f} R={self.recall:.4f} F1={self.f1:.4f} "
            f"PC={self.pair_completeness:.4f} "
            f"compared={self.candidate_pairs / self.total_pairs:.4%} "
            f"query={self.seconds_per_query * 1000:.2f} ms build={self.build_seconds:.1f} s"
        )


class MemoryIndex:
    def __init__(self) -> None:
        self.blocks: dict[str, list[str]] = defaultdict(list)
        self.people: dict[str, Prepared] = {}

    def add(self, key: str, person: Prepared) -> None:
        self.people[key] = person
        for block in blocking_keys(person):
            self.blocks[block].append(key)

    def candidates(self, person: Prepared) -> set[str]:
        """As ``index.candidates``: those sharing most keys first, at most MAX_CANDIDATES."""
        hits: Counter[str] = Counter()
        for block in blocking_keys(person):
            hits.update(self.blocks.get(block, ()))
        return {key for key, _count in hits.most_common(MAX_CANDIDATES)}


def link(
    name: str,
    left: Mapping[str, PersonData],
    right: Mapping[str, PersonData],
    truth: set[tuple[str, str]],
    *,
    threshold: float = THRESHOLD,
) -> Result:
    started = time.perf_counter()
    index = MemoryIndex()
    for key, data in right.items():
        index.add(key, prepare(data))
    built = time.perf_counter() - started
    candidate_pairs = found = predicted = correct = 0
    started = time.perf_counter()
    for key, data in left.items():
        query = prepare(data)
        candidates = index.candidates(query)
        candidate_pairs += len(candidates)
        best_key, best_score = None, threshold
        for other in candidates:
            if (key, other) in truth:
                found += 1
            score = compare(query, index.people[other]).score
            if score >= best_score:
                best_key, best_score = other, score
        if best_key is not None:
            predicted += 1
            correct += (key, best_key) in truth
    per_query = (time.perf_counter() - started) / max(len(left), 1)
    return Result(
        name=name,
        true_pairs=len(truth),
        candidate_pairs=candidate_pairs,
        total_pairs=len(left) * len(right),
        found_in_blocks=found,
        predicted=predicted,
        correct=correct,
        seconds_per_query=per_query,
        build_seconds=built,
    )
