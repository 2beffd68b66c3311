"""Standard evaluations of word vectors: word-pair similarity and analogy questions.

Both follow gensim's ``KeyedVectors.evaluate_word_pairs`` and ``evaluate_word_analogies`` (with their
defaults: ``case_insensitive=True``, ``dummy4unknown=False``, ``restrict_vocab=300000``), so the figures
agree with gensim's on the same vectors:

* Lookups ignore case: a test word matches the most frequent vocabulary word with the same lowercase
  form, among the ``restrict_vocab`` most frequent words. Anything else is out of vocabulary (OOV).
* Word pairs: Spearman and Pearson correlation between the file's scores and the cosine similarities,
  over the pairs whose two words are known. Pairs with an OOV word are left out and counted in ``oov``
  (a share, 0..1; gensim reports the same figure in percent).
* Analogies ``a b c d`` ("a is to b as c is to d"): 3CosAdd over unit vectors, the word nearest to
  ``b - a + c`` among the ``restrict_vocab`` most frequent words, the three question words (and their
  case variants) excluded; correct if it is ``d``. Questions with an OOV word are skipped: they count
  neither as correct nor in ``total`` (``skipped`` says how many). Questions are scored in batches as
  one matrix product each, not one word at a time.

File formats:

* pairs: one ``word1 word2 score`` a line, separated by tabs, commas or spaces (WordSim-353,
  SimLex-999); blank lines and lines starting with ``#`` are ignored, and so is a header line whose
  score is not a number when it is the first line with content.
* analogies: word2vec's ``questions-words.txt``: ``: section name`` lines, then ``a b c d`` lines;
  blank lines and ``#`` comments are ignored. Questions before any section line go to a section
  named ``questions``.

A file that cannot be read or parsed raises :class:`EvaluationError` with one line naming the file (and
the line). A model that knows none of the words is not an error: the correlations are NaN and the
accuracy is 0 with ``total == 0``.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StudioError
from .model import Model

DEFAULT_RESTRICT_VOCAB = 300_000
_QUESTIONS_PER_BATCH = 512
_SCORES_PER_BATCH = 16_000_000  # floats in one (questions x vocabulary) score block: 64 MB
_MAX_FILE_BYTES = 256 << 20
_PAIR_SPLIT = re.compile(r"[\t,]")


class EvaluationError(StudioError):
    """A word-pairs or analogies file that is missing, unreadable or malformed."""


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class PairsResult:
    """Agreement of the model's cosine similarities with human similarity scores."""

    spearman: float  # NaN when fewer than two pairs are usable
    pearson: float
    pairs_used: int  # pairs whose two words are known
    pairs_total: int  # pairs in the file
    oov: float  # share of pairs with an unknown word, 0..1

    def to_dict(self) -> dict[str, Any]:
        return {
            "spearman": _finite_or_none(self.spearman),
            "pearson": _finite_or_none(self.pearson),
            "pairs_used": self.pairs_used,
            "pairs_total": self.pairs_total,
            "oov": self.oov,
        }


@dataclass
class AnalogyResult:
    """3CosAdd accuracy over the questions whose four words are known, overall and by section."""

    accuracy: float  # correct / total (0.0 when total is 0, as gensim)
    correct: int
    total: int  # questions answered (all four words known)
    skipped: int  # questions with an unknown word
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> accuracy, correct, total

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "correct": self.correct,
            "total": self.total,
            "skipped": self.skipped,
            "sections": {name: dict(s) for name, s in self.sections.items()},
        }


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# ---------------------------------------------------------------------------------------------
# word pairs


def read_pairs(path: str | os.PathLike) -> list[tuple[str, str, float, int]]:
    """``(word1, word2, score, line number)`` for every pair in a similarity file."""
    path = Path(path)
    pairs: list[tuple[str, str, float, int]] = []
    for n, (line_no, line) in enumerate(_lines(path)):
        fields = [f.strip() for f in _PAIR_SPLIT.split(line)] if ("\t" in line or "," in line) else line.split()
        if len(fields) != 3 or not fields[0] or not fields[1]:
            if line.startswith(":"):
                raise EvaluationError(
                    f"'{path}', line {line_no}: a ': section' line: this looks like an analogies file, "
                    "not word pairs"
                )
            raise EvaluationError(
                f"'{path}', line {line_no}: expected 'word1 word2 score' (tab, comma or space "
                f"separated), found {len([f for f in fields if f])} fields"
            )
        try:
            score = float(fields[2])
        except ValueError:
            if n == 0:
                continue  # a header such as "Word 1<TAB>Word 2<TAB>Human (mean)"
            raise EvaluationError(
                f"'{path}', line {line_no}: the score {fields[2][:30]!r} is not a number"
            ) from None
        if not math.isfinite(score):
            raise EvaluationError(f"'{path}', line {line_no}: the score {fields[2]!r} is not a finite number")
        pairs.append((fields[0], fields[1], score, line_no))
    if not pairs:
        raise EvaluationError(f"'{path}' holds no word pairs (expected lines 'word1 word2 score')")
    return pairs


def evaluate_pairs(
    model: Model, path: str | os.PathLike, restrict_vocab: int | None = DEFAULT_RESTRICT_VOCAB
) -> PairsResult:
    """Spearman and Pearson correlation of cosine similarity with the scores in ``path``."""
    from scipy import stats

    pairs = read_pairs(path)
    lookup = _lookup(model, restrict_vocab)
    left, right, gold = [], [], []
    for a, b, score, _ in pairs:
        i, j = lookup.get(a.lower()), lookup.get(b.lower())
        if i is None or j is None:
            continue
        left.append(i)
        right.append(j)
        gold.append(score)
    used = len(gold)
    spearman = pearson = math.nan
    if used >= 2:
        unit = model.unit_vectors
        sims = np.einsum("ij,ij->i", unit[left], unit[right]).astype(np.float64)
        gold_arr = np.asarray(gold, dtype=np.float64)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # constant input: scipy warns and answers NaN
            spearman = float(stats.spearmanr(gold_arr, sims)[0])
            pearson = float(stats.pearsonr(gold_arr, sims)[0])
    total = len(pairs)
    return PairsResult(spearman, pearson, used, total, (total - used) / total)


# ---------------------------------------------------------------------------------------------
# analogies


def read_analogies(path: str | os.PathLike) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """The sections of an analogies file, in order: ``(name, [(a, b, c, d), ...])``."""
    path = Path(path)
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    count = 0
    for line_no, line in _lines(path):
        if line.startswith(":"):
            name = line[1:].strip()
            if not name:
                raise EvaluationError(f"'{path}', line {line_no}: a section line needs a name after ':'")
            sections.append((name, []))
            continue
        words = line.split()
        if len(words) != 4:
            raise EvaluationError(
                f"'{path}', line {line_no}: expected four words 'a b c d' or a ': section' line, "
                f"found {len(words)} words"
            )
        if not sections:
            sections.append(("questions", []))
        sections[-1][1].append((words[0], words[1], words[2], words[3]))
        count += 1
    if count == 0:
        raise EvaluationError(f"'{path}' holds no analogy questions (expected lines 'a b c d')")
    return sections


def evaluate_analogies(
    model: Model, path: str | os.PathLike, restrict_vocab: int | None = DEFAULT_RESTRICT_VOCAB
) -> AnalogyResult:
    """3CosAdd accuracy on a ``questions-words.txt``-style file (see the module notes)."""
    sections = read_analogies(path)
    n_search = len(model) if restrict_vocab is None else max(0, min(int(restrict_vocab), len(model)))
    lookup = _lookup(model, n_search)
    # canonical[i]: the row the lookup gives for word i's lowercase form (i itself unless a more
    # frequent case variant exists); a prediction is judged by its canonical row
    canonical = np.array([lookup[w.lower()] for w in model.words[:n_search]], dtype=np.int64)

    owners: list[int] = []  # section of each answerable question
    rows: list[tuple[int, int, int, int]] = []
    skipped_by_section = [0] * len(sections)
    for s, (_, questions) in enumerate(sections):
        for question in questions:
            ids = [lookup.get(w.lower()) for w in question]
            if any(i is None for i in ids):
                skipped_by_section[s] += 1
                continue
            rows.append(tuple(ids))  # type: ignore[arg-type]
            owners.append(s)

    hits = _answer(model.unit_vectors[:n_search], canonical, np.array(rows, dtype=np.int64).reshape(-1, 4))
    owner = np.array(owners, dtype=np.int64)
    result_sections: dict[str, dict[str, Any]] = {}
    for s, (name, _) in enumerate(sections):
        mine = hits[owner == s]
        correct, total = int(mine.sum()), int(mine.size)
        entry = result_sections.setdefault(name, {"accuracy": 0.0, "correct": 0, "total": 0, "skipped": 0})
        entry["correct"] += correct
        entry["total"] += total
        entry["skipped"] += skipped_by_section[s]
        entry["accuracy"] = entry["correct"] / entry["total"] if entry["total"] else 0.0
    correct, total = int(hits.sum()), int(hits.size)
    return AnalogyResult(
        accuracy=correct / total if total else 0.0,
        correct=correct,
        total=total,
        skipped=sum(skipped_by_section),
        sections=result_sections,
    )


def _answer(unit: np.ndarray, canonical: np.ndarray, questions: np.ndarray) -> np.ndarray:
    """Whether 3CosAdd answers each question ``(a, b, c, expected)`` (rows of ``unit``) correctly."""
    hits = np.zeros(len(questions), dtype=bool)
    if len(questions) == 0:
        return hits
    n = len(unit)
    has_variants = bool((canonical != np.arange(n)).any())
    batch = max(1, min(_QUESTIONS_PER_BATCH, _SCORES_PER_BATCH // max(n, 1)))
    unit_t = np.ascontiguousarray(unit.T)
    for start in range(0, len(questions), batch):
        q = questions[start : start + batch]
        a, b, c, expected = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
        target = unit[b] - unit[a] + unit[c]  # the mean's direction; scale does not change the ranking
        scores = target @ unit_t
        ids = np.arange(len(q))
        for column in (a, b, c):
            scores[ids, column] = -np.inf
        best = scores.argmax(axis=1)
        predicted = canonical[best]
        if has_variants:
            # a case variant of a question word won: gensim skips it too, so look further down
            clash = (predicted == a) | (predicted == b) | (predicted == c)
            for k in np.flatnonzero(clash):
                excluded = {int(a[k]), int(b[k]), int(c[k])}
                for candidate in np.argsort(-scores[k], kind="stable"):
                    if int(canonical[candidate]) not in excluded:
                        predicted[k] = canonical[candidate]
                        break
        hits[start : start + len(q)] = predicted == expected
    return hits


# ---------------------------------------------------------------------------------------------
# helpers


def _lookup(model: Model, restrict_vocab: int | None) -> dict[str, int]:
    """lowercase word -> row of its most frequent case variant, among the first ``restrict_vocab``."""
    words = model.words if restrict_vocab is None else model.words[: max(0, int(restrict_vocab))]
    return {w.lower(): i for i, w in reversed(list(enumerate(words)))}


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise EvaluationError(f"'{path}' is a folder, not a test file")
        if size > _MAX_FILE_BYTES:
            raise EvaluationError(f"'{path}' is too large for a test file ({size:,} bytes)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise EvaluationError(f"No such test file: '{path}'") from None
    except IsADirectoryError:
        raise EvaluationError(f"'{path}' is a folder, not a test file") from None
    except OSError as error:
        raise EvaluationError(f"Cannot read '{path}': {error.strerror or error}") from None
    if not data.strip():
        raise EvaluationError(f"'{path}' is empty")
    if b"\x00" in data[:8192]:
        raise EvaluationError(f"'{path}' is a binary file, not a text test file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _lines(path: Path):
    """``(line number, stripped line)`` for lines with content that are not ``#`` comments."""
    for line_no, raw in enumerate(_read_text(path).splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line_no, line
