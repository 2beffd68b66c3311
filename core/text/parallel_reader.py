"""Reading a corpus in parts of a few MB, each ending after a line break, in reader processes when the
corpus is large: each part is decoded, tokenised and numbered by its reader; the main process takes the
parts in order, so the ids are those of reading the files one after another."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..allocator import keep_freed_memory
from ..config import default_workers
from ..errors import ConfigError, CorpusError
from .decoding import (BLOCK_CHARS, WIDE_ENCODINGS, NotText, decoded_pieces, detect_encoding, strip_gutenberg,
                       unusable_reason)
from .pieces import PIECE_CHARS
from .token_ids import PartResult, ReaderIds
from .tokens import spaced_bytes

# ---------------------------------------------------------------------------------------------
# Reading in parts, in parallel

#: A file is read in parts of about this many bytes, each ending after a line break: a part is what one
#: process tokenises at a time, and bounds the memory a part's ids take before they are stored.
PART_BYTES = 8 << 20
#: Smaller corpora are read in this process: starting reader processes costs more than it saves.
#: With the byte-level word table a reader does ~75 MB/s, so a second one must win back its start:
#: on this (loaded) two-core machine 50 MB took 0.68-0.78 s in one process against 1.09 s with a
#: second reader, 200 MB 2.0 s against 2.6 s. Where they cross on an idle machine is not measured.
PARALLEL_MIN_BYTES = 256 << 20
_READER: ReaderIds | None = None  # a reader process's numbering, kept from part to part
_MAX_READERS = 4  # beyond this the main process, which numbers every part, is the bottleneck


@dataclass(frozen=True)
class _PartJob:
    path: Path
    start: int
    end: int
    encoding: str
    first: bool  # the file's first part: the Gutenberg header is looked for there
    tokens: str


@dataclass(frozen=True)
class UsableFile:
    encoding: str
    jobs: list[_PartJob]


def check_file(path: Path, size: int, tokens: str) -> "UsableFile | str | CorpusError":
    """A file's parts to read; or why it is unusable (a phrase), or the error reading it raised."""
    try:
        problem = unusable_reason(path, size)
        if problem:
            return problem
        encoding = detect_encoding(path)
        return UsableFile(encoding, [_PartJob(path, start, end, encoding, start == 0, tokens)
                                      for start, end in _part_bounds(path, size, encoding)])
    except NotText as error:  # a NUL byte past the start
        return str(error)
    except OSError as error:
        return CorpusError(f"cannot read {path}: {error.strerror or error}")


def _part_bounds(path: Path, size: int, encoding: str) -> list[tuple[int, int]]:
    """Byte ranges of about PART_BYTES, each cut just after a line break (or else a space).

    A UTF-16/32 file is one part: a line break's byte there may be half of another character.
    """
    if encoding in WIDE_ENCODINGS or size <= PART_BYTES:
        return [(0, size)]
    cuts = [0]
    with open(path, "rb") as file:
        position = PART_BYTES
        while position < size:
            file.seek(position)
            window = file.read(BLOCK_CHARS)
            at = window.find(b"\n")
            if at < 0:
                at = window.find(b" ")
            if at < 0:  # a megabyte with no break: look again one part further
                position += PART_BYTES
                continue
            cut = position + at + 1
            if cut < size:
                cuts.append(cut)
            position = cut + PART_BYTES
    cuts.append(size)
    return list(zip(cuts, cuts[1:]))


def _read_part(job: _PartJob, report: Callable[[int], None] | None = None,
               reader: ReaderIds | None = None) -> PartResult:
    """Decode and tokenise one part (in a reader process, or here), in the reader's numbering.

    Overlong runs keep their ids here; the main process drops them (see ``TokenIds.add_part``).
    """
    global _READER
    if reader is None:  # a reader process
        if _READER is None:
            keep_freed_memory()
        reader = _READER = _READER or ReaderIds()
    index = reader.index
    chunks: list[np.ndarray] = []
    ended: list[bool] = []
    skipped: list[int] = []  # the Gutenberg header's characters: the piece log counts from the part's start
    rows: list[tuple[int, int, int]] = []
    read = n_tokens = 0
    try:
        pieces = decoded_pieces(job.path, job.encoding, job.start, job.end)
        for text, done in strip_gutenberg(pieces, header=job.first, ended=ended, skipped=skipped):
            base = read + (skipped[0] if skipped else 0)
            cuts = list(_piece_cuts(text))  # a row each in the piece log
            spaced = spaced_bytes(text, job.tokens)  # one call: per 64 KB piece it cost 1.5 ms a MB more
            ids, starts = reader.table.ids(spaced)  # overlong runs: dropped by add_part
            firsts = np.searchsorted(starts, _piece_starts(text, cuts, spaced)).tolist() + [len(ids)]
            for (lo, hi), first, after in zip(cuts, firsts, firsts[1:]):
                if after > first:
                    rows.append((base + lo, base + hi, n_tokens + first))
            read += len(text)
            if len(ids):
                chunks.append(ids)
                n_tokens += len(ids)
            if report:
                report(done)
    except OSError as error:
        raise CorpusError(f"cannot read {job.path}: {error.strerror or error}") from None
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    first, reader.sent = reader.sent, len(index.order)
    return PartResult(index.order[first:], chunks, reader.key, first, bool(ended), job.end, job.start, table)


def _piece_starts(text: str, cuts: list[tuple[int, int]], spaced: bytes) -> np.ndarray:
    """Where each piece of ``text`` starts in its spaced bytes.

    Pieces end after a line break, and no rule looks across one (a line break is a space that nothing
    joins, removes or composes with), so the whole text's spaced bytes are its pieces' one after
    another, with every line break kept: a piece starts after as many of them as come before it.
    """
    breaks = np.cumsum([0] + [text.count("\n", lo, hi) for lo, hi in cuts[:-1]])
    if len(cuts) < 2:
        return breaks
    newlines = np.flatnonzero(np.frombuffer(spaced, np.uint8) == 10)
    return np.concatenate(([0], newlines[breaks[1:] - 1] + 1))


def _piece_cuts(text: str) -> Iterator[tuple[int, int]]:
    """``text`` in stretches of about PIECE_CHARS characters, each ending after a line break (or at the end)."""
    lo, size = 0, len(text)
    while lo < size:
        hi = text.find("\n", lo + PIECE_CHARS) + 1 or size
        yield lo, hi
        lo = hi


def reading_processes(workers: int | None, total_bytes: int) -> int:
    """How many processes read: ``workers``, or for None one per idle core for a large corpus.

    Idle, because on a machine already busy, reader processes only take turns with the other work
    and the numbering here: measured, two readers on a loaded two-core machine read 0.7-0.9x as fast
    as one.
    """
    if workers is None:
        if total_bytes < PARALLEL_MIN_BYTES:
            return 1
        idle = _idle_cores()
        return max(1, min(_MAX_READERS, int(idle + 0.5))) if idle >= 1.5 else 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a whole number >= 1, got {workers!r}")
    return workers


def _idle_cores(sample: float = 0.1) -> float:
    """Cores idle over the next ``sample`` seconds (Linux's /proc/stat; elsewhere: all of ours).

    Measured now rather than read from the load average, which lags by a minute behind what ran.
    """
    def times() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    cores = default_workers()
    try:
        idle0, total0 = times()
        time.sleep(sample)
        idle1, total1 = times()
    except (OSError, ValueError, IndexError):
        return float(cores)
    online = os.cpu_count() or cores
    share = (idle1 - idle0) / max(1, total1 - total0)  # of all the machine's cores
    return min(cores, share * online)


@dataclass
class _Planned:
    key: int  # the file
    job: _PartJob
    here: bool  # read in this process (else by the pool)
    future: object = None  # the pool's, once submitted


class Parts:
    """The parts of every file, read ahead by a pool of processes, this process reading its share too.

    With ``processes`` readers, this process reads every ``processes``-th part itself and a pool of
    ``processes - 1`` reads the others ahead: the first part is read here while the pool starts (a
    spawned reader takes ~0.3 s to import), and no core waits on the numbering, which is light next to
    the reading. Results come back in file order; each reader numbers its words its own way and the
    vocabulary is sorted by count afterwards, so the corpus is the one a one-by-one reading gives.
    """

    def __init__(self, processes: int):
        self.pool = None
        if processes > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(processes - 1, mp_context=multiprocessing.get_context("spawn"))
        self.share = processes
        self.ahead = 2 * processes  # pool parts in flight at most
        self.reader = ReaderIds()  # for parts read here
        #: Called with a part read ahead but not wanted (after an END line or an error), so its
        #: reader's new words are still learnt: that reader's later parts may use them.
        self.unwanted: Callable[[PartResult], object] = lambda part: None
        self.planned: list[_Planned] = []
        self.head = 0  # the next part to hand out
        self.submitted = 0  # parts before this one were given to the pool if theirs
        self.in_flight = 0

    def plan(self, jobs: list[tuple[int, _PartJob]]) -> None:
        for key, job in jobs:
            self.planned.append(_Planned(key, job, self.pool is None or len(self.planned) % self.share == 0))
        self._fill()

    def _fill(self) -> None:
        self.submitted = max(self.submitted, self.head)
        while self.pool is not None and self.submitted < len(self.planned) and self.in_flight < self.ahead:
            planned = self.planned[self.submitted]
            self.submitted += 1
            if not planned.here:
                planned.future = self.pool.submit(_read_part, planned.job)
                self.in_flight += 1

    def results(self, key: int, report: Callable[[int], None] | None) -> Iterator[PartResult]:
        """The parts of file ``key`` in order, up to a Gutenberg END line; the rest are dropped."""
        try:
            while self.head < len(self.planned) and self.planned[self.head].key == key:
                planned = self.planned[self.head]
                self.head += 1
                if planned.future is None:
                    self._fill()  # the pool reads on meanwhile
                    part = _read_part(planned.job, report, self.reader)
                else:
                    part = planned.future.result()
                    planned.future = None  # the future holds the part: 200 MB over 500 MB if kept
                    self.in_flight -= 1
                    self._fill()
                    if report:
                        report(part.end)
                yield part
                if part.ended:
                    return
        finally:  # an END line or an error: this file's other parts are not wanted
            while self.head < len(self.planned) and self.planned[self.head].key == key:
                future, self.planned[self.head].future = self.planned[self.head].future, None
                self.head += 1
                if future is None:
                    continue
                self.in_flight -= 1
                if not future.cancel():  # already read (or being read): its new words still count
                    try:
                        self.unwanted(future.result())
                    except CorpusError:
                        pass
            self._fill()

    def close(self) -> None:
        if self.pool is not None:  # waits at most for the parts being read now (a second or so)
            self.pool.shutdown(wait=True, cancel_futures=True)


