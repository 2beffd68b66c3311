"""Training settings: defaults are the article's, and every bad value is refused by name."""

from __future__ import annotations

import pytest

from core.config import TrainConfig
from core.errors import ConfigError


def test_defaults_are_the_articles_settings_plus_the_refinements():
    c = TrainConfig(workers=1)
    assert (c.dim, c.window, c.negative, c.epochs, c.min_count) == (32, 2, 5, 20, 5)
    assert (c.sample, c.lr) == (1e-3, 0.025) and c.min_lr == pytest.approx(0.025 * 1e-4)
    assert TrainConfig().workers >= 1
    w2v = TrainConfig.word2vec_defaults()
    assert (w2v.dim, w2v.window) == (100, 5)


@pytest.mark.parametrize("name, value", [
    ("dim", 0), ("dim", 100_000), ("window", 0), ("negative", 0), ("epochs", 0), ("min_count", 0),
    ("workers", 0), ("dim", 3.5), ("dim", True), ("sample", -0.1), ("sample", 2.0), ("lr", 0.0),
    ("lr", float("nan")), ("lr", float("inf")), ("lr", "fast"), ("max_vocab", 1), ("seed", -1),
])
def test_bad_values_are_refused_naming_the_setting(name, value):
    with pytest.raises(ConfigError, match=name):
        TrainConfig(**{name: value})


def test_min_lr_above_lr_is_refused_and_replace_keeps_the_ratio():
    with pytest.raises(ConfigError, match="min_lr"):
        TrainConfig(lr=0.01, min_lr=0.1)
    c = TrainConfig(workers=1).replace(lr=0.05)
    assert c.min_lr == pytest.approx(0.05 * 1e-4)


def test_round_trip_through_a_dict_ignores_unknown_keys():
    c = TrainConfig(dim=50, workers=1)
    assert TrainConfig.from_dict({**c.to_dict(), "from_the_future": 1}) == c


def test_settings_that_together_would_need_gigabytes_per_batch_are_refused():
    with pytest.raises(ConfigError, match="2 GB"):
        TrainConfig(batch_tokens=1_000_000, window=100, negative=100, workers=1)
