"""Atomic writes leave nothing behind: not on an error, not on SIGTERM, and after SIGKILL not beyond the
next write into the folder."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from embedding_studio.core import files
from embedding_studio.core.files import TEMPORARY, atomic_write, atomic_write_all, sweep_stale

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="pids are checked with POSIX signals")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kills real processes")

# Writes a word2vec text file big enough to take a few seconds, into argv[1].
EXPORT = """
import sys
import numpy as np
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.io import save_word2vec
from embedding_studio.core.vectors.model import Model

n, dim = 200_000, 50
vectors = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
model = Model(Vocab([f"w{i}" for i in range(n)], np.ones(n, dtype=np.int64)), vectors)
print("writing", flush=True)
save_word2vec(model, sys.argv[1])
"""


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_temporary_file_is_named_with_the_writers_pid(tmp_path):
    with atomic_write(tmp_path / "model.npz") as handle:
        handle.write(b"new")
        [name] = temporaries(tmp_path)
    match = TEMPORARY.fullmatch(name)
    assert name.startswith(".model.npz.") and match and match["pid"] == str(os.getpid())
    assert temporaries(tmp_path) == [] and (tmp_path / "model.npz").read_bytes() == b"new"


def test_interrupt_midway_removes_the_temporary_and_keeps_the_target(tmp_path):
    """KeyboardInterrupt: Ctrl-C, and SIGTERM in the command line."""
    target = tmp_path / "vectors.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target, "w") as handle:
            handle.write("half of the new")
            raise KeyboardInterrupt
    assert temporaries(tmp_path) == [] and target.read_text(encoding="utf-8") == "old"


def test_files_written_together_all_change_or_none(tmp_path, monkeypatch):
    """Interrupted while the second file syncs, the first must not be in place already."""
    vectors, labels = tmp_path / "vectors.tsv", tmp_path / "metadata.tsv"
    vectors.write_text("old vectors", encoding="utf-8")
    labels.write_text("old labels", encoding="utf-8")
    synced = []

    def fsync(fd):
        synced.append(fd)
        if len(synced) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", fsync)
    with pytest.raises(KeyboardInterrupt):
        with atomic_write_all([vectors, labels], "w") as (v, m):
            v.write("new vectors")
            m.write("new labels")
    assert (vectors.read_text(encoding="utf-8"), labels.read_text(encoding="utf-8")) == ("old vectors", "old labels")
    assert temporaries(tmp_path) == []
    monkeypatch.undo()
    with atomic_write_all([vectors, labels], "w") as (v, m):
        v.write("new vectors")
        m.write("new labels")
    assert (vectors.read_text(encoding="utf-8"), labels.read_text(encoding="utf-8")) == ("new vectors", "new labels")
    assert temporaries(tmp_path) == []


@posix_only
def test_next_write_sweeps_temporaries_of_dead_processes_only(tmp_path):
    gone = dead_pid()
    stale = [f".model.npz.{gone}.abcd_123.tmp", f".vectors.txt.{gone}.zz00zz00.tmp"]
    kept = [
        f".model.npz.{os.getpid()}.abcd_123.tmp",  # a live writer's (ours)
        f"model.npz.{gone}.abcd_123.tmp",  # not our naming: no leading dot
        f".model.npz.{gone}.abcd.tmp",  # not mkstemp's 8 characters
        ".model.npz.abcd_123.tmp",  # an older naming, but recent: its writer may be running
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x")
    with atomic_write(tmp_path / "other.bin") as handle:
        handle.write(b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept + ["other.bin"])


def test_older_unnumbered_temporaries_go_once_old(tmp_path):
    old, recent, other_target = (tmp_path / n for n in
                                 (".model.npz.abcd_123.tmp", ".model.npz.efgh_456.tmp", ".other.abcd_123.tmp"))
    for path in (old, recent, other_target):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(other_target, (two_hours_ago, two_hours_ago))
    with atomic_write(tmp_path / "model.npz") as handle:
        handle.write(b"x")
    assert not old.exists()
    assert recent.exists() and other_target.exists()  # another target's old-style name is not ours to judge


@posix_only
def test_sweep_keeps_a_file_someone_holds_a_lock_on(tmp_path):
    """A pid means nothing to another machine sharing the folder: the writer's lock still shows."""
    import fcntl

    path = tmp_path / f".model.npz.{dead_pid()}.abcd_123.tmp"
    with open(path, "wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert sweep_stale(tmp_path, [TEMPORARY]) == []
    assert sweep_stale(tmp_path, [TEMPORARY]) == [path]


def test_sweep_without_a_pid_goes_by_age(tmp_path):
    spill = re.compile(r"tokens-[0-9a-f]{4}\.spill")
    old, recent, unrelated = tmp_path / "tokens-beef.spill", tmp_path / "tokens-cafe.spill", tmp_path / "a.spill"
    for path in (old, recent, unrelated):
        path.write_bytes(b"x")
    ten_minutes_ago = time.time() - 600
    for path in (old, unrelated):
        os.utime(path, (ten_minutes_ago, ten_minutes_ago))
    assert sweep_stale(tmp_path, [spill], older_than_seconds=None) == []
    assert sweep_stale(tmp_path, [spill], older_than_seconds=60) == [old]
    assert recent.exists() and unrelated.exists()


@linux_only
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_export_killed_midway(tmp_path, how):
    """SIGTERM (turned into KeyboardInterrupt, as the command line does) cleans up at once; SIGKILL
    cannot, and the next write into the folder does. The target is intact either way."""
    script = tmp_path / "export.py"
    handler = "import signal\ndef stop(*_): raise KeyboardInterrupt\nsignal.signal(signal.SIGTERM, stop)\n"
    script.write_text((handler if how == signal.SIGTERM else "") + EXPORT, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "vectors.txt"
    target.write_bytes(b"1 2\nold 0.5 0.25\n")
    process = subprocess.Popen([sys.executable, str(script), str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert process.stdout.readline() == b"writing\n"
        deadline = time.monotonic() + 20
        while not temporaries(out) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert temporaries(out) and process.poll() is None, "the export ended before it could be killed"
        process.send_signal(how)
        process.wait(timeout=10)
    finally:
        process.kill()
    assert target.read_bytes() == b"1 2\nold 0.5 0.25\n"
    if how == signal.SIGTERM:
        assert temporaries(out) == []
        return
    [left] = temporaries(out)
    assert TEMPORARY.fullmatch(left)["pid"] == str(process.pid)
    with atomic_write(out / "metadata.tsv", "w") as handle:
        handle.write("word\n")
    assert temporaries(out) == []


def test_write_errors_name_the_file_and_say_plainly_what_is_wrong(tmp_path):
    import errno

    target = tmp_path / "out.bin"
    full = files.write_error(target, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert re.fullmatch(rf"cannot write {re.escape(str(target))}: the disk is full \([\d.]+ [KMG]?B(ytes)? free\)", full)
    assert files.write_error(target, OSError(errno.EFBIG, "File too large")).endswith(
        "the file would be larger than this system allows")
    assert files.write_error(target, OSError(errno.EACCES, "Permission denied")) == (
        f"cannot write {target}: Permission denied")
    with pytest.raises(ValueError, match=r"^prefix: cannot write .*out\.bin: the disk is full"):
        with files.naming_write_errors(target, ValueError, "prefix: "):
            raise OSError(errno.ENOSPC, "No space left on device")
