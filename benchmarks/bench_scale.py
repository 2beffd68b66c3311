"""Scale: reading speed, peak memory and time per epoch on generated corpora of 10M and 100M tokens.

    python benchmarks/bench_scale.py [--sizes 10 100] [--workers 2] [--runs 3] [--folder DIR]

For each size (millions of tokens) a Zipf-distributed text over 50,000 made-up words is generated once
(kept in --folder, default a temporary folder), then two fresh processes run:
  1. read + tokenise into the memory-mapped token cache: MB/s and peak resident memory;
  2. load the cached ids (memory-mapped) and train one epoch: seconds, tokens/s, peak resident memory
     of the main process and of the largest worker process.
Times are medians of ``--runs`` runs (each a fresh pair of processes), peaks the largest seen.
Time per token should stay flat from 10M to 100M tokens (the issue allows 15%).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

from common import ROOT

VOCABULARY = 50_000


def made_up_words(n: int) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    digits = np.stack([(np.arange(n) // 26**i) % 26 for i in range(4)], axis=1)
    return np.array(["".join(row) for row in letters[digits]])


def generate(path: Path, millions: int, seed: int = 0) -> None:
    words = made_up_words(VOCABULARY)
    weights = 1.0 / np.arange(1, VOCABULARY + 1)
    cumulative = np.cumsum(weights / weights.sum())
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(millions):
            ids = np.minimum(np.searchsorted(cumulative, rng.random(1_000_000)), VOCABULARY - 1)
            lines = words[ids].reshape(-1, 20)
            out.write("\n".join(" ".join(line) for line in lines))
            out.write("\n")


READ = textwrap.dedent("""
    import json, resource, sys, time
    def peak_mb(field="VmHWM"):  # this process's own peak (ru_maxrss is inherited across fork+exec)
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
    sys.path.insert(0, {root!r})
    from core.text.corpus import load_corpus
    started = time.perf_counter()
    corpus = load_corpus([{text!r}], cache_dir={cache!r})
    seconds = time.perf_counter() - started
    print(json.dumps(dict(seconds=seconds, tokens=corpus.raw_tokens, vocab=len(corpus.vocab),
                          peak_mb=peak_mb())))
""")

TRAIN = textwrap.dedent("""
    import json, resource, sys, time
    def peak_mb(field="VmHWM"):  # this process's own peak (ru_maxrss is inherited across fork+exec)
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
    sys.path.insert(0, {root!r})
    from core.config import TrainConfig
    from core.text.corpus import load_corpus
    from core.train.trainer import Trainer
    from core.train.workers import shut_down_pool
    if __name__ == "__main__":
        corpus = load_corpus([{text!r}], cache_dir={cache!r})
        assert type(corpus.ids).__name__ == "memmap"
        started = time.perf_counter()
        Trainer(corpus.ids, corpus.vocab, TrainConfig(epochs=1, workers={workers})).train()
        seconds = time.perf_counter() - started
        shut_down_pool()  # RUSAGE_CHILDREN only counts children that have ended
        print(json.dumps(dict(seconds=seconds, tokens=len(corpus.ids),
                              peak_mb=peak_mb(),
                              worker_peak_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)))
""")


def run_python(code: str, folder: Path) -> dict:
    script = folder / "step.py"
    script.write_text(code)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict]) -> dict:
    """Median seconds, largest peaks, the rest from the first run."""
    summary = dict(runs[0], seconds=statistics.median(r["seconds"] for r in runs))
    for key in ("peak_mb", "worker_peak_mb"):
        if key in summary:
            summary[key] = max(r[key] for r in runs)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="millions of tokens")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="runs per size; times are their medians")
    parser.add_argument("--folder", type=Path, help="keep generated texts here (default: temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for millions in args.sizes:
            text = folder / f"zipf-{millions}M.txt"
            if not text.exists():
                print(f"generating {millions}M tokens ...", flush=True)
                generate(text, millions)
            cache = Path(scratch) / f"cache-{millions}"
            settings = dict(root=str(ROOT), text=str(text), cache=str(cache), workers=args.workers)
            reads, trains = [], []
            for _ in range(args.runs):
                shutil.rmtree(cache, ignore_errors=True)  # each run reads the text again
                reads.append(run_python(READ.format(**settings), Path(scratch)))
                trains.append(run_python(TRAIN.format(**settings), Path(scratch)))
                print(f"  {millions}M run: read {reads[-1]['seconds']:.1f} s, epoch {trains[-1]['seconds']:.1f} s",
                      flush=True)
            read, train = _summary(reads), _summary(trains)
            megabytes = text.stat().st_size / 1e6
            row = dict(millions=millions, megabytes=megabytes, read_mb_s=megabytes / read["seconds"],
                       read_peak_mb=read["peak_mb"], vocab=read["vocab"], epoch_s=train["seconds"],
                       tokens_s=train["tokens"] / train["seconds"], ns_per_token=1e9 * train["seconds"] / train["tokens"],
                       train_peak_mb=train["peak_mb"], worker_peak_mb=train["worker_peak_mb"])
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\n{'tokens':>8s}{'MB':>8s}{'read MB/s':>11s}{'read peak':>11s}{'epoch s':>9s}{'tokens/s':>11s}"
          f"{'ns/token':>10s}{'main peak':>11s}{'worker peak':>13s}")
    for r in rows:
        print(f"{r['millions']:>7d}M{r['megabytes']:8.0f}{r['read_mb_s']:11.1f}{r['read_peak_mb']:9.0f}MB"
              f"{r['epoch_s']:9.1f}{r['tokens_s']:11,.0f}{r['ns_per_token']:10.0f}{r['train_peak_mb']:9.0f}MB"
              f"{r['worker_peak_mb']:11.0f}MB")
    if len(rows) >= 2:
        print(f"\ntime per token, largest vs smallest: {rows[-1]['ns_per_token'] / rows[0]['ns_per_token']:.3f}")


if __name__ == "__main__":
    main()
