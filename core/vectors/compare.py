"""Comparing two models: a word's neighbours side by side, and how much they overlap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..errors import StudioError
from .model import Model


@dataclass(frozen=True)
class NeighbourComparison:
    word: str
    left: list[tuple[str, float]]
    right: list[tuple[str, float]]
    overlap: float  # |left ∩ right| / list length: 1.0 when both models agree on the whole list

    @property
    def shared(self) -> set[str]:
        return {w for w, _ in self.left} & {w for w, _ in self.right}


def compare_neighbours(left: Model, right: Model, word: str, topn: int = 10) -> NeighbourComparison:
    """The ``topn`` neighbours of ``word`` in each model and their overlap ("overlap at topn")."""
    a = left.most_similar(word, topn=topn)
    b = right.most_similar(word, topn=topn)
    shared = {w for w, _ in a} & {w for w, _ in b}
    length = min(len(a), len(b))
    return NeighbourComparison(word, a, b, len(shared) / length if length else 0.0)


def mean_overlap(left: Model, right: Model, words: Sequence[str] | None = None, topn: int = 10,
                 limit: int = 1000) -> float:
    """Mean overlap at ``topn`` over ``words`` (default: the ``limit`` most frequent words both know)."""
    if words is None:
        words = [w for w in left.words[:limit] if w in right]
    words = list(words)
    if not words:
        raise StudioError("the two models share none of the words to compare")
    return sum(compare_neighbours(left, right, w, topn).overlap for w in words) / len(words)
