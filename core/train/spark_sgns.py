"""This project's SGNS on Spark's executors: each partition trains its share of the text, the driver combines.

Why: MLlib's Word2Vec trains hierarchical softmax with no subsampling and scores below local training
(benchmarks/README.md); a corpus that outgrew one machine should get the model this app trains on a laptop.

How, per epoch: the driver broadcasts the current table (input and output rows); each of ``partitions``
tasks copies it and runs :class:`~core.train.sgns.BatchRunner` (the engine, imported, not copied) over its
contiguous share of the token ids for that epoch's batches of the schedule, then returns how far it moved
each row, which rows it moved, and its summed loss and examples. The driver adds the moves up and divides
each row's sum by the square root of the number of partitions that moved it (:func:`combine`): a rare
word trained in one share keeps its whole update; a frequent one, trained in all P, gets their sum over
sqrt(P). Their mean (parameter averaging, or dividing by the partitions that moved the row, as MLlib
does) moves a frequent word P times less an epoch than local training does, and at 4 partitions WordSim
fell from 0.35 to 0.18; their sum diverged at 4 partitions; the square root scored with local training
at 2 and kept WordSim within 0.01-0.04 of it at 4 (benchmarks/README.md, "Spark MLlib against ours and
gensim", measures all three).

What is the same as local training: the vocabulary (the counts of the same tokens, the same
``min_count`` cut and order), the keep probabilities of subsampling, the noise distribution, the batch
size and the learning-rate schedule (batch ``i`` of a share trains at the rate of ``i / total`` of the
run, as batch ``i`` of a local run does), and the loss: the mean binary cross-entropy over every example
scored in the epoch, summed exactly over the partitions. With one partition, the run *is* local training
with one worker, batch for batch. The shares are cut at equal token counts in the corpus's file order
(files sorted by path, as local training reads them), so windows are cut only at the P - 1 share borders.

Memory: a task holds three tables (the broadcast, its copy, the move); the driver the current table, the
summed moves and counts (``treeReduce`` combines partitions on the executors), and the vocabulary.
"""

from __future__ import annotations

import collections
import functools
import math
import operator
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from ..config import DEFAULT_TOKENS, TrainConfig
from ..errors import CorpusError, TrainingDiverged
from ..text.vocab import AliasSampler, Vocab
from .sgns import BatchRunner, initial_table

#: How the partitions' moves of a row are combined: "sqrt" (the default) divides a row's summed move by the
#: square root of the partitions that moved it; "rows" by the partitions that moved it (their mean, MLlib's
#: way); "average" by all of them (plain parameter averaging: the mean of the partitions' tables). Keeping
#: every move whole, their sum, diverged in the third epoch at 4 partitions (benchmarks/README.md).
COMBINE_SCHEMES = ("sqrt", "rows", "average")
DEFAULT_COMBINE = "sqrt"

#: Characters of text tokenised at a time on an executor (lines joined): few calls, bounded memory.
_TOKENISE_CHARS = 1 << 20

#: A loss above this after the first epoch means the run has blown up (as core.train.trainer judges it).
_DIVERGED_ABOVE = math.log(2) + 0.01


# ---------------------------------------------------------------------------------------------
# On the executors (module-level functions: Spark ships them by reference to the project's zip)


def _chunks(rows: Iterable[Any]) -> Iterator[tuple[tuple[str, int], str]]:
    """A partition's (line, file, block start) rows -> ((file, block start), ~1 MB of joined lines).

    Hadoop never cuts a line between blocks, and a line break separates words anyway, so tokenising the
    chunks gives a block's words as tokenising it whole would."""
    key, batch, size = None, [], 0
    for line, path, block in rows:
        if (path, block) != key or size >= _TOKENISE_CHARS:
            if batch:
                yield key, "\n".join(batch)
            key, batch, size = (path, block), [], 0
        batch.append(line)
        size += len(line)
    if batch:
        yield key, "\n".join(batch)


def count_words(rows: Iterable[Any], rule: str = DEFAULT_TOKENS) -> Iterator[tuple[str, int]]:
    """A partition's word counts (pass one: the vocabulary)."""
    from embedding_studio.core.text.tokens import tokenize  # on an executor: from the shipped zip

    counts: collections.Counter = collections.Counter()
    for _, text in _chunks(rows):
        counts.update(tokenize(text, rule))
    return iter(counts.items())


def number_words(rows: Iterable[Any], index: Any, rule: str = DEFAULT_TOKENS) -> Iterator[tuple[tuple[str, int], np.ndarray]]:
    """A partition's blocks as token ids of the vocabulary's words, the others left out (pass two),
    as local training's corpus holds them: ((file, block start), int32 ids)."""
    from embedding_studio.core.text.tokens import tokenize

    ids = index.value
    pieces: dict[tuple[str, int], list[np.ndarray]] = {}
    for key, text in _chunks(rows):
        numbered = np.fromiter(map(ids.get, tokenize(text, rule), _repeat(-1)), dtype=np.int32)
        pieces.setdefault(key, []).append(numbered[numbered >= 0])
    for key, parts in pieces.items():
        yield key, np.concatenate(parts)


def _repeat(value: int) -> Iterator[int]:
    while True:
        yield value


def to_shares(piece: tuple[tuple[str, int], np.ndarray], cuts: Any) -> Iterator[tuple[int, tuple[int, np.ndarray]]]:
    """A block's ids -> (share, (its place in the corpus, the ids of it in that share)) for each share it
    overlaps; ``cuts`` maps a block to its place in file order and its first token's offset, with the
    shares' bounds."""
    key, ids = piece
    place, offset, bounds = cuts.value["place"][key], cuts.value["offset"][key], cuts.value["bounds"]
    first = int(np.searchsorted(bounds, offset, side="right")) - 1
    share = first
    while share < len(bounds) - 1 and bounds[share] < offset + len(ids):
        lo, hi = max(bounds[share], offset) - offset, min(bounds[share + 1], offset + len(ids)) - offset
        if hi > lo:
            yield share, (place, ids[lo:hi])
        share += 1


def join_share(index: int, rows: Iterable[tuple[int, tuple[int, np.ndarray]]]) -> Iterator[tuple[int, np.ndarray]]:
    """A share's pieces, in corpus order, as one array of ids."""
    pieces = sorted((piece for _, piece in rows), key=operator.itemgetter(0))
    ids = np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, dtype=np.int32)
    yield index, ids


def share_seed(seed: int, share: int) -> int:
    """The random seed of a share: the run's own for share 0 (one partition is local training), others
    derived from (seed, share) so that no two shares draw the same numbers."""
    if share == 0:
        return seed
    return int(np.random.SeedSequence([seed, share]).generate_state(1, np.uint64)[0] >> 1)


def train_share(rows: Iterable[tuple[int, np.ndarray]], epoch: int, config: TrainConfig, table: Any,
                tables: Any, round_: int = 0, rounds: int = 1) -> Iterator[tuple[np.ndarray, np.ndarray, float, int, int, int]]:
    """One epoch of a share (or round ``round_`` of ``rounds`` of it): its batches of the run's schedule,
    from the broadcast table.

    Yields (move of every row, 1 where a row moved, summed loss, examples, pairs, corpus tokens)."""
    base = table.value
    keep, accept, alias, counts = tables.value
    for share, ids in rows:
        current = np.array(base, dtype=np.float32, copy=True)
        loss = examples = pairs = words = 0
        if len(ids) >= 2:
            runner = BatchRunner(ids, current, keep, AliasSampler.from_tables(accept, alias),
                                 config.replace(seed=share_seed(config.seed, share)), counts)
            first = epoch * runner.per_epoch
            for index in range(first + round_ * runner.per_epoch // rounds,
                               first + (round_ + 1) * runner.per_epoch // rounds):
                done, batch_loss, batch_examples, batch_pairs = runner.run(index)
                words += done
                loss += batch_loss
                examples += batch_examples
                pairs += batch_pairs
        current -= base
        moved = np.any(current != 0, axis=1).astype(np.int32)
        yield current, moved, float(loss), int(examples), int(pairs), int(words)


def add_results(a: tuple, b: tuple) -> tuple:
    """Two partitions' results summed (moves, moved counts, loss, examples, pairs, tokens)."""
    return tuple(x + y for x, y in zip(a, b))


def combine(base: np.ndarray, moves: np.ndarray, moved: np.ndarray, partitions: int, scheme: str) -> np.ndarray:
    """The table after an epoch: ``base`` plus the partitions' summed ``moves``, each row divided by the square
    root of the partitions that moved it ("sqrt"), by their number ("rows") or by all of them ("average",
    the mean of their tables)."""
    if scheme == "average":
        return base + moves / np.float32(partitions)
    if scheme == "sqrt":
        return base + moves / np.sqrt(np.maximum(moved, 1)).astype(np.float32)[:, None]
    return base + moves / np.maximum(moved, 1).astype(np.float32)[:, None]


# ---------------------------------------------------------------------------------------------
# On the driver


@dataclass
class SgnsOutcome:
    """What the driver keeps of a run: the vocabulary, the final table, the epochs' losses, the tokens."""

    vocab: Vocab
    table: np.ndarray
    losses: list[float]
    raw_tokens: int
    config: TrainConfig


def run_config(settings: Any) -> TrainConfig:
    """The local-training settings a share trains with (one worker: a partition is one task)."""
    return TrainConfig(dim=settings.dim, window=settings.window, negative=settings.negative, epochs=settings.epochs,
                       min_count=settings.min_count, sample=settings.sample, lr=settings.lr, seed=settings.seed,
                       workers=1, tokens=settings.tokens).planned()


def _file_order(keys: list[tuple[str, int]], files: list[Path] | None) -> list[tuple[str, int]]:
    """The blocks in the order local training reads them: files as ``files`` lists them (sorted paths),
    else sorted by path; blocks of a file by their start."""
    rank: dict[str, Any] = {}
    if files is not None:
        where = {path.resolve(): i for i, path in enumerate(files)}
        for path, _ in keys:
            local = Path(urllib.parse.unquote(urllib.parse.urlparse(path).path)).resolve()
            rank[path] = (where.get(local, len(where)), path)
    return sorted(keys, key=lambda key: (rank.get(key[0], (0, key[0])), key[1]))


def share_bounds(total: int, partitions: int) -> np.ndarray:
    """Where the shares of ``total`` tokens begin and end: ``partitions`` + 1 offsets, equal counts."""
    return (np.arange(partitions + 1, dtype=np.int64) * total) // partitions


def train_sgns(session: Any, lines: Any, settings: Any, files: list[Path] | None, corpus: str,
               phases: Any, check: Callable[[], None]) -> SgnsOutcome:
    """The whole run on the driver: count, number, share out, then one Spark job an epoch.

    ``lines`` is the corpus as Spark's text DataFrame; ``phases`` is told the phase and the jobs done
    (for progress); ``check`` is called between jobs and raises if the run was cancelled (Spark's own jobs
    are cancelled by the caller)."""
    from pyspark import StorageLevel

    context = session.sparkContext
    rule, partitions = settings.tokens, settings.partitions
    held: list[Any] = []  # what Spark keeps for this run (cached data, broadcasts), released at its end

    def hold(thing: Any) -> Any:
        held.append(thing)
        return thing

    try:
        # read once, tokenised twice (counts, then ids)
        rows = hold(lines.select("value", "_metadata.file_path", "_metadata.file_block_start").rdd
                    .persist(StorageLevel.MEMORY_AND_DISK))
        phases.phase = "reading and counting words"
        counted = hold(rows.mapPartitions(functools.partial(count_words, rule=rule)).reduceByKey(operator.add)
                       .persist(StorageLevel.MEMORY_AND_DISK))
        raw_tokens = int(counted.values().sum())
        if raw_tokens == 0:
            raise CorpusError(f"{corpus} has no words (no letters in its text)")
        min_count = settings.min_count  # only the words kept come to the driver (a corpus has many more)
        vocab = Vocab.from_counts(dict(counted.filter(lambda kv: kv[1] >= min_count).collect()), min_count)
        counted.unpersist()
        if len(vocab) < 2:
            raise CorpusError(f"{corpus}: only {len(vocab)} distinct word(s) occur at least "
                              f"{settings.min_count} times, and training needs two or more; try a lower min_count")
        phases.done, phases.phase = 1, "numbering the words"
        check()
        index = hold(context.broadcast(vocab.index))
        pieces = hold(rows.mapPartitions(functools.partial(number_words, index=index, rule=rule))
                      .persist(StorageLevel.MEMORY_AND_DISK))
        sizes = dict(pieces.map(lambda piece: (piece[0], len(piece[1]))).collect())
        rows.unpersist()
        order = _file_order(list(sizes), files)
        lengths = np.array([sizes[key] for key in order], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        total = int(offsets[-1])
        if total < 2:
            raise CorpusError(f"{corpus}: the vocabulary's words occur {total} time(s), too few to train")
        phases.done, phases.phase = 2, "sharing out the text"
        check()
        cuts = hold(context.broadcast({"place": {key: i for i, key in enumerate(order)},
                                       "offset": {key: int(offsets[i]) for i, key in enumerate(order)},
                                       "bounds": share_bounds(total, partitions)}))
        shares = hold(pieces.flatMap(functools.partial(to_shares, cuts=cuts))
                      .partitionBy(partitions, _identity)
                      .mapPartitionsWithIndex(join_share)
                      .persist(StorageLevel.MEMORY_AND_DISK))
        shares.count()  # shuffled once, here, and kept for every epoch
        pieces.unpersist()
        phases.done = 3
        return _epochs(context, shares, vocab, settings, raw_tokens, phases, check)
    finally:  # (a broadcast stays in the lineage of the cached data made from it until the end)
        for thing in reversed(held):
            try:
                thing.unpersist()
            except Exception:  # the context is stopping: nothing left to release
                pass


def _identity(share: int) -> int:
    return share


def _epochs(context: Any, shares: Any, vocab: Vocab, settings: Any, raw_tokens: int, phases: Any,
            check: Callable[[], None]) -> SgnsOutcome:
    """One Spark job a round (``settings.syncs`` rounds an epoch): broadcast the table, train the shares'
    batches of the round, combine their moves."""
    config = run_config(settings)
    n = len(vocab)
    table = initial_table(n, config.dim, config.seed)
    keep = vocab.keep_probabilities(config.sample).astype(np.float32)
    noise = vocab.noise_sampler()
    tables = context.broadcast((keep, noise.accept, noise.alias, vocab.counts))
    losses: list[float] = []
    depth = max(2, math.ceil(math.log2(max(settings.partitions, 2)) / 2))
    try:
        rounds = settings.syncs
        for epoch in range(config.epochs):
            loss = examples = 0
            for round_ in range(rounds):
                check()
                phases.phase = f"SGNS: epoch {epoch + 1} of {config.epochs}" + (
                    f", round {round_ + 1} of {rounds}" if rounds > 1 else "") + (
                    f" (last epoch's loss {losses[-1]:.4f})" if losses else "")
                current = context.broadcast(table)
                try:
                    moves, moved, round_loss, round_examples, _, _ = shares.mapPartitions(functools.partial(
                        train_share, epoch=epoch, config=config, table=current, tables=tables, round_=round_,
                        rounds=rounds)).treeReduce(add_results, depth=depth)
                finally:
                    current.destroy()
                table = combine(table, moves, moved, settings.partitions, settings.combine)
                del moves, moved
                loss, examples = loss + round_loss, examples + round_examples
                phases.done = 3 + epoch + (round_ + 1) / rounds
            mean = loss / examples if examples else math.nan
            if not math.isfinite(mean) or mean > _DIVERGED_ABOVE:
                raise TrainingDiverged(f"training diverged in epoch {epoch + 1}: the loss is {mean:.3f} "
                                       f"(lr={config.lr}, {settings.partitions} partitions); the model is garbage "
                                       "and was not kept; try a smaller learning rate")
            losses.append(float(mean))
            phases.done, phases.epoch = 4 + epoch, epoch + 1
    finally:
        tables.destroy()
    return SgnsOutcome(vocab, table, losses, raw_tokens, config)
