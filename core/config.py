"""Training settings: one small frozen object, validated in one place.

Like scikit-learn's estimators, settings are plain keyword arguments; unlike them we validate at
construction so a bad value is reported before any text is read, naming the setting and its range.
The defaults are the article's (32 dims, window 2, 5 negatives, 20 epochs) plus what every real
word2vec adds: subsampling of frequent words, a reduced window and a decaying learning rate.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

#: Tokens per batch. Each batch's updates are summed before they are applied; far larger batches
#: pile too many updates onto frequent rows and lose quality (see benchmarks/README.md).
DEFAULT_BATCH_TOKENS = 1024

#: The most a table row may move in one batch, as learning rate x the updates it sums (shared among
#: the workers): 200 updates at lr 0.025. A batch computes every update from the rows as they were
#: before it, so a frequent word's hundreds of updates would overshoot together and diverge; past
#: this bound they are scaled down (core.train.sgns.overloaded_rows, benchmarks/README.md "Stability").
DEFAULT_MAX_ROW_STEP = 5.0


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# name: (low, high), both allowed -- the "absurd" limits keep a typo from eating the machine.
_INT_RANGES: dict[str, tuple[int, int]] = {
    "dim": (1, 2048),
    "window": (1, 100),
    "negative": (1, 100),
    "epochs": (1, 10_000),
    "min_count": (1, 1_000_000_000),
    "workers": (1, 256),
    "batch_tokens": (16, 1_000_000),
    "seed": (0, 2**63 - 1),
}


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run of skip-gram with negative sampling."""

    dim: int = 32
    window: int = 2
    negative: int = 5
    epochs: int = 20
    min_count: int = 5
    max_vocab: int | None = None
    sample: float = 1e-3
    lr: float = 0.025
    min_lr: float = 0.025 * 1e-4
    seed: int = 1
    workers: int = dataclasses.field(default_factory=default_workers)
    batch_tokens: int = DEFAULT_BATCH_TOKENS
    max_row_step: float = DEFAULT_MAX_ROW_STEP

    def __post_init__(self) -> None:
        for name, (low, high) in _INT_RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name} must be a whole number, got {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
        if self.max_vocab is not None and (
            isinstance(self.max_vocab, bool) or not isinstance(self.max_vocab, int) or self.max_vocab < 2
        ):
            raise ConfigError(f"max_vocab must be a whole number of at least 2, got {self.max_vocab!r}")
        _check_float("sample", self.sample, 0.0, 1.0, allow_low=True)
        _check_float("lr", self.lr, 0.0, 10.0, allow_low=False)
        _check_float("min_lr", self.min_lr, 0.0, 10.0, allow_low=True)
        _check_float("max_row_step", self.max_row_step, 0.0, 1e9, allow_low=False)
        if self.min_lr > self.lr:
            raise ConfigError(f"min_lr ({self.min_lr}) must not exceed lr ({self.lr})")
        # One batch holds up to batch_tokens * 2 * window pairs of (negative + 1) rows each.
        rows = self.batch_tokens * 2 * self.window * (self.negative + 1)
        if rows * max(self.dim, 8) * 4 > 2**31:
            raise ConfigError(
                f"batch_tokens={self.batch_tokens}, window={self.window}, negative={self.negative} and "
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
        """A copy with some settings changed (validated again).

        Changing ``lr`` alone keeps the article's final rate of ``lr * 1e-4``.
        """
        if "lr" in changes and "min_lr" not in changes and math.isclose(self.min_lr, self.lr * 1e-4):
            changes["min_lr"] = float(changes["lr"]) * 1e-4
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        """Rebuild from :meth:`to_dict`, ignoring keys a newer version may have added."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


def _check_float(name: str, value: Any, low: float, high: float, *, allow_low: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value}")
    ok_low = value >= low if allow_low else value > low
    if not (ok_low and value <= high):
        bracket = "[" if allow_low else "("
        raise ConfigError(f"{name} must be in {bracket}{low}, {high}], got {value}")
