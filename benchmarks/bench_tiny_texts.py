"""Do tiny vocabularies train at the defaults? A grid of generated texts, each trained with one worker.

    python benchmarks/bench_tiny_texts.py [--results /tmp/tiny_texts.jsonl] [--vocab 2 3 5 8 14 20 30 50]
        [--orders cycle runs shuffled iid sentences] [--counts flat zipf] [--lines short long]
        [--tokens 5000 46000 200000] [--seeds 1] [--no-followups] [--cure NAME]

The issue: a 46,000-token text of 14 distinct words diverged at the article's defaults (loss 17 in
epoch 8), even with one worker, and was not kept. This generates such texts in memory over a grid
(vocabulary size; order: a repeating cycle, runs of one word, a shuffled multiset, i.i.d. draws, a few
fixed sentences in random order; flat or Zipf counts; five words a line or the whole text on one line;
length), writes each to a temporary .txt, reads it with ``load_corpus`` as the app and the command line
do, and trains it with ``TrainConfig(workers=1)`` (the article's defaults). Texts whose token ids come out
identical (the line layout rarely changes them) are trained once and reported for each layout.

Each run appends a JSON line to ``--results``: its settings, the vocabulary and kept share after
subsampling, per-epoch losses, whether it diverged (``TrainingDiverged``) or was refused (``ConfigError``)
and why, the largest epoch loss after the first, the final loss, and the largest input and output row
norms the run ended with. Follow-ups (unless ``--no-followups``): every failing text again with two
workers, and a subset with the *word2vec defaults* preset (dim 100, window 5, 5 epochs).

``--cure NAME`` monkeypatches a candidate fix in this process only (see ``CURES``), to compare.
A run is small (well under a second for most); the whole default grid takes a few CPU minutes, one
process, one run after another.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.config import DEFAULT_MAX_ROW_STEP, TrainConfig  # noqa: E402
from core.errors import ConfigError, CorpusError, TrainingDiverged  # noqa: E402
from core.text.corpus import load_corpus  # noqa: E402
from core.train import sgns  # noqa: E402
from core.train.trainer import Trainer  # noqa: E402

#: Fifty short words of letters only (the tokeniser drops digits, so "w0".."w49" would all read "w").
WORDS = ("the and cat dog sun sea red big run sky old new hat cup box fox pen ink map car bus van "
         "tea jam egg oak elm ash fig yam cod eel owl bee ant bat cow pig hen ram ewe elk gnu yak "
         "emu koi tin zinc gold iron").split()
# past fifty (--vocab 100 500): made-up words of three letters, "qab", "qac", ...
WORDS += ["q" + a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz"]
assert len(set(WORDS)) == len(WORDS)

LN2 = math.log(2)
SEED = 12345  # of the texts, not of training


# -- texts ---------------------------------------------------------------------------------------------

COUNTS = ("flat", "zipf", "steep", "few")
ORDERS = ("cycle", "runs", "pairs", "shuffled", "iid", "sentences", "verses")


def probabilities(v: int, counts: str) -> np.ndarray:
    """flat: equal; zipf: 1/rank; steep: 1/rank**2; few: a fifth of the words (at least one) share 90%."""
    ranks = np.arange(1, v + 1, dtype=float)
    if counts == "flat":
        weights = np.ones(v)
    elif counts == "zipf":
        weights = 1.0 / ranks
    elif counts == "steep":
        weights = 1.0 / ranks**2
    elif counts == "few":
        top = max(1, v // 5)
        weights = np.where(ranks <= top, 0.9 / top, 0.1 / max(1, v - top)) if v > top else np.ones(v)
    else:
        raise ValueError(counts)
    return weights / weights.sum()


def block(v: int, counts: str) -> np.ndarray:
    """One round of every word, each as often as its share (the rarest once, at most 100 times the
    rarest), the words spread evenly over the round (smooth weighted round robin)."""
    p = probabilities(v, counts)
    times = np.clip(np.round(p / p.min()), 1, 100).astype(int)
    slots = np.concatenate([(np.arange(t) + 0.5) / t for t in times])
    ids = np.repeat(np.arange(v), times)
    return ids[np.argsort(slots, kind="stable")]


def text_ids(v: int, order: str, counts: str, n: int, seed: int = SEED) -> np.ndarray:
    """Word ids (indices into WORDS) of a generated text of about ``n`` tokens.

    cycle: a b c a b c ... (frequent words come round more often); runs: each word's occurrences in one
    run per round, 5 times its share of the rarest's (a a a a a b b b b b ...: a word is its own context);
    pairs: the cycle with every word twice (a a b b c c ...); shuffled: exactly the counts, shuffled;
    iid: independent draws; sentences: a few fixed sentences of 4-9 words, in random order; verses: the
    same sentences always in the same order (a cycle with a longer period).
    """
    rng = np.random.default_rng([seed, v, ORDERS.index(order), COUNTS.index(counts), n])
    p = probabilities(v, counts)
    if order == "cycle":
        return np.resize(block(v, counts), n)
    if order == "runs":
        return np.resize(np.repeat(np.arange(v), np.clip(np.round(5 * p / p.min()), 5, 100).astype(int)), n)
    if order == "pairs":
        return np.resize(np.repeat(block(v, counts), 2), n)
    if order == "shuffled":
        ids = np.repeat(np.arange(v), np.maximum(1, np.round(p * n)).astype(int))
        rng.shuffle(ids)
        return ids[:n]
    if order == "iid":
        return rng.choice(v, size=n, p=p)
    if order in ("sentences", "verses"):
        b = np.tile(block(v, counts), max(1, -(-12 // v)))
        rng.shuffle(b)
        cuts, at = [], 0
        while at < len(b):
            step = int(rng.integers(4, 10))
            cuts.append(b[at:at + step])
            at += step
        picks = rng.integers(0, len(cuts), size=n // 4 + 1) if order == "sentences" else \
            np.resize(np.arange(len(cuts)), n // 4 + 1)
        return np.concatenate([cuts[i] for i in picks])[:n]
    raise ValueError(order)


def write_text(ids: np.ndarray, lines: str, path: Path) -> None:
    words = np.array(WORDS)[ids]
    with open(path, "w", encoding="utf-8") as f:
        if lines == "long":
            f.write(" ".join(words.tolist()) + "\n")
        else:
            for i in range(0, len(words), 5):
                f.write(" ".join(words[i:i + 5].tolist()) + "\n")


# -- candidate cures (monkeypatched here only) ----------------------------------------------------------

_ORIGINAL_MAX_UPDATES = sgns.BatchRunner.max_updates
_ORIGINAL_ROW_FACTORS = sgns._row_factors


def _row_step(step: float):
    """DEFAULT_MAX_ROW_STEP lowered to ``step`` (the bound on lr x updates one row sums in a batch)."""
    def max_updates(self, lr):
        return _ORIGINAL_MAX_UPDATES(self, lr) * step / self.config.max_row_step
    sgns.BatchRunner.max_updates = max_updates


def _vocab_cap(per_word: float):
    """A row sums at most ``per_word`` x (vocabulary size) updates a batch: in a vocabulary of V words a
    row's updates come from at most V partner rows, so past a few per partner they are repeats of the
    same pairs and add up in one direction instead of averaging out."""
    def max_updates(self, lr):
        return min(_ORIGINAL_MAX_UPDATES(self, lr), per_word * self.n_words)
    sgns.BatchRunner.max_updates = max_updates


def _participation(counts: np.ndarray) -> float:
    """(sum c)^2 / sum c^2: how many partners the updates effectively come from."""
    counts = counts.astype(np.float64)
    return float(counts.sum() ** 2 / max(np.dot(counts, counts), 1e-300))


def _partner_cap(per_partner: float):
    """Like _vocab_cap, with the batch's effective number of distinct partner words (participation ratio
    of the input words for output rows, of the targets for input rows) instead of the vocabulary size:
    also bounds a large vocabulary whose text is nearly all a few words. Measured per batch."""
    def row_factors(inputs, targets, pairs_of, max_updates, n_words, *unused):  # (one batch in flight)
        k = len(targets)
        if len(inputs) * k <= max_updates:
            return None, None
        out_ids = targets.reshape(-1)
        weights = np.tile(pairs_of, k)
        in_partners = _participation(np.bincount(inputs))  # output rows are updated from input rows
        out_partners = _participation(np.bincount(out_ids, weights=weights))
        bound_out = max(1.0, min(max_updates, per_partner * in_partners))
        bound_in = max(1.0, min(max_updates, per_partner * out_partners))  # terms, as max_updates counts
        per_input = sgns._factors(np.bincount(inputs), inputs, bound_in / k)
        per_output = sgns._factors(np.bincount(out_ids, weights=weights), out_ids, bound_out)
        return per_input, per_output
    sgns._row_factors = row_factors


def _lr_rule(words: int):
    """The learning rate scaled by min(1, V / words)."""
    original = sgns.BatchRunner.lr

    def lr(self, index):
        return original(self, index) * min(1.0, self.n_words / words)
    sgns.BatchRunner.lr = lr


def _refuse(below: int):
    """Refuse vocabularies of fewer than ``below`` words (ConfigError), as Trainer would."""
    original = Trainer.__init__

    def init(self, tokens, vocab, config, *args, **kwargs):
        if len(vocab) < below:
            raise ConfigError(f"the vocabulary has {len(vocab)} words; training needs at least {below}")
        original(self, tokens, vocab, config, *args, **kwargs)
    Trainer.__init__ = init


#: What the curvature cap did in this process: batches, batches where it bound, rows it scaled, smallest factor.
CAP_STATS = {"batches": 0, "binding": 0, "rows": 0, "smallest": 1.0}


def _curvature_cap(bound: float, gradient: bool = False):
    """Each row's updates scaled so that lr x (the trace of its Gauss-Newton curvature in the batch) is at
    most ``bound``: sum over the row's terms of sigmoid'(score) x |partner row|^2. A row whose updates
    all pull the same way (a tiny vocabulary, a word repeated in a run) moves like a gradient step of
    that lr x curvature on one example, which overshoots past 2; the count cap ignores how long the
    partner rows have grown (|x|^2 of 9-36 in the runs that blew up). Applied on top of the count cap.
    With ``gradient``, |gradient| (1 - sigmoid) takes sigmoid's place: lr x sum |g| |x|^2 is how many logits
    the row's update moves a partner's score when the partners all point one way, and unlike sigmoid'
    it does not vanish for a confidently wrong score (where the largest coherent steps come from).
    window_step is copied from core.train.sgns (HEAD) with the curvature added; the batches in flight
    are read back from max_updates (max_row_step / (in flight x lr))."""
    window_masks, pairs_within, sigmoid, tiny = sgns._window_masks, sgns._pairs_within, sgns._sigmoid, sgns._TINY
    row_factors, scatter_add = sgns._row_factors, sgns.scatter_add

    @np.errstate(over="ignore", invalid="ignore")
    def window_step(table, n_words, tokens, reduced, noise, window, lr, max_updates=math.inf, *more):
        n, negative = noise.shape
        k = negative + 1
        dim = table.shape[1]
        span = 2 * window + 1
        padded = np.zeros((n + 2 * window, dim), dtype=np.float32)
        np.take(table, tokens, axis=0, out=padded[window:window + n])
        item = padded.itemsize
        windows = np.ndarray((n, dim, span), dtype=np.float32, buffer=padded,
                             strides=(dim * item, item, dim * item))
        targets = np.empty((k, n), dtype=np.int32)
        targets[0] = tokens
        targets[1:] = noise.T
        targets += n_words
        outputs = np.take(table, targets.reshape(-1), axis=0).reshape(k, n, dim)
        scores = np.empty((k, n, span), dtype=np.float32)
        np.matmul(outputs.transpose(1, 0, 2), windows, out=scores.transpose(1, 0, 2))
        valid, pairs_of = pairs_within(reduced, window)
        pairs = np.flatnonzero(valid)
        inputs = np.take(tokens, np.take(np.arange(n)[:, None] + np.arange(-window, window + 1), pairs))
        z = np.take(scores.reshape(k, -1), pairs, axis=1)
        z[1:] *= -1
        right = sigmoid(z)
        loss = -np.log(np.maximum(right, tiny)).sum(dtype=np.float64)
        step = (1.0 - right) * np.float32(lr)
        step[1:] *= -1
        per_input, per_output = row_factors(inputs, targets - n_words, pairs_of, max(1.0, max_updates), n_words,
                                            *more)
        # -- the curvature cap
        in_flight = max(1.0, DEFAULT_MAX_ROW_STEP / (max_updates * lr)) if math.isfinite(max_updates) else 1.0
        limit = bound / in_flight
        # (k, pairs): sigmoid' (curvature), or |gradient| = 1 - sigmoid (the logits a coherent step moves)
        curvature = (1.0 - right) if gradient else right * (1.0 - right)
        centre = pairs // span
        out_sq = np.einsum("knd,knd->kn", outputs, outputs)  # |target row|^2, (k, n)
        in_sq = np.einsum("nd,nd->n", padded, padded)[centre + pairs % span]  # |input row|^2 per pair
        per_pair_in = (curvature * np.take(out_sq, centre, axis=1)).sum(axis=0)
        row_in = np.bincount(inputs, weights=per_pair_in) * lr
        spread = np.zeros((k, n * span), dtype=np.float32)  # as ``dense`` below: (target, centre, offset)
        spread[:, pairs] = curvature * in_sq
        per_target_out = spread.reshape(k, n, span).sum(axis=2)
        row_out = np.bincount((targets - n_words).reshape(-1), weights=per_target_out.reshape(-1)) * lr
        CAP_STATS["batches"] += 1
        capped = int((row_in > limit).sum() + (row_out > limit).sum())
        if capped:
            CAP_STATS["binding"] += 1
            CAP_STATS["rows"] += capped
            CAP_STATS["smallest"] = min(CAP_STATS["smallest"], limit / max(row_in.max(), row_out.max()))
        if row_in.max() > limit:
            f = (limit / np.maximum(row_in, limit)).astype(np.float32)[inputs]
            per_input = f if per_input is None else np.minimum(per_input, f)
        if row_out.max() > limit:
            f = (limit / np.maximum(row_out, limit)).astype(np.float32)[(targets - n_words).reshape(-1)]
            per_output = f if per_output is None else np.minimum(per_output, f)
        # -- as in core
        dense = np.zeros((k, n * span), dtype=np.float32)
        dense[:, pairs] = step
        to_outputs = np.empty((k, n, dim), dtype=np.float32)
        np.matmul(dense.reshape(k, n, span).transpose(1, 0, 2), windows.transpose(0, 2, 1),
                  out=to_outputs.transpose(1, 0, 2))
        if per_input is not None:
            step *= per_input
        columns = np.zeros(k * n + 1, dtype=np.int32)
        columns[1:] = (np.arange(k, dtype=np.int32)[:, None] * len(pairs)
                       + np.cumsum(pairs_of, dtype=np.int32)).ravel()
        scatter_add(table, np.tile(inputs, k), columns, step.reshape(-1), outputs.reshape(-1, dim))
        flat = targets.reshape(-1)
        weights = np.ones(len(flat), dtype=np.float32) if per_output is None else per_output
        scatter_add(table, flat, np.arange(len(flat) + 1, dtype=np.int32), weights, to_outputs.reshape(-1, dim))
        return float(loss), len(pairs)

    sgns.window_step = window_step


def _trust_region(bound: float):
    """Each row's summed update in a batch, Delta, scaled so that |Delta| x (the rms norm of the partner rows
    it was summed from, weighted by step) is at most ``bound``: the logits by which the row's move can
    change one of its scores. Unlike the logit cap (lr x sum |g| |x|^2, the same number when the partners
    all point one way) it measures the update actually made, so updates from many different partners,
    which partly cancel (a frequent word in prose), are not scaled. Summed into compact buffers of the
    batch's rows (np.unique) and then added; applied on top of the count cap."""
    pairs_within, sigmoid, tiny = sgns._pairs_within, sgns._sigmoid, sgns._TINY
    row_factors, scatter_add = sgns._row_factors, sgns.scatter_add

    @np.errstate(over="ignore", invalid="ignore")
    def window_step(table, n_words, tokens, reduced, noise, window, lr, max_updates=math.inf, *more):
        n, negative = noise.shape
        k = negative + 1
        dim = table.shape[1]
        span = 2 * window + 1
        padded = np.zeros((n + 2 * window, dim), dtype=np.float32)
        np.take(table, tokens, axis=0, out=padded[window:window + n])
        item = padded.itemsize
        windows = np.ndarray((n, dim, span), dtype=np.float32, buffer=padded,
                             strides=(dim * item, item, dim * item))
        targets = np.empty((k, n), dtype=np.int32)
        targets[0] = tokens
        targets[1:] = noise.T
        targets += n_words
        outputs = np.take(table, targets.reshape(-1), axis=0).reshape(k, n, dim)
        scores = np.empty((k, n, span), dtype=np.float32)
        np.matmul(outputs.transpose(1, 0, 2), windows, out=scores.transpose(1, 0, 2))
        valid, pairs_of = pairs_within(reduced, window)
        pairs = np.flatnonzero(valid)
        inputs = np.take(tokens, np.take(np.arange(n)[:, None] + np.arange(-window, window + 1), pairs))
        z = np.take(scores.reshape(k, -1), pairs, axis=1)
        z[1:] *= -1
        right = sigmoid(z)
        loss = -np.log(np.maximum(right, tiny)).sum(dtype=np.float64)
        step = (1.0 - right) * np.float32(lr)
        step[1:] *= -1
        per_input, per_output = row_factors(inputs, targets - n_words, pairs_of, max(1.0, max_updates), n_words,
                                            *more)
        in_flight = max(1.0, DEFAULT_MAX_ROW_STEP / (max_updates * lr)) if math.isfinite(max_updates) else 1.0
        limit = bound / in_flight
        centre = pairs // span
        out_sq = np.einsum("knd,knd->kn", outputs, outputs)
        in_sq = np.einsum("nd,nd->n", padded, padded)[centre + pairs % span]
        dense = np.zeros((k, n * span), dtype=np.float32)
        dense[:, pairs] = step
        to_outputs = np.empty((k, n, dim), dtype=np.float32)
        np.matmul(dense.reshape(k, n, span).transpose(1, 0, 2), windows.transpose(0, 2, 1),
                  out=to_outputs.transpose(1, 0, 2))
        if per_input is not None:
            step *= per_input
        magnitude = np.abs(step)  # (k, pairs)
        # input rows: summed into one buffer row per distinct input word
        rows_in, slot_in = np.unique(inputs, return_inverse=True)
        delta_in = np.zeros((len(rows_in), dim), dtype=np.float32)
        columns = np.zeros(k * n + 1, dtype=np.int32)
        columns[1:] = (np.arange(k, dtype=np.int32)[:, None] * len(pairs)
                       + np.cumsum(pairs_of, dtype=np.int32)).ravel()
        scatter_add(delta_in, np.tile(slot_in.astype(np.int32), k), columns, step.reshape(-1), outputs.reshape(-1, dim))
        weight = np.bincount(slot_in, weights=magnitude.sum(axis=0))
        spread = np.bincount(slot_in, weights=(magnitude * np.take(out_sq, centre, axis=1)).sum(axis=0))
        partner = np.sqrt(spread / np.maximum(weight, 1e-30))
        moved = np.sqrt(np.einsum("rd,rd->r", delta_in, delta_in)) * partner
        # output rows: the same, per distinct target
        flat = targets.reshape(-1) - n_words
        weights = np.ones(len(flat), dtype=np.float32) if per_output is None else per_output
        rows_out, slot_out = np.unique(flat, return_inverse=True)
        delta_out = np.zeros((len(rows_out), dim), dtype=np.float32)
        scatter_add(delta_out, slot_out.astype(np.int32), np.arange(len(flat) + 1, dtype=np.int32), weights,
                    to_outputs.reshape(-1, dim))
        cell = np.zeros((k, n * span), dtype=np.float32)
        cell[:, pairs] = np.abs(dense[:, pairs]) * in_sq
        size = np.abs(dense).reshape(k, n, span).sum(axis=2).reshape(-1) * weights
        spread_out = cell.reshape(k, n, span).sum(axis=2).reshape(-1) * weights
        partner_out = np.sqrt(np.bincount(slot_out, weights=spread_out)
                              / np.maximum(np.bincount(slot_out, weights=size), 1e-30))
        moved_out = np.sqrt(np.einsum("rd,rd->r", delta_out, delta_out)) * partner_out
        CAP_STATS["batches"] += 1
        capped = int((moved > limit).sum() + (moved_out > limit).sum())
        if capped:
            CAP_STATS["binding"] += 1
            CAP_STATS["rows"] += capped
            CAP_STATS["smallest"] = min(CAP_STATS["smallest"], limit / max(moved.max(), moved_out.max()))
        delta_in *= (limit / np.maximum(moved, limit)).astype(np.float32)[:, None]
        delta_out *= (limit / np.maximum(moved_out, limit)).astype(np.float32)[:, None]
        table[rows_in] += delta_in
        table[rows_out + n_words] += delta_out
        return float(loss), len(pairs)

    sgns.window_step = window_step


CURES = {
    "none": lambda: None,
    "trust1": lambda: _trust_region(1.0),
    "trust2": lambda: _trust_region(2.0),
    "trust4": lambda: _trust_region(4.0),
    "curv1": lambda: _curvature_cap(1.0),
    "curv2": lambda: _curvature_cap(2.0),
    "curv0.5": lambda: _curvature_cap(0.5),
    "logit1": lambda: _curvature_cap(1.0, gradient=True),
    "logit2": lambda: _curvature_cap(2.0, gradient=True),
    "logit4": lambda: _curvature_cap(4.0, gradient=True),
    "step2.5": lambda: _row_step(2.5),
    "step1": lambda: _row_step(1.0),
    "vocab2": lambda: _vocab_cap(2.0),
    "vocab4": lambda: _vocab_cap(4.0),
    "vocab8": lambda: _vocab_cap(8.0),
    "partner2": lambda: _partner_cap(2.0),
    "partner4": lambda: _partner_cap(4.0),
    "partner8": lambda: _partner_cap(8.0),
    "lr64": lambda: _lr_rule(64),
    "refuse50": lambda: _refuse(50),
}


#: Worker processes are spawned: they import this file again (as __mp_main__) and apply the same cure.
_CURE_VARIABLE = "BENCH_TINY_TEXTS_CURE"


def apply_cure(name: str) -> None:
    if name not in CURES:
        sys.exit(f"unknown cure {name!r}; known: {', '.join(CURES)}")
    os.environ[_CURE_VARIABLE] = name
    CURES[name]()


if __name__ != "__main__" and os.environ.get(_CURE_VARIABLE) and not getattr(sgns, "_bench_cured", False):
    sgns._bench_cured = True  # (once per process)
    CURES[os.environ[_CURE_VARIABLE]]()


# -- one run -------------------------------------------------------------------------------------------

def train(ids, vocab, config: TrainConfig) -> dict:
    losses: list[float] = []
    started = time.perf_counter()
    out = {"diverged": None, "refused": None}
    trainer = None
    try:
        trainer = Trainer(ids, vocab, config, timeline=False)
        trainer.train(on_epoch_end=lambda end: losses.append(round(end.loss, 5)))
    except TrainingDiverged as error:
        out["diverged"] = str(error)
    except ConfigError as error:
        out["refused"] = str(error)
    out["seconds"] = round(time.perf_counter() - started, 3)
    out["losses"] = losses
    finite = [x for x in losses if math.isfinite(x)]
    out["max_after_1"] = max(losses[1:], default=None) if losses[1:] else None
    if out["max_after_1"] is not None and not math.isfinite(out["max_after_1"]):
        out["max_after_1"] = str(out["max_after_1"])
    out["final"] = losses[-1] if losses and math.isfinite(losses[-1]) else (str(losses[-1]) if losses else None)
    out["min_loss"] = min(finite, default=None)
    if trainer is not None:
        n = len(vocab)
        table = trainer._table
        with np.errstate(all="ignore"):
            out["in_norm_max"] = float(np.nanmax(np.linalg.norm(table[:n], axis=1)))
            out["out_norm_max"] = float(np.nanmax(np.linalg.norm(table[n:], axis=1)))
            out["nan_rows_in"] = int(np.isnan(table[:n]).any(axis=1).sum())
            out["nan_rows_out"] = int(np.isnan(table[n:]).any(axis=1).sum())
        keep = vocab.keep_probabilities(config.sample)
        out["kept_share"] = round(float(np.dot(vocab.counts, keep) / vocab.counts.sum()), 4)
    return out


def outcome(run: dict) -> str:
    if run.get("corpus_error"):
        return "corpus-refused"
    if run["refused"]:
        return "refused"
    if run["diverged"]:
        return "DIVERGED"
    final = run["final"]
    if not isinstance(final, float):
        return "no-loss"
    if final > LN2 - 0.03:
        return "no-learning"
    return "ok"


FAILED = ("DIVERGED", "no-learning", "no-loss")

PRESETS = {
    "article": {},
    "word2vec": dict(dim=100, window=5, negative=5, epochs=5),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default="/tmp/tiny_texts.jsonl")
    parser.add_argument("--vocab", type=int, nargs="+", default=[2, 3, 5, 8, 14, 20, 30, 50])
    parser.add_argument("--orders", nargs="+", default=list(ORDERS), choices=ORDERS)
    parser.add_argument("--counts", nargs="+", default=list(COUNTS), choices=COUNTS)
    parser.add_argument("--lines", nargs="+", default=["short", "long"])
    parser.add_argument("--tokens", type=int, nargs="+", default=[5000, 46000, 200000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="training seeds")
    parser.add_argument("--presets", nargs="+", default=["article"], choices=list(PRESETS))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-followups", action="store_true")
    parser.add_argument("--followups-from", metavar="FILE",
                        help="skip the grid: run the follow-ups on the failing texts of an earlier results file")
    parser.add_argument("--cure", default="none")
    parser.add_argument("--tag", default="", help="a label stored with every run")
    args = parser.parse_args()
    apply_cure(args.cure)

    results = open(args.results, "a", encoding="utf-8")
    seen: dict[tuple, dict] = {}  # (ids hash, preset, seed, workers) -> the run already trained
    failing: list[tuple] = []
    started = time.perf_counter()

    def record(run: dict) -> None:
        run["outcome"] = outcome(run)
        run["cure"], run["tag"] = args.cure, args.tag
        results.write(json.dumps(run) + "\n")
        results.flush()
        losses = run.get("losses") or []
        shown = " ".join(f"{x:.3f}" if isinstance(x, float) else str(x) for x in losses[:3])
        print(f"{run['outcome']:>14} V={run['v']:<2} {run['order']:<9} {run['counts']:<4} {run['lines']:<5} "
              f"n={run['n']:<6} {run['preset']:<8} w={run['workers']} s={run['seed']} "
              f"final={run.get('final')} max>1={run.get('max_after_1')} [{shown} ...] "
              f"{'(same ids)' if run.get('same_as') else ''}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "text.txt"

        def one(v, order, counts, lines, n, preset, seed, workers):
            ids = text_ids(v, order, counts, n)
            write_text(ids, lines, path)
            run = dict(v=v, order=order, counts=counts, lines=lines, n=n, preset=preset, seed=seed,
                       workers=workers)
            try:
                corpus = load_corpus([path])
            except CorpusError as error:
                run.update(corpus_error=str(error), refused=None, diverged=None)
                record(run)
                return run
            digest = hashlib.sha1(corpus.ids.tobytes() + "\0".join(corpus.vocab.words).encode()).hexdigest()
            run.update(tokens=len(corpus.ids), vocab=len(corpus.vocab))
            key = (digest, preset, seed, workers)
            if key in seen:
                run.update({k: val for k, val in seen[key].items() if k not in run or k == "tokens"})
                run["same_as"] = seen[key]["lines"]
            else:
                config = TrainConfig(workers=workers, seed=seed, **PRESETS[preset])
                run.update(train(corpus.ids, corpus.vocab, config))
                seen[key] = run
            record(run)
            return run

        if args.followups_from:  # the failing texts of an earlier grid (one worker), without the grid
            with open(args.followups_from, encoding="utf-8") as earlier:
                for line in earlier:
                    run = json.loads(line)
                    if run["workers"] == 1 and run["outcome"] in FAILED and not run.get("same_as"):
                        failing.append(tuple(run[key] for key in ("v", "order", "counts", "lines", "n", "preset",
                                                                  "seed")))
            failing = sorted(set(failing), key=failing.index)
        else:
            grid = itertools.product(args.vocab, args.orders, args.counts, args.lines, args.tokens, args.presets,
                                     args.seeds)
            for v, order, counts, lines, n, preset, seed in grid:
                run = one(v, order, counts, lines, n, preset, seed, args.workers)
                if run["outcome"] in FAILED and not run.get("same_as"):
                    failing.append((v, order, counts, lines, n, preset, seed))

        if not args.no_followups:
            print(f"-- follow-ups: {len(failing)} failing texts with 2 workers; word2vec preset on a subset")
            for v, order, counts, lines, n, preset, seed in failing:
                if args.workers != 2:
                    one(v, order, counts, lines, n, preset, seed, 2)
            if "word2vec" not in args.presets:
                subset = [v for v in (2, 3, 5, 14, 30, 50) if v in args.vocab]
                for v, order, counts, seed in itertools.product(subset, args.orders, args.counts, args.seeds):
                    one(v, order, counts, "short", 46000, "word2vec", seed, args.workers)
    results.close()
    print(f"done in {time.perf_counter() - started:.0f} s; results in {args.results}")


if __name__ == "__main__":
    main()
