"""The Word Embedding Association Test (WEAT; Caliskan, Bryson and Narayanan, Science 2017).

Two target sets X, Y (flowers, insects) and two attribute sets A, B (pleasant, unpleasant). A word's
association is s(w) = mean cos(w, A) - mean cos(w, B). The effect size is
(mean s over X - mean s over Y) / the sample standard deviation of s over X and Y together; the
p-value is one-sided: the share of the ways to split X+Y into two sets of the same sizes whose
statistic sum s(X_i) - sum s(Y_i) exceeds the real one. Every split is counted when there are at most
``EXACT_LIMIT`` of them; otherwise ``permutations`` random splits are drawn (seeded) and the estimate
is (k + 1) / (permutations + 1), never 0. Words the model does not hold are dropped and reported, as
the paper did. The paper's word sets are the presets (core/vectors/data/weat_sets.json).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import StudioError
from .model import Model

EXACT_LIMIT = 200_000
PRESETS_FILE = Path(__file__).resolve().parent / "data" / "weat_sets.json"


@dataclass(frozen=True)
class WordSet:
    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class WeatTest:
    name: str
    X: WordSet
    Y: WordSet
    A: WordSet
    B: WordSet


@dataclass(frozen=True)
class WeatResult:
    test: WeatTest
    effect_size: float
    p_value: float
    statistic: float  # sum s(X) - sum s(Y)
    exact: bool  # every split counted (else sampled)
    splits: int  # splits counted or drawn
    used: dict[str, list[str]]  # per set key (X, Y, A, B): the words the model held
    missing: dict[str, list[str]] = field(default_factory=dict)  # and the ones it did not
    associations: dict[str, float] = field(default_factory=dict)  # s(w) for every target word used

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test.name,
                "sets": {k: getattr(self.test, k).name for k in "XYAB"},
                "effect_size": self.effect_size if math.isfinite(self.effect_size) else None,  # JSON has no NaN
                "p_value": self.p_value, "statistic": self.statistic,
                "exact": self.exact, "splits": self.splits, "used": self.used, "missing": self.missing,
                "associations": self.associations}


@lru_cache(maxsize=1)
def presets() -> dict[str, WeatTest]:
    """The paper's WEAT 1-10, by id (``weat1``...)."""
    with open(PRESETS_FILE, encoding="utf-8") as f:
        data = json.load(f)
    return {t["id"]: WeatTest(t["name"], *(WordSet(t[k]["name"], tuple(t[k]["words"])) for k in "XYAB"))
            for t in data["tests"]}


def make_test(X: Sequence[str], Y: Sequence[str], A: Sequence[str], B: Sequence[str], name: str = "custom",
              names: Sequence[str] = ("X", "Y", "A", "B")) -> WeatTest:
    """A test from four word lists (a comma- or space-separated string is split)."""
    sets = [WordSet(n, tuple(_words(w))) for n, w in zip(names, (X, Y, A, B))]
    return WeatTest(name, *sets)


def _words(words: Sequence[str] | str) -> list[str]:
    if isinstance(words, str):
        words = words.replace(",", " ").split()
    return [w.strip() for w in words if w.strip()]


def weat(model: Model, test: WeatTest, permutations: int = 10_000, seed: int = 0) -> WeatResult:
    """Effect size and one-sided permutation p-value of ``test`` on ``model``'s vectors."""
    used: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for key in "XYAB":
        words = list(dict.fromkeys(getattr(test, key).words))
        used[key] = [w for w in words if w in model]
        missing[key] = [w for w in words if w not in model]
        if len(used[key]) < 2:
            raise StudioError(f"the set '{getattr(test, key).name}' has {len(used[key])} of its "
                              f"{len(words)} words in the vocabulary; WEAT needs at least 2 in each set")
    overlap = set(map(str.lower, used["X"])) & set(map(str.lower, used["Y"]))
    if overlap:
        raise StudioError(f"the two target sets share {', '.join(sorted(overlap))}: a word can be in only one")
    unit = model.unit_vectors
    rows = {k: np.array([model.index(w) for w in used[k]]) for k in "XYAB"}
    targets = np.concatenate([rows["X"], rows["Y"]])
    t = unit[targets].astype(np.float64)
    s = (t @ unit[rows["A"]].T.astype(np.float64)).mean(axis=1) - (t @ unit[rows["B"]].T.astype(np.float64)).mean(axis=1)
    nx = len(rows["X"])
    s_x, s_y = s[:nx], s[nx:]
    spread = float(np.std(s, ddof=1))
    effect = float((s_x.mean() - s_y.mean()) / spread) if spread > 0 else math.nan
    statistic = float(s_x.sum() - s_y.sum())
    p, exact, splits = _p_value(s, nx, statistic, permutations, seed)
    associations = {w: float(v) for w, v in zip(used["X"] + used["Y"], s)}
    return WeatResult(test, effect, p, statistic, exact, splits, used, missing, associations)


def _p_value(s: np.ndarray, nx: int, statistic: float, permutations: int, seed: int) -> tuple[float, bool, int]:
    """Share of the splits of ``s`` into ``nx`` and the rest whose statistic exceeds ``statistic``.

    A split's statistic is sum(first) - sum(rest) = 2 sum(first) - total, so only sums of ``nx``
    values are needed; they are computed in blocks of index arrays, vectorised.
    """
    n = len(s)
    total = float(s.sum())
    tolerance = 1e-12 * max(1.0, float(np.abs(s).sum()))  # a split equal to the real one is not "greater"
    count = math.comb(n, nx)
    if count <= EXACT_LIMIT:
        greater = 0
        combos = itertools.combinations(range(n), nx)
        while True:
            block = np.fromiter(itertools.chain.from_iterable(itertools.islice(combos, 20_000)), dtype=np.int64)
            if not block.size:
                break
            sums = s[block.reshape(-1, nx)].sum(axis=1)
            greater += int(np.count_nonzero(2 * sums - total > statistic + tolerance))
        return greater / count, True, count
    if permutations < 1:
        raise StudioError("the number of permutations must be at least 1")
    rng = np.random.default_rng(seed)
    greater = 0
    done = 0
    while done < permutations:
        size = min(10_000, permutations - done)
        order = np.argsort(rng.random((size, n)), axis=1)[:, :nx]
        sums = s[order].sum(axis=1)
        greater += int(np.count_nonzero(2 * sums - total > statistic + tolerance))
        done += size
    return (greater + 1) / (permutations + 1), False, permutations
