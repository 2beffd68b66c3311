"""Training settings: one small frozen object, validated in one place.

Each rule is written once, here: the ranges, the defaults and the derived final learning rate. The
command line and the app read them from this module rather than repeating numbers that could drift.

Like scikit-learn's estimators, settings are plain keyword arguments; unlike them we validate at
construction so a bad value is reported before any text is read, naming the setting and its range.
The defaults are the article's (32 dims, window 2, 5 negatives, 20 epochs) plus what every real
word2vec adds: subsampling of frequent words, a reduced window and a decaying learning rate.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

#: Batches are sized by their pairs: a token makes ``window + 1`` pairs on average (its reduced window
#: is 1..window wide on each side), so a batch of ``DEFAULT_BATCH_PAIRS // (window + 1)`` tokens holds
#: about as many pairs, and piles about as many summed updates onto a frequent row, at every window.
#: Each batch has a fixed cost of a few dozen NumPy calls, which small windows then share among more
#: tokens (window 2: 2,048 tokens, a tenth less time per token than 1,024 and as good a model; the
#: stability grid's window-2 cells pass at that size: benchmarks/README.md).
DEFAULT_BATCH_PAIRS = 6144
#: ...but never fewer tokens than this (window 5 and wider): smaller batches only add fixed costs. (Past
#: two workers each takes a share, below.)
MIN_DEFAULT_BATCH_TOKENS = 1024

#: Workers train on the same tables without locks (Hogwild), each batch computed from rows that have
#: not yet seen the updates of the batches training beside it. Quality fell with the worker count (16
#: workers: WordSim 0.088 against 0.235 with one) while two workers matched one. So past two workers
#: the batches training at once together hold one default batch's pairs (:data:`DEFAULT_BATCH_PAIRS`),
#: whatever the worker count: each worker takes a share of them (:func:`default_batch_tokens`), and no
#: batch starts while ``batches_in_flight`` earlier ones are unfinished (core.train.workers).
#: benchmarks/README.md, "Workers", has the measurements. A worker's batch holds at least this many
#: pairs (256 tokens at window 5) and this many tokens: below them the fixed cost per batch dominates
#: (at dim 100, window 5, 256 tokens cost 1.3x a 1,024-token batch's time per token, 128 tokens 1.6x);
#: workers beyond what the budget holds at this size wait their turn, and are not started.
MIN_WORKER_BATCH_PAIRS = 1536
MIN_WORKER_BATCH_TOKENS = 128


def default_batch_tokens(window: int, workers: int = 1) -> int:
    """Tokens per batch when none is given (see :data:`DEFAULT_BATCH_PAIRS`); past two workers, a share
    of a default batch's pairs, so that the batches training at once hold one default batch's pairs."""
    if workers <= 2:
        return max(MIN_DEFAULT_BATCH_TOKENS, DEFAULT_BATCH_PAIRS // (window + 1))
    least = max(MIN_WORKER_BATCH_TOKENS, MIN_WORKER_BATCH_PAIRS // (window + 1))
    return max(least, DEFAULT_BATCH_PAIRS // (window + 1) // workers)


def batches_in_flight(window: int, workers: int, batch_tokens: int) -> int:
    """How many batches may train at once: as many as one default batch's pairs hold in batches of
    ``batch_tokens``; at least two (as two workers always had), at most one per worker."""
    return min(workers, max(2, DEFAULT_BATCH_PAIRS // (window + 1) // batch_tokens))


#: The most a table row may move in one batch, as learning rate x the updates it sums (shared among
#: the batches in flight): 200 updates at lr 0.025. A batch computes every update from the rows as they
#: were before it, so a frequent word's hundreds of updates would overshoot together and diverge; past
#: this bound they are scaled down (core.train.sgns._row_factors, benchmarks/README.md "Stability").
DEFAULT_MAX_ROW_STEP = 5.0

#: The careful bound a run takes on when its loss climbs past an untrained model's: no row may move
#: any of its scores by more than this many logits in one batch (shared among the batches in flight),
#: lr x sum |gradient| x |partner row|^2 over the row's updates (core.train.sgns._logit_factors). Off
#: (``max_row_logit=None``) until a run diverges: the count bound above holds on prose, and this one
#: costs 1.6x per batch. Texts of a few distinct words in long runs or pairs diverged under the count
#: bound alone (their partner rows grow long and all pull one way); under this one none of the
#: generated texts did (benchmarks/README.md, "Tiny texts").
CAREFUL_ROW_LOGIT = 2.0

#: Evaluations score only the most frequent words, as gensim's evaluators do (their restrict_vocab):
#: rare words' vectors are noisy and would decide nothing but the score's noise.
DEFAULT_RESTRICT_VOCAB = 300_000


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


#: The final learning rate as a share of the first, unless ``min_lr`` is given (word2vec's rule).
MIN_LR_FRACTION = 1e-4

#: Words seen fewer times are dropped; the corpus reader uses the same default as TrainConfig.
DEFAULT_MIN_COUNT = 5


@dataclass(frozen=True)
class TokenRule:
    """How apostrophes and hyphens inside a word are read (core.text.tokens applies it).

    ``apostrophe``: "join" removes it ("don't" -> "dont", "man's" -> "mans": the article's rule);
    "split" separates ("don't" -> "don", "t", as ``re.findall("[a-z]+")`` does); "drop-s" drops a final
    "'s" ("man's" -> "man") and keeps other contractions whole ("don't", "i'll"); "split-s" is "drop-s"
    with the "'s" kept as a word of its own. An apostrophe at a word's edge is a quote mark: it separates.
    ``hyphens``: a hyphen between two letters joins them ("to-morrow" stays one word).
    """

    apostrophe: str
    hyphens: bool
    description: str


#: How text becomes words: each rule's name (the setting's value), what it does and its description,
#: written once here and read by the tokeniser, the command line's help and the app's list. The
#: default, chosen by measurement (benchmarks/README.md, "Tokens"): splitting hyphenated words gives
#: their parts their occurrences, which at word2vec's usual settings scored SimLex and analogies higher
#: than keeping them whole ("keep-hyphens", called "standard" until it stopped being the default).
TOKEN_RULES: dict[str, TokenRule] = {
    "keep-hyphens": TokenRule("drop-s", True, "possessive 's dropped, contractions and hyphenated words whole"),
    "drop-s": TokenRule("drop-s", False, "possessive 's dropped, contractions whole, hyphens split"),
    "split-s": TokenRule("split-s", False, "possessive 's a word of its own, contractions whole"),
    "split": TokenRule("split", False, "apostrophes and hyphens split words (like [a-z]+)"),
    "article": TokenRule("join", False, "the article's rule: apostrophes removed (don't -> dont)"),
}
TOKEN_RULE_NAMES = tuple(TOKEN_RULES)
#: Rules that were renamed: settings saved under the old name (model files, the app's last settings) read as the new.
RENAMED_TOKEN_RULES = {"standard": "keep-hyphens"}
DEFAULT_TOKENS = "drop-s"
#: Subword vectors (core.train.subword_sgns): n-gram rows a word's characters hash into. fastText's 2,000,000
#: is sized for corpora of billions of words; a few books hold a few hundred thousand distinct n-grams.
DEFAULT_SUBWORD_BUCKETS = 500_000

#: Phrases (core.text.phrases): a pair must score above this to be joined (word2phrase's default).
DEFAULT_PHRASE_THRESHOLD = 100.0

#: The quality levers' defaults (TrainConfig.add_context, remove_top), chosen by measurement:
#: benchmarks/README.md, "Quality levers: better than gensim on the same text".
DEFAULT_ADD_CONTEXT = False
DEFAULT_REMOVE_TOP: int | None = None

#: The high end of a setting with no upper limit worth stating (the largest int64).
_NO_LIMIT = 2**63 - 1

#: name: (low, high), both allowed -- the "absurd" limits keep a typo from eating the machine. Every
#: front end takes its limits from here (a Qt spin box clamps them to what it can hold).
INT_RANGES: dict[str, tuple[int, int]] = {
    "dim": (1, 2048),
    "window": (1, 100),
    "negative": (1, 100),
    "epochs": (1, 10_000),
    "min_count": (1, 1_000_000_000),
    "max_vocab": (2, _NO_LIMIT),  # None, the default, keeps every word
    "workers": (1, 256),
    "batch_tokens": (16, 1_000_000),
    "seed": (0, _NO_LIMIT),
    "subword_buckets": (1, 20_000_000),
    "remove_top": (0, 2048),  # None, off, is allowed too
}

#: name: (low, high, low allowed); high is always allowed. A step bound of 0 would never move a vector,
#: so those exclude their low end. A learning rate must be able to train: 1e-300 ran a whole run and
#: saved the vectors as drawn. Measured on the five books (dim 100): the loss stays at log 2 (0.6931,
#: untrained) for 2 epochs at 1e-6, 1e-5 and 1e-4 alike; 1e-3 reaches 0.6381; and 1e-4 only begins to
#: learn after 5 of 10 epochs (0.6917 at the end). So 1e-4, gensim's final rate, is the lowest start.
FLOAT_RANGES: dict[str, tuple[float, float, bool]] = {
    "sample": (0.0, 1.0, True),
    "lr": (1e-4, 10.0, True),
    "min_lr": (0.0, 10.0, True),
    "max_row_step": (0.0, 1e9, False),
    "max_row_logit": (0.0, 1e9, False),
    "phrase_threshold": (0.0, 1e12, False),
}

#: Settings that shape the vocabulary: checked by check_vocabulary_limits, not again by TrainConfig.
_VOCABULARY_SETTINGS = ("min_count", "max_vocab")


def range_text(name: str) -> str:
    """A setting's allowed values in words, so error messages and help texts state the same range."""
    if name in INT_RANGES:
        low, high = INT_RANGES[name]
        return f"{low} or more" if high == _NO_LIMIT else f"{low} to {high}"
    low, high, low_allowed = FLOAT_RANGES[name]
    return f"{low:g} to {high:g}" if low_allowed else f"above {low:g} and at most {high:g}"


def check_vocabulary_limits(min_count: Any, max_vocab: Any) -> None:
    """Raise ConfigError for a bad min_count or max_vocab (None: no cap).

    Public because a corpus is read with these two before, or without, any TrainConfig.
    """
    _check_int("min_count", min_count)
    if max_vocab is not None:
        _check_int("max_vocab", max_vocab)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run of skip-gram with negative sampling, as the user gave them.

    ``min_lr`` and ``batch_tokens`` left as None stay None: their values follow from the others
    (``lr * MIN_LR_FRACTION``; :func:`default_batch_tokens` of the window and workers) and are worked
    out in one place, :meth:`planned`, when a run is planned, so a config whose ``lr`` or ``window``
    changes later (:meth:`replace`) derives them anew, and one given by hand keeps them.
    """

    dim: int = 32
    window: int = 2
    negative: int = 5
    epochs: int = 20
    min_count: int = DEFAULT_MIN_COUNT
    max_vocab: int | None = None
    sample: float = 1e-3
    lr: float = 0.025
    min_lr: float | None = None
    seed: int = 1
    workers: int = dataclasses.field(default_factory=default_workers)
    batch_tokens: int | None = None
    max_row_step: float = DEFAULT_MAX_ROW_STEP
    max_row_logit: float | None = None
    tokens: str = DEFAULT_TOKENS
    phrases: bool = False
    phrase_threshold: float = DEFAULT_PHRASE_THRESHOLD
    subwords: bool = False  # fastText's character n-grams (core.train.subword_sgns)
    subword_buckets: int = DEFAULT_SUBWORD_BUCKETS
    #: The levers applied to the finished tables (core.vectors.postprocess; benchmarks/README.md, "Quality
    #: levers"): add the output rows to the input ones (w + c), and remove the common mean and this many
    #: top principal directions (all-but-the-top; None: off, 0: the mean alone).
    add_context: bool = DEFAULT_ADD_CONTEXT
    remove_top: int | None = DEFAULT_REMOVE_TOP

    def __post_init__(self) -> None:
        check_vocabulary_limits(self.min_count, self.max_vocab)
        check_tokens(self.tokens)
        if not isinstance(self.phrases, bool):
            raise ConfigError(f"phrases must be true or false, got {self.phrases!r}")
        if not isinstance(self.subwords, bool):
            raise ConfigError(f"subwords must be true or false, got {self.subwords!r}")
        if not isinstance(self.add_context, bool):
            raise ConfigError(f"add_context must be true or false, got {self.add_context!r}")
        if self.remove_top is not None:
            _check_int("remove_top", self.remove_top)
        if self.subwords and (self.add_context or self.remove_top is not None):  # not measured together
            raise ConfigError("the quality levers (add_context, remove_top) do not apply to subword vectors, "
                              "which are built from letters at query time; use one or the other")
        for name in INT_RANGES:
            if name not in _VOCABULARY_SETTINGS and name != "remove_top" and (
                    name != "batch_tokens" or self.batch_tokens is not None):
                _check_int(name, getattr(self, name))
        _check_float("sample", self.sample)
        _check_float("lr", self.lr)
        if self.min_lr is not None:
            _check_float("min_lr", self.min_lr)
            if self.min_lr > self.lr:
                raise ConfigError(f"min_lr ({self.min_lr}) must not exceed lr ({self.lr})")
        _check_float("max_row_step", self.max_row_step)
        if self.max_row_logit is not None:
            _check_float("max_row_logit", self.max_row_logit)
        _check_float("phrase_threshold", self.phrase_threshold)
        if _batch_bytes(self, self.run_batch_tokens) > 2**31:
            raise ConfigError(
                f"batch_tokens={self.run_batch_tokens}, window={self.window}, negative={self.negative} and "
                f"dim={self.dim} together make batches of over 2 GB; lower one of them")

    @classmethod
    def article(cls, **overrides: Any) -> "TrainConfig":
        """The article's settings: 32 dims, window 2, 5 negatives, 20 epochs."""
        return cls(**overrides)

    @classmethod
    def word2vec_defaults(cls, **overrides: Any) -> "TrainConfig":
        """The original word2vec tool's skip-gram settings: 100 dims, window 5, 5 epochs."""
        settings = dict(dim=100, window=5, negative=5, epochs=5)
        settings.update(overrides)
        return cls(**settings)

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some settings changed (validated again); a value left to its rule stays so."""
        return dataclasses.replace(self, **changes)

    def planned(self) -> "TrainConfig":
        """The settings a run trains with: every value left to its rule worked out (the one place)."""
        return dataclasses.replace(self, batch_tokens=self.run_batch_tokens, min_lr=self.run_min_lr)

    @property
    def run_batch_tokens(self) -> int:
        """Tokens per batch: as given, else :func:`default_batch_tokens` (or 1,024 where that would
        make batches of over 2 GB, so that a setting 1,024 tokens allow is never refused)."""
        if self.batch_tokens is not None:
            return self.batch_tokens
        derived = default_batch_tokens(self.window, self.workers)
        if _batch_bytes(self, derived) > 2**31:
            return min(derived, MIN_DEFAULT_BATCH_TOKENS)
        return derived

    @property
    def run_min_lr(self) -> float:
        """The learning rate the schedule ends at: as given, else ``lr * MIN_LR_FRACTION``."""
        return self.lr * MIN_LR_FRACTION if self.min_lr is None else self.min_lr

    @property
    def batches_in_flight(self) -> int:
        """How many batches train at once (see :func:`batches_in_flight`)."""
        return batches_in_flight(self.window, self.workers, self.run_batch_tokens)

    def to_dict(self) -> dict[str, Any]:
        """Every setting as a plain value (None where left to its rule)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        """Rebuild from :meth:`to_dict`, ignoring keys a newer version may have added."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {"tokens": "article", **values}  # saved before there was a choice: the article's rule
        values = {"add_context": False, "remove_top": None, **values}  # saved before the levers: raw tables
        values["tokens"] = RENAMED_TOKEN_RULES.get(values["tokens"], values["tokens"])
        return cls(**{k: v for k, v in values.items() if k in known})


def _batch_bytes(config: TrainConfig, batch_tokens: int) -> int:
    """Bytes one batch of ``batch_tokens`` holds, per each of its k = negative + 1 targets: n gathered
    output rows and their gradients (dim floats each), n windows of scores and of steps (2 window + 1
    floats each), and up to 2 window pairs per token in the sparse update (a row index, a weight, a pointer)."""
    k = config.negative + 1
    per_token = 4 * k * (2 * max(config.dim, 8) + 2 * (2 * config.window + 1)) + 12 * k * 2 * config.window
    return per_token * batch_tokens


def workers_note(config: TrainConfig) -> str | None:
    """Why fewer workers than asked will train, or None: the front ends show this beside the setting."""
    if config.workers <= config.batches_in_flight:
        return None
    return (f"{config.batches_in_flight} of the {config.workers} workers train at once: at window "
            f"{config.window} with batches of {config.run_batch_tokens:,} tokens, more batches in flight would cost "
            "quality (each is computed from rows that lack the others' updates)")


def check_tokens(tokens: Any) -> None:
    """Raise ConfigError unless ``tokens`` names a tokenising rule."""
    if tokens not in TOKEN_RULE_NAMES:
        renamed = f" ({tokens!r} is now called {RENAMED_TOKEN_RULES[tokens]!r})" if tokens in RENAMED_TOKEN_RULES else ""
        raise ConfigError(f"tokens must be one of {', '.join(TOKEN_RULE_NAMES)}, got {tokens!r}{renamed}")


def _check_int(name: str, value: Any) -> None:
    low, high = INT_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number, {range_text(name)}, got {value!r}")


def _check_float(name: str, value: Any) -> None:
    low, high, low_allowed = FLOAT_RANGES[name]
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if not (number and (low <= value if low_allowed else low < value) and value <= high):  # NaN fails too
        raise ConfigError(f"{name} must be a number, {range_text(name)}, got {value!r}")
