"""The Analyse menu's part: the semantic axes and WEAT dialogs, and stability runs.

Stability trains several models of the open corpus, one after another on the ordinary trainer and its
workers, off the UI thread with a progress dialog whose Stop ends the run in progress; the runs are
then measured and handed to the session, which flags the unstable words on the map and gives the
neighbours table its error bars. A new corpus forgets them (they belong to its vocabulary).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QInputDialog, QProgressDialog, QWidget

from embedding_studio.core.errors import ConfigError, StudioError
from embedding_studio.core.train.stability import Stability, StabilityRuns, measure

from .background import run_with_progress
from .session import Session
from .status import Status
from .views.axes_dialog import AxesDialog
from .views.settings_panel import SettingsPanel
from .views.weat_dialog import WeatDialog

DEFAULT_RUNS = 5


class Analysis(QObject):
    """``show_axes``, ``show_weat``, ``start_stability`` / ``stop_stability``; the dialogs are attributes."""

    def __init__(self, session: Session, status: Status, settings: SettingsPanel, parent: QWidget):
        super().__init__(parent)
        self.session = session
        self.status = status
        self.settings = settings
        self.parent_widget = parent
        self.axes_dialog: AxesDialog | None = None
        self.weat_dialog: WeatDialog | None = None
        self.runs: StabilityRuns | None = None
        self.progress: QProgressDialog | None = None
        session.corpusChanged.connect(lambda _: session.set_stability(None))
        session.modelChanged.connect(self._forget_foreign_stability)

    def _forget_foreign_stability(self, model) -> None:
        """The runs measured the open corpus's words: a model of other words (opened from a file) has
        none of their verdicts, so its words are neither flagged nor called stable."""
        stability = self.session.stability
        if stability is not None and (model is None or model.words != stability.models[0].words):
            self.session.set_stability(None)

    # -- dialogs
    def show_axes(self) -> AxesDialog | None:
        if not self._has_model():
            return None
        if self.axes_dialog is None:
            self.axes_dialog = AxesDialog(self.session, self.parent_widget)
            self.axes_dialog.modelReplaced.connect(self._replace_model)
        return self._raise(self.axes_dialog)

    def show_weat(self) -> WeatDialog | None:
        if not self._has_model():
            return None
        if self.weat_dialog is None:
            self.weat_dialog = WeatDialog(self.session, self.parent_widget)
        return self._raise(self.weat_dialog)

    def _has_model(self) -> bool:
        if self.session.model is None:
            self.status.error("No model", "There is no model yet: train one or open one first.")
        return self.session.model is not None

    @staticmethod
    def _raise(dialog: QWidget) -> QWidget:
        dialog.show()
        dialog.raise_()
        return dialog

    def _replace_model(self, model, frame) -> None:
        self.session.set_frame(frame)  # first, so that the map need not project the new model again
        self.session.set_model(model, None)
        self.status.say("The model now has the axis projected out (not saved: File ▸ Save model keeps it).")

    # -- stability
    @property
    def running(self) -> bool:
        return self.runs is not None

    def start_stability(self, runs: int | None = None, bootstrap: bool = False) -> None:
        """Train ``runs`` models of the corpus (asking how many when None) and measure their agreement."""
        session = self.session
        if self.runs is not None or session.busy or session.training:
            return
        if session.corpus is None:
            self.status.error("No corpus", "Open a corpus first (File ▸ Open corpus), or use the demo corpus.")
            return
        try:
            config = self.settings.config()
        except ConfigError as error:
            self.status.warn("Check the settings", str(error))
            return
        if runs is None:
            runs, ok = QInputDialog.getInt(self.parent_widget, "Stability across seeds",
                                           f"Train the corpus this many times with the training settings "
                                           f"({config.epochs} epochs each), seeds {config.seed}, {config.seed + 1}, …",
                                           DEFAULT_RUNS, 2, 50)
            if not ok:
                return
        corpus = session.corpus
        stability_runs = self.runs = StabilityRuns(corpus.ids, corpus.vocab, config, runs, bootstrap=bootstrap)
        progress = self.progress = QProgressDialog(f"Training run 1 of {runs}…", "Stop", 0, 1000, self.parent_widget)
        progress.setObjectName("stabilityProgress")
        progress.setWindowTitle("Stability across seeds")
        progress.setWindowModality(Qt.WindowModality.NonModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.stop_stability)
        progress.show()
        session.set_busy(True, f"Training {runs} runs to measure stability…")

        def job(report):  # on a pool thread: the runs one after another, then the measures
            models = stability_runs.run(on_progress=lambda i, n, p: report(i, n, p.fraction))
            if len(models) < 2:
                raise StudioError(f"stopped after {len(models)} finished run(s); stability needs at least 2")
            return Stability(models, measure(models), bootstrap)

        def moved(index: int, total: int, fraction: float) -> None:
            if self.progress is not None:
                self.progress.setLabelText(f"Training run {index + 1} of {total}…")
                self.progress.setValue(int(1000 * (index + fraction) / total))

        def done(result: Stability) -> None:
            self._finish()
            if corpus is not session.corpus:
                return
            session.set_stability(result)
            report = result.report
            self.status.say(f"Stability over {report.runs} runs: {len(report.unstable()):,} of "
                            f"{len(report.words):,} words unstable (their runs share under half their 10 "
                            f"neighbours; red on the map); mean agreement {report.jaccard.mean():.2f}.")

        def failed(message: str) -> None:
            stopped = stability_runs.stopped
            self._finish()
            if stopped:
                self.status.say(f"Stability stopped: {message}")
            else:
                self.status.error("Stability failed", message)

        run_with_progress(job, moved, done, failed)

    def stop_stability(self) -> None:
        if self.runs is not None:
            self.runs.stop()
            if self.progress is not None:
                self.progress.setLabelText("Stopping…")

    def _finish(self) -> None:
        self.runs = None
        if self.progress is not None:
            self.progress.canceled.disconnect(self.stop_stability)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.session.set_busy(False)
