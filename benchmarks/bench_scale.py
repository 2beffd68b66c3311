"""Scale: reading speed, peak memory and time per epoch on generated corpora of 10M and 100M tokens.

    python benchmarks/bench_scale.py [--sizes 10 100] [--workers 2] [--runs 3] [--folder DIR]

For each size (millions of tokens) a Zipf-distributed text over 50,000 made-up words is generated once
(kept in --folder, default a temporary folder), then two fresh processes run:
  1. read + tokenise into the memory-mapped token cache: MB/s and peak resident memory;
  2. load the cached ids (memory-mapped) and train one epoch: seconds, tokens/s, peak resident memory
     of the main process and of the largest worker process.
Times are medians of ``--runs`` runs (each a fresh pair of processes), peaks the largest seen.
Time per token should stay flat from 10M to 100M tokens (the issue allows 15%).

    python benchmarks/bench_scale.py --read-only --roots OLD_CHECKOUT . [--sizes 10 100] [--runs 5]

times only the reading, alternating between two checkouts of the project run after run (for before /
after figures on a shared machine), and also reads 4 MB of words separated by distinct private-use
characters (a text that once read at 0.2 MB/s) and real prose, the shared Dostoevsky corpora when
present (the generated text has no apostrophe, hyphen or non-ASCII character, so it never shows what
the tokenising rules cost). Medians, and the median of the pair-by-pair ratios.
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

from common import DOSTOEVSKY, ROOT

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
    sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
    import common  # embedding_studio from this checkout
    from embedding_studio.core.text.corpus import load_corpus
    if __name__ == "__main__":  # as the app and the command line read: reader processes for large texts
        started = time.perf_counter()
        try:
            corpus = load_corpus({texts!r}, cache_dir={cache!r}, workers=None)
        except TypeError:  # a checkout from before parallel reading
            corpus = load_corpus({texts!r}, cache_dir={cache!r})
        seconds = time.perf_counter() - started
        print(json.dumps(dict(seconds=seconds, tokens=corpus.raw_tokens, vocab=len(corpus.vocab),
                              peak_mb=peak_mb(),
                              reader_peak_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)))
""")

TRAIN = textwrap.dedent("""
    import json, resource, sys, time
    def peak_mb(field="VmHWM"):  # this process's own peak (ru_maxrss is inherited across fork+exec)
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
    sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
    import common  # embedding_studio from this checkout
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.text.corpus import load_corpus
    from embedding_studio.core.train.trainer import Trainer
    from embedding_studio.core.train.workers import shut_down_pool
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


def zipf_text(folder: Path, millions: int) -> Path:
    """The generated text of that many million tokens, made once and kept in ``folder``."""
    text = folder / f"zipf-{millions}M.txt"
    if not text.exists():
        print(f"generating {millions}M tokens ...", flush=True)
        generate(text, millions)
    return text


def pathological(path: Path) -> None:
    """4 MB of short words separated by private-use characters: all 137,468 of them, in turn."""
    private = [*range(0xE000, 0xF900), *range(0xF0000, 0xFFFFE), *range(0x100000, 0x10FFFE)]
    pieces, size, i = [], 0, 0
    while size < 4_000_000:
        piece = f"w{'abcdefghij'[i % 10]}{chr(private[i % len(private)])}"
        pieces.append(piece)
        size += len(piece.encode("utf-8"))
        i += 1
    path.write_text("".join(pieces), encoding="utf-8")


def compare_reading(args: argparse.Namespace, folder: Path, scratch: Path) -> None:
    """Read each text with each root in turn, ``--runs`` times; print MB/s medians and ratios."""
    texts = [(f"{millions}M tokens", [zipf_text(folder, millions)]) for millions in args.sizes]
    odd = folder / "private-use-4MB.txt"
    if not odd.exists():
        pathological(odd)
    texts.append(("4 MB, distinct separators", [odd]))
    prose = [d for d in (DOSTOEVSKY, DOSTOEVSKY.with_name("dostoevsky-more")) if d.is_dir()]
    if prose:
        texts.append((f"real prose ({', '.join(d.name for d in prose)})", prose))
    print("| text | MB | " + " | ".join(f"{root} MB/s" for root in args.roots) + " | ratio (pairs) | peak MB |")
    print("|---|---|" + "---|" * len(args.roots) + "---|---|")
    for label, paths in texts:
        seconds: dict[str, list[float]] = {root: [] for root in args.roots}
        peaks: dict[str, float] = {root: 0.0 for root in args.roots}
        reader_peak = 0.0
        for run in range(args.runs):
            order = args.roots if run % 2 == 0 else args.roots[::-1]
            for root in order:
                cache = scratch / "cache-read"
                shutil.rmtree(cache, ignore_errors=True)
                result = run_python(READ.format(root=str(Path(root).resolve()), texts=[str(p) for p in paths],
                                                cache=str(cache)), scratch)
                seconds[root].append(result["seconds"])
                peaks[root] = max(peaks[root], result["peak_mb"])
                if root == args.roots[-1]:
                    reader_peak = max(reader_peak, result["reader_peak_mb"])
        files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*.txt")))]
        megabytes = sum(f.stat().st_size for f in files) / 1e6
        speeds = [megabytes / statistics.median(seconds[root]) for root in args.roots]
        ratios = [a / b for a, b in zip(seconds[args.roots[0]], seconds[args.roots[-1]])]
        print(f"| {label} | {megabytes:.0f} | " + " | ".join(f"{v:.1f}" for v in speeds)
              + f" | {statistics.median(ratios):.2f}x | " + " / ".join(f"{peaks[r]:.0f}" for r in args.roots)
              + f" (reader processes {reader_peak:.0f}) |",
              flush=True)


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
    parser.add_argument("--read-only", action="store_true", help="time reading only (see --roots)")
    parser.add_argument("--roots", nargs="+", default=[str(ROOT)],
                        help="with --read-only: checkouts of the project to read with, alternating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if args.read_only:
            compare_reading(args, folder, Path(scratch))
            return
        rows = []
        for millions in args.sizes:
            text = zipf_text(folder, millions)
            cache = Path(scratch) / f"cache-{millions}"
            settings = dict(root=str(ROOT), text=str(text), texts=[str(text)], cache=str(cache), workers=args.workers)
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
