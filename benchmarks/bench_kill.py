"""Kill trials: does a killed `main.py train` or `main.py export` leave anything behind?

    python benchmarks/bench_kill.py [--trials 20] [--scenarios train word2vec word2vec-binary tsv]
        [--signals KILL TERM INT GROUP-KILL] [--grace 10] [--seed 0] [--rows 200000] [--epochs 25]

Each trial runs the real command line in a process of its own, marked by an environment variable that
every process it starts inherits, and kills it at a random moment: every other trial anywhere in a run
(as long as an uninterrupted run took once), the others within the part that matters, once it has begun
(training: a worker has mapped the run's shared memory; export: the output's temporary file exists).
A run that ends before its kill comes ("ended first") is not a trial: another is made, up to 3 x --trials.
Training uses 2 workers on the generated demo text; exports write a random --rows x 100 model. Each run
is a process group of its own, as a shell job is: KILL, TERM and INT go to the command's process, GROUP-KILL
(``kill -KILL -- -PGID``) to every process of the group at once, multiprocessing's resource tracker too.
Counted for each scenario and signal:

- orphans: the run's processes alive --grace seconds after the kill; held: runs whose stderr was still
  open then (a caller that captures the output would hang);
- leaked: /dev/shm files (shared memory blocks, semaphores) that the run's processes had mapped, or
  named after its pid, still there once its processes are gone; after GROUP-KILL, which leaves no process
  to remove them, those still there once the next uninterrupted run has started and ended (what is left
  for good), the others being counted in "left by KILL";
- warned: runs that wrote a traceback or a warning (a resource tracker's "leaked ... objects") on the
  caller's stderr; "in Python's start" counts apart, for information, the runs a signal met while the
  interpreter itself was still starting ("Fatal Python error: init_..."), before any of the program's code
  ran, which no program can change;
- untrue: runs stopped by TERM or INT whose last line says "nothing was written" while a target is new,
  or that something was written while every target is as it was;
- damaged: targets (written before each trial from another, small model) that are neither as they were
  nor the complete new output (an export must equal a reference export byte for byte; a trained model
  must load);
- stray tmp: temporary files in the target's folder right after a SIGTERM (which the command line turns
  or a SIGINT (which the command line turns into Ctrl-C, so it cleans up), and after any signal once the next
  uninterrupted write into the folder has run (SIGKILL cannot be cleaned up at once: "left by KILL" counts
  those, and a group's shared memory blocks, for information).

Linux only (reads /proc and /dev/shm). Exit status 1 if any count but "left by KILL" is not zero.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT

MARK = "EMBEDDING_STUDIO_KILL_TRIAL"
SHM = Path("/dev/shm")
SIGNALS = {"KILL": signal.SIGKILL, "TERM": signal.SIGTERM, "INT": signal.SIGINT, "GROUP-KILL": signal.SIGKILL}
TARGETS = {"train": ["model.npz"], "word2vec": ["vectors.txt"], "word2vec-binary": ["vectors.bin"],
           "tsv": ["projector/vectors.tsv", "projector/metadata.tsv"]}
FAILURES = ["orphans", "held", "leaked", "warned", "untrue", "damaged", "stray"]
#: What a run must not say on the caller's stderr, killed or not.
WARNINGS = ("Traceback", "Warning:", "resource_tracker", "KeyboardInterrupt")
POLL = 0.01  # seconds between looks at a run (each reads every process's environment in /proc)


# --- the run's processes, found through /proc ---------------------------------------------------------


def marked(mark: str) -> list[int]:
    """Live processes carrying ``mark`` (a zombie's environment reads empty: it does not count)."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and needle in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                found.append(int(entry))
        except OSError:  # ended meanwhile, or not ours to read
            pass
    return found


def shm_mapped(pid: int) -> dict[int, str]:
    """The /dev/shm files a process has mapped: inode -> name when mapped.

    By inode, because a semaphore's creator maps it under a temporary name (glibc links the final
    name afterwards), which shows as deleted.
    """
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return {}
    found = {}
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith("/dev/shm/"):
            found[int(fields[4])] = fields[5][len("/dev/shm/"):].removesuffix(" (deleted)")
    return found


def shm_files() -> dict[int, str]:
    """inode -> name of every file in /dev/shm."""
    found = {}
    for entry in os.scandir(SHM):
        try:
            found[entry.inode()] = entry.name
        except OSError:
            pass
    return found


def end(mark: str) -> None:
    """Kill what a trial left running (ours: it started them); the resource tracker last, once it has
    had the chance to unlink what the others leave."""
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
    deadline = time.monotonic() + 5
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    kill(marked(mark))


def temporaries(folder: Path) -> list[str]:
    try:
        return [name for name in os.listdir(folder) if name.startswith(".") and name.endswith(".tmp")]
    except FileNotFoundError:
        return []


class Run:
    """One command line process, watched: its processes, the /dev/shm files they map, its stderr."""

    def __init__(self, command: list[str], folder: Path):
        self.mark = uuid.uuid4().hex
        self.folder = folder
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, MARK: self.mark},
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        self.seen: set[int] = set()  # inodes of /dev/shm files its processes mapped
        self.stderr_closed: float | None = None
        self.said = b""
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        self.said = self.process.stderr.read()  # returns at EOF: when every process holding the pipe is gone
        self.stderr_closed = time.monotonic()

    def poll(self, scenario: str) -> bool:
        """Note what the processes map; whether the part of the run that matters is under way."""
        mapped = {pid: shm_mapped(pid) for pid in marked(self.mark)}
        for files in mapped.values():
            self.seen.update(files)
        if scenario == "train":
            prefix = f"es_{self.process.pid}_"
            return any(name.startswith(prefix) for pid, files in mapped.items() if pid != self.process.pid
                       for name in files.values())
        return bool(temporaries(self.folder))

    def ended(self) -> bool:
        return self.process.poll() is not None

    def leaked(self) -> list[str]:
        prefix = f"es_{self.process.pid}_"
        return sorted(name for inode, name in shm_files().items() if inode in self.seen or name.startswith(prefix))


# --- the scenarios -------------------------------------------------------------------------------------


@dataclass
class Setup:
    work: Path
    corpus: Path
    big: Path
    epochs: int
    old: dict[str, dict[str, bytes]] = field(default_factory=dict)  # scenario -> target -> bytes before
    new: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)  # -> target -> (size, sha256)
    total: dict[str, float] = field(default_factory=dict)  # an uninterrupted run, seconds
    part: dict[str, float] = field(default_factory=dict)  # from the part's start to the end, seconds

    def command(self, scenario: str, folder: Path, epochs: int | None = None) -> list[str]:
        main = [sys.executable, str(ROOT / "main.py")]
        if scenario == "train":
            return main + ["train", str(self.corpus), "--out", str(folder / "model.npz"), "--workers", "2",
                           "--epochs", str(epochs or self.epochs), "--quiet"]
        out = folder / ("projector" if scenario == "tsv" else TARGETS[scenario][0])
        return main + ["export", str(self.big), "--format", scenario, "--out", str(out)]


def target_folder(scenario: str, folder: Path) -> Path:
    """Where the output's temporary files appear."""
    return (folder / TARGETS[scenario][0]).parent


def prepare(work: Path, rows: int, epochs: int, scenarios: list[str]) -> Setup:
    import numpy as np

    from embedding_studio.core.text.demo import demo_text
    from embedding_studio.core.text.vocab import Vocab
    from embedding_studio.core.vectors.io import save_model, save_projector_tsv, save_word2vec
    from embedding_studio.core.vectors.model import Model

    def random_model(n: int, dim: int, seed: int) -> Model:
        vectors = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
        return Model(Vocab([f"w{i}" for i in range(n)], np.arange(n, 0, -1, dtype=np.int64)), vectors)

    setup = Setup(work, work / "corpus.txt", work / "big.npz", epochs)
    setup.corpus.write_text(demo_text(seed=0, sentences=20_000), encoding="utf-8")
    save_model(random_model(rows, 100, 0), setup.big)
    small, before = random_model(500, 100, 1), work / "before"
    before.mkdir()
    save_model(small, before / "model.npz")
    save_word2vec(small, before / "vectors.txt")
    save_word2vec(small, before / "vectors.bin", binary=True)
    save_projector_tsv(small, before / "projector")
    for scenario in scenarios:
        setup.old[scenario] = {t: (before / t).read_bytes() for t in TARGETS[scenario]}
        folder = work / f"calibrate-{scenario}"
        folder.mkdir()
        run, part_start = Run(setup.command(scenario, folder), target_folder(scenario, folder)), None
        while not run.ended():
            if part_start is None and run.poll(scenario):
                part_start = time.monotonic()
            time.sleep(POLL)
        if run.process.returncode != 0:
            sys.exit(f"the uninterrupted {scenario} run failed: {' '.join(setup.command(scenario, folder))}")
        ended = time.monotonic()
        setup.total[scenario] = ended - run.started
        setup.part[scenario] = ended - (part_start or run.started)
        if scenario != "train":
            setup.new[scenario] = {t: digest(folder / t) for t in TARGETS[scenario]}
        shutil.rmtree(folder)
    return setup


def digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            sha.update(chunk)
    return path.stat().st_size, sha.hexdigest()


def target_states(setup: Setup, scenario: str, folder: Path) -> list[str]:
    """Each target: "old" (as before), "new" (the complete new output) or "damaged"."""
    from embedding_studio.core.errors import ModelFileError
    from embedding_studio.core.vectors.io import load_model

    states = []
    for target in TARGETS[scenario]:
        path = folder / target
        size = path.stat().st_size if path.exists() else -1
        if size == len(setup.old[scenario][target]) and path.read_bytes() == setup.old[scenario][target]:
            states.append("old")
        elif scenario == "train":
            try:
                load_model(path)
                states.append("new")
            except (ModelFileError, OSError):
                states.append("damaged")
        else:
            states.append("new" if size == setup.new[scenario][target][0]
                          and digest(path) == setup.new[scenario][target] else "damaged")
    return states


def damaged(states: list[str]) -> bool:
    """Anything but all old or all new: a new vectors.tsv beside the old labels is damage too."""
    return len(set(states)) != 1 or states[0] == "damaged"


# --- the trials ----------------------------------------------------------------------------------------


@dataclass
class Cell:
    trials: int = 0  # runs killed
    in_part: int = 0  # killed while the part that matters was under way
    finished: int = 0  # ended before the kill came
    orphans: int = 0
    held: int = 0
    leaked: int = 0
    warned: int = 0
    python_start: int = 0  # stopped inside the interpreter's own start, before the program's first line
    untrue: int = 0
    damaged: int = 0
    stray: int = 0
    left: int = 0  # temporary files a SIGKILL left, for the next write to remove
    slowest: float = 0.0  # seconds from the kill until every process had gone and stderr had closed
    exits: Counter = field(default_factory=Counter)
    pending: set[str] = field(default_factory=set)  # /dev/shm names a group kill left, for the next run


def trial(setup: Setup, scenario: str, name: str, aimed: bool, folder: Path, cell: Cell,
          rng: random.Random, grace: float, verbose: bool) -> None:
    how = SIGNALS[name]
    for target, data in setup.old[scenario].items():
        (folder / target).parent.mkdir(parents=True, exist_ok=True)
        (folder / target).write_bytes(data)
    run = Run(setup.command(scenario, folder), target_folder(scenario, folder))
    if aimed:
        while not run.poll(scenario) and not run.ended():
            time.sleep(POLL)
        kill_at = time.monotonic() + rng.uniform(0, setup.part[scenario])
    else:
        kill_at = run.started + rng.uniform(0, setup.total[scenario])
    while time.monotonic() < kill_at and not run.ended():
        run.poll(scenario)
        time.sleep(min(POLL, max(0.0, kill_at - time.monotonic())))
    in_part, finished = False, run.ended()
    if finished:
        cell.finished += 1
    else:
        cell.trials += 1
        in_part = run.poll(scenario)
        if name == "GROUP-KILL":
            os.killpg(run.process.pid, how)
        else:
            run.process.send_signal(how)
    killed = time.monotonic()
    cell.in_part += in_part
    cell.exits[run.process.wait()] += 1
    deadline = killed + grace
    while (marked(run.mark) or run.stderr_closed is None) and time.monotonic() < deadline:
        time.sleep(0.02)
    orphans = marked(run.mark)
    cell.orphans += len(orphans)
    cell.held += run.stderr_closed is None
    cell.slowest = max(cell.slowest, (run.stderr_closed or time.monotonic()) - killed)
    leaked = run.leaked()
    if name == "GROUP-KILL":  # nobody left to remove them: the next run must
        cell.pending.update(leaked)
        cell.left += len(leaked)
    else:
        cell.leaked += len(leaked)
    said = run.said.decode(errors="replace")
    if "Fatal Python error: init_" in said:
        cell.python_start += 1
    else:
        cell.warned += any(warning in said for warning in WARNINGS)
    end(run.mark)
    states = target_states(setup, scenario, folder)
    cell.damaged += damaged(states)
    last = said.strip().splitlines()[-1] if said.strip() else ""
    if last.startswith("interrupted"):
        cell.untrue += ("nothing was written" in last) == ("new" in states)
    left = len(temporaries(target_folder(scenario, folder)))
    if how != signal.SIGKILL:
        cell.stray += left
    else:
        cell.left += left
    if verbose:
        moment = "ended before the kill" if finished else f"killed at {killed - run.started:.2f} s"
        print(f"    {scenario} {name} {'aimed' if aimed else 'anywhere'}: {moment}"
              f"{' in the part' if in_part else ''}, exit {run.process.returncode}, {len(orphans)} orphans, "
              f"leaked [{' '.join(leaked)}], targets {'+'.join(states)}, {left} tmp", file=sys.stderr, flush=True)
        if any(warning in said for warning in WARNINGS):
            print("      it said: " + said.strip().replace("\n", "\n      "), file=sys.stderr, flush=True)


def next_write(setup: Setup, scenario: str, folder: Path, cell: Cell) -> None:
    """An uninterrupted run into the same folder: it must remove what killed runs left there."""
    command = setup.command(scenario, folder, epochs=1)
    if subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        sys.exit(f"the next write failed: {' '.join(command)}")
    cell.stray += len(temporaries(target_folder(scenario, folder)))
    existing = set(shm_files().values())
    cell.leaked += len(cell.pending & existing)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="per scenario and signal (%(default)s)")
    parser.add_argument("--scenarios", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--signals", nargs="+", default=list(SIGNALS), choices=list(SIGNALS))
    parser.add_argument("--grace", type=float, default=10.0, help="seconds for everything to go (%(default)g)")
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the exported model (%(default)s)")
    parser.add_argument("--epochs", type=int, default=25, help="epochs of the training runs (%(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per trial, on stderr")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        sys.exit("Linux only: the trials read /proc and /dev/shm")
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench_kill-"))
    try:
        print(f"preparing in {work} ...", file=sys.stderr, flush=True)
        setup = prepare(work, args.rows, args.epochs, args.scenarios)
        for scenario in args.scenarios:
            print(f"  uninterrupted {scenario}: {setup.total[scenario]:.1f} s, the part that matters "
                  f"{setup.part[scenario]:.1f} s", file=sys.stderr, flush=True)
        cells = {}
        for scenario in args.scenarios:
            for name in args.signals:
                folder = work / f"{scenario}-{name}"
                folder.mkdir()
                cell = cells[scenario, name] = Cell()
                for number in range(3 * args.trials):
                    if cell.trials == args.trials:
                        break
                    trial(setup, scenario, name, number % 2 == 1, folder, cell, rng, args.grace, args.verbose)
                next_write(setup, scenario, folder, cell)
                print(f"  {scenario} {name}: done", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(cells)
    return 1 if any(getattr(c, f) for c in cells.values() for f in FAILURES) else 0


def print_table(cells: dict[tuple[str, str], Cell]) -> None:
    header = ["scenario", "signal", "trials", "in part", "ended first", "orphans", "held", "leaked", "warned",
              "in Python's start", "untrue", "damaged", "stray tmp", "left by KILL", "slowest s", "exit codes"]
    rows = [[scenario, name if name.startswith("GROUP") else f"SIG{name}", c.trials, c.in_part, c.finished,
             c.orphans, c.held, c.leaked, c.warned, c.python_start, c.untrue, c.damaged,
             c.stray, c.left, f"{c.slowest:.2f}", " ".join(f"{code}x{n}" for code, n in sorted(c.exits.items()))]
            for (scenario, name), c in cells.items()]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    sys.exit(main())
