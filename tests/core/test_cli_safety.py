"""The command line against careless names and crafted files: no output replaces an input, an interruption
says truthfully what it left written, no word or line from a file reaches the terminal as an escape
sequence, and every message is one line (issue #25, items 6, 8, 11 and 12)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.text.demo import demo_text
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.io import load_model, save_model
from embedding_studio.core.vectors.model import Model

FAST = ["--dim", "8", "--epochs", "1", "--workers", "1", "--quiet"]
#: What no output may hold: C0/C1 controls but the tab and newline the program itself writes, bidi overrides.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run(*argv: str, stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    from embedding_studio.core.cli import main as cli_main

    out, err = io.StringIO(), stderr or io.StringIO()
    code = cli_main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("safety")
    corpus = folder / "demo.txt"
    corpus.write_text(demo_text(seed=5, sentences=1500), encoding="utf-8")
    code, _, err = run("train", str(corpus), "--out", str(folder / "m.npz"), *FAST)
    assert code == 0, err
    return (folder / "m.npz").read_bytes()


def one_line_error(err: str) -> str:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    return lines[0]


# --- item 6: no output replaces an input ------------------------------------------------------------


@pytest.mark.parametrize("name", ["vectors.tsv", "metadata.tsv"])
def test_a_projector_export_refuses_a_model_named_like_one_of_its_two_files(model_bytes, tmp_path, name):
    folder = tmp_path / "d"
    folder.mkdir()
    model = folder / name
    model.write_bytes(model_bytes)
    code, _, err = run("export", str(model), "--format", "tsv", "--out", str(folder))
    assert code == 2 and "is the input" in one_line_error(err) and "would destroy it" in err
    assert model.read_bytes() == model_bytes
    assert sorted(p.name for p in folder.iterdir()) == [name]  # not even the other file was written


def test_a_projector_export_through_a_linked_folder_or_a_hard_link_is_refused(model_bytes, tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    model = tmp_path / "m.npz"
    model.write_bytes(model_bytes)
    os.link(model, folder / "vectors.tsv")
    (tmp_path / "link").symlink_to(folder)
    for out in (folder, tmp_path / "link", tmp_path / "link" / ".." / "d"):
        code, _, err = run("export", str(model), "--format", "tsv", "--out", str(out))
        assert code == 2 and "is the input" in one_line_error(err), (out, err)
    assert model.read_bytes() == model_bytes and not (folder / "metadata.tsv").exists()


def test_an_export_where_no_input_is_harmed_still_works(model_bytes, tmp_path):
    model = tmp_path / "m.npz"
    model.write_bytes(model_bytes)
    code, _, err = run("export", str(model), "--format", "tsv", "--out", str(tmp_path / "new" / "d"))
    assert code == 0, err
    assert (tmp_path / "new" / "d" / "metadata.tsv").read_text(encoding="utf-8").splitlines() == load_model(model).words


@pytest.mark.parametrize("name", ["stability.tsv", "run-1.npz", "run-2.npz"])
def test_stability_refuses_a_corpus_its_outputs_would_replace(tmp_path, name):
    folder = tmp_path / "s"
    folder.mkdir()
    text = demo_text(seed=6, sentences=300)
    corpus = folder / name
    corpus.write_text(text, encoding="utf-8")
    code, _, err = run("stability", str(corpus), "--runs", "2", "--out", str(folder), *FAST)
    assert code == 2 and f"--out {corpus} is the input" in one_line_error(err)
    assert corpus.read_text(encoding="utf-8") == text and sorted(folder.iterdir()) == [corpus]
    code, _, err = run("stability", str(folder), "--runs", "2", "--out", str(folder), *FAST)  # found in the folder
    if name.endswith(".txt"):
        assert code == 2
    assert corpus.read_text(encoding="utf-8") == text


def test_stability_refuses_before_creating_its_folder(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(demo_text(seed=6, sentences=300), encoding="utf-8")
    code, _, err = run("stability", str(corpus), "--runs", "2", "--out", str(tmp_path / "new" / "s"),
                       "--dim", "0")
    assert code == 2 and not (tmp_path / "new").exists()


def test_axis_remove_to_a_hard_link_of_its_model_names_the_option(model_bytes, tmp_path):
    model = tmp_path / "m.npz"
    model.write_bytes(model_bytes)
    os.link(model, tmp_path / "same.npz")
    code, _, err = run("axis", str(model), "he-she", "--remove-to", str(tmp_path / "same.npz"))
    assert code == 2 and one_line_error(err).startswith(f"error: --remove-to {tmp_path / 'same.npz'} is the input")
    assert model.read_bytes() == model_bytes


def test_fetch_gutenberg_into_its_own_download_cache_is_refused(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    (cache / "gutenberg").mkdir(parents=True)
    raw = cache / "gutenberg" / "pg11.txt"
    book = ("The Project Gutenberg eBook of a test\n*** START OF THE PROJECT GUTENBERG EBOOK TEST ***\n"
            + "Alice was beginning to get very tired.\n" * 50 + "*** END OF THE PROJECT GUTENBERG EBOOK TEST ***\n")
    raw.write_text(book, encoding="utf-8")
    monkeypatch.setenv("EMBEDDING_STUDIO_CACHE", str(cache))
    code, _, err = run("fetch-gutenberg", "11", "--out", str(cache / "gutenberg"), "--quiet",
                       "--mirror", "http://127.0.0.1:9")
    assert code == 2 and "is the input" in one_line_error(err)
    assert raw.read_text(encoding="utf-8") == book
    code, out, err = run("fetch-gutenberg", "11", "--out", str(tmp_path / "books"), "--quiet",
                         "--mirror", "http://127.0.0.1:9")  # from the cache: no server needed
    assert code == 0, err
    assert "Alice" in (tmp_path / "books" / "pg11.txt").read_text(encoding="utf-8")
    assert raw.read_text(encoding="utf-8") == book


# --- item 8: an interruption says what it left written ---------------------------------------------


class InterruptOn(io.StringIO):
    """stderr that raises KeyboardInterrupt (as Ctrl-C would) when a line containing ``text`` is written."""

    def __init__(self, text: str):
        super().__init__()
        self.text, self.fired = text, False

    def write(self, s: str) -> int:
        if self.text in s and not self.fired:
            self.fired = True
            raise KeyboardInterrupt
        return super().write(s)


@pytest.mark.parametrize("fmt", ["word2vec", "tsv"])
def test_an_interrupt_at_the_very_end_of_export_says_the_target_was_written(model_bytes, tmp_path, fmt):
    model = tmp_path / "m.npz"
    model.write_bytes(model_bytes)
    out = tmp_path / ("v.txt" if fmt == "word2vec" else "d")
    err = InterruptOn("wrote ")  # the summary after the files were moved into place
    code, _, said = run("export", str(model), "--format", fmt, "--out", str(out), stderr=err)
    assert err.fired and code == 130
    line = said.strip()
    assert "nothing was written" not in line
    if fmt == "word2vec":
        assert line == f"interrupted; {out} was written"
        assert out.read_text(encoding="utf-8").splitlines()[0] == f"{len(load_model(model))} {load_model(model).dim}"
    else:
        assert line == f"interrupted; {out / 'vectors.tsv'}, {out / 'metadata.tsv'} were written"


def test_an_interrupt_between_the_projector_files_says_which_was_replaced(model_bytes, tmp_path, monkeypatch):
    model = tmp_path / "m.npz"
    model.write_bytes(model_bytes)
    out = tmp_path / "d"
    out.mkdir()
    for name in ("vectors.tsv", "metadata.tsv"):
        (out / name).write_text("old\n", encoding="utf-8")
    real_replace, calls = os.replace, []

    def replace_then_interrupt(source, target):  # Ctrl-C lands right after the first file moved into place
        real_replace(source, target)
        calls.append(target)
        if len(calls) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    code, _, err = run("export", str(model), "--format", "tsv", "--out", str(out))
    assert code == 130
    assert err.strip() == f"interrupted; {out / 'vectors.tsv'} was written; {out / 'metadata.tsv'} was not"
    assert (out / "metadata.tsv").read_text(encoding="utf-8") == "old\n"


def test_an_interrupt_before_anything_is_written_says_nothing_was(model_bytes, tmp_path, monkeypatch):
    from embedding_studio.core.vectors import io as vectors_io

    model = tmp_path / "m.npz"
    model.write_bytes(model_bytes)
    target = tmp_path / "v.txt"
    target.write_text("old\n", encoding="utf-8")

    def load_interrupted(*_):  # Ctrl-C while the model is read
        raise KeyboardInterrupt

    monkeypatch.setattr(vectors_io, "load_model", load_interrupted)
    code, _, err = run("export", str(model), "--format", "word2vec", "--out", str(target))
    assert (code, err.strip()) == (130, "interrupted; nothing was written")
    assert target.read_text(encoding="utf-8") == "old\n"


# --- item 11: words from a file never reach the terminal as escape sequences ------------------------

#: A model file can no longer hold C0 or C1 controls (every reader refuses them: test_hostile_files.py), so
#: the words a model can still carry to a terminal are the invisible reorderers and separators.
HOSTILE = ["rev\u202eersed", "iso\u2066late\u2069", "line\u2028break", "mark\u200fx", "embed\u202bx"]


@pytest.fixture(scope="module")
def hostile_model(tmp_path_factory) -> Path:
    words = ["king", "queen", "man", "woman", "he", "she"] + HOSTILE
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(words), 8)).astype(np.float32)
    vectors[6:] = vectors[0] + 0.01 * vectors[6:]  # every hostile word is among king's neighbours
    path = tmp_path_factory.mktemp("hostile") / "m.npz"
    save_model(Model(Vocab(words, np.arange(len(words), 0, -1) * 10), vectors), path)
    return path


def test_neighbours_and_rankings_print_control_characters_as_escapes(hostile_model):
    outputs = []
    for argv in (["similar", str(hostile_model), "king", "-n", "11"],
                 ["compare", str(hostile_model), str(hostile_model), "--top", "11"],
                 ["axis", str(hostile_model), "he-she", "-n", "6"],
                 ["axis", str(hostile_model), "he-she", "--words", "king"],
                 ["weat", str(hostile_model), "--x", "king,he,\x1b[2Jx", "--y", "queen,she", "--a", f"man,{HOSTILE[0]}",
                  "--b", f"woman,{HOSTILE[4]}", "--permutations", "10"]):
        code, out, err = run(*argv)
        assert code == 0, (argv, err)
        assert not TERMINAL_CONTROLS.search(out + err), (argv, out)
        outputs.append(out)
    shown = outputs[0]
    assert "rev\\u202eersed" in shown and "line\\u2028break" in shown and "iso\\u2066late\\u2069" in shown
    assert len(shown.splitlines()) == 10  # one line a neighbour, whatever the word holds


def test_evaluate_prints_the_names_of_test_files_and_sections_escaped(hostile_model, tmp_path):
    pairs = tmp_path / "pairs\x1b]0;x\x07.txt"
    pairs.write_text("king queen 5\nhe she 3\nman woman 4\n", encoding="utf-8")
    analogies = tmp_path / "questions.txt"
    analogies.write_text(": royal\x1b[2J\nking queen he she\nman woman he she\n", encoding="utf-8")
    code, out, err = run("evaluate", str(hostile_model), "--pairs", str(pairs), "--analogies", str(analogies))
    assert code == 0, err
    assert not TERMINAL_CONTROLS.search(out + err) and "royal\\x1b[2J" in out and "pairs\\x1b]0;x\\x07.txt" in out


def test_an_unknown_word_suggesting_a_hostile_word_is_escaped(hostile_model):
    code, _, err = run("similar", str(hostile_model), "rev\u202eersedd")
    assert code == 2
    line = one_line_error(err)
    assert not TERMINAL_CONTROLS.search(line) and "rev\\u202eersed" in line


def test_concordance_lines_print_the_texts_control_characters_as_escapes(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("the fox ran \x1b[31mred\x1b[0m and far \x9b2J away\n" * 5
                    + "another fox\u202e was here\n" * 5, encoding="utf-8")
    code, out, err = run("concordance", str(text), "fox", "--min-count", "1")
    assert code == 0, err
    assert not TERMINAL_CONTROLS.search(out + err) and "\\x1b[31mred" in out
    code, out, err = run("contexts", str(text), "fox", "ran", "--min-count", "1")
    assert code == 0, err
    assert not TERMINAL_CONTROLS.search(out + err)


# --- item 12: every message is one line --------------------------------------------------------------


def test_an_out_holding_a_newline_is_refused_on_one_line(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("alpha beta gamma " * 50, encoding="utf-8")
    for out in (tmp_path / "no\nsuch" / "m.npz", tmp_path / "x\n.npz" / "m.npz"):
        code, _, err = run("train", str(corpus), "--out", str(out), "--min-count", "1", *FAST)
        assert code == 2
        line = one_line_error(err)
        assert "no\\nsuch" in line or "x\\n.npz" in line


def test_a_multi_line_error_is_flattened_to_one(tmp_path, monkeypatch):
    from embedding_studio.core import cli
    from embedding_studio.core.errors import StudioError

    def fail(*_):
        raise StudioError("too many redirects:\nhttp://a/ ->\nhttp://b/ ->\nhttp://a/")

    monkeypatch.setitem(cli.COMMANDS, "similar", fail)
    code, _, err = run("similar", "m.npz", "king")
    assert code == 2 and one_line_error(err) == "error: too many redirects:\\nhttp://a/ ->\\nhttp://b/ ->\\nhttp://a/"


def test_shown_leaves_ordinary_words_alone():
    from embedding_studio.core.cli.show import shown

    for word in ("king", "café", "мир", "東京", "new_york", "naïve", "ﺏ", "a\u200db"):
        assert shown(word) == word
    assert shown("a\tb\nc\x1b\x9b\u202e") == "a\\tb\\nc\\x1b\\x9b\\u202e"


# --- item 12: Ctrl-C at any moment is one line and exit 130 ------------------------------------------


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX signals and process groups")
@pytest.mark.parametrize("delay, group", [(0.0, False), (0.1, False), (0.3, False), (0.1, True), (0.5, True),
                                          (0.9, True)])
def test_ctrl_c_soon_after_start_is_one_line_and_exit_130_without_a_traceback(tmp_path, delay, group):
    """The interrupt lands while Python imports the program, or while the worker processes start (to the
    whole process group, as a terminal sends Ctrl-C): no KeyboardInterrupt traceback from any of them.

    ``delay`` counts from the moment the program's own code runs (its first import, told by
    ``-X importtime``): before that Python is still starting itself, which no program can change, and
    on a busy machine that alone can take longer than 0.1 s.
    """
    import signal
    import subprocess
    import sys
    import threading
    import time

    root = Path(__file__).resolve().parents[2]
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=2, sentences=2000), encoding="utf-8")
    out = tmp_path / "m.npz"
    process = subprocess.Popen([sys.executable, "-X", "importtime", str(root / "main.py"), "train", str(corpus),
                                "--out", str(out), "--workers", "2", "--epochs", "10000", "--quiet"],
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []
    ours = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            if line.rstrip().endswith(" embedding_studio.gui"):  # main.py runs: its first import is done
                ours.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ours.wait(60), "".join(lines)
        time.sleep(delay)
        if group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        process.kill()
    err = "".join(line for line in lines if not line.startswith("import time:"))
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    said = [line for line in err.splitlines() if line and not line.startswith(("corpus:", "warning:", "note:"))]
    assert (process.returncode, said) == (130, ["interrupted; nothing was written"]), err
    assert not out.exists()


@pytest.mark.parametrize("lr", ["1e-300", "1e-6", "5e-5"])
def test_a_learning_rate_too_small_to_train_is_refused_naming_it_and_its_range(tmp_path, lr):
    """1e-300 used to train for the whole run and exit 0 with the vectors as they were drawn."""
    from embedding_studio.core.config import range_text

    corpus = tmp_path / "c.txt"
    corpus.write_text(demo_text(seed=7, sentences=300), encoding="utf-8")
    code, _, err = run("train", str(corpus), "--out", str(tmp_path / "m.npz"), "--lr", lr, *FAST)
    assert code == 2 and one_line_error(err) == f"error: lr must be a number, {range_text('lr')}, got {float(lr)!r}"
    assert not (tmp_path / "m.npz").exists()


def test_train_refuses_to_write_over_an_entry_of_its_token_cache(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(demo_text(seed=8, sentences=300), encoding="utf-8")
    cache = tmp_path / "cache"
    code, _, err = run("train", str(corpus), "--out", str(tmp_path / "m.npz"), "--token-cache", str(cache), *FAST)
    assert code == 0, err
    entry = next(cache.glob("tokens-*.npy"))
    kept = entry.read_bytes()
    code, _, err = run("train", str(corpus), "--out", str(entry), "--token-cache", str(cache), *FAST)
    assert code == 2 and f"--out {entry} is the input" in one_line_error(err)
    assert entry.read_bytes() == kept
