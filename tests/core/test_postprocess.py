"""The quality levers (core.vectors.postprocess): w + c and all-but-the-top, as functions and as settings
that a finished run applies to the table every query, export and map reads."""

from __future__ import annotations

import io

import numpy as np
import pytest

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.errors import ConfigError
from embedding_studio.core.text.corpus import load_corpus
from embedding_studio.core.text.demo import demo_text
from embedding_studio.core.train.trainer import Trainer
from embedding_studio.core.vectors.io import load_model, save_model
from embedding_studio.core.vectors.postprocess import (add_output, all_but_the_top, default_directions,
                                                        query_table, top_directions)


def skewed_table(seed: int = 0, n: int = 400, dim: int = 12) -> np.ndarray:
    """Rows with a large common mean and two dominant directions, as trained vectors have."""
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(n, dim))
    table[:, 0] *= 6.0
    table[:, 3] *= 4.0
    return (table + rng.normal(size=dim) * 3).astype(np.float32)


def test_add_output_is_the_sum_and_a_copy_without_an_output_table():
    rng = np.random.default_rng(1)
    w, c = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(add_output(w, c), w + c)
    alone = add_output(w, None)
    np.testing.assert_array_equal(alone, w)
    alone[0, 0] = 99.0
    assert w[0, 0] != 99.0  # a new array, the model's table untouched
    with pytest.raises(ValueError, match="shape"):
        add_output(w, c[:4])


def test_all_but_the_top_removes_the_mean_and_the_leading_directions():
    table = skewed_table()
    mean, top = top_directions(table, 2)
    _, _, vt = np.linalg.svd(table.astype(np.float64) - table.mean(axis=0), full_matrices=False)
    for found, reference in zip(top, vt[:2]):  # the first two right singular vectors, up to sign
        assert abs(abs(found @ reference) - 1.0) < 1e-6
    processed = all_but_the_top(table, 2)
    assert processed.dtype == np.float32 and processed.shape == table.shape
    np.testing.assert_allclose(processed.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(processed @ vt[:2].T, 0.0, atol=1e-3)  # nothing left along them
    # what is left is the rest of the centred table, unchanged
    centred = table - table.mean(axis=0)
    rest = centred - (centred @ vt[:2].T) @ vt[:2]
    np.testing.assert_allclose(processed, rest, atol=1e-4)


def test_all_but_the_top_with_no_directions_removes_the_mean_alone_and_refuses_a_negative_count():
    table = skewed_table(2)
    np.testing.assert_allclose(all_but_the_top(table, 0), table - table.mean(axis=0), atol=1e-5)
    assert np.abs(all_but_the_top(table, 50)).max() < 1e-3  # more directions than dims: nothing is left
    with pytest.raises(ValueError, match="directions"):
        all_but_the_top(table, -1)
    assert default_directions(32) == 1 and default_directions(100) == 1 and default_directions(300) == 3


def test_query_table_applies_w_plus_c_before_all_but_the_top():
    w, c = skewed_table(3), skewed_table(4)
    np.testing.assert_allclose(query_table(w, c, True, 1), all_but_the_top(w + c, 1), atol=1e-5)
    np.testing.assert_array_equal(query_table(w, c, False, None), w)


def test_the_lever_settings_are_validated_and_old_models_read_as_raw():
    with pytest.raises(ConfigError, match="remove_top"):
        TrainConfig(remove_top=-1)
    with pytest.raises(ConfigError, match="add_context"):
        TrainConfig(add_context="yes")
    assert TrainConfig(remove_top=0).remove_top == 0
    old = {k: v for k, v in TrainConfig(add_context=True, remove_top=2).to_dict().items()
           if k not in ("add_context", "remove_top")}
    restored = TrainConfig.from_dict(old)  # saved before the levers existed: its vectors are the raw rows
    assert restored.add_context is False and restored.remove_top is None
    again = TrainConfig.from_dict(TrainConfig(add_context=True, remove_top=2).to_dict())
    assert again.add_context is True and again.remove_top == 2


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("levers") / "demo.txt"
    path.write_text(demo_text(seed=5, sentences=1500), encoding="utf-8")
    return load_corpus([path])


def train(corpus, **levers):
    config = TrainConfig(dim=16, epochs=2, workers=1, seed=7, **levers)
    return Trainer(corpus.ids, corpus.vocab, config, timeline=False).train()


def test_a_finished_run_queries_exports_and_saves_the_levers_table(corpus, tmp_path):
    raw = train(corpus)
    levered = train(corpus, add_context=True, remove_top=1)
    np.testing.assert_allclose(levered.output, raw.output)  # the same run: one worker, one seed
    expected = all_but_the_top(raw.vectors + raw.output, 1)
    np.testing.assert_allclose(levered.vectors, expected, atol=1e-5)
    word = levered.words[3]
    unit = expected / np.linalg.norm(expected, axis=1, keepdims=True)
    cosines = unit @ unit[3]
    cosines[3] = -np.inf
    assert levered.most_similar(word, topn=1)[0][0] == levered.words[int(np.argmax(cosines))]
    path = tmp_path / "levered.npz"
    save_model(levered, path)
    back = load_model(path)
    np.testing.assert_allclose(back.vectors, levered.vectors)
    assert back.config.add_context and back.config.remove_top == 1


def test_a_stopped_run_keeps_its_raw_rows_and_a_continued_one_starts_from_the_input_rows(corpus):
    plain = train(corpus, add_context=True)
    trainer = Trainer(corpus.ids, corpus.vocab, plain.config, model=plain, timeline=False)
    n = len(corpus.vocab)
    raw = train(corpus)
    np.testing.assert_allclose(trainer._table[:n], raw.vectors, atol=1e-6)  # w + c taken back off

    stopper = Trainer(corpus.ids, corpus.vocab, TrainConfig(dim=16, epochs=2, workers=1, seed=7, add_context=True),
                      timeline=False)
    model = stopper.train(on_progress=lambda p: stopper.stop(), progress_interval=0.0)
    assert not model.state.finished
    np.testing.assert_array_equal(model.vectors, stopper._table[:n])  # no levers until the run finishes


def test_the_command_line_takes_the_lever_flags_and_refuses_a_bad_count(tmp_path):
    from embedding_studio.core.cli import main as cli_main

    text = tmp_path / "demo.txt"
    text.write_text(demo_text(seed=5, sentences=600), encoding="utf-8")
    fast = ["--dim", "8", "--epochs", "1", "--workers", "1", "--quiet"]

    def run(*argv):
        out, err = io.StringIO(), io.StringIO()
        return cli_main(list(argv), stdout=out, stderr=err), err.getvalue()

    code, err = run("train", str(text), "--out", str(tmp_path / "a.npz"), "--add-context", "--remove-top", "2", *fast)
    assert code == 0, err
    config = load_model(tmp_path / "a.npz").config
    assert config.add_context and config.remove_top == 2
    code, err = run("train", str(text), "--out", str(tmp_path / "b.npz"), "--add-context", "--no-levers", *fast)
    config = load_model(tmp_path / "b.npz").config
    assert code == 0 and not config.add_context and config.remove_top is None
    code, err = run("train", str(text), "--out", str(tmp_path / "c.npz"), "--remove-top", "lots", *fast)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "remove-top" in err
    assert not (tmp_path / "c.npz").exists()


def test_the_levers_and_subwords_are_refused_together():
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.errors import ConfigError

    for levers in ({"add_context": True}, {"remove_top": 0}):
        with pytest.raises(ConfigError, match="subword"):
            TrainConfig(subwords=True, **levers)
    assert TrainConfig(subwords=True).subwords
