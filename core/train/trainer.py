"""The training loop: a schedule of batches, run by one or more workers, watched through callbacks.

A run is ``epochs`` passes over the token ids, cut into batches of ``batch_tokens`` (see
``core.train.sgns`` for what one batch does). Whoever runs a batch records it in a ledger; this module reads
the ledger to report progress, the exact loss (the mean binary cross-entropy over every scored example,
each real pair and each of its negatives, summed in float64; an untrained model scores ln 2 = 0.693)
and the end of each epoch. Stop and pause are flags checked between batches, so both take effect
within a few milliseconds.
"""

from __future__ import annotations

import copy
import math
import os
import shutil
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..config import CAREFUL_ROW_LOGIT, TrainConfig, default_batch_tokens
from ..errors import ConfigError, TrainingDiverged
from ..text.vocab import Vocab
from ..vectors.model import Model, RunState
from ..vectors.postprocess import query_table
from ..vectors.timeline import TimelineRecorder
from .sgns import BatchRunner, initial_rows, initial_table
from .subword_sgns import SubwordBatchRunner, initial_ngram_rows, initial_subword_table, subwords_of
from .workers import DIVERGED, NEXT, PAUSE, STOP, UNFINISHED, Ledger, SharedArrays, run_here, run_in_processes


#: A loss above this after the first epoch means the run has blown up: an untrained model scores ln 2,
#: and a model that barely trains (a tiny sample, say) can sit a hair above it without being broken.
DIVERGED_ABOVE = math.log(2) + 0.01

#: Added to a model's ``RunState.trained_by`` (another engine's model) when this trainer continues it.
CONTINUED_HERE = "; continued by Embedding Studio"


@dataclass(frozen=True)
class Progress:
    """A progress report, sent every ``progress_interval`` seconds from the training thread."""

    epoch: int  # 1-based epoch now running
    epochs: int  # epochs in this run
    fraction: float  # of the whole run, 0..1
    words_done: int  # corpus tokens processed so far in this run
    words_per_sec: float
    lr: float  # current learning rate
    eta_seconds: float
    loss: float  # mean binary cross-entropy per example since the last report (nan if none)
    pairs: int  # real (centre, context) pairs trained since the last report

    @property
    def position(self) -> float:
        """Epochs done, fractional: where this report sits on an epoch axis."""
        return self.fraction * self.epochs


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # 1-based
    epochs: int
    loss: float  # mean binary cross-entropy per example over the epoch
    seconds: float


ProgressCallback = Callable[[Progress], None]
EpochCallback = Callable[[EpochEnd], None]


def _resume_batch(state: RunState, config: TrainConfig, tokens: int, per_epoch: int) -> int:
    if state.finished or not state.same_schedule(config.epochs, tokens, config.batch_tokens):
        return 0
    return min(state.next_batch, per_epoch * config.epochs)


def run_config(config: TrainConfig, model: Model | None) -> TrainConfig:
    """The settings a run trains with (:meth:`TrainConfig.planned`), where a run continuing a stopped
    ``model`` resumes in that run's batch size if the batch size is left to its rule, so it resumes where
    it stopped (models saved before batches were sized by their pairs were cut into 1,024 tokens at every
    window). A batch size given stays as given."""
    planned = config.planned()
    state = None if model is None else model.state
    if (state is None or state.finished or not state.batch_tokens or config.batch_tokens is not None
            or state.batch_tokens == planned.batch_tokens):
        return planned
    try:
        return planned.replace(batch_tokens=state.batch_tokens)
    except ConfigError:  # too large with today's other settings: a fresh schedule, as for any other change
        return planned


def epochs_before_run(model: Model | None, config: TrainConfig, tokens: int) -> int:
    """Epochs ``model`` had trained before the schedule a run with ``config`` on ``tokens`` tokens follows:
    where that run starts on an axis of the model's whole life (a resumed schedule began in an earlier
    run, so its own first epochs are already counted). 0 for a new model."""
    if model is None:
        return 0
    config = run_config(config, model)
    per_epoch = -(-tokens // config.batch_tokens)
    return model.state.epochs_trained - _resume_batch(model.state, config, tokens, per_epoch) // per_epoch


class Trainer:
    """Trains SGNS vectors on token ids; stop and pause are honoured within 100 ms.

    ``Trainer(corpus.ids, corpus.vocab, TrainConfig()).train()`` returns a :class:`Model`. Passing
    ``model`` continues from it: a run that was stopped resumes where it stopped, on the same learning
    rate schedule; a finished model trains ``config.epochs`` more epochs on a fresh schedule.
    Callbacks run on the thread that called :meth:`train`; they may read ``trainer.model``, one object
    for the whole run, whose tables change while training runs (copy what you keep).

    Every run keeps a timeline of cheap snapshots on the model (``model.timeline``, see
    core.vectors.timeline; a continued model's grows); ``timeline=False`` keeps none (to measure it).
    """

    def __init__(self, tokens: np.ndarray, vocab: Vocab, config: TrainConfig, model: Model | None = None,
                 timeline: bool = True):
        if not (isinstance(tokens, np.memmap) and tokens.dtype == np.int32 and tokens.flags.c_contiguous):
            tokens = np.ascontiguousarray(tokens, dtype=np.int32)  # a memory-mapped corpus stays mapped
        if len(vocab) < 2:
            raise ConfigError("the vocabulary needs at least two words to train")
        if len(tokens) < 2:
            raise ConfigError("the corpus needs at least two tokens to train")
        if tokens.min() < 0 or tokens.max() >= len(vocab):
            raise ValueError("token ids outside the vocabulary")
        self.tokens = tokens
        self.vocab = vocab
        self.config = config = run_config(config, model)
        self._fresh = model is None  # a fresh run that diverges may start again, carefully (train())
        self.stop_event = threading.Event()
        self.pause_event = threading.Event()
        self.keep_timeline = timeline
        self.ledger: Ledger | None = None
        self.model = self._starting_model(model)
        self._keep = vocab.keep_probabilities(config.sample).astype(np.float32)
        self._check_subsampling()
        self._noise = vocab.noise_sampler()

    # -- control, safe to call from any thread
    def stop(self) -> None:
        self.stop_event.set()

    def pause(self) -> None:
        self.pause_event.set()

    def resume(self) -> None:
        self.pause_event.clear()

    # -- setup
    def _check_subsampling(self) -> None:
        """Refuse a ``sample`` so small that subsampling leaves no batch two tokens to pair.

        Such a run would train nothing, end with a loss of NaN (no example scored) and the model as it
        began, and be reported like any other; better said before it starts, naming the setting. The
        kept tokens of a batch are about Poisson: a batch holds two or more with chance
        ``1 - e^-m (1 + m)`` for ``m`` kept on average. Judged on one worker's batches, so that the
        answer does not depend on the worker count.
        """
        counts = self.vocab.counts.astype(np.float64)
        share = float(np.dot(counts, self._keep)) / counts.sum()  # of the tokens, kept on average
        size = default_batch_tokens(self.config.window)  # one worker's: the answer must not hang on workers
        m = share * min(size, len(self.tokens))
        pairable = -math.expm1(-m) - m * math.exp(-m) if m > 1e-3 else m * m / 2  # no cancellation
        batches = -(-len(self.tokens) // size) * self.config.epochs
        if batches * pairable < 1:
            raise ConfigError(
                f"sample={self.config.sample:g} drops nearly every token: about {share * len(self.tokens):,.0f} "
                f"of the {len(self.tokens):,} survive an epoch, too few to make a single pair; use a larger "
                "sample, or 0 to turn subsampling off")

    def _starting_model(self, model: Model | None) -> Model:
        n, dim = len(self.vocab), self.config.dim
        buckets = self.config.subword_buckets if self.config.subwords else 0
        if model is None:
            table = (initial_subword_table(n, dim, buckets, self.config.seed) if buckets
                     else initial_table(n, dim, self.config.seed))
            history: list[float] = []
            state = RunState()
        else:
            if len(model) != n or model.dim != dim:
                raise ConfigError(
                    f"cannot continue a {len(model)}-word, {model.dim}-dimension model with a "
                    f"{n}-word vocabulary and dim={dim}")
            table = np.empty((2 * n + buckets, dim), dtype=np.float32)
            table[:n] = _input_rows(model)
            table[n:2 * n] = 0.0 if model.output is None else model.output
            if buckets:  # the n-gram rows go on where the model left them (its own rows, not its means)
                _continue_subwords(model, table, n, buckets, self.config.seed)
            history = list(model.loss_history)
            state = copy.copy(model.state)  # with the partial epoch's sums, if the last run set them
            if state.trained_by and CONTINUED_HERE not in state.trained_by:  # e.g. Spark MLlib's vectors
                state.trained_by += CONTINUED_HERE
        self._table = table
        n = len(self.vocab)
        started = Model(self.vocab, table[:n], table[n:2 * n], config=self.config, loss_history=history, state=state)
        if model is not None and model.timeline is not None:
            started.timeline = model.timeline.copy()  # appended to by this run; the original stays
        return started

    def _start_again(self, config: TrainConfig) -> None:
        """Put the fresh run's one model back as it began (same seed), to train with ``config``."""
        n = len(self.vocab)
        self.config = config
        self._table[:n] = initial_rows(n, config.dim, config.seed)
        self._table[n:2 * n] = 0.0
        if config.subwords:
            initial_ngram_rows(config.subword_buckets, config.dim, config.seed, out=self._table[2 * n:])
        model = self.model
        model.config, model.loss_history, model.state, model.timeline = config, np.zeros(0), RunState(), None
        self._point_model_at(self._table)

    def _point_model_at(self, table: np.ndarray) -> None:
        """Make the run's one model read ``table`` (the shared copy while worker processes train)."""
        n = len(self.vocab)
        self.model.vectors, self.model.output = table[:n], table[n:2 * n]
        self.model.subwords = None  # the own rows train; the composed vectors come at the run's end
        self.model.invalidate()

    def _resume_batch(self, per_epoch: int) -> int:
        """First batch of the schedule still to do, if the model's last run was cut short, else 0."""
        return _resume_batch(self.model.state, self.config, len(self.tokens), per_epoch)

    def _tokens_before(self, batch_index: int) -> int:
        """Corpus tokens in the batches of the schedule before ``batch_index``."""
        per_epoch = -(-len(self.tokens) // self.config.batch_tokens)
        epochs, within = divmod(batch_index, per_epoch)
        return epochs * len(self.tokens) + min(within * self.config.batch_tokens, len(self.tokens))

    # -- the loop
    def train(self, on_progress: ProgressCallback | None = None, on_epoch_end: EpochCallback | None = None,
              progress_interval: float = 0.1, on_restart: Callable[[str], None] | None = None) -> Model:
        """Run the schedule (or what is left of it); returns the model, also when stopped early.

        Whatever ends the run (the end, stop, an exception in a callback), the model's state says how
        far it got, so it can be continued.

        A fresh run whose loss climbs past an untrained model's starts again from its first batch with
        the careful bound on (``max_row_logit``, :data:`core.config.CAREFUL_ROW_LOGIT`), after calling
        ``on_restart`` with a sentence that says so; the callbacks then report the new run from its start.
        Only if that run diverges too is :class:`TrainingDiverged` raised. (A continued model is not
        restarted: its starting point would have to be kept.)
        """
        while True:
            try:
                return self._run_schedule(on_progress, on_epoch_end, progress_interval)
            except TrainingDiverged as diverged:
                if not self._fresh or self.config.max_row_logit is not None:
                    raise
                what = str(diverged).split(";")[0]
                self._start_again(self.config.replace(max_row_logit=CAREFUL_ROW_LOGIT))
                if on_restart is not None:
                    on_restart(f"{what}; training again from the start with careful steps (no row may move a "
                               f"score by more than {CAREFUL_ROW_LOGIT:g} logits a batch; slower)")

    def _run_schedule(self, on_progress: ProgressCallback | None, on_epoch_end: EpochCallback | None,
                      progress_interval: float) -> Model:
        cfg = self.config
        if cfg.subwords:
            self._point_model_at(self._table)  # a continued run trains the own rows
            runner = SubwordBatchRunner(self.tokens, self._table, self._keep, self._noise, cfg, self.vocab.counts,
                                        self.vocab.words)
        else:
            runner = BatchRunner(self.tokens, self._table, self._keep, self._noise, cfg, self.vocab.counts)
        first = self._resume_batch(runner.per_epoch)
        state = self.model.state
        state.run_epochs, state.run_tokens, state.batch_tokens = cfg.epochs, len(self.tokens), cfg.batch_tokens
        state.next_batch, state.finished = first, False
        self._control = np.zeros(8, dtype=np.int64)  # NEXT, STOP, PAUSE, DIVERGED, ...; shared with workers
        self._control[NEXT] = self._control[UNFINISHED] = first
        watch = _Watcher(self, runner, first, on_progress, on_epoch_end, progress_interval)
        if self.keep_timeline:
            watch.recorder = TimelineRecorder(self.model.timeline, len(self.vocab), cfg.dim, runner.per_epoch,
                                              cfg.epochs, state.epochs_trained, first)
            watch.recorder.start(self.model.vectors)
            self.model.timeline = watch.recorder.timeline

        def diverged() -> None:  # self._control moves into shared memory with worker processes: look it up
            self._control[DIVERGED] = self._control[STOP] = 1

        watch.on_diverged = diverged
        next_poll = [0.0]

        def sync_flags() -> None:
            control = self._control
            control[STOP] = control[STOP] or self.stop_event.is_set()
            control[PAUSE] = self.pause_event.is_set()

        def poll() -> None:  # called between batches: flags at once (cheap), the ledger every 10 ms
            sync_flags()
            now = time.perf_counter()
            due = watch.recorder.next_due() if watch.recorder is not None else None
            if now >= next_poll[0] or (due is not None and self._control[NEXT] >= due):  # a snapshot on time
                next_poll[0] = now + 0.01
                watch.ledger_changed()

        try:
            if cfg.batches_in_flight == 1 or cfg.subwords or not _shared_memory_fits(self, runner.total):
                runner.in_flight = None  # one batch at a time here: no other is in flight
                watch.ledger = Ledger.allocate(runner.total)
                sync_flags()
                run_here(runner, watch.ledger, first, self._control, poll)
            else:
                self._run_in_processes(runner, watch, sync_flags, poll)
            watch.ledger_changed(final=True)
        finally:
            self.ledger = watch.ledger  # the run's record of its batches, to read after it
            self.model.state.next_batch = watch.upto
            self.model.state.finished = watch.upto >= runner.total
            self.model.state.epoch_loss, self.model.state.epoch_examples = watch.partial_epoch()
            if cfg.subwords:  # the words' vectors: each the mean of its own row and its n-grams' rows
                self.model.subwords, self.model.vectors = subwords_of(self._table, len(self.vocab), self.vocab.words)
            self.model.invalidate()
            self.stop_event.clear()
        if self._control[DIVERGED]:
            raise TrainingDiverged(watch.divergence or "training diverged: the loss became NaN or infinite")
        if self.model.state.finished:
            self._apply_levers()
        return self.model

    def _apply_levers(self) -> None:
        """Give the finished model the table its settings ask users to query (w + c, all-but-the-top:
        core.vectors.postprocess) as its ``vectors``, which every query, export and map reads; the output
        rows stay as trained, so a continued run can take the input rows back (:func:`_input_rows`).
        A stopped run keeps its raw input rows (it resumes from them) until it finishes."""
        cfg = self.config
        if not cfg.add_context and cfg.remove_top is None:
            return
        n = len(self.vocab)
        self.model.vectors = query_table(self._table[:n], self._table[n:], cfg.add_context, cfg.remove_top)
        self.model.invalidate()

    def _run_in_processes(self, runner: BatchRunner, watch: "_Watcher", sync_flags, poll) -> None:
        """The same run in worker processes over shared memory."""
        with SharedArrays() as shared:
            live = shared.add("table", self._table)
            if _maps_whole_file(self.tokens):
                shared.add_mapped("tokens", self.tokens)
            else:
                shared.add("tokens", self.tokens)
            watch.ledger = Ledger(shared.zeros("ledger", (runner.total, 4), np.float64),
                                  shared.zeros("done", (runner.total,), np.uint8),
                                  shared.zeros("lag", (runner.total,), np.int32))
            self._control = shared.add("control", self._control)
            sync_flags()
            self._point_model_at(live)  # callbacks see the live tables
            try:
                # As many processes as batches may train at once: more workers would only wait their turn.
                run_in_processes(shared, self._keep, self._noise, self.vocab.counts, self.config,
                                 self.config.batches_in_flight, poll)
            finally:  # leave shared memory: copy out, and drop every view into it
                self._table[...] = live
                watch.ledger = watch.ledger.copy()
                self._control = self._control.copy()
                self._point_model_at(self._table)
                del live
                watch.ledger_changed(final=True)  # last: a callback that raises leaves no view behind


def _continue_subwords(model: Model, table: np.ndarray, n: int, buckets: int, seed: int) -> None:
    """Put a subword model's own rows and n-gram rows into ``table``; a model without them (or with
    another bucket count) starts its n-grams afresh from its word vectors."""
    subwords = model.subwords
    if subwords is not None and subwords.buckets == buckets and subwords.word_rows.shape == (n, table.shape[1]):
        table[:n] = subwords.word_rows
        table[2 * n:] = subwords.ngrams
    else:
        initial_ngram_rows(buckets, table.shape[1], seed, out=table[2 * n:])


def _input_rows(model: Model) -> np.ndarray:
    """The input rows to continue ``model`` from: its vectors, less its output rows where a finished run
    added them (w + c). All-but-the-top cannot be undone; continuing from its rows is a small shift
    (the mean and a few directions) that training takes up again, and the finished run removes anew."""
    config, output = model.config, model.output
    if config is not None and config.add_context and model.state.finished and output is not None:
        return model.vectors - output
    return model.vectors


def _maps_whole_file(tokens: np.ndarray) -> bool:
    """A memory-mapped array that is a whole .npy's data, so workers can map the same bytes."""
    if not isinstance(tokens, np.memmap) or not tokens.filename:
        return False
    try:
        return tokens.offset + tokens.nbytes == os.path.getsize(tokens.filename)
    except OSError:
        return False


def _shared_memory_fits(trainer: Trainer, batches: int) -> bool:
    """Whether /dev/shm can hold the run (a full one kills the process with SIGBUS, not an error)."""
    needed = (trainer._table.nbytes + batches * 37 + trainer.vocab.counts.nbytes  # ledger rows, flags, lags
              + (0 if _maps_whole_file(trainer.tokens) else trainer.tokens.nbytes))
    try:
        free = shutil.disk_usage("/dev/shm").free
    except OSError:
        return True  # not Linux: shared memory comes from ordinary memory
    if free >= needed * 1.1:
        return True
    warnings.warn(f"only {free >> 20} MB of shared memory free, {needed >> 20} MB needed: training with one worker")
    return False


class _Watcher:
    """Turns the ledger into progress reports and epoch ends, on the thread that called train()."""

    def __init__(self, trainer: Trainer, runner: BatchRunner, first: int, on_progress, on_epoch_end,
                 interval: float):
        self.trainer = trainer
        self.runner = runner
        self.first = first
        self.upto = first  # every batch before this one is done
        self.reported = first  # progress reported up to here
        self.epoch_start = first
        # A run resumed mid-epoch carries the (loss, examples) sums of that epoch's batches done before
        # the stop, so the epoch's loss covers it all, as an uninterrupted run's would.
        state = trainer.model.state
        resumed_mid_epoch = first % runner.per_epoch != 0
        self.carried = (state.epoch_loss, state.epoch_examples) if resumed_mid_epoch else (0.0, 0)
        self.on_progress = on_progress
        self.on_epoch_end = on_epoch_end
        self.interval = interval
        self.started = self.last_report = self.epoch_clock = time.perf_counter()
        self.ledger: Ledger | None = None
        # Divergence is judged from the first batch after the first epoch of the model's life: a model
        # that has finished an epoch before (continued, or resumed past its first) is judged at once.
        self.judged_from = 0 if trainer.model.state.epochs_trained > 0 else runner.per_epoch
        self.checked = first
        self.divergence: str | None = None
        self.on_diverged: Callable[[], None] = lambda: None
        self.recorder: TimelineRecorder | None = None

    def ledger_changed(self, final: bool = False) -> None:
        self.upto = self.ledger.done_upto(self.upto)
        if self.upto > self.checked:
            self._check_divergence()
        now = time.perf_counter()
        per_epoch = self.runner.per_epoch
        while (self.epoch_start // per_epoch + 1) * per_epoch <= self.upto:
            self._epoch_ended((self.epoch_start // per_epoch + 1) * per_epoch)
        recorder = self.recorder
        while recorder is not None and recorder.due and recorder.due[0] <= self.upto and self.divergence is None:
            at = recorder.due[0]  # a snapshot's loss: its epoch's mean so far
            recorder.take(at, self._mean_loss(max(at - 1 - (at - 1) % per_epoch, self.first), at),
                          self.trainer.model.vectors)
        if self.on_progress is not None and (final or now - self.last_report >= self.interval) \
                and self.upto > self.reported:
            self._report(now)

    def _check_divergence(self) -> None:
        """Stop the run when its loss is no longer finite, or climbs past ln 2 once an epoch is done.

        An untrained model scores ln 2, so a loss above it after an epoch of training (over any stretch
        of batches since the last look, or over the whole first epoch) means the tables have blown up.
        Without this check a garbage model would be reported, and saved, like any other.
        """
        lo, hi = self.checked, self.upto
        self.checked = hi
        if self.divergence is not None:
            return
        if not math.isfinite(self._mean_loss(lo, hi)):
            what, judged = "the loss became NaN or infinite", lo
        else:
            judged = start = max(lo, self.judged_from)
            worst = self._mean_loss(start, hi) if start < hi else 0.0
            if lo < self.judged_from <= hi:  # the first epoch has just ended: judge it whole
                first_epoch = self._mean_loss(self.first, self.judged_from)
                if first_epoch > worst:
                    worst, judged = first_epoch, self.first
            if worst <= DIVERGED_ABOVE:
                return
            what = f"the loss climbed to {worst:.3f}, above the untrained model's {math.log(2):.3f}"
        cfg = self.trainer.config
        epoch = min(cfg.epochs, self._first_bad_epoch(judged, hi))
        self.divergence = (f"training diverged in epoch {epoch}: {what} (lr={cfg.lr}, workers={cfg.workers}); "
                           "the model is garbage and was not kept; try a smaller learning rate")
        self.on_diverged()

    def _first_bad_epoch(self, lo: int, hi: int) -> int:
        """The first epoch (1-based, of this run's schedule) whose batches in ``[lo, hi)`` score a loss
        that is not finite or above an untrained model's; that of batch ``hi - 1`` if none alone does.

        How many batches a look covers depends on how busy the machine is; the epoch named must not."""
        per_epoch = self.runner.per_epoch
        epoch_of = np.arange(lo, hi) // per_epoch
        starts = np.flatnonzero(np.r_[True, epoch_of[1:] != epoch_of[:-1]])
        rows = self.ledger.rows[lo:hi]
        with np.errstate(invalid="ignore", over="ignore"):
            loss = np.add.reduceat(rows[:, Ledger.LOSS], starts)
            examples = np.add.reduceat(rows[:, Ledger.EXAMPLES], starts)
            bad = ~np.isfinite(loss) | (loss > DIVERGED_ABOVE * np.maximum(examples, 1)) & (examples > 0)
        return int(epoch_of[starts[np.argmax(bad)]] if bad.any() else epoch_of[-1]) + 1

    def _mean_loss(self, lo: int, hi: int) -> float:
        _, loss, examples, _ = self.ledger.totals(lo, hi)
        return float(loss / examples) if examples else 0.0

    def _report(self, now: float) -> None:
        t = self.trainer
        cfg = t.config
        words, loss, examples, pairs = self.ledger.totals(self.reported, self.upto)
        self.reported = self.upto
        self.last_report = now
        done = t._tokens_before(self.upto)
        total = len(t.tokens) * cfg.epochs
        elapsed = now - self.started
        speed = (done - t._tokens_before(self.first)) / elapsed if elapsed > 0 else 0.0
        fraction = done / total
        self.on_progress(Progress(
            epoch=min(cfg.epochs, done // len(t.tokens) + 1), epochs=cfg.epochs, fraction=fraction,
            words_done=done, words_per_sec=speed, lr=self.runner.lr(self.upto),
            eta_seconds=(total - done) / speed if speed > 0 else math.inf,
            loss=float(loss / examples) if examples else math.nan, pairs=int(pairs)))

    def partial_epoch(self) -> tuple[float, int]:
        """Summed loss and examples of the batches before ``upto`` in its epoch (zeros at an epoch's start)."""
        start = self.upto - self.upto % self.runner.per_epoch
        carried = self.carried if start <= self.first else (0.0, 0)  # still the epoch this run began in
        if self.ledger is None:  # stopped before the ledger existed
            return carried
        _, loss, examples, _ = self.ledger.totals(max(start, self.first), self.upto)
        return carried[0] + float(loss), carried[1] + int(examples)

    def _epoch_ended(self, end: int) -> None:
        if self.on_progress is not None and self.reported < end:
            self._report(time.perf_counter())
        _, loss, examples, _ = self.ledger.totals(self.epoch_start, end)
        loss, examples = loss + self.carried[0], examples + self.carried[1]
        self.carried = (0.0, 0)
        mean = float(loss / examples) if examples else math.nan
        model = self.trainer.model
        model.loss_history = np.append(model.loss_history, mean)
        model.state.epochs_trained += 1
        now = time.perf_counter()
        epoch = end // self.runner.per_epoch
        self.epoch_start = end
        if self.on_epoch_end is not None:
            self.on_epoch_end(EpochEnd(epoch, self.trainer.config.epochs, mean, now - self.epoch_clock))
        self.epoch_clock = now

