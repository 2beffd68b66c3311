"""The command line's options: one sub-parser a command, each setting's default and range as core.config
states them, and a usage error as one line like every other error."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from ..config import (DEFAULT_RESTRICT_VOCAB, DEFAULT_TOKENS, INT_RANGES, MIN_LR_FRACTION, RENAMED_TOKEN_RULES,
                      TOKEN_RULE_NAMES, TOKEN_RULES, TrainConfig, default_workers, range_text)
from ..text.gutenberg import DEFAULT_MIRROR


class UsageError(Exception):
    """A mistake on the command line: ``main`` prints it and exits with code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr, like every other error here."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message} (see --help)")


def _program_name() -> str:
    """What the person typed: ``embedding-studio`` when installed, else ``main.py`` (a checkout)."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "embedding-studio" if name.startswith("embedding-studio") else "main.py"


def build_parser() -> argparse.ArgumentParser:
    from ..text.gutenberg import DEADLINE_FACTOR, MAX_TIMEOUT

    parser = _Parser(prog=_program_name(), description="Embedding Studio: train and explore word embeddings. "
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
    train.add_argument("--subwords", action="store_true",
                       help="fastText's subword vectors: a word is the mean of its own vector and those of its "
                            "character n-grams (3-6 letters), so rare and unseen words get vectors built from "
                            "their letters (trains in one process, slower)")
    _add_setting(train, "subword_buckets", "with --subwords: rows the n-grams are hashed into")
    train.add_argument("--token-cache", metavar="DIR",
                       help="keep the token ids in DIR, memory-mapped: for corpora larger than memory, "
                            "and free re-reads of the same texts")
    _add_setting(train, "batch_tokens", argparse.SUPPRESS)
    _add_lever_options(train)
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
    fetch.add_argument("--mirror", default=DEFAULT_MIRROR, help="site to download from")
    fetch.add_argument("--timeout", type=float, default=30.0,
                       help=f"seconds to wait for the server (%(default)g, at most {MAX_TIMEOUT:g}); a whole "
                            f"book may take {DEADLINE_FACTOR} times as long")
    fetch.add_argument("--quiet", action="store_true", help="no progress line")

    spark = commands.add_parser(
        "train-spark", help="train on a Spark cluster: our SGNS on the executors, or Spark MLlib's Word2Vec",
        description="Train skip-gram vectors on Spark, the corpus read and tokenised by Spark where it lives "
                    "(our tokens), the result a model file like any other. --algorithm sgns (the default) runs "
                    "this project's negative sampling on the executors, each partition training its share and "
                    "the driver combining them each epoch, with local training's subsampling, schedule and "
                    "loss; mllib runs Spark MLlib's Word2Vec (hierarchical softmax, no negative sampling, no "
                    "subsampling, no loss). Needs the spark extra (pip install -e \".[spark]\") and Java 17+.")
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
    _add_setting(spark, "negative", "noise words per pair (sgns only)")
    _add_setting(spark, "sample", "subsampling threshold, 0 for none (sgns only)")
    _add_tokens_option(spark)
    spark.add_argument("--algorithm", choices=("sgns", "mllib"), default="sgns",
                       help="sgns: this project's negative sampling on the executors (default: the better "
                            "vectors, and a loss per epoch); mllib: Spark MLlib's Word2Vec")
    spark.add_argument("--partitions", type=int, default=1,
                       help="shares of the text trained in parallel (default 1, the best vectors; more is "
                            "faster on a cluster): sgns combines them each epoch, mllib averages them once")
    spark.add_argument("--syncs", type=int, default=1,
                       help="sgns: times an epoch the partitions are combined (default 1; more keeps many "
                            "partitions closer to local training, one Spark job each)")
    spark.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_analysis_commands(commands)
    _add_timeline_commands(commands)
    return parser


def _token_rule(name: str) -> str:
    """A rule's name, refused with its new name when it was renamed (argparse then lists the choices)."""
    if name in RENAMED_TOKEN_RULES:
        raise argparse.ArgumentTypeError(f"{name!r} is now called {RENAMED_TOKEN_RULES[name]!r}")
    return name


def _add_tokens_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokens", type=_token_rule, choices=TOKEN_RULE_NAMES, default=DEFAULT_TOKENS,
                        help="how text becomes words: " + "; ".join(f"{name}: {rule.description}"
                                                                    for name, rule in TOKEN_RULES.items())
                        + f" (default: {DEFAULT_TOKENS})")


def _add_lever_options(parser: argparse.ArgumentParser) -> None:
    """``--add-context``/``--no-add-context``, ``--remove-top D`` and ``--no-levers`` (core.vectors.postprocess)."""
    defaults = TrainConfig.__dataclass_fields__
    add, top = defaults["add_context"].default, defaults["remove_top"].default
    parser.add_argument("--add-context", action=argparse.BooleanOptionalAction, default=add,
                        help="the finished vectors are the input rows plus the output rows (w + c) "
                             f"(default: {'on' if add else 'off'})")
    parser.add_argument("--remove-top", type=_directions, default=top, metavar="D",
                        help="remove the vectors' common mean and top D principal directions (all-but-the-top; "
                             f"{range_text('remove_top')}, or 'off') (default: {'off' if top is None else top})")
    parser.add_argument("--no-levers", action="store_true",
                        help="keep the trained input rows as they are (--no-add-context --remove-top off)")


def _directions(text: str) -> int | None:
    """``--remove-top``'s value: a whole number in its range, or ``off``."""
    if text.strip().lower() in ("off", "none"):
        return None
    low, high = INT_RANGES["remove_top"]
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be a whole number, {range_text('remove_top')}, or 'off', got {text!r}")
    return value


def _add_analysis_commands(commands) -> None:
    """``compare``, ``weat``, ``axis`` and ``stability``."""
    from ..vectors.compare import DEFAULT_TOP

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
