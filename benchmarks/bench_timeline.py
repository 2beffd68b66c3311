"""What the training timeline and the concordance cost on the article's job (issue #15).

    python benchmarks/bench_timeline.py [--runs 3] [--workers 2] [--epochs 20]

1. Snapshot cost: the time spent taking snapshots (measured inside the run, summed over its snapshots:
   the CPU time of the thread taking them, which is what they take from training, and their wall time,
   which on a busy machine includes waiting for a core) against the run's training time; and, as a
   cross-check, training wall time with and without the timeline (alternating, in one process, medians;
   on a shared machine the difference is noise-sized).
2. Size: the model file with and without its timeline.
3. Concordance latency on the five books: the first lookup of a word (decoding and tokenising its
   pieces) and a repeated one, for words of different frequencies, and a shared-contexts query.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from common import ROOT, median, require_corpus

import common  # noqa: E402,F401 - embedding_studio from this checkout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()

    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.text.concordance import Concordance
    from embedding_studio.core.text.corpus import load_corpus
    from embedding_studio.core.train.trainer import Trainer
    from embedding_studio.core.vectors import timeline as timeline_module
    from embedding_studio.core.vectors.io import save_model

    corpus_path = require_corpus()
    corpus = load_corpus([corpus_path], workers=None)
    config = TrainConfig(epochs=args.epochs, workers=args.workers)

    spent: list[float] = []
    cpu: list[float] = []
    take = timeline_module.TimelineRecorder.take

    def timed_take(self, *a, **k):
        started, started_cpu = time.perf_counter(), time.thread_time()
        take(self, *a, **k)
        spent.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)

    timeline_module.TimelineRecorder.take = timed_take
    with_tl, without_tl, shares, walls, model = [], [], [], [], None
    for run in range(args.runs):
        for keep in ((True, False) if run % 2 == 0 else (False, True)):
            spent.clear()
            cpu.clear()
            started = time.perf_counter()
            trained = Trainer(corpus.ids, corpus.vocab, config, timeline=keep).train()
            seconds = time.perf_counter() - started
            (with_tl if keep else without_tl).append(seconds)
            if keep:
                shares.append(sum(cpu) / seconds)
                walls.append(sum(spent) / seconds)
                model = trained
                print(f"run {run + 1}: with timeline {seconds:.2f} s, {len(spent)} snapshots took "
                      f"{sum(cpu) * 1000:.0f} ms of CPU ({sum(cpu) / seconds:.2%}), {sum(spent) * 1000:.0f} ms "
                      f"of wall time ({sum(spent) / seconds:.2%})", flush=True)
            else:
                print(f"run {run + 1}: without timeline {seconds:.2f} s", flush=True)
    print(f"\nsnapshots: median {median(shares):.2%} of training time in CPU, {median(walls):.2%} in wall time; "
          f"training wall time with {median(with_tl):.2f} s, "
          f"without {median(without_tl):.2f} s ({median(with_tl) / median(without_tl) - 1:+.1%})")

    with tempfile.TemporaryDirectory() as folder:
        full, bare = Path(folder, "with.npz"), Path(folder, "without.npz")
        save_model(model, full)
        kept = model.timeline
        model.timeline = None
        save_model(model, bare)
        model.timeline = kept
        extra = os.path.getsize(full) - os.path.getsize(bare)
        print(f"timeline: {len(kept)} snapshots of {kept.tracked:,} words x {model.dim} dims and {kept.map_words:,} "
              f"map places: {extra / 1e6:.2f} MB in the model file ({os.path.getsize(full) / 1e6:.2f} MB in all)")

    def latency(make, repeats: int = 1) -> float:
        started = time.perf_counter()
        for _ in range(repeats):
            make()
        return (time.perf_counter() - started) / repeats * 1000

    print()
    for word in ("the", "prince", "murder", "aglaya", "axe"):
        concordance = Concordance(corpus)  # cold: nothing decoded yet
        cold = latency(lambda: concordance.lines(word, 20))
        warm = latency(lambda: concordance.lines(word, 20), repeats=5)
        print(f"concordance {word!r} ({concordance.count(word):,} occurrences), 20 lines: first {cold:.1f} ms, "
              f"again {warm:.1f} ms")
    concordance = Concordance(corpus)
    pair = latency(lambda: concordance.contexts("prince", "muishkin", samples=3))
    print(f"contexts 'prince' + 'muishkin' (25 shared words, 3 sample lines each), cold: {pair:.1f} ms")


if __name__ == "__main__":
    main()
