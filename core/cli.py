"""The headless command line: ``train``, ``train-spark``, ``export``, ``similar``, ``evaluate``,
``fetch-gutenberg``, and the analyses ``compare``, ``weat``, ``axis`` and ``stability``.

Bad input of any kind ends with one line on stderr and exit code 2, never a traceback and never a
half-written output file (every file is written atomically by ``core.vectors.io``). An output that
would replace an input, or that cannot be written, is refused before any work. Ctrl-C and SIGTERM
both stop a command cleanly (exit 130 and 143).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import signal
import stat
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence, TextIO

from .config import (DEFAULT_RESTRICT_VOCAB, DEFAULT_TOKENS, INT_RANGES, MIN_LR_FRACTION, TOKEN_RULE_NAMES, TrainConfig,
                     default_workers, range_text, workers_note)
from .errors import StudioError, TrainingDiverged, WorkerFailed
from .text.tokens import TOKEN_RULES

EXIT_FAILED = 1  # training went wrong (it diverged), or a bug (a worker process failed)
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
#: 128 + SIGTERM: what a shell, systemd or Docker expect of a process ended by SIGTERM, so they can tell
#: "asked to stop" from Ctrl-C, although the cleanup is the same.
EXIT_TERMINATED = 143


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr, like every other error here."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    from .text.gutenberg import DEADLINE_FACTOR, MAX_TIMEOUT

    parser = _Parser(prog="main.py", description="Embedding Studio: train and explore word embeddings. "
                     "Without a command, the desktop app opens.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train skip-gram vectors on text files",
                                description="Train skip-gram with negative sampling on .txt files or folders.")
    train.add_argument("corpus", nargs="+", help=".txt files or folders of them")
    train.add_argument("--out", required=True, help="model file to write (.npz)")
    _add_setting(train, "dim", "vector dimensions")
    _add_setting(train, "window", "context window")
    _add_setting(train, "negative", "noise words per real pair")
    _add_setting(train, "epochs", "passes over the text")
    _add_setting(train, "min_count", "ignore words seen fewer times")
    _add_setting(train, "max_vocab", "keep at most this many words", shown="all")
    _add_setting(train, "sample", "subsampling threshold for frequent words, 0 to turn it off")
    _add_setting(train, "lr", f"initial learning rate, decaying linearly to lr * {MIN_LR_FRACTION:g}")
    _add_setting(train, "seed", "random seed")
    _add_setting(train, "workers", "worker processes", shown=f"{default_workers()}, one per core")
    _add_tokens_option(train)
    train.add_argument("--phrases", action="store_true",
                       help="join collocations into one word first (new_york, pyotr_stepanovitch), "
                            "as word2phrase and gensim's Phrases do")
    _add_setting(train, "phrase_threshold", "with --phrases: how far above chance a pair must score")
    train.add_argument("--token-cache", metavar="DIR",
                       help="keep the token ids in DIR, memory-mapped: for corpora larger than memory, "
                            "and free re-reads of the same texts")
    _add_setting(train, "batch_tokens", argparse.SUPPRESS)
    train.add_argument("--no-timeline", action="store_true",
                       help="keep no training timeline in the model (see `history`; about 2 MB on the article's job)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    export = commands.add_parser("export", help="write a model's vectors in another format")
    export.add_argument("model", help="model file (.npz)")
    export.add_argument("--format", required=True, choices=["word2vec", "word2vec-binary", "tsv"],
                        help="word2vec text, word2vec binary, or TensorFlow Projector TSV (a folder)")
    export.add_argument("--out", required=True, help="file to write (a folder for tsv)")

    similar = commands.add_parser("similar", help="nearest neighbours of a word")
    similar.add_argument("model", help="model (.npz) or word2vec/GloVe vectors file")
    similar.add_argument("word")
    similar.add_argument("-n", type=int, default=10, help="how many neighbours (%(default)s)")

    evaluate = commands.add_parser(
        "evaluate", help="score vectors on word-pair similarity and analogy test sets",
        description="Spearman/Pearson correlation on word-pair files (WordSim-353, SimLex-999: "
                    "'word1 word2 score' lines) and 3CosAdd accuracy on analogy files (word2vec's "
                    "questions-words.txt), computed as gensim's evaluate_word_pairs/evaluate_word_analogies.")
    evaluate.add_argument("model", help="model (.npz) or word2vec/GloVe vectors file")
    evaluate.add_argument("--pairs", nargs="+", default=[], metavar="FILE", help="word-pair similarity files")
    evaluate.add_argument("--analogies", nargs="+", default=[], metavar="FILE", help="analogy question files")
    evaluate.add_argument("--restrict-vocab", type=int, default=DEFAULT_RESTRICT_VOCAB, metavar="N",
                          help="only the N most frequent words count as known (%(default)s, as gensim)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of tables")

    fetch = commands.add_parser(
        "fetch-gutenberg", help="download plain-text books from Project Gutenberg",
        description="Download ebooks' plain text from Project Gutenberg, strip its header and licence "
                    "footer, and write DIR/pg<ID>.txt for each. Downloads are cached.")
    fetch.add_argument("ids", nargs="+", metavar="ID",
                       help="ebook numbers, or 'article' for the article's five Dostoevsky books")
    fetch.add_argument("--out", required=True, metavar="DIR", help="folder for the texts (created if needed)")
    fetch.add_argument("--mirror", default="https://www.gutenberg.org", help="site to download from")
    fetch.add_argument("--timeout", type=float, default=30.0,
                       help=f"seconds to wait for the server (%(default)g, at most {MAX_TIMEOUT:g}); a whole "
                            f"book may take {DEADLINE_FACTOR} times as long")
    fetch.add_argument("--quiet", action="store_true", help="no progress line")

    spark = commands.add_parser(
        "train-spark", help="train on a Spark cluster with Spark MLlib's Word2Vec",
        description="Train skip-gram vectors with Apache Spark MLlib's Word2Vec, the corpus read and "
                    "tokenised by Spark where it lives (our tokens), the result a model file like any "
                    "other. MLlib trains with hierarchical softmax (no negative sampling, no subsampling) "
                    "and reports no loss. Needs the spark extra (pip install -e \".[spark]\") and Java 17+.")
    spark.add_argument("corpus", metavar="CORPUS_URI",
                       help="a .txt file or folder (searched for .txt files at any depth): a local path, "
                            "hdfs://..., s3a://...")
    spark.add_argument("--master", required=True, metavar="URL",
                       help="local[N] or local[*] (this machine), spark://HOST:PORT, yarn, k8s://URL")
    spark.add_argument("--out", required=True, help="model file to write (.npz)")
    for name, what in (("dim", "vector dimensions"), ("window", "context window"),
                       ("epochs", "passes over the text (MLlib's maxIter)"),
                       ("min_count", "ignore words seen fewer times"),
                       ("lr", "initial learning rate (MLlib's stepSize), decaying linearly"), ("seed", "random seed")):
        _add_setting(spark, name, what)
    _add_tokens_option(spark)
    spark.add_argument("--partitions", type=int, default=1,
                       help="partitions MLlib trains in parallel and averages (default 1, the best vectors; "
                            "more is faster on a cluster, less accurate)")
    spark.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_analysis_commands(commands)
    _add_timeline_commands(commands)
    return parser


def _add_tokens_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokens", choices=TOKEN_RULE_NAMES, default=DEFAULT_TOKENS,
                        help="how text becomes words: " + "; ".join(f"{name}: {rule.description}"
                                                                    for name, rule in TOKEN_RULES.items())
                        + f" (default: {DEFAULT_TOKENS})")


def _add_analysis_commands(commands) -> None:
    """``compare``, ``weat``, ``axis`` and ``stability`` (issue #16)."""
    from .vectors.compare import DEFAULT_TOP

    compare = commands.add_parser(
        "compare", help="align two models and rank the words that moved",
        description="Rotate model A onto model B (orthogonal Procrustes over their shared words, weighted "
                    "by log(1 + count)) and rank the words by how far they moved (cosine distance after "
                    "alignment) and how much their 10 nearest neighbours changed (1 - Jaccard). Works on any "
                    "two models or vectors files: two corpora, two seeds, a model and imported vectors.")
    compare.add_argument("a", metavar="A", help="model (.npz) or word2vec/GloVe vectors file, or MODEL@EPOCH: a "
                                               "snapshot of its training timeline (@before, @0.25, @3)")
    compare.add_argument("b", metavar="B", help="the same, for the other side")
    compare.add_argument("--top", type=int, default=DEFAULT_TOP, metavar="N",
                         help="align and rank only the N most frequent shared words (%(default)s)")
    compare.add_argument("-n", type=int, default=20, help="how many movers to list (%(default)s)")
    compare.add_argument("--unweighted", action="store_true", help="every shared word weighs the same in the fit")
    compare.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    weat = commands.add_parser(
        "weat", help="Word Embedding Association Test (Caliskan et al. 2017)",
        description="Effect size and one-sided permutation p-value of a WEAT: targets X and Y, attributes A "
                    "and B. --preset weat1..weat10 are the paper's word sets; or give all four sets as "
                    "comma-separated words. Words the model lacks are dropped and listed.")
    weat.add_argument("model", help="model (.npz) or word2vec/GloVe vectors file")
    weat.add_argument("--preset", metavar="ID", help="weat1 ... weat10, or 'list' to show them")
    for key, what in (("x", "first target set"), ("y", "second target set"),
                      ("a", "first attribute set"), ("b", "second attribute set")):
        weat.add_argument(f"--{key}", metavar="WORDS", help=f"{what}: comma-separated words")
    weat.add_argument("--permutations", type=int, default=10_000, metavar="N",
                      help="random splits drawn when there are too many to count (%(default)s)")
    weat.add_argument("--json", action="store_true", help="print one JSON object")

    axis = commands.add_parser(
        "axis", help="rank words along a semantic axis, or project the axis out of a model",
        description="A semantic axis from word pairs (\"he-she, man-woman\": the mean of their unit difference "
                    "vectors). Lists the words furthest towards each end (cosine with the axis), or the places "
                    "of --words; with --remove-to FILE, writes the model with the axis projected out.")
    axis.add_argument("model", help="model (.npz) or word2vec/GloVe vectors file")
    axis.add_argument("pairs", help="word pairs, e.g. \"he-she, man-woman\" (use : between poles that are formulas)")
    axis.add_argument("-n", type=int, default=15, help="how many words towards each end (%(default)s)")
    axis.add_argument("--restrict-vocab", type=int, default=10_000, metavar="N",
                      help="rank only the N most frequent words (%(default)s)")
    axis.add_argument("--words", nargs="+", metavar="WORD", help="print these words' places instead")
    axis.add_argument("--remove-to", metavar="FILE", help="write the model with the axis projected out (.npz)")

    stability = commands.add_parser(
        "stability", help="train several runs and measure how far each word's neighbours can be trusted",
        description="Train N models of one corpus (seeds seed, seed+1, ... or, with --bootstrap, samples of "
                    "its 1,000-token passages drawn with replacement) and, per word, the agreement of its 10 "
                    "nearest neighbours across runs (mean Jaccard, 1 = always the same) and the spread of its "
                    "cosines with them (std across runs). Writes DIR/run-N.npz and DIR/stability.tsv.")
    stability.add_argument("corpus", nargs="+", help=".txt files or folders of them")
    stability.add_argument("--runs", type=int, default=5, metavar="N", help="models to train (%(default)s, at least 2)")
    stability.add_argument("--out", required=True, metavar="DIR", help="folder for the runs and the table (created)")
    stability.add_argument("--bootstrap", action="store_true", help="resample passages instead of changing the seed")
    stability.add_argument("--words", type=int, default=10_000, metavar="N",
                           help="measure the N most frequent words (%(default)s)")
    stability.add_argument("-n", type=int, default=20, help="how many of the least stable words to list (%(default)s)")
    for name, what in (("dim", "vector dimensions"), ("window", "context window"), ("negative", "noise words per real pair"),
                       ("epochs", "passes over the text"), ("min_count", "ignore words seen fewer times"),
                       ("sample", "subsampling threshold"), ("lr", "initial learning rate"),
                       ("seed", "random seed of the first run"), ("workers", "worker processes")):
        _add_setting(stability, name, what)
    stability.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_setting(parser: argparse.ArgumentParser, name: str, what: str, shown: str | None = None) -> None:
    """A ``--name`` option for a TrainConfig setting: its default and range as core.config states them.

    ``what`` is the help text (or argparse.SUPPRESS); ``shown`` replaces the default's number in it.
    """
    field = TrainConfig.__dataclass_fields__[name]
    default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    if shown is None:
        shown = f"{default:g}" if isinstance(default, float) else str(default)
    text = what if what == argparse.SUPPRESS else f"{what} (default {shown}; {range_text(name)})"
    parser.add_argument("--" + name.replace("_", "-"), type=int if name in INT_RANGES else float,
                        default=default, help=text)


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one command; returns the process exit code."""
    stdout = stdout or _lenient(sys.stdout)
    stderr = stderr or _lenient(sys.stderr)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        print(error, file=stderr)
        return EXIT_BAD_INPUT
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    with _terminate_as_interrupt() as terminated:
        return _run(args, stdout, stderr, terminated)


def _run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, terminated: list[int]) -> int:
    """The command, with every way it can fail turned into one line and an exit code."""
    try:
        return COMMANDS[args.command](args, stdout, stderr)
    except TrainingDiverged as error:  # not bad input as such: the run failed, and nothing was written
        print(f"error: {error}", file=stderr)
        return EXIT_FAILED
    except StudioError as error:
        print(f"error: {error}", file=stderr)
        return EXIT_BAD_INPUT
    except WorkerFailed as error:  # a bug, not bad input: say so, with the worker's own trace for a report
        print(f"error: {error}", file=stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # e.g. `... | head` closed stdout: not an error worth a message
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except OSError as error:
        name = f" {error.filename}" if getattr(error, "filename", None) else ""
        print(f"error:{name}: {error.strerror or error}", file=stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("error: not enough memory for this; try fewer dimensions, a higher --min-count or "
              "--token-cache", file=stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was written", file=stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


def _lenient(stream: TextIO) -> TextIO:
    """The process's own stream, writing what its encoding cannot as ``\\x..`` escapes: a word in
    another script must not crash the output under PYTHONIOENCODING=ascii or a legacy console."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    return stream


@contextmanager
def _terminate_as_interrupt() -> Iterator[list[int]]:
    """Make SIGTERM (``kill``, systemd, ``docker stop``) raise KeyboardInterrupt, as Ctrl-C does.

    Then the same cleanup runs (temporary files, shared memory, worker processes) instead of the
    process vanishing mid-write. Yields the list of SIGTERMs received; the previous handler is back
    afterwards, since tests run commands in-process. Only the main thread may set handlers.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def interrupt(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


# --- commands ---------------------------------------------------------------------------------------


def _train(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .text.corpus import PARALLEL_MIN_BYTES, find_text_files, load_corpus, reading_options
    from .vectors.health import diagnose
    from .vectors.io import save_model
    from .train.trainer import Trainer
    from .train.workers import warm_up

    config = TrainConfig(dim=args.dim, window=args.window, negative=args.negative, epochs=args.epochs,
                         min_count=args.min_count, max_vocab=args.max_vocab, sample=args.sample,
                         lr=args.lr, seed=args.seed, workers=args.workers, batch_tokens=args.batch_tokens,
                         tokens=args.tokens, phrases=args.phrases, phrase_threshold=args.phrase_threshold)
    cores = default_workers()
    if config.batches_in_flight > cores:  # allowed (to compare, or share a machine), but rarely meant
        print(f"warning: {config.batches_in_flight} workers on {cores} core(s): the extra workers only take "
              "turns, and training gets no faster", file=stderr)
    if (note := workers_note(config)) is not None:
        print(f"note: {note}", file=stderr)
    files = find_text_files(args.corpus)
    out = _writable_target(args.out, inputs=files)
    started = time.perf_counter()
    if _total_bytes(files) < PARALLEL_MIN_BYTES:
        # Read in this one process: the worker processes start (importing NumPy: ~0.5 s) on the idle
        # cores meanwhile. A larger corpus is read by processes on those cores: the workers wait.
        warm_up(config.batches_in_flight)
    corpus = load_corpus(args.corpus, cache_dir=args.token_cache, workers=None, **reading_options(config))
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=stderr)
    print(f"corpus: {len(corpus.files)} file(s), {corpus.raw_tokens:,} tokens, "
          f"{len(corpus.vocab):,} words seen at least {config.min_count} times", file=stderr)
    if config.phrases:
        kept = [p for p in corpus.phrases if p.token in corpus.vocab]
        shown = ", ".join(f"{p.token} {p.count:,}" for p in kept[:8])
        print(f"phrases: {len(kept):,} joined" + (f" ({shown}{', ...' if len(kept) > 8 else ''})" if kept else ""),
              file=stderr)
    bar = None if args.quiet else ProgressBar(stderr)

    def restarted(note: str) -> None:  # the run diverged and starts again carefully: one line, between bars
        if bar is not None:
            bar.close()
            bar.drawn = False
        print(f"note: {note}", file=stderr)

    try:
        model = Trainer(corpus.ids, corpus.vocab, config, timeline=not args.no_timeline).train(
            on_progress=bar, progress_interval=0.25, on_restart=restarted)
    finally:  # an error message starts on a line of its own
        if bar is not None:
            bar.close()
    save_model(model, out)
    elapsed = time.perf_counter() - started
    final = model.loss_history[-1] if len(model.loss_history) else math.nan
    print(f"trained {config.epochs} epochs in {_clock(elapsed)}: final loss {final:.4f}, "
          f"{len(model):,} words x {model.dim} dims -> {out}", file=stderr)
    collapse = diagnose(model)
    if collapse is not None:  # the loss looks ordinary: nothing else would say so
        print(f"warning: {collapse}", file=stderr)
    return 0


def _total_bytes(files: list[Path]) -> int:
    """Their size together; a file that cannot be read counts 0 (reading it will say why)."""
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .vectors.io import load_model, save_projector_tsv, save_word2vec

    source = _input_file(args.model)
    out = None if args.format == "tsv" else _writable_target(args.out, inputs=[source])  # before the load
    model = load_model(source)
    if out is None:
        vectors, metadata = save_projector_tsv(model, args.out)
        print(f"wrote {vectors} and {metadata}", file=stderr)
    else:
        save_word2vec(model, out, binary=args.format == "word2vec-binary")
        print(f"wrote {len(model):,} vectors to {out}", file=stderr)
    return 0


def _similar(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .vectors.io import load_any

    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    model = load_any(_input_file(args.model))
    for word, score in model.most_similar(args.word, topn=args.n):
        print(f"{word}\t{score:.4f}", file=stdout)
    return 0


def _evaluate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .vectors.evaluate import evaluate_analogies, evaluate_pairs, read_analogies, read_pairs
    from .vectors.io import load_any

    if not args.pairs and not args.analogies:
        raise StudioError("evaluate needs at least one test file: --pairs FILE... and/or --analogies FILE...")
    if args.restrict_vocab < 1:
        raise StudioError(f"--restrict-vocab must be at least 1, got {args.restrict_vocab}")
    for path in (args.model, *args.pairs, *args.analogies):
        _input_file(path)
    for path in args.pairs:  # check every file before the (possibly slow) model load
        read_pairs(path)
    for path in args.analogies:
        read_analogies(path)
    model = load_any(args.model)
    names: set[str] = set()
    pairs = {_result_name(p, names): evaluate_pairs(model, p, args.restrict_vocab) for p in args.pairs}
    analogies = {_result_name(p, names): evaluate_analogies(model, p, args.restrict_vocab)
                 for p in args.analogies}
    if args.json:
        report = {"pairs": {name: r.to_dict() for name, r in pairs.items()},
                  "analogies": {name: r.to_dict() for name, r in analogies.items()}}
        print(json.dumps(report, indent=2, allow_nan=False), file=stdout)
        return 0
    if pairs:
        width = max(len("word pairs"), *(len(n) for n in pairs))
        print(f"{'word pairs':<{width}}  {'spearman':>8}  {'pearson':>8}  {'pairs':>11}  {'oov':>6}", file=stdout)
        for name, r in pairs.items():
            print(f"{name:<{width}}  {_fmt(r.spearman):>8}  {_fmt(r.pearson):>8}  "
                  f"{f'{r.pairs_used}/{r.pairs_total}':>11}  {r.oov:>6.1%}", file=stdout)
    if analogies:
        if pairs:
            print(file=stdout)
        rows = []
        for name, r in analogies.items():
            rows.append((name, r.accuracy, r.correct, r.total, r.skipped))
            rows += [(f"  {section}", s["accuracy"], s["correct"], s["total"], s["skipped"])
                     for section, s in r.sections.items()]
        width = max(len("analogies"), *(len(row[0]) for row in rows))
        print(f"{'analogies':<{width}}  {'accuracy':>8}  {'correct':>7}  {'total':>7}  {'skipped':>7}", file=stdout)
        for label, accuracy, correct, total, skipped in rows:
            shown = f"{accuracy:.1%}" if total else "-"
            print(f"{label:<{width}}  {shown:>8}  {correct:>7}  {total:>7}  {skipped:>7}", file=stdout)
    return 0


def _result_name(path: str, taken: set[str]) -> str:
    """A test file's base name; the path as given when two files share a base name."""
    name = Path(path).name
    if name in taken:
        name = str(path)
    taken.add(name)
    return name


def _fmt(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "n/a"


def _fetch_gutenberg(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .text.gutenberg import ARTICLE_BOOKS, fetch, parse_ids

    ids = parse_ids(args.ids)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise StudioError(f"{out} is a file; --out needs a folder")
    state = {"drawn": False}

    def progress(ebook: int, done: int, total: int | None) -> None:
        if args.quiet:
            return
        title = f" ({ARTICLE_BOOKS[ebook]})" if ebook in ARTICLE_BOOKS else ""
        amount = f"{done / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else "")
        stderr.write(f"\rebook {ebook}{title}: {amount}   ")
        stderr.flush()
        state["drawn"] = True

    try:
        paths = fetch(ids, out, mirror=args.mirror, progress=progress, timeout=args.timeout)
    finally:
        if state["drawn"]:
            stderr.write("\n")
            stderr.flush()
    for path in paths:
        print(path, file=stdout)
    print(f"wrote {len(paths)} text(s) to {out}", file=stderr)
    return 0


def _train_spark(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .train.spark import SparkJobFailed, SparkSettings, SparkTraining
    from .vectors.io import save_model

    settings = SparkSettings(dim=args.dim, window=args.window, epochs=args.epochs, min_count=args.min_count,
                             lr=args.lr, seed=args.seed, partitions=args.partitions, tokens=args.tokens)
    job = SparkTraining(args.corpus, args.master, settings)  # a local corpus is looked at here, before Java
    out = _writable_target(args.out, inputs=job.files or [])
    started = time.perf_counter()
    bar = None if args.quiet else SparkProgressBar(stderr)
    try:
        model = job.run(on_progress=bar)
    except SparkJobFailed as error:  # the run went wrong once started: not bad input
        print(f"error: {error}", file=stderr)
        return EXIT_FAILED
    finally:
        if bar is not None:
            bar.close()
    save_model(model, out)
    print(f"trained by Spark MLlib Word2Vec on {args.master} in {_clock(time.perf_counter() - started)}: "
          f"{model.state.run_tokens:,} tokens, {len(model):,} words x {model.dim} dims -> {out}", file=stderr)
    return 0


def _compare(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .vectors.compare import align_models
    from .vectors.io import load_any

    if args.top < 2:
        raise StudioError(f"--top must be at least 2, got {args.top}")
    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    left, right = _model_or_snapshot(args.a), _model_or_snapshot(args.b)
    result = align_models(left, right, top=args.top, weighted=not args.unweighted)
    movers = result.movers(args.n)
    changed = result.movers(args.n, by="neighbours")
    if args.json:
        report = {"a": args.a, "b": args.b, "shared_words": len(result.words), "weighted": not args.unweighted,
                  "mean_movement": result.mean_movement,
                  "mean_neighbour_change": float(result.neighbour_change.mean()),
                  "movers": movers, "neighbour_changers": changed}
        print(json.dumps(report, indent=2, allow_nan=False), file=stdout)
        return 0
    print(f"aligned {len(result.words):,} shared words; mean movement {result.mean_movement:.4f} "
          f"(cosine distance), mean neighbour change {result.neighbour_change.mean():.3f} (1 - Jaccard at "
          f"{result.topn})", file=stdout)
    width = max(4, *(len(m["word"]) for m in movers))
    print(f"{'word':<{width}}  {'moved':>7}  {'nbrs':>5}  {'count':>9}", file=stdout)
    for m in movers:
        print(f"{m['word']:<{width}}  {m['movement']:>7.4f}  {m['neighbour_change']:>5.2f}  {m['count']:>9,}",
              file=stdout)
    return 0


def _weat(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .vectors.io import load_any
    from .vectors.weat import make_test, presets, weat

    tests = presets()
    if args.preset == "list":
        for key, test in tests.items():
            print(f"{key}\t{test.name}", file=stdout)
        return 0
    given = [args.x, args.y, args.a, args.b]
    if args.preset is not None:
        if any(given):
            raise StudioError("give either --preset or the four sets --x --y --a --b, not both")
        if args.preset.lower() not in tests:
            raise StudioError(f"no preset '{args.preset}'; choose one of {', '.join(tests)}")
        test = tests[args.preset.lower()]
    elif all(given):
        test = make_test(*given)
    else:
        raise StudioError("weat needs --preset ID, or all four sets --x --y --a --b (comma-separated words)")
    if args.permutations < 1:
        raise StudioError(f"--permutations must be at least 1, got {args.permutations}")
    result = weat(load_any(_input_file(args.model)), test, permutations=args.permutations)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False), file=stdout)
        return 0
    print(test.name, file=stdout)
    for key in "XYAB":
        missing = result.missing[key]
        note = f" (missing: {', '.join(missing)})" if missing else ""
        name = getattr(test, key).name
        label = key if name == key else f"{key} {name}"
        print(f"  {label}: {len(result.used[key])} words{note}", file=stdout)
    how = "exact, all" if result.exact else "sampled,"
    print(f"effect size {_fmt(result.effect_size)}  p-value {result.p_value:.4g}  ({how} {result.splits:,} splits)",
          file=stdout)
    return 0


def _axis(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .vectors.axes import positions, rank_along, remove_direction, semantic_axis
    from .vectors.io import load_any, save_model

    if args.n < 1 or args.restrict_vocab < 1:
        raise StudioError("-n and --restrict-vocab must be at least 1")
    source = _input_file(args.model)
    out = None if args.remove_to is None else _writable_target(args.remove_to, inputs=[source])
    model = load_any(source)
    axis = semantic_axis(model, args.pairs)
    if out is not None:
        save_model(remove_direction(model, axis), out)
        print(f"wrote {out}: {len(model):,} words with the {axis.name} axis projected out", file=stderr)
        return 0
    if args.words:
        rows = [model.index(w) for w in args.words]
        for word, place in zip(args.words, positions(model, axis, rows)):
            print(f"{word}\t{place:+.4f}", file=stdout)
        return 0
    high, low = rank_along(model, axis, topn=args.n, restrict_vocab=args.restrict_vocab)
    print(f"axis {axis.label}", file=stdout)
    print(f"towards {', '.join(a for a, _ in axis.pairs)}:", file=stdout)
    for word, place in high:
        print(f"  {word}\t{place:+.4f}", file=stdout)
    print(f"towards {', '.join(b for _, b in axis.pairs)}:", file=stdout)
    for word, place in low:
        print(f"  {word}\t{place:+.4f}", file=stdout)
    return 0


def _stability(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    import numpy as np

    from .files import atomic_write
    from .text.corpus import load_corpus
    from .train.stability import StabilityRuns, measure
    from .vectors.health import diagnose
    from .vectors.io import save_model

    if args.runs < 2:
        raise StudioError(f"--runs must be at least 2, got {args.runs}")
    if args.words < 2 or args.n < 1:
        raise StudioError("--words must be at least 2 and -n at least 1")
    config = TrainConfig(dim=args.dim, window=args.window, negative=args.negative, epochs=args.epochs,
                         min_count=args.min_count, sample=args.sample, lr=args.lr, seed=args.seed,
                         workers=args.workers)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise StudioError(f"{out} is a file; --out needs a folder")
    out.mkdir(parents=True, exist_ok=True)
    targets = [_writable_target(str(out / f"run-{i + 1}.npz")) for i in range(args.runs)]
    table = _writable_target(str(out / "stability.tsv"))
    corpus = load_corpus(args.corpus, min_count=config.min_count)
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=stderr)
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
        print(f"note: {note}", file=stderr)
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
    print(f"{len(models)} runs ({how}) -> {out}; {len(report.words):,} words measured, mean neighbour agreement "
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
    for i in order:
        print(f"  {report.words[i]}\t{report.jaccard[i]:.3f}\t{report.spread[i]:.4f}\t{int(report.counts[i]):,}",
              file=stdout)
    return 0


COMMANDS = {"train": _train, "export": _export, "similar": _similar, "evaluate": _evaluate,
            "fetch-gutenberg": _fetch_gutenberg, "train-spark": _train_spark, "compare": _compare, "weat": _weat,
            "axis": _axis, "stability": _stability}


# --- concordance, contexts and history (issue #15) ---------------------------------------------------


def _add_timeline_commands(commands) -> None:
    """``concordance``, ``contexts`` and ``history``."""
    for name, what, description in (
            ("concordance", "the lines of a corpus where a word occurs (keyword in context)",
             "Every occurrence of WORD in the corpus, with its file and line number, as the corpus was read "
             "for training (use the same --min-count, --tokens and --phrases as the model)."),
            ("contexts", "the context words two words share: why they are neighbours",
             "The words found within --window tokens of both WORD1 and WORD2, ranked by count (the smaller "
             "of the two) or PMI (the smaller of the two), and sample lines of each word with them.")):
        parser = commands.add_parser(name, help=what, description=description)
        parser.add_argument("corpus", help="a .txt file or a folder of them")
        if name == "concordance":
            parser.add_argument("word", help="a word (or a phrase token such as new_york)")
            parser.add_argument("-n", type=int, default=20, help="how many lines (%(default)s)")
        else:
            parser.add_argument("word1")
            parser.add_argument("word2")
            parser.add_argument("--window", type=int, default=5, help="tokens either side (%(default)s)")
            parser.add_argument("--rank", choices=("count", "pmi"), default="pmi",
                                help="order of the shared words (%(default)s)")
            parser.add_argument("-n", type=int, default=15, help="how many shared words (%(default)s)")
            parser.add_argument("--samples", type=int, default=3, help="sample lines of each word (%(default)s)")
        _add_setting(parser, "min_count", "ignore words seen fewer times")
        _add_tokens_option(parser)
        parser.add_argument("--phrases", action="store_true", help="join phrases, as training with --phrases does")
        parser.add_argument("--token-cache", metavar="DIR", help="read (and keep) the token ids in this folder")
    history = commands.add_parser(
        "history", help="a word's neighbours at each snapshot of the training timeline",
        description="The training timeline saved with a model holds, at each snapshot (a few within the first "
                    "epoch, then every epoch end), the nearest neighbours of the most frequent words; this "
                    "prints WORD's, one snapshot a line.")
    history.add_argument("model", help="a model (.npz) trained by this program")
    history.add_argument("word")
    history.add_argument("-n", type=int, default=10, help="neighbours per snapshot (%(default)s)")


def _read_for_lines(args: argparse.Namespace):
    from .text.concordance import concordance_for
    from .text.corpus import load_corpus
    from .text.phrases import PhraseSettings

    phrases = PhraseSettings(min_count=args.min_count) if args.phrases else None
    corpus = load_corpus([args.corpus], min_count=args.min_count, tokens=args.tokens, phrases=phrases,
                         cache_dir=args.token_cache, workers=None)
    return concordance_for(corpus)


def _print_line(line, stdout: TextIO) -> None:
    print(f"{line.where()}\t{line.left:>60} [{line.keyword}] {line.right}", file=stdout)


def _concordance(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    concordance = _read_for_lines(args)
    word = args.word.strip().lower().replace(" ", "_")
    if reason := concordance.unavailable_reason():
        print(f"note: {reason}", file=stderr)
    lines = concordance.lines(word, args.n)
    print(f"{word}: {concordance.count(word):,} occurrences; the first {len(lines)}", file=stderr)
    for line in lines:
        _print_line(line, stdout)
    return 0


def _contexts(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.n < 1 or args.window < 1 or args.samples < 0:
        raise StudioError("-n and --window must be at least 1, --samples at least 0")
    concordance = _read_for_lines(args)
    words = [w.strip().lower().replace(" ", "_") for w in (args.word1, args.word2)]
    report = concordance.contexts(*words, window=args.window, rank=args.rank, n=args.n, samples=args.samples)
    print(f"context words within {report.window} of both '{report.word1}' and '{report.word2}' "
          f"(by {args.rank}); {report.only1:,} only near '{report.word1}', {report.only2:,} only near "
          f"'{report.word2}'", file=stdout)
    print(f"{'word':<20}{report.word1[:12]:>12}{report.word2[:12]:>12}{'pmi 1':>9}{'pmi 2':>9}", file=stdout)
    for shared in report.shared:
        print(f"{shared.word:<20}{shared.count1:>12,}{shared.count2:>12,}{shared.pmi1:>9.2f}{shared.pmi2:>9.2f}",
              file=stdout)
    for word, samples in ((report.word1, report.samples1), (report.word2, report.samples2)):
        if samples:
            print(f"\n'{word}' with them:", file=stdout)
            for line in samples:
                _print_line(line, stdout)
    return 0


def _model_or_snapshot(argument: str):
    """A model or vectors file, or ``MODEL@EPOCH``: that snapshot of the model's training timeline
    (``@before`` for before training; ``@0.25`` within the first epoch), as a model of the words it follows."""
    import numpy as np

    from .vectors.io import load_any, load_model

    path, _, spec = argument.rpartition("@")
    if not path or Path(argument).exists():
        return load_any(_input_file(argument))
    model = load_model(_input_file(path))
    timeline = getattr(model, "timeline", None)
    if timeline is None or not len(timeline):
        raise StudioError(f"{path} holds no training timeline, so it has no snapshot '{spec}'")
    labels = [timeline.label(s) for s in range(len(timeline))]
    wanted = "before training" if spec.strip().lower() in ("before", "0") else f"epoch {spec.strip()}"
    try:
        wanted = timeline.label(int(np.argmin(np.abs(timeline.epochs - float(spec))))) \
            if np.isclose(timeline.epochs, float(spec)).any() else wanted
    except ValueError:
        pass
    if wanted not in labels:
        raise StudioError(f"{path} has no snapshot '{spec}'; its snapshots: "
                          + ", ".join(label.replace("epoch ", "") for label in labels))
    return timeline.as_model(labels.index(wanted), model.vocab)


def _history(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .vectors.io import load_model

    if args.n < 1:
        raise StudioError(f"-n must be at least 1, got {args.n}")
    model = load_model(_input_file(args.model))
    timeline = getattr(model, "timeline", None)
    if timeline is None or not len(timeline):
        raise StudioError(f"{args.model} holds no training timeline (it was trained before timelines were "
                          "kept, or imported)")
    word = args.word.strip().lower().replace(" ", "_")
    row = model.vocab.id(word)  # an unknown word: a suggestion, exit 2
    if row >= timeline.tracked:
        raise StudioError(f"'{word}' is not among the {timeline.tracked:,} most frequent words the timeline "
                          f"follows (it is number {row + 1:,})")
    for s, (rows, cosines) in enumerate(timeline.history(row, args.n)):
        shown = ", ".join(f"{model.words[r]} {c:.2f}" for r, c in zip(rows.tolist(), cosines.tolist()))
        print(f"{timeline.label(s):<16}loss {timeline.losses[s]:.4f}  {shown}", file=stdout)
    return 0


COMMANDS.update({"concordance": _concordance, "contexts": _contexts, "history": _history})


# --- helpers ----------------------------------------------------------------------------------------


def _writable_target(path: str, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Check before the work starts that the output can be written where the user asked, and that
    writing it destroys none of the ``inputs`` (``cp`` refuses to copy a file onto itself too).

    Writability is tried, not judged from permissions: root passes every permission check, yet
    cannot create a file in /proc.
    """
    target = Path(path)
    if target.is_dir():
        raise StudioError(f"{target} is a folder; give a file name for the output")
    if target.exists() and not target.is_file():  # replacing /dev/null or a pipe would be a disaster
        raise StudioError(f"{target} is {_kind(target.stat().st_mode)}; give a file name for the output")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise StudioError(f"cannot write {target}: folder {folder} does not exist")
    if target.exists():  # by identity, so links, "..", hard links and case-blind disks all count
        here = target.stat()
        for source in inputs:
            theirs = _stat(source)
            if theirs is not None and os.path.samestat(here, theirs):
                raise StudioError(f"--out {target} is the input {source}: writing it would destroy it; "
                                  "choose another name")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as error:
        raise StudioError(f"cannot write {target}: no file can be created in {folder} "
                          f"({error.strerror or error})") from None
    os.close(fd)
    os.unlink(probe)
    return target


def _stat(path: str | os.PathLike) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _input_file(path: str) -> str:
    """Refuse a named pipe, device or socket at once: reading one waits for a writer, or never ends."""
    found = _stat(path)
    if found is None:
        return path  # missing or unreadable: the reader says so in its own words
    if not (stat.S_ISREG(found.st_mode) or stat.S_ISDIR(found.st_mode)):  # a folder is the reader's to explain
        raise StudioError(f"{path} is {_kind(found.st_mode)}, not a file")
    return path


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """One line on stderr, redrawn in place: epoch, bar, loss, words/s, ETA."""

    def __init__(self, stream: TextIO, width: int = 24):
        self.stream = stream
        self.width = width
        self.drawn = False
        self.loss = math.nan
        self.prefix = ""  # e.g. "run 2/5 " when several runs share the bar

    def __call__(self, p) -> None:
        if math.isfinite(p.loss):
            self.loss = p.loss
        filled = int(round(p.fraction * self.width))
        line = (f"\r{self.prefix}epoch {p.epoch}/{p.epochs} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{p.fraction:4.0%}  loss {self.loss:.4f}  {p.words_per_sec / 1000:,.0f}k words/s  "
                f"ETA {_clock(p.eta_seconds)} ")
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class SparkProgressBar(ProgressBar):
    """The Spark job's line: its phase (reading, MLlib's iterations), a bar, the running stage's tasks."""

    def __call__(self, p) -> None:
        filled = int(round(p.fraction * self.width))
        tasks = f"  {p.stage}: {p.tasks_done}/{p.tasks_total} tasks" if p.tasks_total else ""
        line = (f"\rspark: {p.phase} [{'#' * filled}{'.' * (self.width - filled)}] {p.fraction:4.0%}"
                f"{tasks}  {_clock(p.elapsed)} ")
        self.stream.write(line.ljust(self.last_width))
        self.last_width = len(line)
        self.stream.flush()
        self.drawn = True

    last_width = 0
