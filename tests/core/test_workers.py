"""Worker processes die with their parent, however it ends, and no shared memory outlives them.

Real processes, really killed: each test starts the command line (or a small script) in a process of its
own, marked by an environment variable that its worker processes inherit, and looks in /proc and
/dev/shm afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from embedding_studio.core.text.demo import demo_text
from embedding_studio.core.train.workers import SEGMENT, SHM_FOLDER, SharedArrays

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and /dev/shm")

ROOT = Path(__file__).resolve().parents[2]
MARK = "EMBEDDING_STUDIO_TEST_MARK"

# Workers that have run a job and wait, idle, for the next one.
IDLE = """
import sys, time
from embedding_studio.core.config import TrainConfig
from embedding_studio.core.text.demo import demo_corpus
from embedding_studio.core.train.trainer import Trainer

if __name__ == "__main__":
    corpus = demo_corpus()
    Trainer(corpus.ids, corpus.vocab, TrainConfig(dim=8, epochs=1, workers=2)).train()
    print("idle", flush=True)
    time.sleep(60)
"""


def marked(mark: str) -> list[int]:
    """Live processes carrying ``mark`` (a zombie's environment reads empty: it is not counted)."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and needle in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                found.append(int(entry))
        except OSError:  # gone meanwhile
            pass
    return found


def shm_mapped(pids: list[int]) -> set[str]:
    """The /dev/shm files (shared memory blocks, semaphores) that these processes have mapped."""
    names = set()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        names.update(line.split("/dev/shm/", 1)[1] for line in maps.splitlines()
                     if "/dev/shm/" in line and not line.endswith("(deleted)"))
    return names


def wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return value


def start(command: list[str], mark: str, stdout=subprocess.DEVNULL) -> subprocess.Popen:
    env = {**os.environ, MARK: mark, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.PIPE)


def end_all(mark: str) -> None:
    """Whatever a failed test left running; the resource tracker last, so it unlinks what they leave."""
    def kill(pids: list[int]) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def tracker(pid: int) -> bool:
        try:
            return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    kill([pid for pid in marked(mark) if not tracker(pid)])
    wait_for(lambda: not marked(mark), 5)
    kill(marked(mark))


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_training_killed_leaves_no_process_and_no_shared_memory(tmp_path, how):
    """SIGKILL gives the parent no chance: its workers notice it gone, and the resource tracker (or the
    next run) unlinks the blocks. SIGTERM is turned into Ctrl-C by the command line: it cleans up."""
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=1, sentences=3000), encoding="utf-8")
    mark = uuid.uuid4().hex
    process = start([sys.executable, str(ROOT / "main.py"), "train", str(corpus), "--out", str(tmp_path / "m.npz"),
                     "--epochs", "10000", "--workers", "2", "--quiet"], mark)
    try:
        seen: set[str] = set()

        def training() -> bool:  # a worker has mapped the run's blocks
            workers = [pid for pid in marked(mark) if pid != process.pid]
            seen.update(shm_mapped([process.pid, *workers]))
            return any(SEGMENT.fullmatch(name) for name in shm_mapped(workers))

        assert wait_for(training, 60), "the workers never started training"
        os.kill(process.pid, how)
        _, err = process.communicate(timeout=10)  # nobody else holds its stderr: a caller does not hang
        assert wait_for(lambda: not marked(mark), 5), "processes outlived their parent"
        assert wait_for(lambda: not [n for n in seen if (SHM_FOLDER / n).exists()], 5), "shared memory leaked"
        assert any(SEGMENT.fullmatch(n) and SEGMENT.fullmatch(n)["pid"] == str(process.pid) for n in seen)
        if how == signal.SIGTERM:  # the command line stops as for Ctrl-C, and says so
            assert process.returncode == 128 + signal.SIGTERM and b"interrupted" in err
    finally:
        end_all(mark)
        process.kill()


def test_idle_workers_die_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "idle.py"
    script.write_text(IDLE, encoding="utf-8")
    mark = uuid.uuid4().hex
    process = start([sys.executable, str(script)], mark, stdout=subprocess.PIPE)
    try:
        assert process.stdout.readline() == b"idle\n"
        workers = [pid for pid in marked(mark) if pid != process.pid]
        assert len(workers) >= 2  # and the resource tracker
        process.kill()
        process.communicate(timeout=10)
        assert wait_for(lambda: not marked(mark), 5), "idle workers outlived their parent"
    finally:
        end_all(mark)
        process.kill()


def test_shared_blocks_are_named_after_their_process_and_swept_once_it_is_gone():
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = SHM_FOLDER / f"es_{dead.pid}_0123abcd"
    live = SHM_FOLDER / f"es_{os.getpid()}_0123abcd"
    other = SHM_FOLDER / f"es_{dead.pid}_notours"
    for path in (stale, live, other):
        path.write_bytes(b"x")
    try:
        with SharedArrays() as shared:
            shared.zeros("table", (3, 2), "float32")
            name = shared.blocks["table"].name
            assert SEGMENT.fullmatch(name)["pid"] == str(os.getpid())
            assert (SHM_FOLDER / name).exists()
        assert not (SHM_FOLDER / name).exists()
        assert not stale.exists()
        assert live.exists() and other.exists()
    finally:
        for path in (stale, live, other):
            path.unlink(missing_ok=True)


def start_training(tmp_path, mark: str, epochs: str = "10000") -> subprocess.Popen:
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=1, sentences=3000), encoding="utf-8")
    env = {**os.environ, MARK: mark, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", str(corpus), "--out",
                             str(tmp_path / "m.npz"), "--epochs", epochs, "--workers", "2", "--quiet"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # a process group of its own, as a shell job has


def training_seen(process: subprocess.Popen, mark: str, seen: set[str]):
    def training() -> bool:  # a worker has mapped the run's blocks
        workers = [pid for pid in marked(mark) if pid != process.pid]
        seen.update(shm_mapped([process.pid, *workers]))
        return any(SEGMENT.fullmatch(name) for name in shm_mapped(workers))
    return training


def test_a_process_group_killed_outright_leaves_no_semaphore_behind(tmp_path):
    """``kill -KILL -- -PGID`` takes the resource tracker too, so whatever it would have unlinked stays in
    /dev/shm for good: the run uses no named semaphore at all (its lock and its answers need none)."""
    mark = uuid.uuid4().hex
    process = start_training(tmp_path, mark)
    try:
        seen: set[str] = set()
        assert wait_for(training_seen(process, mark, seen), 60), "the workers never started training"
        time.sleep(0.3)
        seen.update(shm_mapped(marked(mark)))
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=10)
        assert wait_for(lambda: not marked(mark), 5), "processes outlived the group's kill"
        assert not [n for n in seen if n.startswith("sem.")], seen  # none was ever made (or mapped)
        with SharedArrays():  # the next run sweeps the blocks the killed one could not unlink
            pass
        assert not [n for n in seen if (SHM_FOLDER / n).exists()]
    finally:
        end_all(mark)
        process.kill()


def test_a_killed_run_puts_no_resource_tracker_warning_on_the_callers_stderr(tmp_path):
    """SIGKILL to the command alone: its resource tracker outlives it and unlinks the shared memory, as
    it should, but must not tell the caller about "leaked shared_memory objects" on its stderr."""
    mark = uuid.uuid4().hex
    process = start_training(tmp_path, mark)
    try:
        seen: set[str] = set()
        assert wait_for(training_seen(process, mark, seen), 60), "the workers never started training"
        os.kill(process.pid, signal.SIGKILL)
        _, err = process.communicate(timeout=20)  # until every process holding the caller's stderr ended
        assert wait_for(lambda: not marked(mark), 5), "processes outlived their parent"
        assert b"resource_tracker" not in err and b"leaked" not in err, err.decode(errors="replace")
        assert wait_for(lambda: not [n for n in seen if (SHM_FOLDER / n).exists()], 5), "shared memory leaked"
    finally:
        end_all(mark)
        process.kill()


def test_semaphores_no_process_has_open_are_swept_by_the_next_run(tmp_path):
    """What a killed process group's corpus reader (a pool of spawned processes) leaves: named semaphores
    nobody maps. Old ones go at the next run's start; one still mapped, or too new, stays. (Files named as
    semaphores in a folder of the test's own, so that nobody else's /dev/shm is touched.)"""
    import mmap

    from embedding_studio.core.train.workers import SEMAPHORE, STALE_SEMAPHORE_SECONDS, sweep_stale_semaphores

    paths = [tmp_path / f"sem.mp-{name}" for name in ("stale_ab", "new12345", "held1234")]
    assert all(SEMAPHORE.fullmatch(p.name) for p in paths)
    other = tmp_path / "sem.other-1"
    for path in (*paths, other):
        path.write_bytes(b"\0" * 32)
    old = time.time() - STALE_SEMAPHORE_SECONDS - 10
    for path in (paths[0], paths[2], other):
        os.utime(path, (old, old))
    with open(paths[2], "r+b") as file, mmap.mmap(file.fileno(), 32) as held:  # mapped here, as a live run's
        assert held[:1] == b"\0"
        removed = sweep_stale_semaphores(tmp_path)
        assert removed == [paths[0]] and not paths[0].exists()  # stale: nobody has it mapped
    assert paths[1].exists()  # nobody has it mapped, but too new to judge
    assert paths[2].exists() and other.exists()  # mapped; not multiprocessing's


READ_IN_PROCESSES = """
import os, sys
from multiprocessing import resource_tracker
from embedding_studio.core.text import parallel_reader
from embedding_studio.core.cli import main

if __name__ == "__main__":
    parallel_reader.PARALLEL_MIN_BYTES = 1  # so that this small corpus is read by a pool of processes
    code = main(["train", sys.argv[1], "--out", sys.argv[2], "--workers", "1", "--epochs", "1", "--dim", "8",
                 "--quiet"])
    tracker = resource_tracker._resource_tracker._pid
    print(code, tracker, os.readlink(f"/proc/{tracker}/fd/2") if tracker else None, flush=True)
"""


def test_the_resource_tracker_of_a_corpus_read_in_processes_does_not_write_on_the_callers_stderr(tmp_path):
    """A corpus large enough to be read by a pool of processes starts the resource tracker (the pool's
    queues are semaphores): it is started on /dev/null, as for the training workers."""
    corpus = tmp_path / "demo.txt"
    corpus.write_text(demo_text(seed=1, sentences=3000), encoding="utf-8")
    script = tmp_path / "read.py"
    script.write_text(READ_IN_PROCESSES, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(corpus), str(tmp_path / "m.npz")], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    code, tracker, stderr = done.stdout.split()
    assert (code, stderr) == ("0", os.devnull) and tracker != "None", done.stderr
