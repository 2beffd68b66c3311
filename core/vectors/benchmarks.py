"""Benchmark files and running a model against a list of them.

:mod:`.evaluate` scores one file; this module knows which files there are (gensim's WordSim-353,
SimLex-999 and Google analogies, found without importing gensim), guesses what kind a user's file is,
and runs a list so that one bad file spoils nothing. Front ends (the evaluation panel, per-epoch
quality curves) share it, so they agree on what is evaluated and on the one number drawn per result.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import StudioError
from .evaluate import AnalogyResult, PairsResult, evaluate_analogies, evaluate_pairs
from .model import Model

PAIRS, ANALOGIES = "pairs", "analogies"
_GENSIM_FILES = [("WordSim-353", "wordsim353.tsv", PAIRS), ("SimLex-999", "simlex999.txt", PAIRS),
                 ("Google analogies", "questions-words.txt", ANALOGIES)]


@dataclass(frozen=True)
class Benchmark:
    """A benchmark file and how to read it (frozen: it is shared with background jobs)."""

    path: str
    kind: str  # PAIRS or ANALOGIES
    name: str

    @property
    def short(self) -> str:
        """The name used in the quality curve's legend."""
        return f"{self.name} {'Spearman' if self.kind == PAIRS else 'accuracy'}"


def gensim_presets() -> list[Benchmark]:
    """The benchmark files that ship inside gensim, if it is installed (found without importing it)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        return []
    found = []
    for location in spec.submodule_search_locations:
        folder = Path(location) / "test" / "test_data"
        for name, file, kind in _GENSIM_FILES:
            if (folder / file).is_file() and not any(b.name == name for b in found):
                found.append(Benchmark(str(folder / file), kind, name))
    return found


def guess_kind(path: str) -> str:
    """Analogies if the file has ': section' lines or four-word lines, else word pairs."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536).decode("utf-8", "replace").splitlines()[:200]
    except OSError:
        return PAIRS  # the evaluation will say what is wrong with it
    for line in head:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            return ANALOGIES
        if "\t" not in line and "," not in line and len(line.split()) == 4:
            return ANALOGIES
    return PAIRS


def run_benchmarks(model: Model, benchmarks: list[Benchmark],
                   analogy_vocab: int | None = None) -> list[tuple[Benchmark, object]]:
    """Each benchmark's result, or the message of the error it raised (one bad file spoils nothing)."""
    results: list[tuple[Benchmark, object]] = []
    for benchmark in benchmarks:
        try:
            if benchmark.kind == PAIRS:
                result = evaluate_pairs(model, benchmark.path)
            else:
                kwargs = {} if analogy_vocab is None else {"restrict_vocab": analogy_vocab}
                result = evaluate_analogies(model, benchmark.path, **kwargs)
        except StudioError as error:
            result = str(error)
        results.append((benchmark, result))
    return results


def headline(result: object) -> float:
    """The one number drawn per epoch: Spearman for pairs, accuracy for analogies (NaN for errors)."""
    if isinstance(result, PairsResult):
        return result.spearman
    if isinstance(result, AnalogyResult):
        return result.accuracy if result.total else math.nan
    return math.nan
