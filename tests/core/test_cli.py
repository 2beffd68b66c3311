"""The command line, end to end through main.py's entry point: results, and every kind of bad input."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.config import MIN_LR_FRACTION, TrainConfig, range_text
from embedding_studio.core.text.demo import demo_text
from embedding_studio.core.config import DEFAULT_RESTRICT_VOCAB
from embedding_studio.core.vectors.io import load_model, load_vectors
from embedding_studio.gui.launch import main

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--dim", "16", "--epochs", "2", "--workers", "1", "--quiet"]


def run(*argv: str) -> tuple[int, str, str]:
    from embedding_studio.core.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    code = cli_main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "demo.txt"
    path.write_text(demo_text(seed=3, sentences=6000), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "demo.npz"
    code, _, err = run("train", str(corpus), "--out", str(out), *FAST)
    assert code == 0, err
    return out


def test_train_writes_a_model_with_the_settings_and_a_summary(trained, corpus, tmp_path):
    model = load_model(trained)
    assert model.dim == 16 and model.config.epochs == 2 and len(model.loss_history) == 2
    assert "king" in model
    code, _, err = run("train", str(corpus), "--out", str(tmp_path / "m.npz"), "--dim", "8", "--epochs", "1",
                       "--workers", "1")
    assert code == 0
    assert "epoch 1/1" in err and "words/s" in err and "ETA" in err  # the progress bar
    assert "trained 1 epochs" in err and "final loss" in err


def test_similar_prints_neighbours_from_npz_and_word2vec_files(trained, tmp_path):
    code, out, _ = run("similar", str(trained), "king", "-n", "3")
    assert code == 0
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert len(rows) == 3 and all(-1 <= float(score) <= 1 for _, score in rows)
    text = tmp_path / "v.txt"
    assert run("export", str(trained), "--format", "word2vec", "--out", str(text))[0] == 0
    assert run("similar", str(text), "king", "-n", "3")[1] == out


def test_exports_are_read_back_by_gensim(trained, tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    model = load_model(trained)
    for fmt, binary in [("word2vec", False), ("word2vec-binary", True)]:
        out = tmp_path / f"vectors.{fmt}"
        code, _, err = run("export", str(trained), "--format", fmt, "--out", str(out))
        assert code == 0, err
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(out), binary=binary)
        assert kv.index_to_key == model.words
        np.testing.assert_allclose(kv.vectors, model.vectors, rtol=1e-6)
    code, _, _ = run("export", str(trained), "--format", "tsv", "--out", str(tmp_path / "projector"))
    assert code == 0
    assert (tmp_path / "projector" / "metadata.tsv").read_text().split("\n")[0] == model.words[0]
    assert load_vectors(tmp_path / "vectors.word2vec").words == model.words


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


BAD_TRAIN = {
    "missing path": lambda d: [str(d / "nope.txt")],
    "folder without txt": lambda d: [str((d / "empty_dir").mkdir() or d / "empty_dir")],
    "empty file": lambda d: [str(write(d / "empty.txt", b""))],
    "binary file": lambda d: [str(write(d / "bin.txt", bytes(range(256)) * 10))],
    "no letters": lambda d: [str(write(d / "digits.txt", b"123 456 789\n" * 50))],
    "min_count too high": lambda d: [str(write(d / "small.txt", b"alpha beta gamma " * 3)), "--min-count", "5"],
    "zero dims": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--dim", "0"],
    "absurd window": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--window", "100000"],
    "negative lr": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--lr", "-1"],
    "nan sample": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--sample", "nan"],
    "zero workers": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--workers", "0"],
    "not a number": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--epochs", "many"],
    "output is a folder": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--out-folder"],
    "output folder missing": lambda d: [str(write(d / "ok.txt", b"alpha beta " * 20)), "--out-missing"],
}


@pytest.mark.parametrize("case", sorted(BAD_TRAIN))
def test_bad_training_input_is_one_line_and_exit_2_with_no_file_left(case, tmp_path):
    args = BAD_TRAIN[case](tmp_path)
    out = tmp_path / "model.npz"
    if "--out-folder" in args:
        args.remove("--out-folder")
        out = tmp_path
    if "--out-missing" in args:
        args.remove("--out-missing")
        out = tmp_path / "missing" / "model.npz"
    before = set(tmp_path.rglob("*"))
    code, _, err = run("train", "--workers", "1", "--epochs", "1", *args, "--out", str(out))
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "error" in err
    assert set(tmp_path.rglob("*")) == before  # nothing written, not even a temporary file


def bad_model_files(d: Path, trained: Path) -> dict[str, Path]:
    good = trained.read_bytes()
    foreign = d / "foreign.npz"
    np.savez(foreign, something=np.arange(3))
    not_zip = write(d / "text.npz", b"hello, I am not a model\n")
    w2v_short_row = write(d / "short.w2v", b"2 3\nalpha 0.1 0.2 0.3\nbeta 0.1\n")
    w2v_bad_number = write(d / "nan.w2v", b"1 2\nalpha 0.1 zebra\n")
    return {
        "missing": d / "nothing.npz",
        "truncated": write(d / "truncated.npz", good[: len(good) // 2]),
        "foreign": foreign,
        "not a zip": not_zip,
        "short row": w2v_short_row,
        "bad number": w2v_bad_number,
    }


@pytest.mark.parametrize("case", ["missing", "truncated", "foreign", "not a zip", "short row", "bad number"])
def test_bad_model_files_get_one_line_and_exit_2(case, trained, tmp_path):
    path = bad_model_files(tmp_path, trained)[case]
    code, _, err = run("similar", str(path), "king")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    if path.suffix == ".npz":
        out = tmp_path / "exported.txt"
        code, _, err = run("export", str(path), "--format", "word2vec", "--out", str(out))
        assert code == 2 and not out.exists() and len(err.strip().splitlines()) == 1


def test_unknown_word_suggests_close_spellings(trained):
    code, _, err = run("similar", str(trained), "kingg")
    assert code == 2 and "king" in err and "did you mean" in err


def test_usage_errors_are_one_line(trained):
    for argv in (["similar"], ["export", str(trained), "--format", "pdf", "--out", "x"], ["train"],
                 ["similar", str(trained), "king", "-n", "0"]):
        code, _, err = run(*argv)
        assert code == 2 and len(err.strip().splitlines()) == 1, (argv, err)



def test_main_py_dispatches_to_the_command_line(trained, capsys):
    assert main(["similar", str(trained), "king", "-n", "2"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_the_real_process_exits_2_without_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(tmp_path / "missing"),
                             "--out", str(tmp_path / "m.npz")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {tmp_path / 'missing'} does not exist"]


def test_training_with_worker_processes_from_the_real_process(corpus, tmp_path):
    out = tmp_path / "m.npz"
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(corpus), "--out", str(out),
                             "--dim", "8", "--epochs", "1", "--workers", "2", "--quiet"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert len(load_model(out).loss_history) == 1


def test_more_workers_than_can_train_at_once_get_one_line_saying_why(corpus, tmp_path):
    # At window 5 four batches of 256 tokens hold a default batch: six workers asked, four train.
    out = tmp_path / "m.npz"
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(corpus), "--out", str(out),
                             "--dim", "8", "--epochs", "1", "--window", "5", "--workers", "6", "--quiet"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes == ["note: 4 of the 6 workers train at once: at window 5 with batches of 256 tokens, more "
                     "batches in flight would cost quality (each is computed from rows that lack the others' "
                     "updates)"]
    assert load_model(out).config.workers == 6


DIVERGING = ["--dim", "64", "--epochs", "2", "--lr", "10", "--quiet",
             "--batch-tokens", "256"]  # (two workers of 1,024 tokens are damped enough not to diverge)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_diverging_run_says_so_in_one_line_and_trains_again_carefully(corpus, tmp_path, workers):
    out = tmp_path / "m.npz"
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(corpus), "--out", str(out),
                             *DIVERGING, "--workers", workers], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("corpus: ") and lines[2].startswith("trained 2 epochs"), result.stderr
    assert lines[1].startswith("note: training diverged in epoch ") and "again from the start with careful" in lines[1]
    model = load_model(out)
    assert model.config.max_row_logit is not None and len(model.loss_history) == 2
    assert model.loss_history[-1] < math.log(2)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_run_that_diverges_even_carefully_is_one_line_exit_1_and_overwrites_nothing(corpus, tmp_path, workers,
                                                                                      monkeypatch):
    from embedding_studio.core import cli
    from embedding_studio.core.train import trainer

    monkeypatch.setattr(trainer, "CAREFUL_ROW_LOGIT", 1e9)  # a careful bound that binds nothing
    out = tmp_path / "m.npz"
    out.write_bytes(b"an earlier model")
    stderr = io.StringIO()
    assert cli.main(["train", str(corpus), "--out", str(out), *DIVERGING, "--workers", workers],
                    stdout=io.StringIO(), stderr=stderr) == 1
    lines = stderr.getvalue().strip().splitlines()
    assert lines[0].startswith("corpus: ") and len(lines) == 3, stderr.getvalue()  # summary, note, error
    assert lines[1].startswith("note: training diverged") and lines[2].startswith("error: training diverged in epoch ")
    assert "learning rate" in lines[2]
    assert out.read_bytes() == b"an earlier model" and sorted(tmp_path.iterdir()) == [out]


def test_a_failed_worker_is_reported_as_a_bug_without_our_traceback(corpus, tmp_path, monkeypatch):
    from embedding_studio.core import cli
    from embedding_studio.core.train.workers import WorkerFailed

    def fail(*_):
        raise WorkerFailed("a training worker process failed:\nTraceback (in the worker)\nZeroDivisionError")

    monkeypatch.setitem(cli.COMMANDS, "train", fail)
    code, out, err = run("train", str(corpus), "--out", str(tmp_path / "m.npz"))
    assert code == 1 and out == ""
    assert err.startswith("error: a training worker process failed:") and "ZeroDivisionError" in err
    assert not (tmp_path / "m.npz").exists()


# --- evaluate ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def test_sets(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("testsets")
    pairs = write(d / "pairs.tsv", b"# demo pairs\nking\tqueen\t9\nman\twoman\t8\nking\tman\t5\nqueen\tdragon\t2\n")
    other = write(d / "more.csv", b"king,woman,4\nman,queen,3\nwoman,queen,7\n")
    analogies = write(d / "questions.txt", b": royal\nman woman king queen\nMan King Woman Queen\n"
                                           b"man woman king dragon\n: empty\nelf orc dwarf troll\n")
    return {"pairs": pairs, "more": other, "analogies": analogies}


def test_evaluate_prints_tables(trained, test_sets):
    code, out, err = run("evaluate", str(trained), "--pairs", str(test_sets["pairs"]), str(test_sets["more"]),
                         "--analogies", str(test_sets["analogies"]))
    assert code == 0, err
    assert "spearman" in out and "pairs.tsv" in out and "more.csv" in out and "3/4" in out and "25.0%" in out
    assert "questions.txt" in out and "  royal" in out and "  empty" in out


def test_evaluate_json_matches_the_library(trained, test_sets):
    import json

    from embedding_studio.core.vectors.evaluate import evaluate_analogies, evaluate_pairs

    code, out, err = run("evaluate", str(trained), "--pairs", str(test_sets["pairs"]),
                         "--analogies", str(test_sets["analogies"]), "--json")
    assert code == 0, err
    report = json.loads(out)
    model = load_model(trained)
    pairs = evaluate_pairs(model, test_sets["pairs"])
    entry = report["pairs"]["pairs.tsv"]
    assert entry["spearman"] == pytest.approx(pairs.spearman) and entry["pearson"] == pytest.approx(pairs.pearson)
    assert (entry["pairs_used"], entry["oov"]) == (3, 0.25)
    analogies = evaluate_analogies(model, test_sets["analogies"])
    entry = report["analogies"]["questions.txt"]
    assert (entry["correct"], entry["total"]) == (analogies.correct, 2)
    assert entry["accuracy"] == pytest.approx(analogies.accuracy)
    assert entry["sections"]["empty"] == {"accuracy": 0.0, "correct": 0, "total": 0, "skipped": 1}
    assert set(entry["sections"]["royal"]) >= {"accuracy", "correct", "total"}


def test_evaluate_reads_word2vec_files_and_gensim_test_sets(trained, tmp_path):
    gensim_utils = pytest.importorskip("gensim.test.utils")
    import json

    text = tmp_path / "v.txt"
    assert run("export", str(trained), "--format", "word2vec", "--out", str(text))[0] == 0
    args = ["--pairs", gensim_utils.datapath("wordsim353.tsv"), gensim_utils.datapath("simlex999.txt"),
            "--analogies", gensim_utils.datapath("questions-words.txt"), "--json"]
    code, out, err = run("evaluate", str(text), *args)
    assert code == 0, err
    report = json.loads(out)
    assert set(report["pairs"]) == {"wordsim353.tsv", "simlex999.txt"}
    assert report["analogies"]["questions-words.txt"]["total"] > 0
    assert json.loads(run("evaluate", str(trained), *args)[1]) == report


def test_evaluate_bad_input_is_one_line_and_exit_2(trained, test_sets, tmp_path):
    bad_score = write(tmp_path / "bad.tsv", b"king queen 9\nman woman lots\n")
    cases = [
        ["evaluate", str(trained)],  # no test file
        ["evaluate", str(trained), "--pairs", str(tmp_path / "missing.tsv")],
        ["evaluate", str(trained), "--pairs", str(bad_score)],
        ["evaluate", str(trained), "--pairs", str(test_sets["analogies"])],  # wrong kind of file
        ["evaluate", str(trained), "--analogies", str(test_sets["pairs"])],
        ["evaluate", str(tmp_path / "missing.npz"), "--pairs", str(test_sets["pairs"])],
        ["evaluate", str(trained), "--pairs", str(test_sets["pairs"]), "--restrict-vocab", "0"],
        ["evaluate", str(trained), "--pairs"],
    ]
    for argv in cases:
        code, out, err = run(*argv)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, (argv, err)
        assert "Traceback" not in err
    assert "bad.tsv" in run(*cases[2])[2] and "line 2" in run(*cases[2])[2]


# --- fetch-gutenberg --------------------------------------------------------------------------------


@pytest.fixture
def gutenberg(tmp_path, monkeypatch):
    from .test_gutenberg import FakeGutenberg

    monkeypatch.setenv("EMBEDDING_STUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    server = FakeGutenberg()
    yield server
    server.close()


def test_fetch_gutenberg_writes_texts_with_progress(gutenberg, tmp_path):
    out_dir = tmp_path / "texts" / "new"
    code, out, err = run("fetch-gutenberg", "1", "2", "--out", str(out_dir), "--mirror", gutenberg.url)
    assert code == 0, err
    assert out.split() == [str(out_dir / "pg1.txt"), str(out_dir / "pg2.txt")]
    assert "ebook 2: 0.3 MB of 0.3 MB" in err and "wrote 2 text(s)" in err
    assert "START OF" not in (out_dir / "pg1.txt").read_text()
    # the texts train straight away
    code, _, err = run("train", str(out_dir), "--out", str(tmp_path / "m.npz"), "--min-count", "1", *FAST)
    assert code == 0, err


def test_fetch_gutenberg_article_means_the_five_books(gutenberg, tmp_path, monkeypatch):
    from embedding_studio.core.text.gutenberg import ARTICLE_BOOKS

    from . import test_gutenberg

    code, _, err = run("fetch-gutenberg", "article", "--out", str(tmp_path / "t"), "--mirror", gutenberg.url)
    assert code == 2 and err.strip().splitlines() == [
        f"error: no such ebook: 28054 ({gutenberg.url}/cache/epub/28054/pg28054.txt answered 404 Not Found)"]
    for ebook in ARTICLE_BOOKS:
        monkeypatch.setitem(test_gutenberg.BOOKS, ebook, test_gutenberg.fake_ebook(ebook))
    code, out, err = run("fetch-gutenberg", "article", "600", "--out", str(tmp_path / "t"), "--mirror", gutenberg.url)
    assert code == 0, err
    assert [Path(p).name for p in out.split()] == [f"pg{ebook}.txt" for ebook in ARTICLE_BOOKS]
    assert "ebook 2638 (The Idiot)" in err


@pytest.mark.parametrize("argv", [["x1"], ["1", "--mirror", "ftp://nowhere"], ["404404"], ["1", "--out-file"]])
def test_fetch_gutenberg_errors_exit_2(argv, gutenberg, tmp_path):
    out_dir = tmp_path / "t"
    if "--out-file" in argv:
        argv = argv[:-1]
        out_dir = write(tmp_path / "file.txt", b"x")
    code, out, err = run("fetch-gutenberg", "--mirror", gutenberg.url, *argv, "--out", str(out_dir), "--quiet")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and "Traceback" not in err


def test_main_py_knows_the_new_commands(capsys):
    assert main(["evaluate", "--help"]) == 0
    assert "--analogies" in capsys.readouterr().out
    assert main(["fetch-gutenberg", "--help"]) == 0
    assert "article" in capsys.readouterr().out


def test_train_with_a_token_cache_maps_the_ids_from_disk(corpus, tmp_path):
    cache = tmp_path / "tokens"
    code, _, err = run("train", str(corpus), "--out", str(tmp_path / "m.npz"), "--token-cache", str(cache), *FAST)
    assert code == 0, err
    assert any(p.suffix == ".npy" for p in cache.iterdir())


def test_a_mistyped_command_is_a_usage_error_not_a_window(capsys):
    assert main(["trian", "x"]) == 2
    assert "invalid choice: 'trian'" in capsys.readouterr().err


def test_the_training_options_state_the_configs_defaults_and_ranges(capsys):
    from embedding_studio.core.cli import build_parser

    assert main(["train", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines where it likes
    defaults = TrainConfig()
    for name in ("dim", "window", "negative", "epochs", "min_count", "seed", "sample", "lr"):
        value = getattr(defaults, name)
        value = f"{value:g}" if isinstance(value, float) else value
        assert f"(default {value}; {range_text(name)})" in shown, name
    assert f"(default all; {range_text('max_vocab')})" in shown
    assert f"lr * {MIN_LR_FRACTION:g}" in shown
    args = build_parser().parse_args(["train", "corpus.txt", "--out", "m.npz"])
    for name in ("dim", "window", "negative", "epochs", "min_count", "max_vocab", "sample", "lr", "seed",
                 "workers"):
        assert getattr(args, name) == getattr(defaults, name), name
    assert args.batch_tokens is None  # left to TrainConfig, which sizes batches by the window


def test_evaluate_restricts_the_vocabulary_as_the_evaluations_do(capsys):
    from embedding_studio.core.cli import build_parser

    assert build_parser().parse_args(["evaluate", "m.npz"]).restrict_vocab == DEFAULT_RESTRICT_VOCAB
    assert main(["evaluate", "--help"]) == 0
    assert f"({DEFAULT_RESTRICT_VOCAB}, as gensim)" in " ".join(capsys.readouterr().out.split())


def test_a_trained_model_derives_its_final_rate_from_the_chosen_one(corpus, tmp_path):
    out = tmp_path / "m.npz"
    code, _, err = run("train", str(corpus), "--out", str(out), "--lr", "0.05", *FAST)
    assert code == 0, err
    config = load_model(out).config
    assert config.lr == 0.05 and config.min_lr == pytest.approx(0.05 * MIN_LR_FRACTION)


def test_an_out_of_range_setting_is_reported_with_the_configs_range(tmp_path):
    text = write(tmp_path / "ok.txt", b"alpha beta " * 20)
    code, _, err = run("train", str(text), "--out", str(tmp_path / "m.npz"), "--dim", "0")
    assert code == 2 and range_text("dim") in err


# --- stopping, outputs that would destroy inputs, odd files and settings -----------------------------


def test_sigterm_stops_training_like_ctrl_c_with_exit_143(corpus, tmp_path):
    import signal

    out = tmp_path / "m.npz"
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", str(corpus), "--out", str(out),
                                "--dim", "8", "--epochs", "10000", "--workers", "1", "--quiet"],
                               stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()  # the corpus summary: training starts now
        assert first.startswith("corpus: "), first
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143
    assert rest.strip().splitlines() == ["interrupted; nothing was written"]
    assert sorted(tmp_path.iterdir()) == []  # no model, no temporary file


def test_sigterm_in_process_returns_143_and_the_handler_is_restored(corpus, monkeypatch):
    import signal

    from embedding_studio.core import cli

    def wait_for_the_signal(*_):
        signal.raise_signal(signal.SIGTERM)
        time.sleep(30)  # interrupted by the handler long before this ends
        return 0

    def marker(*_):
        pass

    previous = signal.signal(signal.SIGTERM, marker)
    try:
        monkeypatch.setitem(cli.COMMANDS, "similar", wait_for_the_signal)
        started = time.monotonic()
        code, _, err = run("similar", "m.npz", "king")
        assert (code, err) == (143, "\ninterrupted; nothing was written\n")
        assert time.monotonic() - started < 10
        assert signal.getsignal(signal.SIGTERM) is marker
        monkeypatch.setitem(cli.COMMANDS, "similar", lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        assert run("similar", "m.npz", "king")[0] == 130  # Ctrl-C keeps its own code
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_train_refuses_to_write_over_one_of_its_texts(tmp_path):
    victim = write(tmp_path / "victim.txt", b"alpha beta gamma " * 50)
    folder_text = write(tmp_path / "books" / "deep" / "b.txt", b"delta epsilon " * 50)
    (tmp_path / "link.txt").symlink_to(victim)
    os.link(folder_text, tmp_path / "hard.txt")
    cases = [(victim, [victim]), (tmp_path / "books" / "deep" / "b.txt", [tmp_path / "books"]),
             (tmp_path / "link.txt", [victim]), (tmp_path / "hard.txt", [tmp_path / "books"]),
             (tmp_path / "books" / ".." / "victim.txt", [tmp_path / "link.txt"])]
    for out, inputs in cases:
        code, _, err = run("train", *map(str, inputs), "--out", str(out), "--min-count", "1", *FAST)
        assert code == 2 and len(err.strip().splitlines()) == 1, (out, err)
        assert err.startswith(f"error: --out {out} is the input ") and "would destroy it" in err
    assert victim.read_bytes() == b"alpha beta gamma " * 50
    assert folder_text.read_bytes() == b"delta epsilon " * 50


def test_export_refuses_to_write_over_its_model(trained, tmp_path):
    model = tmp_path / "m.npz"
    model.write_bytes(trained.read_bytes())
    for fmt in ("word2vec", "word2vec-binary"):
        code, _, err = run("export", str(model), "--format", fmt, "--out", str(model))
        assert code == 2 and "is the input" in err and len(err.strip().splitlines()) == 1, err
    assert model.read_bytes() == trained.read_bytes()


def test_an_output_where_no_file_can_be_made_fails_before_training(corpus, tmp_path):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs Linux's /proc")
    code, _, err = run("train", str(corpus), "--out", "/proc/x.npz", *FAST)
    assert code == 2 and err.strip().splitlines() == [
        "error: cannot write /proc/x.npz: no file can be created in /proc (No such file or directory)"]
    pipe = tmp_path / "pipe.npz"
    os.mkfifo(pipe)
    code, _, err = run("train", str(corpus), "--out", str(pipe), *FAST)
    assert code == 2 and "is a named pipe (FIFO); give a file name" in err and "corpus:" not in err
    assert sorted(tmp_path.iterdir()) == [pipe]


def test_a_sample_that_drops_every_token_is_refused_before_training(corpus, tmp_path):
    out = tmp_path / "m.npz"
    code, _, err = run("train", str(corpus), "--out", str(out), "--sample", "1e-300", *FAST)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 2 and lines[0].startswith("corpus: "), err
    assert lines[1].startswith("error: sample=1e-300 drops nearly every token") and "0 to turn" in lines[1]
    assert not out.exists()


@contextmanager
def hang_guard(seconds: int):
    """Fail, rather than hang the test run, if a command blocks."""
    import signal

    def expire(*_):
        raise TimeoutError("the command blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_named_pipe_given_as_a_model_or_test_file_is_refused_at_once(trained, test_sets, tmp_path):
    pipe = tmp_path / "model.npz"
    os.mkfifo(pipe)
    commands = [["similar", str(pipe), "king"],
                ["export", str(pipe), "--format", "word2vec", "--out", str(tmp_path / "v.txt")],
                ["evaluate", str(pipe), "--pairs", str(test_sets["pairs"])],
                ["evaluate", str(trained), "--pairs", str(pipe)],
                ["evaluate", str(trained), "--analogies", str(pipe)]]
    with hang_guard(20):
        for argv in commands:
            code, out, err = run(*argv)
            assert code == 2 and out == "" and err.strip() == f"error: {pipe} is a named pipe (FIFO), not a file"


def test_words_print_whatever_the_output_encoding(tmp_path):
    from embedding_studio.core.text.vocab import Vocab
    from embedding_studio.core.vectors.io import save_model
    from embedding_studio.core.vectors.model import Model

    words = ["king", "café", "naïve", "мир"]
    vectors = np.array([[1, 0, 0], [0.9, 0.1, 0], [0.8, 0.2, 0], [0.7, 0.3, 0]], dtype=np.float32)
    save_model(Model(Vocab(words, np.array([4, 3, 2, 1])), vectors), tmp_path / "m.npz")
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "similar", str(tmp_path / "m.npz"), "king"],
                            capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert [line.split(b"\t")[0] for line in result.stdout.splitlines()] == [b"caf\\xe9", b"na\\xefve",
                                                                             b"\\u043c\\u0438\\u0440"]


def test_more_workers_than_cores_is_allowed_with_a_warning(tmp_path, monkeypatch):
    from embedding_studio.core.cli import training

    monkeypatch.setattr(training, "default_workers", lambda: 2)
    missing = str(tmp_path / "missing.txt")  # the warning comes first; the run then stops at the corpus
    _, _, err = run("train", missing, "--out", str(tmp_path / "m.npz"), "--workers", "3")
    assert err.splitlines()[0] == ("warning: 3 workers on 2 core(s): the extra workers only take turns, "
                                   "and training gets no faster")
    _, _, err = run("train", missing, "--out", str(tmp_path / "m.npz"), "--workers", "2")
    assert "warning" not in err


def test_a_damaged_token_cache_is_rebuilt_and_named(corpus, tmp_path):
    cache = tmp_path / "tokens"
    args = ["train", str(corpus), "--out", str(tmp_path / "m.npz"), "--token-cache", str(cache), *FAST]
    assert run(*args)[0] == 0
    (npy,) = cache.glob("tokens-*.npy")
    ids = np.load(npy, mmap_mode="r+")
    ids[5] = 10**6  # the case: one id changed, and every later run failed
    ids.flush()
    del ids
    code, _, err = run(*args)
    assert code == 0, err
    assert f"warning: the token cache {npy} was damaged (it holds ids outside its " in err
    code, _, err = run(*args)
    assert code == 0 and "warning: the token cache" not in err  # (these tiny runs do warn of collapsed vectors)


def test_text_that_is_not_text_is_refused(tmp_path):
    one_letter = write(tmp_path / "a.txt", b"a" * (30 << 20))  # the 30 MB of one letter
    noise = write(tmp_path / "noise.txt", np.random.default_rng(1).integers(1, 256, 100_000, np.uint8).tobytes())
    for path, reason in ((one_letter, "has no words, only"), (noise, "does not look like text")):
        code, _, err = run("train", str(path), "--out", str(tmp_path / "m.npz"), "--min-count", "1", *FAST)
        assert code == 2 and err.startswith(f"error: {path} {reason}") and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("timeout", ["inf", "nan", "1e300", "0"])
def test_fetch_gutenberg_refuses_an_absurd_timeout(timeout, tmp_path):
    code, out, err = run("fetch-gutenberg", "1", "--out", str(tmp_path / "t"), "--timeout", timeout)
    assert code == 2 and out == "" and err.strip().splitlines() == [
        f"error: the timeout must be above 0 and at most 3600 seconds, got {float(timeout):g}"]


def test_train_with_phrases_and_a_token_rule_records_both_and_finds_the_phrases(tmp_path):
    from tests.core.test_phrases import planted_text

    text = tmp_path / "planted.txt"
    tokens = planted_text(seed=2)
    text.write_text("\n".join(" ".join(tokens[i:i + 10]) for i in range(0, len(tokens), 10)), encoding="utf-8")
    out = tmp_path / "p.npz"
    code, _, err = run("train", str(text), "--out", str(out), "--phrases", "--tokens", "article", *FAST)
    assert code == 0, err
    assert "phrases:" in err and "new_york" in err
    model = load_model(out)
    assert model.config.phrases and model.config.tokens == "article"
    assert "new_york" in model and "pyotr_stepanovitch_verhovensky" in model
    code, listing, _ = run("similar", str(out), "new york", "-n", "2")
    assert code == 0 and len(listing.strip().splitlines()) == 2


def test_a_word_below_the_minimum_count_is_explained_with_its_count(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text(("alpha beta gamma delta " * 30) + "rarely rarely", encoding="utf-8")
    out = tmp_path / "m.npz"
    assert run("train", str(text), "--out", str(out), "--min-count", "3", *FAST)[0] == 0
    code, _, err = run("similar", str(out), "rarely")
    assert code == 2
    assert "'rarely' occurs 2 times" in err and "minimum count of 2 would keep it" in err
    code, _, err = run("similar", str(out), "never")
    assert code == 2 and "not in the vocabulary" in err


def test_a_renamed_token_rule_is_refused_naming_the_new_name(tmp_path):
    code, _, err = run("train", str(tmp_path), "--out", str(tmp_path / "m.npz"), "--tokens", "standard")
    assert code == 2 and "'standard' is now called 'keep-hyphens'" in err and len(err.strip().splitlines()) == 1
