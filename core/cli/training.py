"""The commands that train: ``train``, ``train-spark`` and ``stability`` (several runs of one corpus)."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import TextIO

from ..config import TrainConfig, default_workers, workers_note
from ..durations import clock
from ..errors import StudioError
from .exit_codes import EXIT_FAILED
from .paths import writable_folder, writable_target
from .show import one_line, shown
from .progress import ProgressBar, SparkProgressBar


def train(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..text.corpus import ReadingOptions, load_corpus
    from ..text.decoding import find_text_files
    from ..text.parallel_reader import PARALLEL_MIN_BYTES
    from ..vectors.health import diagnose
    from ..vectors.io import save_model
    from ..train.trainer import Trainer
    from ..train.workers import warm_up

    config = TrainConfig(dim=args.dim, window=args.window, negative=args.negative, epochs=args.epochs,
                         min_count=args.min_count, max_vocab=args.max_vocab, sample=args.sample,
                         lr=args.lr, seed=args.seed, workers=args.workers, batch_tokens=args.batch_tokens,
                         tokens=args.tokens, phrases=args.phrases, phrase_threshold=args.phrase_threshold,
                         subwords=args.subwords, subword_buckets=args.subword_buckets,
                         add_context=args.add_context and not args.no_levers,
                         remove_top=None if args.no_levers else args.remove_top)
    cores = default_workers()
    if config.batches_in_flight > cores:  # allowed (to compare, or share a machine), but rarely meant
        print(f"warning: {config.batches_in_flight} workers on {cores} core(s): the extra workers only take "
              "turns, and training gets no faster", file=stderr)
    if (note := workers_note(config)) is not None:
        print(f"note: {shown(str(note))}", file=stderr)
    files = find_text_files(args.corpus)
    cached = sorted(Path(args.token_cache).glob("tokens-*")) if args.token_cache else []  # read too
    out = writable_target(args.out, inputs=[*files, *cached])
    started = time.perf_counter()
    if _total_bytes(files) < PARALLEL_MIN_BYTES:
        # Read in this one process: the worker processes start (importing NumPy: ~0.5 s) on the idle
        # cores meanwhile. A larger corpus is read by processes on those cores: the workers wait.
        warm_up(config.batches_in_flight)
    else:
        quiet_reading(files)
    corpus = load_corpus(args.corpus, cache_dir=args.token_cache, workers=None, **ReadingOptions.of(config).keywords())
    for warning in corpus.warnings:
        print(f"warning: {shown(str(warning))}", file=stderr)
    print(f"corpus: {len(corpus.files)} file(s), {corpus.raw_tokens:,} tokens, "
          f"{len(corpus.vocab):,} words seen at least {config.min_count} times", file=stderr)
    if config.phrases:
        kept = [p for p in corpus.phrases if p.token in corpus.vocab]
        listed = ", ".join(f"{shown(p.token)} {p.count:,}" for p in kept[:8])
        print(f"phrases: {len(kept):,} joined" + (f" ({listed}{', ...' if len(kept) > 8 else ''})" if kept else ""),
              file=stderr)
    bar = None if args.quiet else ProgressBar(stderr)

    def restarted(note: str) -> None:  # the run diverged and starts again carefully: one line, between bars
        if bar is not None:
            bar.close()
            bar.drawn = False
        print(f"note: {shown(str(note))}", file=stderr)

    try:
        model = Trainer(corpus.ids, corpus.vocab, config, timeline=not args.no_timeline).train(
            on_progress=bar, progress_interval=0.25, on_restart=restarted)
    finally:  # an error message starts on a line of its own
        if bar is not None:
            bar.close()
    save_model(model, out)
    elapsed = time.perf_counter() - started
    final = model.loss_history[-1] if len(model.loss_history) else math.nan
    print(f"trained {config.epochs} epochs in {clock(elapsed)}: final loss {final:.4f}, "
          f"{len(model):,} words x {model.dim} dims -> {shown(str(out))}", file=stderr)
    collapse = diagnose(model)
    if collapse is not None:  # the loss looks ordinary: nothing else would say so
        print(f"warning: {shown(str(collapse))}", file=stderr)
    return 0


def quiet_reading(files: list[Path]) -> None:
    """Before a corpus large enough to be read by processes: their pool starts multiprocessing's resource
    tracker, which must not write its warnings on the caller's stderr if this process is killed."""
    from ..text.parallel_reader import PARALLEL_MIN_BYTES
    from ..train.workers import quiet_resource_tracker

    if _total_bytes(files) >= PARALLEL_MIN_BYTES:
        quiet_resource_tracker()


def _total_bytes(files: list[Path]) -> int:
    """Their size together; a file that cannot be read counts 0 (reading it will say why)."""
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def train_spark(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..train.spark import SparkJobFailed, SparkSettings, SparkTraining
    from ..vectors.io import save_model

    settings = SparkSettings(dim=args.dim, window=args.window, epochs=args.epochs, min_count=args.min_count,
                             lr=args.lr, seed=args.seed, partitions=args.partitions, tokens=args.tokens,
                             algorithm=args.algorithm, negative=args.negative, sample=args.sample,
                             syncs=args.syncs)
    job = SparkTraining(args.corpus, args.master, settings)  # a local corpus is looked at here, before Java
    out = writable_target(args.out, inputs=job.files or [])
    started = time.perf_counter()
    bar = None if args.quiet else SparkProgressBar(stderr)
    try:
        model = job.run(on_progress=bar)
    except SparkJobFailed as error:  # the run went wrong once started: not bad input
        print(f"error: {one_line(str(error))}", file=stderr)
        return EXIT_FAILED
    finally:
        if bar is not None:
            bar.close()
    save_model(model, out)
    print(f"trained by {settings.engine} on {args.master} in {clock(time.perf_counter() - started)}: "
          f"{model.state.run_tokens:,} tokens, {len(model):,} words x {model.dim} dims -> {shown(str(out))}",
          file=stderr)
    return 0


def stability(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    import numpy as np

    from ..files import atomic_write
    from ..text.corpus import load_corpus
    from ..text.decoding import find_text_files
    from ..train.stability import StabilityRuns, measure
    from ..vectors.health import diagnose
    from ..vectors.io import save_model

    if args.runs < 2:
        raise StudioError(f"--runs must be at least 2, got {args.runs}")
    if args.words < 2 or args.n < 1:
        raise StudioError("--words must be at least 2 and -n at least 1")
    config = TrainConfig(dim=args.dim, window=args.window, negative=args.negative, epochs=args.epochs,
                         min_count=args.min_count, sample=args.sample, lr=args.lr, seed=args.seed,
                         workers=args.workers)
    out = Path(args.out)
    names = [f"run-{i + 1}.npz" for i in range(args.runs)] + ["stability.tsv"]
    files = find_text_files(args.corpus)
    *targets, table = writable_folder(out, names, inputs=files)
    quiet_reading(files)
    corpus = load_corpus(args.corpus, min_count=config.min_count)
    for warning in corpus.warnings:
        print(f"warning: {shown(str(warning))}", file=stderr)
    runs = StabilityRuns(corpus.ids, corpus.vocab, config, args.runs, bootstrap=args.bootstrap)
    bar = None if args.quiet else ProgressBar(stderr)

    def progress(index: int, total: int, p) -> None:
        if bar is not None:
            bar.prefix = f"run {index + 1}/{total} "
            bar(p)

    try:
        models = runs.run(on_progress=progress, progress_interval=0.25)
    finally:
        if bar is not None:
            bar.close()
    for note in runs.restarts:
        print(f"note: {shown(str(note))}", file=stderr)
    for model, target in zip(models, targets):
        save_model(model, target)
    collapses = [c for c in map(diagnose, models) if c is not None]
    if collapses:  # agreement among collapsed runs measures noise
        worst = max(collapses, key=lambda c: c.mean_cosine)
        print(f"warning: {len(collapses)} of {len(models)} runs: {worst}", file=stderr)
    report = measure(models, limit=args.words)
    with atomic_write(table, "w") as f:
        f.write("word\tcount\tjaccard\tspread\n")
        for row in report.rows():
            f.write(f"{row['word']}\t{row['count']}\t{row['jaccard']:.4f}\t{row['spread']:.4f}\n")
    how = "bootstrap samples" if args.bootstrap else "seeds"
    print(f"{len(models)} runs ({how}) -> {shown(str(out))}; {len(report.words):,} words measured, mean neighbour agreement "
          f"{report.jaccard.mean():.3f} (Jaccard at {report.topn}), mean similarity spread {report.spread.mean():.4f}",
          file=stdout)
    bands = [(0, 50), (50, 100), (100, 200), (200, 500), (500, None)]
    for low, high in bands:
        rows = (report.counts >= low) & (report.counts < (high if high is not None else np.iinfo(np.int64).max))
        if rows.any():
            label = f"{low}-{high}" if high is not None else f"{low}+"
            print(f"  words seen {label:>8} times: {rows.sum():6,}  agreement {report.jaccard[rows].mean():.3f}",
                  file=stdout)
    order = np.argsort(report.jaccard, kind="stable")[:args.n]
    print("least stable (agreement below 0.5 is flagged unstable):", file=stdout)
    print("  word\tagreement\tspread\tcount", file=stdout)  # the columns named, as in stability.tsv
    for i in order:
        print(f"  {shown(report.words[i])}\t{report.jaccard[i]:.3f}\t{report.spread[i]:.4f}\t{int(report.counts[i]):,}",
              file=stdout)
    return 0
