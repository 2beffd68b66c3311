"""Collapsed vectors are reported: a run too short for its corpus is flagged, a trained one is not, and the
command line says so in one ``warning:`` line."""

from __future__ import annotations

import io
import string

import numpy as np
import pytest

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.text.corpus import corpus_from_tokens
from embedding_studio.core.text.tokens import tokenize
from embedding_studio.core.text.demo import demo_text
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.train.trainer import Trainer
from embedding_studio.core.vectors.health import COLLAPSED_MEAN_COSINE, Collapse, diagnose, mean_cosine
from embedding_studio.core.vectors.model import Model

#: word2vec's usual settings, the issue's: on 60,000 tokens they are too few updates to spread the words
USUAL = dict(dim=100, window=5, epochs=5, workers=1)


def zipf_text(tokens: int = 60_000, words: int = 5_000, seed: int = 0) -> str:
    """Random text with Zipf's word frequencies, twelve words a line (no structure to learn at all)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, words + 1) ** 1.1
    ids = rng.choice(words, size=tokens, p=p / p.sum())
    names = [_letters(i + 26 * 26) for i in range(words)]
    return "".join(" ".join(names[i] for i in ids[s:s + 12]) + "\n" for s in range(0, tokens, 12))


def _letters(number: int) -> str:
    """``number`` written in base 26 with the letters a-z (the tokeniser keeps letters only)."""
    word = ""
    while number:
        number, digit = divmod(number, 26)
        word = string.ascii_lowercase[digit] + word
    return word


def trained(text: str, **settings) -> Model:
    corpus = corpus_from_tokens(tokenize(text))
    return Trainer(corpus.ids, corpus.vocab, TrainConfig(**{**USUAL, **settings}), timeline=False).train()


def test_mean_cosine_is_the_mean_over_pairs_without_the_table():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(300, 20)).astype(np.float32) + 2.0
    vectors[5] = 0.0  # a zero row has no direction: left out
    units = np.delete(vectors, 5, axis=0).astype(np.float64)
    units /= np.linalg.norm(units, axis=1, keepdims=True)
    table = units @ units.T
    expected = (table.sum() - len(units)) / (len(units) * (len(units) - 1))
    assert mean_cosine(vectors) == pytest.approx(expected, abs=1e-6)
    assert np.isnan(mean_cosine(vectors[:1]))


def test_vectors_sharing_one_direction_are_collapsed_and_random_ones_are_not():
    rng = np.random.default_rng(2)
    vocab = Vocab([f"w{i}" for i in range(3000)], np.arange(3000, 0, -1))
    spread = rng.normal(size=(3000, 50)).astype(np.float32)
    assert diagnose(Model(vocab, spread)) is None
    bunched = spread * 0.1 + rng.normal(size=50).astype(np.float32)
    collapse = diagnose(Model(vocab, bunched))
    assert isinstance(collapse, Collapse) and collapse.words == 2000 and collapse.mean_cosine > 0.9
    assert diagnose(Model(Vocab(["one"], np.array([5])), np.ones((1, 4), np.float32))) is None


def test_a_small_corpus_at_the_usual_settings_collapses_and_is_told_what_to_try():
    collapse = diagnose(trained(zipf_text()))  # the case: 60,000 tokens, dim 100, 5 epochs
    assert collapse is not None and collapse.mean_cosine > 0.95
    message = collapse.message()
    assert message.startswith("collapsed vectors:") and "\n" not in message
    assert f"(mean cosine {int(collapse.mean_cosine * 100) / 100:.2f};" in message
    assert all(advice in message for advice in ("more epochs", "more text", "fewer dimensions"))


def test_a_trained_generated_corpus_is_not_flagged():
    model = trained(demo_text(seed=1, sentences=9_400))  # 60,000 tokens too, of 186 words seen often enough
    assert diagnose(model) is None and mean_cosine(model.vectors) < COLLAPSED_MEAN_COSINE


@pytest.fixture(scope="module")
def zipf_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("zipf") / "zipf.txt"
    path.write_text(zipf_text(), encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str]:
    from embedding_studio.core.cli import main

    err = io.StringIO()
    code = main(list(argv), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def test_train_prints_one_warning_line_after_the_summary_and_exits_0(zipf_file, tmp_path):
    code, err = run("train", str(zipf_file), "--out", str(tmp_path / "m.npz"), "--dim", "100", "--window", "5",
                    "--epochs", "5", "--workers", "1", "--quiet")
    assert code == 0 and (tmp_path / "m.npz").exists(), err
    lines = err.strip().splitlines()
    assert lines[-2].startswith("trained 5 epochs"), err
    assert lines[-1].startswith("warning: collapsed vectors:") and "more epochs" in lines[-1], err
    assert sum(line.startswith("warning:") for line in lines) == 1


def test_train_of_a_healthy_model_warns_of_nothing(tmp_path):
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=1, sentences=9_400), encoding="utf-8")
    code, err = run("train", str(corpus), "--out", str(tmp_path / "m.npz"), "--dim", "100", "--window", "5",
                    "--epochs", "5", "--workers", "1", "--quiet")
    assert code == 0 and "warning" not in err, err


def test_stability_runs_that_collapse_are_reported_once(zipf_file, tmp_path):
    code, err = run("stability", str(zipf_file), "--runs", "2", "--out", str(tmp_path / "runs"), "--dim", "32",
                    "--window", "5", "--epochs", "2", "--workers", "1", "--quiet")
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert code == 0 and len(warnings) == 1 and warnings[0].startswith("warning: 2 of 2 runs: collapsed vectors"), err
