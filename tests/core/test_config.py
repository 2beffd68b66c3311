"""Training settings: defaults are the article's, and every bad value is refused by name."""

from __future__ import annotations

import json

import pytest

from embedding_studio.core.config import (DEFAULT_BATCH_PAIRS, FLOAT_RANGES, INT_RANGES, MIN_LR_FRACTION,
                         MIN_WORKER_BATCH_PAIRS, MIN_WORKER_BATCH_TOKENS, TrainConfig, default_batch_tokens, range_text)
from embedding_studio.core.errors import ConfigError
from embedding_studio.core.text.corpus import corpus_from_tokens, load_corpus


def test_defaults_are_the_articles_settings_plus_the_refinements():
    c = TrainConfig(workers=1)
    assert (c.dim, c.window, c.negative, c.epochs, c.min_count) == (32, 2, 5, 20, 5)
    assert (c.sample, c.lr) == (1e-3, 0.025) and c.min_lr is None and c.run_min_lr == pytest.approx(0.025 * 1e-4)
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
    assert c.planned().min_lr == pytest.approx(0.05 * 1e-4)


def test_batches_are_sized_by_their_pairs_unless_a_size_is_given():
    # A token makes window + 1 pairs on average: small windows get longer batches, down to 1,024 tokens.
    sizes = {w: TrainConfig(window=w, workers=1).planned().batch_tokens for w in (1, 2, 3, 5, 10)}
    assert sizes == {1: 3072, 2: 2048, 3: 1536, 5: 1024, 10: 1024}
    assert all(size * (w + 1) >= DEFAULT_BATCH_PAIRS for w, size in sizes.items())
    assert TrainConfig(window=2, batch_tokens=500, workers=1).planned().batch_tokens == 500
    # The user's value stays as given (None: left to the rule), so a derived size follows a new window
    # and one given stays, even one that happens to equal the rule's; planned() works it out.
    assert TrainConfig(window=2, workers=1).replace(window=10).planned().batch_tokens == default_batch_tokens(10)
    assert TrainConfig(window=2, batch_tokens=500, workers=1).replace(window=10).planned().batch_tokens == 500
    assert TrainConfig(window=5, batch_tokens=1024, workers=1).replace(window=2).planned().batch_tokens == 1024
    assert TrainConfig(workers=1).replace(epochs=3).replace(window=1).planned().batch_tokens == default_batch_tokens(1)
    assert TrainConfig(workers=1).batch_tokens is None and TrainConfig(batch_tokens=64).batch_tokens == 64
    assert TrainConfig(workers=1).planned() == TrainConfig(batch_tokens=2048, workers=1).planned()  # the same run
    planned = TrainConfig(workers=1).planned()
    assert planned.planned() == planned and planned.batch_tokens == 2048 and planned.min_lr == planned.run_min_lr
    with pytest.raises(ConfigError, match="window"):
        TrainConfig(window="wide")
    # Settings that fit in 1,024-token batches are never refused for the longer batch a small window gets.
    assert TrainConfig(dim=2048, negative=100, window=2, workers=1).planned().batch_tokens == 1024
    with pytest.raises(ConfigError, match="2 GB"):
        TrainConfig(dim=2048, negative=100, window=2, batch_tokens=2048, workers=1)


def test_past_two_workers_the_batches_in_flight_hold_one_default_batchs_pairs():
    # Hogwild workers compute each batch from rows that lack the updates of the batches beside it; two
    # workers of a default batch each matched one worker, more did not (benchmarks/README.md, "Workers").
    for window in (1, 2, 5, 10, 50, 100):
        budget = DEFAULT_BATCH_PAIRS // (window + 1)  # a default batch's pairs, in tokens
        for workers in (1, 2):  # as before: a default batch each, all training at once
            c = TrainConfig(window=window, workers=workers)
            assert (c.run_batch_tokens, c.batches_in_flight) == (default_batch_tokens(window), workers)
        for workers in (3, 4, 8, 16, 32, 256):
            c = TrainConfig(window=window, workers=workers)  # never refused for a size it chose itself
            least = max(MIN_WORKER_BATCH_TOKENS, MIN_WORKER_BATCH_PAIRS // (window + 1))
            assert c.run_batch_tokens == max(least, budget // workers)
            assert c.batches_in_flight == min(workers, max(2, budget // c.run_batch_tokens))
            assert c.batches_in_flight * c.run_batch_tokens <= max(budget, 2 * c.run_batch_tokens)
    # A derived size follows the worker count; a given one stays, and then two of its batches train at once.
    assert TrainConfig(window=5, workers=1).replace(workers=8).run_batch_tokens == 256
    assert TrainConfig(window=5, workers=8).replace(workers=2).run_batch_tokens == 1024
    assert TrainConfig(window=5, workers=8, batch_tokens=1024).batches_in_flight == 2
    assert TrainConfig(window=5, workers=8, batch_tokens=64).batches_in_flight == 8


def test_round_trip_through_a_dict_ignores_unknown_keys():
    c = TrainConfig(dim=50, workers=1)
    assert TrainConfig.from_dict({**c.to_dict(), "from_the_future": 1}) == c


def test_settings_that_together_would_need_gigabytes_per_batch_are_refused():
    with pytest.raises(ConfigError, match="2 GB"):
        TrainConfig(batch_tokens=1_000_000, window=100, negative=100, workers=1)


# Settings small enough that any one of them may go to its limit without tripping the 2 GB batch rule.
SMALL = dict(dim=8, window=1, negative=1, workers=1)


@pytest.mark.parametrize("name", sorted(INT_RANGES))
def test_whole_number_ranges_are_enforced_at_both_ends_with_the_range_in_the_message(name):
    low, high = INT_RANGES[name]
    for value in (low, high):
        assert getattr(TrainConfig(**{**SMALL, name: value}), name) == value
    for value in (low - 1, high + 1):
        with pytest.raises(ConfigError, match=name) as refused:
            TrainConfig(**{**SMALL, name: value})
        assert range_text(name) in str(refused.value)


@pytest.mark.parametrize("name", sorted(FLOAT_RANGES))
def test_real_number_ranges_are_enforced_with_the_range_in_the_message(name):
    low, high, low_allowed = FLOAT_RANGES[name]
    base = dict(SMALL, lr=10.0)  # so that min_lr may reach its own high end
    assert getattr(TrainConfig(**{**base, name: high}), name) == high
    with pytest.raises(ConfigError, match=name) as refused:
        TrainConfig(**{**base, name: high * 2})
    assert range_text(name) in str(refused.value)
    if low_allowed:
        assert getattr(TrainConfig(**{**base, name: low}), name) == low
    else:
        with pytest.raises(ConfigError, match=name):
            TrainConfig(**{**base, name: low})


def test_min_lr_is_derived_from_lr_unless_given():
    assert TrainConfig(workers=1).planned().min_lr == 0.025 * MIN_LR_FRACTION
    assert TrainConfig(lr=0.05, workers=1).planned().min_lr == pytest.approx(0.05 * MIN_LR_FRACTION)
    explicit = TrainConfig(lr=0.05, min_lr=0.001, workers=1)
    assert explicit.planned().min_lr == 0.001
    assert explicit.replace(lr=0.1).planned().min_lr == 0.001  # a rate set by hand is kept
    assert explicit.replace(min_lr=None).planned().min_lr == pytest.approx(0.05 * MIN_LR_FRACTION)


def test_a_config_round_trips_through_json_as_given_and_planned_as_a_model_file_stores_it():
    for config in (TrainConfig(workers=1), TrainConfig(lr=0.05, min_lr=0.001, workers=1)):
        for settings in (config, config.planned()):
            assert TrainConfig.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings
        stored = json.loads(json.dumps(config.planned().to_dict()))  # what a model keeps: what its run used
        assert isinstance(stored["min_lr"], float)  # a number: versions without the rule read it too
    reloaded = TrainConfig.from_dict(json.loads(json.dumps(TrainConfig(workers=1).to_dict())))
    assert reloaded.replace(lr=0.05).planned().min_lr == pytest.approx(0.05 * MIN_LR_FRACTION)  # follows lr


def test_an_old_model_files_settings_still_load():
    old = {"dim": 32, "window": 2, "negative": 5, "epochs": 20, "min_count": 5, "max_vocab": None,
           "sample": 0.001, "lr": 0.025, "min_lr": 2.5e-06, "seed": 1, "workers": 4, "batch_tokens": 1024,
           "max_row_step": 5.0}
    assert TrainConfig.from_dict(old).min_lr == 2.5e-06
    assert TrainConfig.from_dict({**old, "lr": 0.05, "min_lr": 0.0}).min_lr == 0.0
    without = {k: v for k, v in old.items() if k != "min_lr"}
    assert TrainConfig.from_dict(without).planned().min_lr == pytest.approx(0.025 * MIN_LR_FRACTION)


@pytest.mark.parametrize("min_count, max_vocab", [(0, None), (True, None), (10**10, None), (5, 1), (5, 2.5)])
def test_the_corpus_reader_refuses_vocabulary_limits_with_the_configs_own_message(min_count, max_vocab, tmp_path):
    with pytest.raises(ConfigError) as from_config:
        TrainConfig(min_count=min_count, max_vocab=max_vocab, workers=1)
    with pytest.raises(ConfigError) as from_tokens:
        corpus_from_tokens(["a", "b"], min_count=min_count, max_vocab=max_vocab)
    with pytest.raises(ConfigError) as from_files:
        load_corpus([tmp_path / "never-read.txt"], min_count=min_count, max_vocab=max_vocab)
    assert str(from_tokens.value) == str(from_files.value) == str(from_config.value)


def test_a_renamed_token_rule_reads_from_old_files_and_is_refused_by_its_old_name_with_the_new():
    old = TrainConfig(tokens="keep-hyphens", workers=1).to_dict() | {"tokens": "standard"}
    assert TrainConfig.from_dict(old).tokens == "keep-hyphens"
    with pytest.raises(ConfigError, match="'standard' is now called 'keep-hyphens'"):
        TrainConfig(tokens="standard")
