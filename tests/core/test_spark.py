"""Training on Spark: MLlib's Word2Vec on a real local Spark, our tokens, the model file, progress,
cancelling, and each error as one line before (or instead of) a Java stack trace."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.errors import CorpusError, StudioError
from embedding_studio.core.text.corpus import load_corpus
from embedding_studio.core.text.demo import GROUPS, demo_text
from embedding_studio.core.train.spark import (ENGINE, SGNS_ENGINE, SparkCancelled, SparkError, SparkSettings, SparkTraining, check_master,
                              check_master_syntax, find_java)
from embedding_studio.core.train.trainer import CONTINUED_HERE, Trainer
from embedding_studio.core.config import TrainConfig
from embedding_studio.core.vectors.io import load_model, save_model

from ..conftest import SPARK_MASTER

ROOT = Path(__file__).resolve().parents[2]

#: Text that tests the tokeniser's rules, not just spaces: accents, inner apostrophes, dashes, digits,
#: quotes, curly apostrophes, case, and a line break inside a would-be sentence.
TRICKY = ("Café naïve--well, don't you KNOW it's 1999?\n'Quoted' words_and_underscores rock’n’roll\n"
          "Ünïcödé and ÉTÉ; the café's dog! well\n") * 40


def run_cli(*argv: str) -> tuple[int, str, str]:
    from embedding_studio.core.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def run_main(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> Path:
    """A folder as people have them: two files at the top, one in a subfolder, a non-.txt file to ignore."""
    folder = tmp_path_factory.mktemp("texts")
    (folder / "demo.txt").write_text(demo_text(seed=5, sentences=3000), encoding="utf-8")
    (folder / "tricky.txt").write_text(TRICKY, encoding="utf-8")
    (folder / "more").mkdir()
    (folder / "more" / "demo2.txt").write_text(demo_text(seed=6, sentences=1500), encoding="utf-8")
    (folder / "notes.md").write_text("zebra zebra zebra zebra zebra zebra", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def spark_model(spark, texts):
    reports = []
    model = SparkTraining(str(texts), SPARK_MASTER, SparkSettings(dim=16, window=2, epochs=3, min_count=2,
                                                                  algorithm="mllib")).run(reports.append, interval=0.05)
    return model, reports


def test_spark_model_has_the_words_and_counts_of_local_training(spark_model, texts):
    model, _ = spark_model
    local = load_corpus([texts], min_count=2)
    assert model.words == local.vocab.words  # same tokens, same order (count, then alphabetical)
    assert np.array_equal(model.counts, local.vocab.counts)
    assert {"café", "naïve", "don't", "ünïcödé", "rock'n'roll"} <= set(model.words)  # the default word rule
    assert "zebra" not in model  # notes.md is not a .txt file, as in local training
    assert model.state.run_tokens == local.raw_tokens


def test_spark_model_records_its_engine_and_settings_and_learned(spark_model, tmp_path):
    model, _ = spark_model
    assert model.state.trained_by.startswith(ENGINE) and "hierarchical softmax" in model.state.trained_by
    assert model.config.dim == model.dim == 16 and model.config.window == 2 and model.config.epochs == 3
    assert model.config.sample == 0.0 and len(model.loss_history) == 0 and model.state.epochs_trained == 3
    assert np.isfinite(model.vectors).all() and (np.abs(model.vectors).sum(axis=1) > 0).all()
    # planted structure: a word is closer to its own group than to another group, on average
    inside = np.mean([model.similarity(a, b) for a, b in zip(GROUPS["animals"], GROUPS["animals"][1:])])
    across = np.mean([model.similarity(a, b) for a, b in zip(GROUPS["animals"], GROUPS["colours"])])
    assert inside > across
    save_model(model, tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    assert again.state.trained_by == model.state.trained_by and again.words == model.words


def test_spark_progress_follows_the_jobs(spark_model):
    _, reports = spark_model
    phases = [r.phase for r in reports]
    assert phases[0] == "starting Spark"
    assert "reading and counting words" in phases
    assert any(p.startswith("MLlib: iteration") for p in phases)
    assert all(0.0 <= r.fraction <= 1.0 and r.epochs == 3 for r in reports)
    assert max(r.fraction for r in reports) > 0.5


def test_cancel_stops_the_spark_job(spark, texts):
    job = SparkTraining(str(texts), SPARK_MASTER, SparkSettings(dim=16, epochs=200, min_count=2, algorithm="mllib"))
    outcome = {}

    def progress(p):
        if p.phase.startswith("MLlib: iteration"):
            job.cancel()

    def run():
        try:
            outcome["model"] = job.run(progress, interval=0.05)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), SparkCancelled)
    # the shared session is still there, and runs the next job
    assert spark.sparkContext.parallelize(range(10)).sum() == 45


def test_cli_train_spark_writes_a_model_the_other_commands_read(spark, texts, tmp_path):
    out = tmp_path / "spark.npz"
    code, _, err = run_cli("train-spark", str(texts), "--master", SPARK_MASTER, "--out", str(out),
                           "--dim", "8", "--epochs", "1", "--min-count", "3", "--algorithm", "mllib")
    assert code == 0, err
    assert "spark: " in err and "trained by Spark MLlib Word2Vec" in err  # the bar, and the summary
    model = load_model(out)
    assert model.dim == 8 and model.config.min_count == 3 and model.state.trained_by.startswith(ENGINE)
    code, printed, _ = run_cli("similar", str(out), "king", "-n", "3")
    assert code == 0 and len(printed.splitlines()) == 3


def test_cli_train_spark_empty_corpus_is_one_line_and_no_file(spark, tmp_path):
    (tmp_path / "numbers.txt").write_text("1 2 3 -- 4 5 !!\n" * 10)
    out = tmp_path / "m.npz"
    code, _, err = run_cli("train-spark", str(tmp_path), "--master", SPARK_MASTER, "--out", str(out), "--quiet")
    assert code == 2 and err.count("\n") == 1 and "has no words" in err
    assert not out.exists()
    code, _, err = run_cli("train-spark", str(tmp_path / "numbers.txt"), "--master", SPARK_MASTER, "--out",
                           str(out), "--quiet", "--min-count", "1000")
    assert code == 2 and "has no words" in err


def test_cli_train_spark_too_few_words_for_min_count(spark, texts, tmp_path):
    code, _, err = run_cli("train-spark", str(texts / "tricky.txt"), "--master", SPARK_MASTER, "--out",
                           str(tmp_path / "m.npz"), "--quiet", "--min-count", "1000")
    assert code == 2 and err.count("\n") == 1 and "try a lower min_count" in err


def test_spark_reads_a_missing_remote_path_as_a_clear_error(spark, tmp_path):
    uri = (tmp_path / "nowhere").as_uri().replace("file:///", "file:/", 1)  # file: URIs go through Spark too
    with pytest.raises(CorpusError, match="does not exist"):
        SparkTraining(uri, SPARK_MASTER, SparkSettings()).run()


# --- errors found before Java starts: in a fresh process, as a user meets them ---------------------------


def test_missing_corpus_path_is_one_line_before_spark_starts(tmp_path):
    done = run_main("train-spark", str(tmp_path / "nope"), "--master", "local[2]", "--out", str(tmp_path / "m.npz"))
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "does not exist" in done.stderr


def test_no_java_is_one_line(tmp_path, texts):
    pytest.importorskip("pyspark", reason="the Java check comes after pyspark's")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(Path(sys.executable).parent)  # python, but no java
    done = run_main("train-spark", str(texts), "--master", "local[2]", "--out", str(tmp_path / "m.npz"), env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "needs Java" in done.stderr and "default-jre-headless" in done.stderr
    assert not (tmp_path / "m.npz").exists()


def test_unreachable_master_is_one_line(tmp_path, texts):
    pytest.importorskip("pyspark", reason="the master is checked after pyspark is found")
    try:
        find_java()
    except SparkError as error:
        pytest.skip(f"the master is checked after Java is found ({error})")
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    done = run_main("train-spark", str(texts), "--master", f"spark://127.0.0.1:{port}", "--out",
                    str(tmp_path / "m.npz"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "cannot reach the Spark master" in done.stderr and "refused" in done.stderr


def test_master_urls():
    for good in ("local", "local[2]", "local[*]", "local[4,2]", "spark://h:7077", "spark://a:1,b:2", "yarn",
                 "k8s://https://host:443"):
        check_master_syntax(good)
    for bad in ("lokal", "local[x]", "spark:/h:7077", "", "mesos://h"):
        with pytest.raises(SparkError, match="the Spark master must be"):
            check_master_syntax(bad)
    with pytest.raises(SparkError, match="HOST:PORT"):
        check_master("spark://hostonly")


def test_find_java_names_what_is_wrong(tmp_path):
    with pytest.raises(SparkError, match="JAVA_HOME is .* no bin/java"):
        find_java({"JAVA_HOME": str(tmp_path), "PATH": ""})
    with pytest.raises(SparkError, match="no java was found"):
        find_java({"PATH": str(tmp_path)})
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "java"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_java({"PATH": str(tmp_path / "bin")}) == str(fake)


def test_settings_are_checked_by_the_shared_ranges():
    with pytest.raises(StudioError, match="dim must be"):
        SparkSettings(dim=0)
    with pytest.raises(StudioError, match="partitions must be"):
        SparkSettings(partitions=0)
    with pytest.raises(StudioError, match="no corpus"):
        SparkTraining("  ", "local[2]", SparkSettings())


def test_continuing_another_engines_model_says_so():
    from embedding_studio.core.text.corpus import corpus_from_tokens
    from embedding_studio.core.text.tokens import tokenize
    from embedding_studio.core.vectors.model import RunState

    corpus = corpus_from_tokens(tokenize(demo_text(seed=1, sentences=300)), min_count=1)
    config = TrainConfig(dim=8, epochs=1, workers=1)
    first = Trainer(corpus.ids, corpus.vocab, config).train()
    first.state = RunState(epochs_trained=3, trained_by=f"{ENGINE} (test)")
    continued = Trainer(corpus.ids, corpus.vocab, config, model=first).train()
    assert continued.state.trained_by == f"{ENGINE} (test){CONTINUED_HERE}"
    again = Trainer(corpus.ids, corpus.vocab, config, model=continued).train()
    assert again.state.trained_by.count(CONTINUED_HERE) == 1


def test_spark_tokenises_by_the_chosen_word_rule(spark, texts):
    model = SparkTraining(str(texts), SPARK_MASTER,
                          SparkSettings(dim=8, window=2, epochs=1, min_count=2, tokens="article")).run(None)
    local = load_corpus([texts], min_count=2, tokens="article")
    assert model.words == local.vocab.words and "dont" in model.words and "don't" not in model.words
    assert model.config.tokens == "article"


# --- --algorithm sgns: this project's engine on the executors ------------------------------------------


def _local(texts: Path, **settings):
    corpus = load_corpus([texts], min_count=settings.pop("min_count"))
    return Trainer(corpus.ids, corpus.vocab, TrainConfig(workers=1, **settings)).train()


@pytest.fixture(scope="module")
def sgns_runs(spark, texts):
    """The same settings on 1 and 2 partitions, and their progress reports (6 epochs: at 3, on this small
    text, even local training has every word still pointing one way)."""
    runs = {}
    for partitions in (1, 2):
        reports = []
        settings = SparkSettings(dim=16, window=2, epochs=6, min_count=2, partitions=partitions)
        runs[partitions] = SparkTraining(str(texts), SPARK_MASTER, settings).run(reports.append, interval=0.05), reports
    return runs


def test_sgns_on_one_partition_is_local_training_with_one_worker(sgns_runs, texts):
    model, _ = sgns_runs[1]
    local = _local(texts, dim=16, window=2, epochs=6, min_count=2)
    assert model.words == local.words and np.array_equal(model.counts, local.counts)
    # the same batches, the same loss (to float32 rounding: the driver adds each epoch's move back onto its table)
    np.testing.assert_allclose(model.loss_history, local.loss_history, rtol=1e-6)
    np.testing.assert_allclose(model.vectors, local.vectors, atol=1e-5)
    np.testing.assert_allclose(model.output, local.output, atol=1e-5)


def test_sgns_on_two_partitions_learns_with_local_vocabulary_and_an_exact_loss(sgns_runs, texts, tmp_path):
    model, reports = sgns_runs[2]
    local = load_corpus([texts], min_count=2)
    assert model.words == local.vocab.words and np.array_equal(model.counts, local.vocab.counts)
    assert model.state.run_tokens == local.raw_tokens and model.state.epochs_trained == 6
    assert model.state.trained_by.startswith(SGNS_ENGINE) and "2 partitions" in model.state.trained_by
    assert model.config.sample == 1e-3 and model.config.negative == 5  # subsampling, as local training's
    losses = model.loss_history
    assert len(losses) == 6 and np.all(np.isfinite(losses)) and losses[-1] < losses[0] < np.log(2)
    assert not np.allclose(model.vectors, sgns_runs[1][0].vectors)  # two shares are not one
    inside = np.mean([model.similarity(a, b) for a, b in zip(GROUPS["animals"], GROUPS["animals"][1:])])
    across = np.mean([model.similarity(a, b) for a, b in zip(GROUPS["animals"], GROUPS["colours"])])
    assert inside > across
    phases = [r.phase for r in reports]
    assert "reading and counting words" in phases and "sharing out the text" in phases
    assert any(p.startswith("SGNS: epoch 6 of 6 (last epoch's loss") for p in phases)
    assert "sqrt, once an epoch" in model.state.trained_by
    assert max(r.epoch for r in reports) >= 2 and all(0.0 <= r.fraction <= 1.0 for r in reports)
    save_model(model, tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(again.loss_history, losses)
    corpus = load_corpus([texts], min_count=2)  # and local training continues it, output rows and all
    continued = Trainer(corpus.ids, corpus.vocab, TrainConfig(dim=16, epochs=1, min_count=2, workers=1),
                        model=again).train()
    assert continued.state.epochs_trained == 7 and continued.loss_history[-1] < losses[0]


def test_cancel_stops_the_sgns_job_between_and_within_epochs(spark, texts):
    job = SparkTraining(str(texts), SPARK_MASTER, SparkSettings(dim=16, epochs=200, min_count=2, partitions=2))
    seen = []

    def progress(p):
        seen.append(p.phase)
        if p.phase.startswith("SGNS: epoch 2"):
            job.cancel()

    with pytest.raises(SparkCancelled):
        job.run(progress, interval=0.05)
    assert not any(p.startswith("SGNS: epoch 5 ") for p in seen)
    assert spark.sparkContext.parallelize(range(10)).sum() == 45


def test_cli_train_spark_runs_sgns_by_default(spark, texts, tmp_path):
    out = tmp_path / "sgns.npz"
    code, _, err = run_cli("train-spark", str(texts), "--master", SPARK_MASTER, "--out", str(out), "--dim", "8",
                           "--epochs", "2", "--min-count", "3", "--partitions", "2", "--sample", "0")
    assert code == 0, err
    assert "SGNS: epoch" in err and f"trained by {SGNS_ENGINE}" in err
    model = load_model(out)
    assert model.state.trained_by.startswith(SGNS_ENGINE) and len(model.loss_history) == 2
    assert model.config.sample == 0.0 and model.dim == 8


def test_bad_algorithm_or_combine_is_refused():
    with pytest.raises(StudioError, match="algorithm must be one of sgns, mllib"):
        SparkSettings(algorithm="cbow")
    with pytest.raises(StudioError, match="combine must be"):
        SparkSettings(combine="median")
    with pytest.raises(StudioError, match="negative must be"):
        SparkSettings(negative=0)
    code, _, err = run_cli("train-spark", "x", "--master", "local[2]", "--out", "m.npz", "--algorithm", "cbow")
    assert code == 2 and err.count("\n") == 1 and "invalid choice" in err


# --- the pieces of the SGNS job, without Spark ----------------------------------------------------------


def test_shares_are_contiguous_equal_cuts_of_the_corpus_in_file_order():
    from embedding_studio.core.train import spark_sgns

    class Box:  # what a broadcast is to the executor: .value
        def __init__(self, value):
            self.value = value

    blocks = {("file:/b.txt", 0): np.arange(10, 17, dtype=np.int32), ("file:/a.txt", 0): np.arange(0, 5, dtype=np.int32),
              ("file:/a.txt", 99): np.arange(5, 10, dtype=np.int32)}
    order = spark_sgns._file_order(list(blocks), None)
    assert order == [("file:/a.txt", 0), ("file:/a.txt", 99), ("file:/b.txt", 0)]
    offsets = np.cumsum([0] + [len(blocks[key]) for key in order])
    for partitions in (1, 2, 3, 4, 17):
        bounds = spark_sgns.share_bounds(17, partitions)
        cuts = Box({"place": {k: i for i, k in enumerate(order)}, "offset": {k: int(offsets[i]) for i, k in enumerate(order)},
                    "bounds": bounds})
        pieces = [kv for block in blocks.items() for kv in spark_sgns.to_shares(block, cuts)]
        shares = [next(spark_sgns.join_share(s, [kv for kv in pieces if kv[0] == s]))[1] for s in range(partitions)]
        assert np.array_equal(np.concatenate(shares), np.arange(17))  # every token once, in order
        assert max(map(len, shares)) - min(map(len, shares)) <= 1


def test_combine_keeps_a_rows_whole_move_when_one_partition_moved_it():
    from embedding_studio.core.train.spark_sgns import combine

    base = np.zeros((3, 2), dtype=np.float32)
    moves = np.array([[2, 2], [1, 1], [0, 0]], dtype=np.float32)  # row 0 moved by both, row 1 by one
    moved = np.array([2, 1, 0])
    np.testing.assert_array_equal(combine(base, moves, moved, 2, "rows"), [[1, 1], [1, 1], [0, 0]])
    np.testing.assert_array_equal(combine(base, moves, moved, 2, "average"), [[1, 1], [0.5, 0.5], [0, 0]])
    np.testing.assert_allclose(combine(base, moves, moved, 2, "sqrt"), [[2 ** 0.5] * 2, [1, 1], [0, 0]], rtol=1e-6)


def test_sgns_syncs_split_each_epoch_into_rounds_and_one_partition_stays_local_training(spark, texts):
    model = SparkTraining(str(texts), SPARK_MASTER,
                          SparkSettings(dim=16, window=2, epochs=2, min_count=2, syncs=3)).run(None)
    local = _local(texts, dim=16, window=2, epochs=2, min_count=2)  # the rounds cover the epoch's batches once
    np.testing.assert_allclose(model.loss_history, local.loss_history, rtol=1e-6)
    np.testing.assert_allclose(model.vectors, local.vectors, atol=1e-5)
    assert "3 times an epoch" in model.state.trained_by
    with pytest.raises(StudioError, match="syncs must be"):
        SparkSettings(syncs=0)
