"""The token cache: damaged entries are found, deleted and rebuilt; runs sharing a folder never collide."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedding_studio.core.errors import CorpusError
from embedding_studio.core.text import token_cache, token_ids
from embedding_studio.core.text.corpus import load_corpus
from embedding_studio.core.text.token_cache import TEMPORARY, TokenCache

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def text(tmp_path) -> Path:
    path = tmp_path / "text.txt"
    path.write_text("the cat sat on the mat and the dog sat on the log\n" * 300, encoding="utf-8")
    return path


def entry_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir())


def change_one_id(ids_path: Path, value) -> None:
    ids = np.load(ids_path, mmap_mode="r+")
    ids[17] = value(ids[17])
    ids.flush()
    del ids


DAMAGE = {
    "id outside the vocabulary": (lambda npy, meta: change_one_id(npy, lambda _: 10**6), "outside"),
    "negative id": (lambda npy, meta: change_one_id(npy, lambda _: -1), "outside"),
    "another valid id": (lambda npy, meta: change_one_id(npy, lambda old: (old + 1) % 3), "disagree"),
    "truncated ids": (lambda npy, meta: npy.write_bytes(npy.read_bytes()[:200]), "cannot be read"),
    "ids as int64": (lambda npy, meta: np.save(npy, np.load(npy).astype(np.int64)), "not a row of int32"),
    "ids missing": (lambda npy, meta: npy.unlink(), "cannot be read"),
    "garbage vocabulary": (lambda npy, meta: meta.write_text("{not json"), "cannot be read"),
    "vocabulary of another shape": (lambda npy, meta: meta.write_text(json.dumps(["words"])), "cannot be read"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_damaged_entry_is_rebuilt_with_a_warning_naming_it(text, tmp_path, case):
    damage, why = DAMAGE[case]
    cache = tmp_path / "cache"
    plain = load_corpus([text], min_count=1)
    load_corpus([text], min_count=1, cache_dir=cache)
    (npy,) = cache.glob("tokens-*.npy")
    (meta,) = cache.glob("tokens-*.json")
    damage(npy, meta)

    rebuilt = load_corpus([text], min_count=1, cache_dir=cache)
    np.testing.assert_array_equal(rebuilt.ids, plain.ids)
    assert rebuilt.vocab.words == plain.vocab.words
    (warning,) = rebuilt.warnings
    assert warning.startswith(f"the token cache {npy} was damaged (") and why in warning
    assert warning.endswith("deleted it and read the texts again")
    assert entry_files(cache) == sorted([npy.name, meta.name])

    again = load_corpus([text], min_count=1, cache_dir=cache)  # the new entry is sound: a quiet hit
    assert again.warnings == [] and isinstance(again.ids, np.memmap)
    np.testing.assert_array_equal(again.ids, plain.ids)


def test_a_missing_vocabulary_file_is_simply_a_miss(text, tmp_path):
    """No .json: no entry yet, or another run still writing one (its .json comes last): no warning."""
    cache = tmp_path / "cache"
    load_corpus([text], min_count=1, cache_dir=cache)
    next(cache.glob("tokens-*.json")).unlink()
    assert load_corpus([text], min_count=1, cache_dir=cache).warnings == []


def test_temporary_names_are_per_run_and_carry_the_pid(text, tmp_path):
    first = TokenCache(tmp_path, [text], 1, None)
    second = TokenCache(tmp_path, [text], 1, None)
    assert first.ids_path == second.ids_path and first.meta_path == second.meta_path  # one entry
    assert first.spill_path != second.spill_path and first.partial_path != second.partial_path
    for path in (first.spill_path, first.partial_path, first._meta_temporary):
        match = TEMPORARY.fullmatch(path.name)
        assert match and int(match["pid"]) == os.getpid(), path.name
    second.spill_path.write_bytes(b"busy")
    first.discard_partial()
    assert second.spill_path.exists()  # one run's cleanup leaves another's files alone


def test_a_run_starting_while_another_reads_does_not_break_it(text, tmp_path):
    """The second load runs to completion inside the first one's read, on the same entry."""
    cache = tmp_path / "cache"
    inner = []

    def second_run(done, total):
        if not inner:
            inner.append(load_corpus([text], min_count=1, cache_dir=cache))

    outer = load_corpus([text], min_count=1, cache_dir=cache, progress=second_run)
    plain = load_corpus([text], min_count=1)
    np.testing.assert_array_equal(outer.ids, plain.ids)
    np.testing.assert_array_equal(inner[0].ids, plain.ids)
    assert len(entry_files(cache)) == 2 and not any(TEMPORARY.fullmatch(n) for n in entry_files(cache))


def test_two_processes_sharing_a_cache_folder_both_succeed(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    rng = np.random.default_rng(0)
    words = np.array([f"w{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(300)])
    for n in range(4):  # about 4 MB together: both readers are mid-way at once
        lines = [" ".join(words[rng.integers(0, 300, 20)]) for _ in range(40_000)]
        (texts / f"{n}.txt").write_text("\n".join(lines), encoding="utf-8")
    script = ("import sys; from embedding_studio.core.text.corpus import load_corpus; "
              "c = load_corpus([sys.argv[1]], min_count=1, cache_dir=sys.argv[2]); "
              "print(len(c.ids), int(c.ids[::997].sum()), len(c.warnings))")
    cache = tmp_path / "cache"
    runs = [subprocess.Popen([sys.executable, "-c", script, str(texts), str(cache)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert results[0][0] == results[1][0] and results[0][0].split()[2] == "0"
    assert len(entry_files(cache)) == 2, entry_files(cache)  # one entry, no temporary file left


def test_what_a_killed_run_left_is_swept_and_a_live_runs_files_are_not(tmp_path):
    import os
    import subprocess
    import sys

    from embedding_studio.core.text.token_cache import TokenCache

    text = tmp_path / "a.txt"
    text.write_text("alpha beta gamma " * 50, encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    left = cache / f"tokens-{'a' * 24}.{dead}.0123abcd.spill"
    mine = cache / f"tokens-{'b' * 24}.{os.getpid()}.0123abcd.part.npy"
    left.write_bytes(b"x")
    mine.write_bytes(b"y")
    TokenCache(cache, [text], 1, None)
    assert not left.exists() and mine.exists()


# -- issue 25: an entry leads back to the named files only ------------------------------------------


def _edit_entry(cache: Path, change) -> None:
    (meta,) = cache.glob("tokens-*.json")
    data = json.loads(meta.read_text(encoding="utf-8"))
    change(data)
    meta.write_text(json.dumps(data), encoding="utf-8")


def _concordance_lines(text: Path, cache: Path, word: str = "cat"):
    from embedding_studio.core.text.concordance import concordance_for

    corpus = load_corpus([text], min_count=1, cache_dir=cache)
    return corpus, concordance_for(corpus).lines(word, 3)


def _point_at(secret: Path):
    def change(data: dict) -> None:
        stat = secret.stat()
        data["pieces"]["files"][0] = [str(secret), "utf-8", stat.st_size, stat.st_mtime_ns]
    return change


def _name_in_files(secret: Path):
    def change(data: dict) -> None:
        data["files"] = [str(secret)]
    return change


@pytest.mark.parametrize("edit, why", [
    (_point_at, "it names a file that was not asked for"),
    (_name_in_files, "it names a file that was not asked for"),
    (lambda secret: lambda data: data["pieces"]["files"][0].__setitem__(1, "no-such-codec"),
     "unknown text encoding ('no-such-codec')"),
    (lambda secret: lambda data: data["pieces"]["files"][0].__setitem__(1, "rot13"), "unknown text encoding"),
    (lambda secret: lambda data: data["pieces"]["files"][0].__setitem__(2, 1), "another size or time"),
    (lambda secret: lambda data: data["pieces"]["rows"].__setitem__(2, 10**9), "outside its files"),
])
def test_an_entry_naming_another_file_or_encoding_is_rebuilt_never_followed(text, tmp_path, edit, why):
    secret = tmp_path / "secret.txt"
    secret.write_text("the cat knows the password hunter2\n" * 50, encoding="utf-8")
    cache = tmp_path / "cache"
    _, lines = _concordance_lines(text, cache)
    expected = [(line.file, line.left, line.right) for line in lines]
    _edit_entry(cache, edit(secret))

    corpus, lines = _concordance_lines(text, cache)  # no traceback, and the named file's lines
    assert [(line.file, line.left, line.right) for line in lines] == expected
    assert all("hunter2" not in line.left + line.right and line.file == str(text) for line in lines)
    assert corpus.files == [text]
    (warning,) = corpus.warnings
    assert "was damaged (" in warning and why in warning, warning

    again, lines = _concordance_lines(text, cache)  # healed: a quiet hit from now on
    assert again.warnings == [] and [(line.file, line.left, line.right) for line in lines] == expected


def test_an_entry_is_found_from_another_working_folder(text, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)
    load_corpus([Path("text.txt")], min_count=1, cache_dir=cache)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    corpus, lines = _concordance_lines(Path("../text.txt"), cache)
    assert corpus.warnings == [] and isinstance(corpus.ids, np.memmap)  # a hit, not a damaged entry
    assert corpus.files == [Path("../text.txt")] and lines[0].line == 1


# -- issue 25: a full disk while writing the cache says which file, and that the disk is full ----------


class _FullDisk:
    """A file that takes ``room`` bytes, then fails as a full disk does (ENOSPC)."""

    def __init__(self, handle, room: int) -> None:
        self._handle, self._room = handle, room

    def write(self, data) -> int:
        size = len(data.encode()) if isinstance(data, str) else memoryview(data).nbytes
        if size > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= size
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


@pytest.mark.parametrize("module, suffix", [
    (token_ids, ".spill"),  # the ids as they are read
    (token_ids, ".part.npy"),  # the final ids
    (token_cache, ".json.tmp"),  # the vocabulary
])
def test_a_full_disk_says_which_file_and_that_the_disk_is_full(text, tmp_path, monkeypatch, module, suffix):
    cache = tmp_path / "cache"
    real_open = open

    def cramped_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        return _FullDisk(handle, 100) if str(path).endswith(suffix) and "w" in mode else handle

    monkeypatch.setattr(module, "open", cramped_open, raising=False)
    with pytest.raises(CorpusError) as info:
        load_corpus([text], min_count=1, cache_dir=cache)
    message = str(info.value)
    assert re.fullmatch(rf"token cache: cannot write {re.escape(str(cache))}/tokens-[0-9a-f]{{24}}\.\d+\.[0-9a-f]{{8}}"
                        rf"{re.escape(suffix)}: the disk is full \([\d.]+ [KMG]?B(ytes)? free\)", message), message
    assert entry_files(cache) == []  # nothing half-written left behind

    monkeypatch.undo()  # room again: the same run works and leaves one entry
    load_corpus([text], min_count=1, cache_dir=cache)
    assert len(entry_files(cache)) == 2
