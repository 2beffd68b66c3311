"""Training runs: start, continue, pause, resume and stop, and what a run reports on its way.

One :class:`~gui.training.TrainingThread` at a time. Its progress goes to the status bar and the loss
curve, its epoch ends to the loss curve and the per-epoch evaluation, its snapshots to the session's
frame; while it runs, the words the map should draw follow the session (selection, highlights, count).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Signal

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.durations import clock
from embedding_studio.core.errors import ConfigError
from embedding_studio.core.text.corpus import ReadingOptions
from embedding_studio.core.train.trainer import Progress, epochs_before_run
from embedding_studio.core.vectors.model import Model

from . import persistence
from .session import Session
from .status import Status
from .training import EpochReport, TrainingThread
from .views.evaluation_panel import EvaluationPanel
from .views.loss_plot import LossPlot
from .views.settings_panel import SettingsPanel
from .views.widgets import diverged_advice


class Runs(QObject):
    """The training lifecycle; ``thread`` is the run in progress, or None."""

    runEnded = Signal()  # the thread has finished for good (after trainingFinished or failed)
    runStarting = Signal(int)  # a run is about to start, with this many epochs (views reset for it)

    def __init__(self, session: Session, status: Status, settings: SettingsPanel, *, loss_plot: LossPlot,
                 evaluation: EvaluationPanel, reload_corpus, parent: QObject):
        """``reload_corpus(reading, then)`` reads the corpus again when the settings that decide the
        vocabulary (min count, words, phrases) changed."""
        super().__init__(parent)
        self.session = session
        self.status = status
        self.settings = settings
        self.loss_plot = loss_plot
        self.evaluation = evaluation
        self.reload_corpus = reload_corpus
        self.thread: TrainingThread | None = None
        self.quiet = False  # a close is waiting for the run: no dialog when it fails
        self._training_vocab = None  # the vocabulary of the run, for per-epoch evaluation
        self.epochs_before = 0  # epochs the run's model had trained before its schedule (0: a new model)
        self.continuing = False  # the run continues a model (its earlier curve stays)
        self.restart_note: str | None = None  # the run diverged and started again carefully: why
        self._made_model = False  # the run in progress has handed over its model
        settings.trainRequested.connect(self.start)
        settings.pauseRequested.connect(self.pause)
        settings.stopRequested.connect(self.stop)
        evaluation.epochVectorsWanted.connect(self._epoch_vectors_wanted)
        for changed in (session.selectionChanged, session.highlightChanged, session.drawnCountChanged):
            changed.connect(lambda _: self._follow_drawn_words())

    @property
    def paused(self) -> bool:
        return self.thread is not None and self.thread.paused

    def start(self) -> None:
        """Train a new model on the corpus with the panel's settings."""
        if self.thread is not None or self.session.busy:
            return
        if self.session.corpus is None:
            self.status.error("No corpus", "Open a corpus first (File ▸ Open corpus), or use the demo corpus.")
            return
        config = self._config()
        if config is None:
            return
        demo_again = self.session.source.is_demo and self.session.model_fits  # seconds to make again: no question
        if self.session.unsaved and not demo_again and not self.status.ask(
                "Train a new model?", f"The {self.session.model_name()} is not saved: a new model replaces it.\n\n"
                "Train anyway? (Cancel, then File ▸ Save model, keeps it.)"):
            return
        persistence.remember_training_settings(self.settings.values())
        if not self.session.source.reads_like(config):  # the vocabulary depends on it: read again
            self.reload_corpus(ReadingOptions.of(config), then=lambda: self._launch(config))
            return
        self._launch(config)

    def continue_(self) -> None:
        """Train the current model further on the current corpus: a stopped run resumes where it
        stopped (same schedule), a finished one trains the set number of epochs more."""
        if self.thread is not None or self.session.busy:
            return
        corpus, model = self.session.corpus, self.session.model
        if corpus is None or model is None or model.vocab.words != corpus.vocab.words:
            self.status.error("Cannot continue", "Continuing needs a model trained on the corpus that is open "
                                                 "now (the same words, so also the same min count).")
            return
        config = self._config()
        if config is None:
            return
        if config.dim != model.dim:
            self.status.error("Cannot continue", f"The model has {model.dim} dimensions; set Dimensions to "
                                                 f"{model.dim} to continue it, or press Train for a new model.")
            return
        self._launch(config, model)  # a stopped run resumes in its own batch size (core's run_config)

    def can_continue(self) -> bool:
        corpus, model = self.session.corpus, self.session.model
        return (self.thread is None and not self.session.busy and corpus is not None and model is not None
                and model.vocab.words == corpus.vocab.words)

    def _config(self) -> TrainConfig | None:
        try:
            return self.settings.config()
        except ConfigError as error:
            self.status.say(str(error))
            self.status.warn("Check the settings", str(error))
            return None

    def _launch(self, config: TrainConfig, model: Model | None = None) -> None:
        corpus, session = self.session.corpus, self.session
        thread = TrainingThread(corpus.ids, corpus.vocab, config, top_words=session.drawn_count,
                                extra_ids=session.drawn_extra_ids(corpus.vocab.index), model=model)
        thread.progress.connect(self._on_progress)
        thread.epochFinished.connect(self._on_epoch_end)
        thread.set_epoch_vectors(self.evaluation.wants_epoch_vectors)  # no copies when nothing to score
        thread.snapshot.connect(session.set_frame)
        thread.trainingFinished.connect(self._on_trained)
        thread.restarted.connect(lambda note, epochs=config.epochs: self._on_restarted(note, epochs))
        thread.failed.connect(lambda message: None if self.quiet else self.status.error(
            "Training failed", message + diverged_advice(message, config.lr, config.workers)))
        thread.finished.connect(self._on_thread_done)
        self._training_vocab = corpus.vocab
        self._made_model = False
        self.restart_note = None
        self.thread = thread
        self.epochs_before = epochs_before_run(model, config, len(corpus.ids))
        self.continuing = model is not None  # the views draw on after the model's earlier curve
        self.runStarting.emit(config.epochs)
        session.set_projection("pca")
        session.clear_frames()
        session.set_training(True)
        self.settings.set_running(True)
        self.status.progress(0.0)
        self.status.say(f"Training {config.epochs} epoch{'s' * (config.epochs != 1)} "
                        f"of {config.dim}-dimension vectors…")
        thread.start()

    def pause(self, pause: bool) -> None:
        if self.thread is None:
            return
        if pause:
            self.thread.pause()
            self.status.say("Paused. " + self.status.text())
        else:
            self.thread.resume()
        self.settings.set_running(True, paused=pause)

    def toggle_pause(self) -> None:
        self.pause(not self.paused)

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.status.say("Stopping…")

    # -- what the run reports
    def _on_progress(self, report: Progress) -> None:
        self.status.progress(report.fraction)
        loss = f"{report.loss:.4f}" if math.isfinite(report.loss) else "—"
        careful = "Started again with careful steps (the loss had climbed) · " if self.restart_note else ""
        self.status.say(f"{careful}{'Paused · ' if self.paused else ''}Epoch {report.epoch}/{report.epochs} · loss {loss} · "
                        f"{report.words_per_sec:,.0f} words/s · ETA {clock(report.eta_seconds, unknown='—')}")
        self.loss_plot.add_progress(report)

    def _on_restarted(self, note: str, epochs: int) -> None:
        """The run diverged and starts again from its first batch with careful steps: the views start
        over with it, and the status line says why (a fresh run only, so nothing earlier is lost)."""
        self.restart_note = note
        self.continuing = False  # a fresh run, from its first batch again
        self.runStarting.emit(epochs)
        self.session.clear_frames()
        self.status.progress(0.0)
        self.status.say(f"Note: {note[0].upper()}{note[1:]}.")

    def _on_epoch_end(self, report: EpochReport) -> None:
        self.loss_plot.add_epoch(report.end)
        self.evaluation.epoch_ended(int(report.end.epoch), report.vectors, self._training_vocab)

    def _epoch_vectors_wanted(self, wanted: bool) -> None:
        if self.thread is not None:
            self.thread.set_epoch_vectors(wanted)

    def _on_trained(self, model: Model) -> None:
        self._made_model = True
        stopped = self.thread is not None and self.thread.stopped_by_user
        self.session.set_model(model)
        epochs = len(model.loss_history)
        last = f"{model.loss_history[-1]:.4f}" if epochs else "—"
        careful = (" The first attempt diverged; this run took careful steps (max_row_logit)."
                   if self.restart_note else "")
        self.status.say(f"{'Stopped' if stopped else 'Finished'} after {epochs} epoch{'s' * (epochs != 1)} · "
                        f"final epoch loss {last}.{careful} Search a word on the right.")
        if not stopped:
            self.status.progress(1.0)

    def _on_thread_done(self) -> None:
        thread, self.thread = self.thread, None
        if thread is not None:
            thread.wait()  # finished() is emitted just before run() returns: let it end for real
            thread.deleteLater()
        self.settings.set_running(False)
        session = self.session
        if not self._made_model and session.model is None and session.before_frame is not None:
            session.set_frame(session.before_frame)  # a failed run made no model: its garbage map goes
        session.set_training(False)  # (with a model, the map control draws that model's map again)
        self.runEnded.emit()

    def _follow_drawn_words(self) -> None:
        """While training, the snapshots draw what the session asks for (read by the run's thread)."""
        if self.thread is not None and self.session.corpus is not None:
            self.thread.set_drawn_words(self.session.drawn_count,
                                        self.session.drawn_extra_ids(self.session.corpus.vocab.index))
