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

Files are read one line at a time (a line that is not valid UTF-8 is read as Latin-1) and kept compact:
each distinct word once, the pairs and questions as arrays of indices, so memory stays a small multiple
of the file's size. A file that cannot be read or parsed raises :class:`EvaluationError` with one line
naming the file (and the line). A model that knows none of the words is not an error: the correlations
are NaN and the accuracy is 0 with ``total == 0``.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..config import DEFAULT_RESTRICT_VOCAB
from ..errors import StudioError
from .model import Model
_QUESTIONS_PER_BATCH = 512
_SCORES_PER_BATCH = 16_000_000  # floats in one (questions x vocabulary) score block: 64 MB
_PAIRS_PER_BATCH = 65_536  # rows gathered at a time for the cosines of word pairs
_MAX_FILE_BYTES = 256 << 20
_MAX_LINE_BYTES = 1 << 20
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
# file contents


@dataclass
class WordPairs:
    """A word-pairs file: each distinct word once, the pairs as index arrays (a tuple of strings per
    pair took 20 to 65 times the file's size)."""

    words: list[str]  # distinct words, in order of first appearance
    left: np.ndarray  # int32 index into words, one per pair
    right: np.ndarray  # int32
    scores: np.ndarray  # float64
    lines: np.ndarray  # int32 line number of each pair

    def __len__(self) -> int:
        return len(self.scores)

    def __iter__(self) -> Iterator[tuple[str, str, float, int]]:
        """``(word1, word2, score, line number)`` for every pair, in file order."""
        words = self.words
        for i, j, score, line in zip(self.left.tolist(), self.right.tolist(), self.scores.tolist(),
                                     self.lines.tolist()):
            yield words[i], words[j], score, line


@dataclass
class AnalogyQuestions:
    """An analogies file: each distinct word once, the questions as rows of four word indices."""

    words: list[str]  # distinct words, in order of first appearance
    sections: list[str]  # section names in file order (a name may come back later)
    questions: np.ndarray  # (n, 4) int32 into words: a b c d
    section_of: np.ndarray  # (n,) int32 into sections, never decreasing

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[tuple[str, list[tuple[str, str, str, str]]]]:
        """``(section name, [(a, b, c, d), ...])`` for every section, in file order."""
        bounds = np.searchsorted(self.section_of, np.arange(len(self.sections) + 1)).tolist()
        for s, name in enumerate(self.sections):
            rows = self.questions[bounds[s] : bounds[s + 1]].tolist()
            yield name, [(self.words[a], self.words[b], self.words[c], self.words[d]) for a, b, c, d in rows]


# ---------------------------------------------------------------------------------------------
# word pairs


def read_pairs(path: str | os.PathLike) -> WordPairs:
    """Every pair of a similarity file, read line by line into a compact :class:`WordPairs`."""
    path = Path(path)
    index: dict[str, int] = {}
    left, right, lines, scores = array("i"), array("i"), array("i"), array("d")
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
        left.append(index.setdefault(fields[0], len(index)))
        right.append(index.setdefault(fields[1], len(index)))
        lines.append(line_no)
        scores.append(score)
    if not scores:
        raise EvaluationError(f"'{path}' holds no word pairs (expected lines 'word1 word2 score')")
    return WordPairs(
        list(index),
        np.frombuffer(left, dtype=np.int32),
        np.frombuffer(right, dtype=np.int32),
        np.frombuffer(scores, dtype=np.float64),
        np.frombuffer(lines, dtype=np.int32),
    )


def evaluate_pairs(
    model: Model, path: str | os.PathLike, restrict_vocab: int | None = DEFAULT_RESTRICT_VOCAB
) -> PairsResult:
    """Spearman and Pearson correlation of cosine similarity with the scores in ``path``."""
    from scipy import stats

    pairs = read_pairs(path)
    lookup = _lookup(model, restrict_vocab)
    rows = np.array([lookup.get(w.lower(), -1) for w in pairs.words], dtype=np.int64)
    left, right = rows[pairs.left], rows[pairs.right]
    known = (left >= 0) & (right >= 0)
    left, right, gold = left[known], right[known], pairs.scores[known]
    used = len(gold)
    spearman = pearson = math.nan
    if used >= 2:
        unit = model.unit_vectors
        sims = np.concatenate([
            np.einsum("ij,ij->i", unit[left[k : k + _PAIRS_PER_BATCH]], unit[right[k : k + _PAIRS_PER_BATCH]])
            for k in range(0, used, _PAIRS_PER_BATCH)
        ]).astype(np.float64)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # constant input: scipy warns and answers NaN
            spearman = float(stats.spearmanr(gold, sims)[0])
            pearson = float(stats.pearsonr(gold, sims)[0])
    total = len(pairs)
    return PairsResult(spearman, pearson, used, total, (total - used) / total)


# ---------------------------------------------------------------------------------------------
# analogies


def read_analogies(path: str | os.PathLike) -> AnalogyQuestions:
    """Every question of an analogies file, read line by line into a compact :class:`AnalogyQuestions`."""
    path = Path(path)
    index: dict[str, int] = {}
    sections: list[str] = []
    questions, section_of = array("i"), array("i")
    for line_no, line in _lines(path):
        if line.startswith(":"):
            name = line[1:].strip()
            if not name:
                raise EvaluationError(f"'{path}', line {line_no}: a section line needs a name after ':'")
            sections.append(name)
            continue
        words = line.split()
        if len(words) != 4:
            raise EvaluationError(
                f"'{path}', line {line_no}: expected four words 'a b c d' or a ': section' line, "
                f"found {len(words)} words"
            )
        if not sections:
            sections.append("questions")
        questions.extend(index.setdefault(w, len(index)) for w in words)
        section_of.append(len(sections) - 1)
    if not section_of:
        raise EvaluationError(f"'{path}' holds no analogy questions (expected lines 'a b c d')")
    return AnalogyQuestions(
        list(index), sections, np.frombuffer(questions, dtype=np.int32).reshape(-1, 4),
        np.frombuffer(section_of, dtype=np.int32),
    )


def evaluate_analogies(
    model: Model, path: str | os.PathLike, restrict_vocab: int | None = DEFAULT_RESTRICT_VOCAB
) -> AnalogyResult:
    """3CosAdd accuracy on a ``questions-words.txt``-style file (see the module notes)."""
    questions = read_analogies(path)
    n_search = len(model) if restrict_vocab is None else max(0, min(int(restrict_vocab), len(model)))
    lookup = _lookup(model, n_search)
    # canonical[i]: the row the lookup gives for word i's lowercase form (i itself unless a more
    # frequent case variant exists); a prediction is judged by its canonical row
    canonical = np.array([lookup[w.lower()] for w in model.words[:n_search]], dtype=np.int64)

    rows = np.array([lookup.get(w.lower(), -1) for w in questions.words], dtype=np.int64)[questions.questions]
    known = (rows >= 0).all(axis=1)
    hits = _answer(model.unit_vectors[:n_search], canonical, rows[known])
    count = len(questions.sections)
    owner = questions.section_of[known]
    correct_by_section = np.bincount(owner, weights=hits, minlength=count).astype(np.int64).tolist()
    total_by_section = np.bincount(owner, minlength=count).tolist()
    skipped_by_section = np.bincount(questions.section_of[~known], minlength=count).tolist()
    result_sections: dict[str, dict[str, Any]] = {}
    for name, correct, total, skipped in zip(questions.sections, correct_by_section, total_by_section,
                                             skipped_by_section):
        entry = result_sections.setdefault(name, {"accuracy": 0.0, "correct": 0, "total": 0, "skipped": 0})
        entry["correct"] += correct
        entry["total"] += total
        entry["skipped"] += skipped
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


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, stripped line)`` for lines with content that are not ``#`` comments.

    Read one line at a time, each decoded on its own; lines end at ``\\n``, ``\\r\\n`` or ``\\r``.
    """
    blank = True
    try:
        if path.is_dir():
            raise EvaluationError(f"'{path}' is a folder, not a test file")
        size = path.stat().st_size
        if size > _MAX_FILE_BYTES:
            raise EvaluationError(f"'{path}' is too large for a test file ({size:,} bytes)")
        with open(path, "rb") as f:
            if b"\x00" in f.read(8192):
                raise EvaluationError(f"'{path}' is a binary file, not a text test file")
            f.seek(0)
            if f.read(3) != b"\xef\xbb\xbf":  # skip a byte-order mark
                f.seek(0)
            line_no = 0
            while raw := f.readline(_MAX_LINE_BYTES):
                if len(raw) == _MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    raise EvaluationError(
                        f"'{path}', line {line_no + 1}: longer than {_MAX_LINE_BYTES:,} bytes (not a test file?)"
                    )
                for piece in raw.splitlines():
                    line_no += 1
                    line = _decode(piece).strip()
                    blank = blank and not line
                    if line and not line.startswith("#"):
                        yield line_no, line
    except FileNotFoundError:
        raise EvaluationError(f"No such test file: '{path}'") from None
    except IsADirectoryError:
        raise EvaluationError(f"'{path}' is a folder, not a test file") from None
    except OSError as error:
        raise EvaluationError(f"Cannot read '{path}': {error.strerror or error}") from None
    if blank:
        raise EvaluationError(f"'{path}' is empty")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
