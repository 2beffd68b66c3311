"""The SGNS trainer: each batched piece against a per-pair reference, then the loop's behaviour."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from embedding_studio.core.config import CAREFUL_ROW_LOGIT, TrainConfig
from embedding_studio.core.errors import ConfigError, TrainingDiverged
from embedding_studio.core.train.sgns import InFlight, _row_factors, initial_table, scatter_add, window_step
from embedding_studio.core.train.workers import Ledger
from embedding_studio.core.train import trainer as trainer_module
from embedding_studio.core.train.trainer import EpochEnd, Progress, Trainer
from embedding_studio.core.text.vocab import AliasSampler, Vocab


def window_pairs(n, reduced):
    """(centre position, input position) of every pair: the words within ``reduced[i]`` of position i."""
    return [(i, j) for i in range(n) for j in range(max(0, i - reduced[i]), min(n, i + reduced[i] + 1)) if j != i]


def per_example_reference(table, n_words, tokens, reduced, noise, lr, max_updates=math.inf):
    """The article's update, one example at a time, but every gradient from the rows before the batch:
    position i's word (label 1) and its noise words (label 0) against the input row of each word in its
    reduced window. With ``max_updates``, a row whose terms in the batch (one per example for an output
    row, k per pair for an input row) pass it has each of its terms scaled by ``max_updates / terms``."""
    pairs = window_pairs(len(tokens), reduced)
    k = noise.shape[1] + 1
    terms = {}
    for i, j in pairs:
        terms[tokens[j]] = terms.get(tokens[j], 0) + k
        for target in [tokens[i], *noise[i]]:
            terms[n_words + target] = terms.get(n_words + target, 0) + 1

    def scale(row):
        return max_updates / terms[row] if terms[row] > max_updates else 1.0

    before = table.astype(np.float64)
    after = before.copy()
    loss = 0.0
    for i, j in pairs:
        h = before[tokens[j]]
        for target, label in [(tokens[i], 1.0)] + [(m, 0.0) for m in noise[i]]:
            out = before[n_words + target]
            prob = 1.0 / (1.0 + math.exp(-h @ out))
            loss += -math.log(prob) if label else -math.log(1.0 - prob)
            grad = prob - label  # prob - 1 for the real pair, prob for noise
            after[tokens[j]] -= lr * grad * out * scale(tokens[j])
            after[n_words + target] -= lr * grad * h * scale(n_words + target)
    return after, loss


def random_batch(seed, n_words=6, n=9, window=3, negative=2, dim=4):
    rng = np.random.default_rng(seed)
    table = rng.normal(0, 0.5, size=(2 * n_words, dim)).astype(np.float32)
    tokens = rng.integers(0, n_words, n).astype(np.int32)
    reduced = rng.integers(1, window + 1, n).astype(np.int32)
    noise = rng.integers(0, n_words, (n, negative)).astype(np.int32)
    return table, tokens, reduced, noise


@pytest.mark.parametrize("seed, n, window", [(0, 9, 3), (1, 2, 5), (2, 30, 1), (3, 12, 10)])
def test_window_step_equals_the_per_example_reference(seed, n, window):
    # Few words, so rows repeat as inputs, targets and noise (a word is sometimes its own noise);
    # windows wider than the batch, and a batch of two tokens.
    table, tokens, reduced, noise = random_batch(seed, n=n, window=window)
    expected, expected_loss = per_example_reference(table, 6, tokens, reduced, noise, lr=0.1)
    loss, pairs = window_step(table, 6, tokens, reduced, noise, window, lr=0.1)
    assert pairs == len(window_pairs(n, reduced))
    np.testing.assert_allclose(table, expected, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(expected_loss, rel=1e-5)


@pytest.mark.parametrize("seed, max_updates", [(4, 3.0), (5, 7.0), (6, 20.0)])
def test_the_bounded_window_step_equals_the_bounded_reference(seed, max_updates):
    # Six words over 20 tokens: input and output rows pass the bound, by different amounts, and a word's
    # output row is both a real target and a noise word of other centres.
    table, tokens, reduced, noise = random_batch(seed, n=20, window=3, negative=3)
    expected, expected_loss = per_example_reference(table, 6, tokens, reduced, noise, 0.1, max_updates)
    free = table.copy()
    window_step(free, 6, tokens, reduced, noise, 3, lr=0.1)
    assert not np.allclose(free, expected, rtol=1e-3)  # the bound did bind
    loss, _ = window_step(table, 6, tokens, reduced, noise, 3, lr=0.1, max_updates=max_updates)
    np.testing.assert_allclose(table, expected, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(expected_loss, rel=1e-5)


def test_a_single_token_makes_no_pair_and_changes_nothing():
    table, tokens, reduced, noise = random_batch(0, n=1)
    before = table.copy()
    assert window_step(table, 6, tokens, reduced, noise, 3, lr=0.1) == (0.0, 0)
    np.testing.assert_array_equal(table, before)


def test_row_factors_count_updates_as_word2vec_applies_them():
    # Terms are counted: one per (pair, target) for an output row, the pair's k for an input row.
    inputs = np.array([0, 0, 0, 1], dtype=np.int32)  # four pairs: word 0 is the input of three
    targets = np.array([[2, 3], [2, 2]], dtype=np.int32)  # (k = 2, centres): each centre's word, then its noise
    pairs_of = np.array([3, 1])  # the first centre has three pairs, the second one
    per_input, per_output = _row_factors(inputs, targets, pairs_of, max_updates=4.0, n_words=10)
    # Word 0 sums 3 pairs x 2 terms = 6 updates > 4. Output 2 takes 3 as the first centre's word, 3 as
    # its noise and 1 as the second centre's noise: 7 > 4. Output 3 takes 1.
    np.testing.assert_allclose(per_input, [4 / 6, 4 / 6, 4 / 6, 1.0])
    np.testing.assert_allclose(per_output, [4 / 7, 1.0, 4 / 7, 4 / 7])
    assert _row_factors(inputs, targets, pairs_of, max_updates=8.0, n_words=10) == (None, None)


def test_batches_in_flight_throttle_the_frequent_rows_they_share_not_a_rare_word():
    # Word 0 is nine tenths of the text: the three other batches in flight (100 tokens each) are expected
    # to add its input row 0.9 x 3 x 100 x (window 2 + 1) = 810 pairs; word 5 (1 in 10,000) nothing.
    counts = np.array([9000, 500, 300, 100, 99, 1], dtype=np.float64)
    keep = np.ones(6)
    noise = counts ** 0.75 / (counts ** 0.75).sum()
    in_flight = InFlight(counts, keep, noise, window=2, negative=1, other_tokens=300)
    assert in_flight.inputs[0] == pytest.approx(810) and len(in_flight.inputs) == 5  # word 5 expects < 1
    inputs = np.array([0] * 20 + [5] * 20, dtype=np.int32)  # this batch: 20 pairs of each
    targets = np.array([[1, 2], [3, 4]], dtype=np.int32)
    pairs_of = np.array([20, 20])
    alone, _ = _row_factors(inputs, targets, pairs_of, max_updates=100.0, n_words=6)
    assert alone is None  # 20 pairs x 2 terms each: under the bound
    shared, _ = _row_factors(inputs, targets, pairs_of, max_updates=100.0, n_words=6, in_flight=in_flight)
    np.testing.assert_allclose(shared[:20], 50 / (20 + 810))  # its share of the bound (50 pairs)
    np.testing.assert_allclose(shared[20:], 1.0)  # the rare word is bounded as with one worker
    # Output rows: word 0 is expected as a centre (0.9 x 300 x 3) and as noise, word 4 barely.
    assert in_flight.outputs[0] > 810 and len(in_flight.outputs) < 6
    targets = np.array([[0, 4], [0, 4]], dtype=np.int32)  # word 0 and word 4 centres, their noise alike
    _, per_output = _row_factors(inputs, targets, pairs_of, max_updates=100.0, n_words=6, in_flight=in_flight)
    np.testing.assert_allclose(per_output, [100 / (40 + in_flight.outputs[0]), 1.0] * 2)


def test_batches_side_by_side_with_hardly_a_word_kept_train_without_error():
    # Heavy subsampling leaves batches of one word or none; with two workers these must still train.
    tokens, vocab = toy_corpus(20_000)
    model = Trainer(tokens, vocab, small_config(sample=1e-5, workers=2, epochs=2)).train()
    assert np.isfinite(model.vectors).all()


def test_the_alias_tables_give_back_their_distribution():
    p = np.random.default_rng(3).random(40)
    np.testing.assert_allclose(AliasSampler(p).probabilities(), p / p.sum(), atol=1e-12)


def test_a_row_never_moves_more_than_its_bound_in_one_batch():
    rng = np.random.default_rng(2)
    n_words, dim, window = 6, 4, 3
    table = rng.normal(0, 0.5, size=(2 * n_words, dim)).astype(np.float32)
    tokens = np.zeros(40, dtype=np.int32)  # one word throughout: the input of every pair
    reduced = np.full(40, window, dtype=np.int32)
    noise = rng.integers(1, n_words, (40, 3)).astype(np.int32)
    free, capped = table.copy(), table.copy()
    _, pairs = window_step(free, n_words, tokens, reduced, noise, window, lr=0.1)
    window_step(capped, n_words, tokens, reduced, noise, window, lr=0.1, max_updates=20.0)
    # Word 0's input row sums every pair's 4 terms; capped at 20, its move is 20 / (4 pairs) of the free one.
    np.testing.assert_allclose(capped[0] - table[0], (free[0] - table[0]) * 20 / (4 * pairs), rtol=1e-3, atol=1e-6)


def sequential_sgd(table, n_words, tokens, reduced, noise, lr):
    """word2vec's own order: example after example, each from the rows as the ones before left them."""
    after = table.astype(np.float64)
    for i, j in window_pairs(len(tokens), reduced):
        h = after[tokens[j]].copy()
        input_step = np.zeros_like(h)
        for target, label in [(tokens[i], 1.0)] + [(m, 0.0) for m in noise[i]]:
            out = after[n_words + target]
            step = lr * (label - 1.0 / (1.0 + math.exp(-h @ out)))
            input_step += step * out
            after[n_words + target] += step * h
        after[tokens[j]] += input_step
    return after


def test_a_window_10_batch_of_two_workers_stays_close_to_sequential_sgd():
    """The divergence of issue #9 in miniature: a Zipf corpus, window 10, vectors that share a direction
    (as trained ones do). Summed blindly, the frequent words' hundreds of stale updates overshoot by an
    order of magnitude; bounded as the trainer bounds them for two workers, the batch moves like
    word2vec's one-example-at-a-time SGD."""
    rng = np.random.default_rng(0)
    n_words, dim, window, lr = 50, 16, 10, 0.025
    zipf = 1.0 / np.arange(1, n_words + 1) ** 1.1
    tokens = rng.choice(n_words, size=400, p=zipf / zipf.sum()).astype(np.int32)
    reduced = rng.integers(1, window + 1, 400).astype(np.int32)
    noise_p = zipf ** 0.75 / (zipf ** 0.75).sum()
    noise = rng.choice(n_words, size=(400, 5), p=noise_p).astype(np.int32)
    table = (rng.normal(0, 0.3, (2 * n_words, dim)) + 0.3 * rng.normal(size=dim)).astype(np.float32)

    reference = sequential_sgd(table, n_words, tokens, reduced, noise, lr) - table
    # As BatchRunner bounds it with two workers: one more batch like this one is in flight beside it.
    beside = InFlight(zipf * 1e6, np.ones(n_words), noise_p, window, 5, other_tokens=400)
    moves = {}
    for name, bound, in_flight in [("capped", TrainConfig().max_row_step / lr, beside), ("free", math.inf, None)]:
        batched = table.copy()
        window_step(batched, n_words, tokens, reduced, noise, window, lr, max_updates=bound, in_flight=in_flight)
        assert np.isfinite(batched).all()
        moves[name] = (batched - table).ravel()

    def cosine(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    size = {name: np.linalg.norm(move) / np.linalg.norm(reference) for name, move in moves.items()}
    assert size["free"] > 8  # the failure is real at these settings
    assert 0.5 < size["capped"] < 2.5 and cosine(moves["capped"], reference.ravel()) > 0.65

    def batch_loss(t):
        return window_step(t.astype(np.float32), n_words, tokens, reduced, noise, window, lr=0.0)[0]

    assert batch_loss(table + moves["capped"].reshape(table.shape)) < batch_loss(table)
    assert batch_loss(table + moves["free"].reshape(table.shape)) > 10 * batch_loss(table)


def test_untrained_model_scores_ln2_per_example():
    table = initial_table(10, 8, seed=3)
    assert np.all(table[10:] == 0)
    assert np.all(np.abs(table[:10]) <= 0.5 / 8)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 10, 20).astype(np.int32)
    loss, pairs = window_step(table, 10, tokens, np.full(20, 2, np.int32), rng.integers(0, 10, (20, 5)).astype(np.int32),
                              2, lr=0.0)
    assert loss / (pairs * 6) == pytest.approx(math.log(2), rel=1e-6)


def test_scatter_fallback_agrees_with_fast_path(monkeypatch):
    import embedding_studio.core.train.sgns as trainer_module

    rng = np.random.default_rng(1)
    values = rng.normal(size=(7, 3)).astype(np.float32)
    rows = np.array([0, 2, 2, 4, 0, 4, 4, 1], dtype=np.int32)
    ptr = np.array([0, 2, 3, 3, 5, 6, 7, 8], dtype=np.int32)
    weights = rng.normal(size=8).astype(np.float32)
    fast = np.zeros((5, 3), np.float32)
    scatter_add(fast, rows, ptr, weights, values)
    monkeypatch.setattr(trainer_module, "_csc_matvecs", None)
    slow = np.zeros((5, 3), np.float32)
    scatter_add(slow, rows, ptr, weights, values)
    reference = np.zeros((5, 3))
    for col in range(7):
        for j in range(ptr[col], ptr[col + 1]):
            reference[rows[j]] += weights[j] * values[col]
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(slow, reference, rtol=1e-5, atol=1e-6)


# --- the loop, on a small generated corpus with structure ------------------------------------------


def toy_corpus(n_tokens=20_000, seed=0):
    """Two topics whose words never share a window: training must separate them."""
    rng = np.random.default_rng(seed)
    words = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)]
    vocab = Vocab(words, np.full(20, n_tokens // 20))
    runs = []
    for start in range(0, n_tokens, 50):
        topic = rng.integers(0, 2)
        runs.append(rng.integers(0, 10, 50) + 10 * topic)
    return np.concatenate(runs).astype(np.int32)[:n_tokens], vocab


def small_config(**kw):
    settings = dict(dim=8, epochs=2, workers=1, min_count=1, batch_tokens=256, seed=7)
    settings.update(kw)
    return TrainConfig(**settings)


def test_training_learns_the_planted_topics_and_loss_falls():
    tokens, vocab = toy_corpus()
    epochs = []
    model = Trainer(tokens, vocab, small_config(epochs=3, lr=0.05)).train(on_epoch_end=epochs.append)
    assert [e.epoch for e in epochs] == [1, 2, 3]
    assert epochs[0].loss < math.log(2) and epochs[-1].loss < epochs[0].loss
    assert list(model.loss_history) == [e.loss for e in epochs]
    for word in ["a0", "b3"]:
        neighbours = [w for w, _ in model.most_similar(word, topn=5)]
        assert all(w[0] == word[0] for w in neighbours), neighbours


def test_one_worker_with_a_seed_is_reproducible():
    tokens, vocab = toy_corpus(5000)
    first = Trainer(tokens, vocab, small_config()).train()
    second = Trainer(tokens, vocab, small_config()).train()
    np.testing.assert_array_equal(first.vectors, second.vectors)
    third = Trainer(tokens, vocab, small_config(seed=8)).train()
    assert not np.array_equal(first.vectors, third.vectors)


def test_several_workers_train_as_well():
    tokens, vocab = toy_corpus()
    model = Trainer(tokens, vocab, small_config(epochs=3, lr=0.05, workers=2)).train()
    neighbours = [w for w, _ in model.most_similar("a1", topn=5)]
    assert all(w.startswith("a") for w in neighbours)


def test_no_batch_starts_while_the_batches_in_flight_are_unfinished():
    # Six workers on a two-core machine, in 680-token batches at window 2: one default batch (2,048
    # tokens) holds three of them, so three train at once and the other workers wait their turn. Each
    # batch's lag (batches before it still unfinished when it started) stays below that.
    tokens, vocab = toy_corpus(120_000)
    cfg = small_config(epochs=2, window=2, workers=6, batch_tokens=680, lr=0.05)
    assert cfg.batches_in_flight == 3
    trainer = Trainer(tokens, vocab, cfg)
    model = trainer.train()
    lag = trainer.ledger.lag
    assert trainer.ledger.done.all() and lag.min() >= 0 and lag.max() < cfg.batches_in_flight
    assert all(w.startswith("a") for w, _ in model.most_similar("a1", topn=5))
    # Left to the rule, six workers share a default batch's 6,144 pairs: at window 2 that is 2,048
    # tokens, four batches of 512 (a batch never holds fewer than 1,536 pairs).
    shared = small_config(epochs=1, window=2, workers=6, batch_tokens=None)
    assert (shared.run_batch_tokens, shared.batches_in_flight) == (512, 4)
    trainer = Trainer(tokens, vocab, shared)
    trainer.train()
    assert trainer.ledger.lag.max() < 4


def test_progress_reports_are_consistent():
    tokens, vocab = toy_corpus()
    reports: list[Progress] = []
    Trainer(tokens, vocab, small_config(epochs=2)).train(on_progress=reports.append, progress_interval=0.0)
    assert reports, "no progress reported"
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert reports[-1].words_done == 2 * len(tokens)
    assert all(r.epochs == 2 and 1 <= r.epoch <= 2 for r in reports)
    lrs = [r.lr for r in reports]
    assert lrs == sorted(lrs, reverse=True) and lrs[-1] == pytest.approx(0.025 * 1e-4)
    with_pairs = [r for r in reports if r.pairs]
    assert all(0 < r.loss < 1.0 for r in with_pairs)


def test_loss_reports_add_up_to_the_epoch_means():
    tokens, vocab = toy_corpus()
    reports, epochs = [], []
    cfg = small_config(epochs=1, negative=3)
    Trainer(tokens, vocab, cfg).train(on_progress=reports.append, on_epoch_end=epochs.append,
                                      progress_interval=0.0)
    examples = np.array([r.pairs for r in reports], dtype=float) * (cfg.negative + 1)
    losses = np.nan_to_num([r.loss for r in reports])
    assert (losses * examples).sum() / examples.sum() == pytest.approx(epochs[0].loss, rel=1e-9)


def test_stop_is_honoured_quickly_and_training_can_continue():
    tokens, vocab = toy_corpus(200_000)
    cfg = small_config(epochs=5)
    trainer = Trainer(tokens, vocab, cfg)
    stopped_at = []  # words done when stop() was called

    def stop_soon(progress):
        if progress.fraction > 0.1 and not trainer.stop_event.is_set():
            trainer.stop()
            stopped_at.append(progress.words_done)

    model = trainer.train(on_progress=stop_soon, progress_interval=0.0)
    assert model.state.finished is False
    done = trainer._tokens_before(model.state.next_batch)
    assert 0 < stopped_at[0] <= done < 5 * len(tokens)  # the stop took effect mid-run, not at its end
    assert np.isfinite(model.vectors).all()

    reports = []
    resumed = Trainer(tokens, vocab, cfg, model=model).train(on_progress=reports.append, progress_interval=0.0)
    assert resumed.state.finished is True
    assert reports[0].words_done >= done  # picked up where it stopped, same schedule
    assert len(resumed.loss_history) == 5


def test_a_finished_model_trains_more_epochs():
    tokens, vocab = toy_corpus(5000)
    model = Trainer(tokens, vocab, small_config(epochs=1)).train()
    more = Trainer(tokens, vocab, small_config(epochs=2), model=model).train()
    assert len(more.loss_history) == 3
    assert more.state.epochs_trained == 3


def test_pause_holds_training_until_resumed():
    tokens, vocab = toy_corpus(100_000)
    trainer = Trainer(tokens, vocab, small_config(epochs=3))
    seen = []

    def watch(progress):
        seen.append((time.perf_counter(), progress.words_done))

    trainer.pause()
    thread = threading.Thread(target=trainer.train, kwargs=dict(on_progress=watch, progress_interval=0.0))
    thread.start()
    time.sleep(0.3)
    assert all(words == 0 for _, words in seen)  # nothing trained while paused
    trainer.resume()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert seen[-1][1] == 3 * len(tokens)


def test_a_diverging_run_starts_again_carefully_and_says_so():
    # lr=10 blows up under the count bound; the same run again with each row's move bounded in logits
    # trains. The callbacks see one model, and the second run from its first epoch.
    tokens, vocab = toy_corpus(20_000)
    trainer = Trainer(tokens, vocab, small_config(lr=10.0, dim=64, epochs=3))
    first = trainer.model
    notes, ends = [], []
    model = trainer.train(on_restart=notes.append, on_epoch_end=lambda end: ends.append((end.epoch, notes[:])))
    assert len(notes) == 1 and notes[0].startswith("training diverged in epoch") and "careful" in notes[0]
    assert [epoch for epoch, seen in ends if seen] == [1, 2, 3]  # the careful run's epochs, after the note
    assert model is first and model.config.max_row_logit == CAREFUL_ROW_LOGIT == trainer.config.max_row_logit
    assert len(model.loss_history) == 3 and model.state.finished and model.loss_history[-1] < math.log(2)
    assert np.isfinite(model.vectors).all()
    assert all(w.startswith("a") for w, _ in model.most_similar("a1", topn=3))


def test_a_run_that_diverges_even_carefully_is_reported(monkeypatch):
    monkeypatch.setattr(trainer_module, "CAREFUL_ROW_LOGIT", 1e9)  # a careful bound that binds nothing
    tokens, vocab = toy_corpus(20_000)
    notes = []
    with pytest.raises(TrainingDiverged, match="learning rate"):
        Trainer(tokens, vocab, small_config(lr=10.0, dim=64, epochs=3)).train(on_restart=notes.append)
    assert len(notes) == 1  # tried once more, carefully, then gave up


def ledger_watch(losses_per_batch, batches_per_epoch=4):
    """A _Watcher over a ledger whose batches had these mean losses (100 examples each)."""
    from embedding_studio.core.train.sgns import BatchRunner
    from embedding_studio.core.train.trainer import _Watcher
    from embedding_studio.core.train.workers import Ledger

    tokens, vocab = toy_corpus(256 * batches_per_epoch)
    trainer = Trainer(tokens, vocab, small_config(epochs=3))
    runner = BatchRunner(trainer.tokens, trainer._table, trainer._keep, trainer._noise, trainer.config)
    watch = _Watcher(trainer, runner, 0, None, None, 0.1)
    watch.ledger = Ledger.allocate(runner.total)
    stops = []
    watch.on_diverged = lambda: stops.append(watch.upto)
    for index, loss in enumerate(losses_per_batch):
        watch.ledger.record(index, 256, loss * 100, 100, 20)
        watch.ledger_changed()
    return watch, stops


def test_the_divergence_rule():
    healthy = [0.69, 0.6, 0.5, 0.45] + [0.44, 0.43, 0.43, 0.42]
    watch, stops = ledger_watch(healthy)
    assert not stops and watch.divergence is None
    # A model that barely trains (a tiny sample) may sit a hair above ln 2: not a blow-up.
    watch, stops = ledger_watch([0.6935] * 8)
    assert not stops and watch.divergence is None
    # A first epoch may start at ln 2 and wobble; after it, any stretch above ln 2 is a blow-up.
    watch, stops = ledger_watch([0.69, 0.75, 0.5, 0.45] + [0.44, 0.8])
    assert stops == [6] and "epoch 2" in watch.divergence and "climbed to 0.800" in watch.divergence
    # A first epoch that ends worse than untrained, as a whole, is one too (even a 1-epoch run).
    watch, stops = ledger_watch([0.69, 0.9, 0.8, 0.75])
    assert stops == [4] and "epoch 1" in watch.divergence and "0.785" in watch.divergence
    watch, stops = ledger_watch([0.69, math.nan])
    assert stops == [2] and "NaN" in watch.divergence


def test_the_epoch_named_is_where_the_loss_climbed_however_late_the_look():
    # A continued model is judged from its first batch. Whether the watcher first looks after one batch
    # or after five (a busy machine), the message names epoch 1, where the loss climbed.
    from embedding_studio.core.train.sgns import BatchRunner
    from embedding_studio.core.train.trainer import _Watcher

    losses = [0.9, 0.9, 0.9, 0.9, 0.5]  # epoch 1 (four batches) above ln 2, epoch 2 begins below it
    for look_after in (1, 3, 5):
        tokens, vocab = toy_corpus(256 * 4)
        model = Trainer(tokens, vocab, small_config(epochs=1)).train()
        trainer = Trainer(tokens, vocab, small_config(epochs=3), model=model)
        runner = BatchRunner(trainer.tokens, trainer._table, trainer._keep, trainer._noise, trainer.config)
        watch = _Watcher(trainer, runner, 0, None, None, 0.1)
        watch.ledger = Ledger.allocate(runner.total)
        for index, loss in enumerate(losses[:look_after]):
            watch.ledger.record(index, 256, loss * 100, 100, 20)
        watch.ledger_changed()
        assert watch.divergence is not None and "diverged in epoch 1:" in watch.divergence, look_after


def test_a_run_that_blows_up_says_so_and_keeps_nothing():
    tokens, vocab = toy_corpus(20_000)
    with pytest.raises(TrainingDiverged, match="epoch 1: the loss climbed to .* not kept"):  # careful already
        Trainer(tokens, vocab, small_config(lr=0.5, dim=64, epochs=1, max_row_logit=1e9)).train()
    model = Trainer(tokens, vocab, small_config(epochs=1)).train()
    with pytest.raises(TrainingDiverged, match="diverged in epoch 1"):  # a continued model is judged at once
        Trainer(tokens, vocab, small_config(lr=0.5, dim=8, epochs=2), model=model).train()


def test_bad_inputs_are_refused():
    tokens, vocab = toy_corpus(1000)
    with pytest.raises(ConfigError):
        Trainer(tokens[:1], vocab, small_config())
    with pytest.raises(ConfigError):
        Trainer(tokens, Vocab(["a"], [3]), small_config())
    model = Trainer(tokens, vocab, small_config(epochs=1)).train()
    with pytest.raises(ConfigError, match="continue"):
        Trainer(tokens, vocab, small_config(dim=16), model=model)


def test_epoch_end_events_carry_the_run_length():
    tokens, vocab = toy_corpus(3000)
    seen: list[EpochEnd] = []
    Trainer(tokens, vocab, small_config(epochs=2)).train(on_epoch_end=seen.append)
    assert [(e.epoch, e.epochs) for e in seen] == [(1, 2), (2, 2)]
    assert all(e.seconds >= 0 for e in seen)


# --- worker processes (workers > 1) --------------------------------------------------------------


def shared_blocks():
    """The shared-memory blocks of tables and ledgers (the pool's own semaphores live as long as it)."""
    import os

    return {n for n in os.listdir("/dev/shm") if n.startswith("psm_")} if os.path.isdir("/dev/shm") else set()


def test_worker_processes_stop_quickly_resume_and_free_their_memory():
    before = shared_blocks()
    tokens, vocab = toy_corpus(300_000)
    cfg = small_config(epochs=4, workers=2)
    trainer = Trainer(tokens, vocab, cfg)
    stopped_at = []  # words done when stop() was called

    def stop_soon(progress):
        if progress.fraction > 0.2 and not stopped_at:
            trainer.stop()
            stopped_at.append(progress.words_done)

    model = trainer.train(on_progress=stop_soon, progress_interval=0.0)
    done = trainer._tokens_before(model.state.next_batch)
    assert stopped_at[0] <= done < 4 * len(tokens)  # every worker stopped mid-run, not at its end
    assert model.state.finished is False and np.isfinite(model.vectors).all()
    resumed = Trainer(tokens, vocab, cfg, model=model).train()
    assert resumed.state.finished is True and len(resumed.loss_history) == 4
    assert shared_blocks() == before


def test_worker_processes_pause_and_report_divergence():
    tokens, vocab = toy_corpus(100_000)
    trainer = Trainer(tokens, vocab, small_config(epochs=2, workers=2))
    seen = []
    trainer.pause()
    thread = threading.Thread(target=trainer.train,
                              kwargs=dict(on_progress=lambda p: seen.append(p.words_done), progress_interval=0.0))
    thread.start()
    time.sleep(1.5)  # long enough for the processes to start
    assert not seen
    trainer.resume()
    thread.join(timeout=60)
    assert seen[-1] == 2 * len(tokens)
    with pytest.raises(TrainingDiverged):
        Trainer(tokens, vocab, small_config(lr=10.0, dim=64, epochs=3, workers=2, max_row_logit=1e9)).train()
    notes = []  # and a fresh run starts again carefully, in the worker processes too
    model = Trainer(tokens, vocab, small_config(lr=10.0, dim=64, epochs=2, workers=2)).train(on_restart=notes.append)
    assert len(notes) == 1 and model.config.max_row_logit == CAREFUL_ROW_LOGIT and model.state.finished
    assert np.isfinite(model.vectors).all() and model.loss_history[-1] < math.log(2)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_run_keeps_one_model_object(workers):
    tokens, vocab = toy_corpus(30_000)
    trainer = Trainer(tokens, vocab, small_config(epochs=2, workers=workers))
    first = trainer.model
    seen = []
    model = trainer.train(on_progress=lambda _: seen.append(trainer.model), progress_interval=0.0)
    assert model is first and seen and all(m is first for m in seen)
    assert model.state.finished and model.state.epochs_trained == 2 and np.isfinite(model.vectors).all()


def test_memory_mapped_tokens_train_in_worker_processes_without_a_copy(tmp_path):
    tokens, vocab = toy_corpus(50_000)
    np.save(tmp_path / "ids.npy", tokens)
    mapped = np.load(tmp_path / "ids.npy", mmap_mode="r")
    trainer = Trainer(mapped, vocab, small_config(epochs=2, workers=2, lr=0.05))
    assert isinstance(trainer.tokens, np.memmap)
    model = trainer.train()
    assert model.state.finished and len(model.loss_history) == 2
    assert all(w.startswith("a") for w, _ in model.most_similar("a2", topn=5))


def test_worker_processes_are_reused_between_runs_and_replaced_when_they_die():
    import os
    import signal

    import embedding_studio.core.train.workers as workers

    tokens, vocab = toy_corpus(20_000)
    cfg = small_config(epochs=1, workers=2)
    Trainer(tokens, vocab, cfg).train()
    first = [p.pid for p in workers._pool.processes]
    Trainer(tokens, vocab, cfg).train()
    assert [p.pid for p in workers._pool.processes] == first  # no new processes: no start-up cost

    os.kill(first[0], signal.SIGKILL)
    workers._pool.processes[0].join(timeout=5)
    model = Trainer(tokens, vocab, cfg).train()  # a dead pool is noticed and replaced
    assert model.state.finished
    assert first[0] not in [p.pid for p in workers._pool.processes]


def test_two_trainers_at_once_do_not_share_workers():
    tokens, vocab = toy_corpus(50_000)
    results = {}

    def run(name):
        results[name] = Trainer(tokens, vocab, small_config(epochs=2, workers=2)).train()

    threads = [threading.Thread(target=run, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(results[n].state.finished and len(results[n].loss_history) == 2 for n in "ab")


def test_stopping_and_resuming_gives_exactly_the_uninterrupted_model():
    tokens, vocab = toy_corpus(30_000)
    cfg = small_config(epochs=3)
    whole = Trainer(tokens, vocab, cfg).train()
    trainer = Trainer(tokens, vocab, cfg)

    def stop_midway(progress):
        if progress.fraction > 0.4:
            trainer.stop()

    stopped = trainer.train(on_progress=stop_midway, progress_interval=0.0)
    assert not stopped.state.finished
    resumed = Trainer(tokens, vocab, cfg, model=stopped).train()
    np.testing.assert_array_equal(resumed.vectors, whole.vectors)  # each batch's randomness is its own


def test_a_callback_that_raises_stops_the_workers_and_the_next_run_is_whole():
    tokens, vocab = toy_corpus(100_000)
    cfg = small_config(epochs=2, workers=2)

    def explode(progress):
        if progress.fraction > 0.1:
            raise ZeroDivisionError("a bug in a callback")

    trainer = Trainer(tokens, vocab, cfg)
    with pytest.raises(ZeroDivisionError):
        trainer.train(on_progress=explode, progress_interval=0.0)
    assert trainer.model.state.finished is False and trainer.model.state.next_batch > 0
    model = Trainer(tokens, vocab, cfg).train()  # no stale worker answers, no early return
    assert model.state.finished and len(model.loss_history) == 2


def test_a_slice_of_a_memory_mapped_corpus_trains_on_its_own_tokens(tmp_path):
    tokens, vocab = toy_corpus(40_000)
    tokens[:20_000] = np.where(tokens[:20_000] < 10, tokens[:20_000], 0)  # first half: only "a" words
    np.save(tmp_path / "ids.npy", tokens)
    second_half = np.load(tmp_path / "ids.npy", mmap_mode="r")[20_000:]
    model = Trainer(second_half, vocab, small_config(epochs=1, workers=2)).train()
    in_memory = Trainer(np.array(second_half), vocab, small_config(epochs=1, workers=1)).train()
    assert model.state.finished and in_memory.state.finished
    # Same tokens: the epoch losses agree (the first half's tokens would score ~0.28, the second's ~0.51).
    # Not exactly: on 20 words every batch writes every row, and two workers at once lose some of each
    # other's additions (Hogwild), which cost up to ~3% here against the one-worker run.
    assert model.loss_history[0] == pytest.approx(in_memory.loss_history[0], rel=0.05)


def test_asking_for_lower_priority_renices_the_pool_in_place():
    import os

    import embedding_studio.core.train.workers as workers

    workers.warm_up(2)
    pids = [p.pid for p in workers._pool.processes]
    before = os.getpriority(os.PRIO_PROCESS, pids[0])
    workers.warm_up(2, nice=3)
    assert [p.pid for p in workers._pool.processes] == pids  # the same processes, not new ones
    assert os.getpriority(os.PRIO_PROCESS, pids[0]) == max(before, 3)


# --- the loss of an epoch cut by a stop, and a sample that leaves nothing --------------------------


def stop_at(trainer, fractions, monkeypatch):
    """Stop the run right after the batch at the next of ``fractions`` of its schedule (with one worker,
    the trainer looks at its stop flag between any two batches, so this is exact)."""
    from embedding_studio.core.train.sgns import BatchRunner

    run = BatchRunner.run

    def run_then_stop(runner, index):
        result = run(runner, index)
        if fractions and index + 1 >= fractions[0] * runner.total:
            fractions.pop(0)
            trainer.stop()
        return result
    monkeypatch.setattr(BatchRunner, "run", run_then_stop)


@pytest.mark.parametrize("stops", [[0.3], [0.6], [0.1, 0.2, 0.25], [0.45, 0.55]])
def test_an_epoch_cut_by_stops_reports_the_loss_of_the_whole_epoch(stops, monkeypatch):
    tokens, vocab = toy_corpus(30_000)
    cfg = small_config(epochs=3)  # epoch borders at 1/3 and 2/3
    whole = Trainer(tokens, vocab, cfg).train()
    model, stopped_at = None, []
    while model is None or not model.state.finished:
        trainer = Trainer(tokens, vocab, cfg, model=model)
        stop_at(trainer, stops, monkeypatch)
        model = trainer.train()
        stopped_at.append(model.state.next_batch)
    per_epoch = -(-len(tokens) // cfg.run_batch_tokens)
    assert not stops and any(batch % per_epoch for batch in stopped_at)  # stopped, and mid-epoch
    np.testing.assert_array_equal(model.vectors, whole.vectors)
    np.testing.assert_allclose(model.loss_history, whole.loss_history, rtol=1e-12, atol=0)
    assert (model.state.epoch_loss, model.state.epoch_examples) == (0.0, 0)  # nothing carried past the end


def test_the_partial_epoch_is_what_the_stopped_run_did_of_it(monkeypatch):
    from embedding_studio.core.train.sgns import BatchRunner, initial_table

    tokens, vocab = toy_corpus(100_000)
    cfg = small_config(epochs=2)
    trainer = Trainer(tokens, vocab, cfg)
    stop_at(trainer, [0.2], monkeypatch)
    stopped = trainer.train()
    monkeypatch.undo()
    per_epoch = -(-len(tokens) // cfg.run_batch_tokens)
    done = stopped.state.next_batch
    assert 0 < done % per_epoch
    # the same batches again, from the same start: the rows of the cut epoch's are what was carried
    table = initial_table(len(vocab), cfg.dim, cfg.seed)
    runner = BatchRunner(tokens, table, vocab.keep_probabilities(cfg.sample).astype(np.float32),
                         vocab.noise_sampler(), cfg)
    rows = np.array([runner.run(i) for i in range(done)], dtype=np.float64)[done - done % per_epoch:]
    assert stopped.state.epoch_examples == int(rows[:, 2].sum()) > 0
    assert stopped.state.epoch_loss == pytest.approx(rows[:, 1].sum(), rel=1e-12)


def _runner(n_words, counts, tokens, **settings):
    from embedding_studio.core.train.sgns import BatchRunner, initial_table

    vocab = Vocab([f"w{i}" for i in range(n_words)], np.asarray(counts))
    cfg = TrainConfig(dim=4, workers=1, min_count=1, **settings)
    return BatchRunner(tokens, initial_table(n_words, cfg.dim, cfg.seed),
                       vocab.keep_probabilities(cfg.sample).astype(np.float32), vocab.noise_sampler(), cfg)


def test_windows_reach_across_batch_borders():
    # Every token keeps its whole reduced window whatever the batch size: words of the neighbouring
    # batches are its context (only the corpus's own ends cut windows). Cut at each border, batches of
    # 16 tokens at window 5 would lose about a third of the pairs.
    n_words = 50
    tokens = np.random.default_rng(4).integers(0, n_words, 4000).astype(np.int32)
    counts = np.bincount(tokens, minlength=n_words)
    pairs = {}
    for size in (16, 4000):
        runner = _runner(n_words, counts, tokens, window=5, sample=0.0, batch_tokens=size, epochs=1)
        pairs[size] = sum(runner.run(i)[3] for i in range(runner.per_epoch))
    assert abs(pairs[16] - pairs[4000]) < 0.02 * pairs[4000]
    assert pairs[4000] == pytest.approx(4000 * 6, rel=0.03)  # window + 1 pairs per token on average


def test_no_noise_word_is_its_own_centre_and_the_rest_keep_their_odds():
    # Three words, one of them half of the noise: it would often be its own noise word.
    runner = _runner(3, [4000, 2000, 1000], np.zeros(10, dtype=np.int32), negative=5)
    centres = np.random.default_rng(0).integers(0, 3, 20_000).astype(np.int32)
    noise = runner._draw_noise(runner._generator(0), centres)
    assert noise.shape == (20_000, 5) and not (noise == centres[:, None]).any()
    # For a centre w, noise is the noise distribution without w: for centre 0, words 1 and 2 in their ratio.
    odds = np.array([2000, 1000]) ** 0.75
    drawn = np.bincount(noise[centres == 0].ravel(), minlength=3)[1:]
    assert drawn[0] / drawn.sum() == pytest.approx(odds[0] / odds.sum(), abs=0.01)
    # A one-word vocabulary cannot avoid itself: the draw gives up after a few rounds instead of hanging.
    lonely = _runner(1, [50], np.zeros(10, dtype=np.int32), negative=3)
    assert (lonely._draw_noise(lonely._generator(0), np.zeros(4, dtype=np.int32)) == 0).all()


def test_a_batch_draws_the_same_numbers_whenever_it_runs():
    tokens = np.random.default_rng(1).integers(0, 50, 5_000).astype(np.int32)
    counts = np.bincount(tokens, minlength=50) + 1
    first, second = (_runner(50, counts, tokens, batch_tokens=256) for _ in range(2))
    in_order = [first.run(i) for i in range(6)]
    backwards = [second.run(i) for i in reversed(range(6))][::-1]
    # Same pairs and examples batch by batch (the loss differs: the rows had other updates before).
    assert [r[2:] for r in in_order] == [r[2:] for r in backwards]
    # Batch i's generator is Philox at counter block (0, i), whatever was drawn before: leave the last one
    # mid-buffer (an odd number of 32-bit draws) and compare every kind of draw with a fresh generator.
    def draws(rng):
        return (rng.random(5, dtype=np.float32), rng.integers(0, 50, 7, dtype=np.int32), rng.random(3),
                first.noise.sample(rng, 9))

    for index in (3, 4, 2**40):
        first._generator(index + 1).random(3, dtype=np.float32)
        fresh = np.random.Generator(np.random.Philox(key=first.config.seed, counter=[0, index, 0, 0]))
        for got, expected in zip(draws(first._generator(index)), draws(fresh)):
            np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(first._generator(4).random(4), first._generator(3).random(4))
    # The noise a batch draws (redraws included) is the same whichever batches ran before it.
    centres = tokens[:64]
    noise = [r._draw_noise(r._generator(5), centres) for r in (first, second)]
    np.testing.assert_array_equal(*noise)


def test_a_stopped_run_resumes_in_its_own_batch_size_unless_another_is_given(monkeypatch):
    # A model stopped before batches were sized by their pairs was cut into 1,024 tokens at window 2.
    tokens, vocab = toy_corpus(30_000)
    old = small_config(epochs=2, batch_tokens=1024, window=2)
    trainer = Trainer(tokens, vocab, old)
    stop_at(trainer, [0.3], monkeypatch)
    stopped = trainer.train()
    monkeypatch.undo()
    assert not stopped.state.finished and stopped.state.batch_tokens == 1024
    derived = TrainConfig(dim=8, epochs=2, workers=1, min_count=1, seed=7, window=2)  # 2,048 by its rule
    resumed = Trainer(tokens, vocab, derived, model=stopped)
    assert resumed.config.batch_tokens == 1024
    assert resumed._resume_batch(-(-len(tokens) // 1024)) == stopped.state.next_batch > 0
    given = Trainer(tokens, vocab, derived.replace(batch_tokens=2048), model=stopped)
    assert given.config.batch_tokens == 2048 and given._resume_batch(-(-len(tokens) // 2048)) == 0


def test_the_partial_epoch_survives_saving_the_stopped_model(tmp_path, monkeypatch):
    from embedding_studio.core.vectors.io import load_model, save_model

    tokens, vocab = toy_corpus(30_000)
    cfg = small_config(epochs=2)
    whole = Trainer(tokens, vocab, cfg).train()
    trainer = Trainer(tokens, vocab, cfg)
    stop_at(trainer, [0.2], monkeypatch)
    save_model(trainer.train(), tmp_path / "m.npz")
    resumed = Trainer(tokens, vocab, cfg, model=load_model(tmp_path / "m.npz")).train()
    np.testing.assert_allclose(resumed.loss_history, whole.loss_history, rtol=1e-12, atol=0)


@pytest.mark.parametrize("sample", [1e-300, 1e-30])
def test_a_sample_that_leaves_no_pair_is_refused_before_training(sample):
    tokens, vocab = toy_corpus(5000)
    with pytest.raises(ConfigError, match=rf"sample={sample:g} drops nearly every token: about 0 of the 5,000"):
        Trainer(tokens, vocab, small_config(sample=sample))
    Trainer(tokens, vocab, small_config(sample=1e-3)).train()  # an ordinary sample trains


def test_a_huge_vocabulary_counts_only_its_most_frequent_rows():
    # Past the first 65,536 ids (the most frequent words) rows are not counted: they share one bin, uncapped.
    from embedding_studio.core.train.sgns import _COUNTED_ROWS

    n_words = _COUNTED_ROWS + 10
    inputs = np.full(30, n_words - 1, dtype=np.int32)  # a rare id as the input of 30 pairs: not counted
    targets = np.zeros((2, 30), dtype=np.int32)  # id 0 as the word of 30 centres of one pair each: 30 updates
    targets[1] = n_words - 2
    per_input, per_output = _row_factors(inputs, targets, np.ones(30), max_updates=10.0, n_words=n_words)
    assert per_input is None
    np.testing.assert_allclose(per_output, np.repeat([10 / 30, 1.0], 30))
