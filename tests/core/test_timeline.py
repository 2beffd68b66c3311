"""core.vectors.timeline and the trainer's snapshots: a run's history, kept with the model."""

from __future__ import annotations

import io as text_io
import math

import numpy as np
import pytest

from embedding_studio.core.cli import main as cli_main
from embedding_studio.core.config import TrainConfig
from embedding_studio.core.errors import ModelFileError
from embedding_studio.core.text.demo import demo_corpus
from embedding_studio.core.train.trainer import Trainer
from embedding_studio.core.vectors.io import load_model, save_model
from embedding_studio.core.vectors.timeline import MAX_SNAPSHOTS, Timeline, TimelineRecorder, tracked_words

FAST = dict(dim=16, workers=1)


@pytest.fixture(scope="module")
def trained():
    corpus = demo_corpus()
    model = Trainer(corpus.ids, corpus.vocab, TrainConfig(epochs=5, **FAST)).train()
    return corpus, model


def test_a_run_snapshots_before_within_the_first_epoch_and_at_every_epoch_end(trained):
    _, model = trained
    timeline = model.timeline
    assert timeline.epochs[0] == 0 and timeline.losses[0] == pytest.approx(math.log(2))
    assert 0 < timeline.epochs[1] < timeline.epochs[2] < timeline.epochs[3] < 1
    assert timeline.epochs[4:].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(timeline.losses[4:], model.loss_history, rtol=1e-9)  # an epoch end's loss is its mean
    assert timeline.label(0) == "before training" and timeline.label(6) == "epoch 3"
    assert timeline.tracked == tracked_words(len(model), 16) == len(model)  # the demo's vocabulary is small


def test_the_last_snapshot_is_the_model_and_neighbours_converge(trained):
    """The planted groups: a royal word's neighbours become the other royals, and stay."""
    _, model = trained
    timeline = model.timeline
    last = len(timeline) - 1
    queen = model.vocab.index["queen"]
    rows, cosines = timeline.neighbours(last, queen, 5)
    expected = [w for w, _ in model.most_similar("queen", topn=5)]
    assert [model.words[r] for r in rows[:3]] == expected[:3]  # int8 codes keep the ranking at the top
    np.testing.assert_allclose(cosines, [c for _, c in model.most_similar("queen", topn=5)], atol=0.02)
    royals = {"king", "prince", "princess"}
    history = [{model.words[r] for r in rows[:3]} for rows, _ in timeline.history(queen, 3)]
    assert len(history[0] & royals) < 3 and history[-1] == royals and history[-2] == royals
    final = set(timeline.neighbours(last, queen, 10)[0].tolist())
    overlap = [len(set(rows.tolist()) & final) for rows, _ in timeline.history(queen, 10)]
    assert overlap[0] < overlap[4] <= overlap[-2] <= 10  # closer to the final neighbours as training goes on


def test_movers_rank_the_words_whose_neighbourhood_changed(trained):
    _, model = trained
    timeline = model.timeline
    early_rows, early = timeline.movers(1, k=5)
    late_rows, late = timeline.movers(len(timeline) - 1, k=5)
    assert early.mean() > late.mean()  # the first steps rearrange far more than the last epoch
    assert (np.diff(early) <= 0).all() and 0 <= late.min() and early.max() <= 1
    # recomputed by hand for the top mover
    word = int(late_rows[0])
    before = set(timeline.neighbours(len(timeline) - 2, word, 5)[0].tolist())
    after = set(timeline.neighbours(len(timeline) - 1, word, 5)[0].tolist())
    assert late[0] == pytest.approx(1 - len(before & after) / len(before | after))
    with pytest.raises(IndexError):
        timeline.movers(0)
    some_rows, _ = timeline.movers(3, k=5, words=100)  # only the most frequent: not a multiple of the block
    assert sorted(some_rows.tolist()) == list(range(100))


def test_the_map_is_aligned_from_snapshot_to_snapshot(trained):
    _, model = trained
    maps = model.timeline.maps

    def step(a, b):  # what the alignment minimises: the summed squared distance (orthogonal Procrustes)
        return ((a.astype(np.float64) - b) ** 2).sum()

    # No flip, swap or quarter turn brings a snapshot closer to the one before. (Measured as the mean
    # distance instead, an early snapshot, still nearly random against the untrained one, can be closer
    # turned: that metric is not the one minimised, and the test was flaky on it.)
    turns = [np.array([[-1, 0], [0, 1]]), np.array([[0, 1], [1, 0]]), np.array([[0, -1], [1, 0]]), -np.eye(2)]
    for s in range(1, len(maps)):
        assert all(step(maps[s], maps[s - 1]) <= step(maps[s] @ turn, maps[s - 1]) * (1 + 1e-5) for turn in turns)
    assert step(maps[-1], maps[-2]) < 0.1 * min(step(maps[-1] @ turn, maps[-2]) for turn in turns)  # settled
    assert np.sqrt((maps[-1] ** 2).sum(axis=1).mean()) == pytest.approx(1, rel=1e-4)


def test_a_blown_up_table_is_not_snapshotted():
    timeline = Timeline.empty(3, 2, 3)
    assert timeline.append(0, 0.7, np.ones((3, 2)))
    with np.errstate(all="raise"):  # and says nothing on stderr
        assert not timeline.append(1, 0.7, np.array([[np.nan, 1], [1, 1], [1, 2]]))
        assert not timeline.append(1, 0.7, np.full((3, 2), 1e200))
    assert len(timeline) == 1


def test_a_continued_model_appends_to_its_timeline_and_a_run_can_keep_none(trained):
    corpus, model = trained
    more = Trainer(corpus.ids, corpus.vocab, TrainConfig(epochs=2, **FAST), model=model).train()
    assert more.timeline.epochs.tolist() == model.timeline.epochs.tolist() + [6, 7]
    assert len(model.timeline) == 9  # the original is left as it was
    bare = Trainer(corpus.ids, corpus.vocab, TrainConfig(epochs=1, **FAST), timeline=False).train()
    assert bare.timeline is None


def test_a_stopped_and_resumed_run_snapshots_each_epoch_once(trained):
    corpus, _ = trained
    config = TrainConfig(epochs=3, **FAST)
    trainer = Trainer(corpus.ids, corpus.vocab, config)
    stopped = trainer.train(on_epoch_end=lambda end: trainer.stop() if end.epoch == 1 else None)
    assert stopped.timeline.epochs.max() < 3
    resumed = Trainer(corpus.ids, corpus.vocab, config, model=stopped).train()
    assert resumed.timeline.epochs[4:].tolist() == [1, 2, 3]


def test_long_runs_stay_bounded():
    recorder = TimelineRecorder(None, 50_000, 300, per_epoch=10, run_epochs=500, epochs_before=0, first_batch=0)
    assert len(recorder.due) <= MAX_SNAPSHOTS - 1 and recorder.due[-1] == 5000
    timeline = Timeline.empty(10, 4, 10)
    rng = np.random.default_rng(0)
    for s in range(3 * MAX_SNAPSHOTS):
        timeline.append(s, 0.5, rng.standard_normal((20, 4)))
    assert len(timeline) <= MAX_SNAPSHOTS and timeline.epochs[0] == 0 and timeline.epochs[-1] == 3 * MAX_SNAPSHOTS - 1
    assert tracked_words(10**6, 300) * 300 <= 128 << 10


def test_saved_with_the_model_and_damage_is_refused(trained, tmp_path):
    _, model = trained
    path = tmp_path / "m.npz"
    save_model(model, path)
    loaded = load_model(path)
    for name in ("epochs", "losses", "codes", "scales", "maps"):
        np.testing.assert_array_equal(getattr(loaded.timeline, name), getattr(model.timeline, name))
    arrays = dict(np.load(path))
    for change, match in (({"timeline_maps": None}, "incomplete"),
                          ({"timeline_codes": arrays["timeline_codes"][:, :, :3]}, "do not fit"),
                          ({"timeline_epochs": arrays["timeline_epochs"][::-1].copy()}, "backwards")):
        broken = {k: v for k, v in {**arrays, **change}.items() if v is not None}
        bad = tmp_path / "bad.npz"
        with open(bad, "wb") as handle:
            np.savez(handle, **broken)
        with pytest.raises(ModelFileError, match=match):
            load_model(bad)


def test_cli_history_prints_a_line_per_snapshot(trained, tmp_path):
    _, model = trained
    path = tmp_path / "m.npz"
    save_model(model, path)
    out, err = text_io.StringIO(), text_io.StringIO()
    assert cli_main(["history", str(path), "queen", "-n", "3"], stdout=out, stderr=err) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == len(model.timeline) and lines[0].startswith("before training")
    assert lines[-1].startswith("epoch 5") and all(w in lines[-1] for w in ("king", "princess", "prince"))
    err = text_io.StringIO()
    assert cli_main(["history", str(path), "qqq"], stdout=out, stderr=err) == 2 and err.getvalue().count("\n") == 1
    model_without = tmp_path / "bare.npz"
    kept, model.timeline = model.timeline, None
    try:
        save_model(model, model_without)
    finally:
        model.timeline = kept
    err = text_io.StringIO()
    assert cli_main(["history", str(model_without), "queen"], stdout=out, stderr=err) == 2
    assert "no training timeline" in err.getvalue()
