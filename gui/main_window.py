"""The main window: lays out the views and wires the window's parts to the session. It computes nothing.

Layout: corpus summary and training settings on the left, the live embedding map above the loss curve
in the centre, search / analogy / similarity / evaluation tabs on the right, the status bar at the bottom.

The parts, one concern each, all listening to the one :class:`~gui.session.Session`:
``files`` (open, save, export, dialogs), ``runs`` (train, continue, pause, stop), ``map_control``
(which words the map draws, PCA or t-SNE) and ``menus``. The window itself keeps only the layout, drag
and drop, and closing (which waits for a run or a file being written).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from . import persistence
from .analysis import Analysis
from .background import wait_for_background
from .files import Files
from .map_control import MapControl
from .menus import Menus
from .runs import Runs
from .session import Session
from .status import Status
from .timeline import TimelineControl
from .views.analogy_panel import AnalogyPanel
from .views.concordance_panel import ConcordancePanel
from .views.corpus_panel import CorpusPanel
from .views.embedding_view import EmbeddingView
from .views.evaluation_panel import EvaluationPanel
from .views.heatmap_panel import HeatmapPanel
from .views.loss_plot import LossPlot
from .views.model_badge import ModelBadge
from .views.quality_plot import QualityPlot
from .views.search_panel import SearchPanel
from .views.settings_panel import SettingsPanel
from .views.timeline_bar import TimelineBar
from .views.timeline_panel import TimelinePanel

TITLE = "Embedding Studio"
ICON = Path(__file__).resolve().parent.parent / "resources" / "icon.svg"
CLOSE_ABANDONED = "\n\nThe window stays open so that you can save elsewhere."


class MainWindow(QMainWindow):
    """Embedding Studio's window; its parts' public methods are what the menus call and tests drive."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setObjectName("mainWindow")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.session = Session(self)
        self._close_requested = False  # close() was asked for, waiting for training or writes to end
        self._close_confirmed = False  # the user agreed to lose a run or an unsaved model

        self._build_panels()
        self.status = Status(self)
        self.status_line, self.progress_bar = self.status.line, self.status.bar
        self.session.set_draft(self.settings_panel.draft())
        self.settings_panel.draftChanged.connect(self.session.set_draft)
        self.files = Files(self.session, self.status, self,
                           plots={"map": self.embedding_view.plot, "loss": self.loss_plot.plot,
                                  "quality": self.quality_plot.plot})
        self.runs = Runs(self.session, self.status, self.settings_panel, loss_plot=self.loss_plot,
                         evaluation=self.evaluation_panel,
                         reload_corpus=self.files.reload_corpus, parent=self)
        self.map_control = MapControl(self.session, self.status, self.embedding_view,
                                      parent=self)
        self.analysis = Analysis(self.session, self.status, self.settings_panel, self)
        self.timeline = TimelineControl(self.session, self.runs, self.timeline_bar, self.loss_plot, self)
        self.timeline_panel.snapshotRequested.connect(self.timeline.show)
        self.menus = Menus(self, self.session, self.files, self.runs, self.map_control,
                           focus_search=self._focus_search, about=self._about, docks=[self.left_dock, self.right_dock],
                           analysis=self.analysis)
        self._wire()
        self._keep_work()
        self.resize(1400, 900)
        self.resizeDocks([self.left_dock, self.right_dock], [340, 380], Qt.Orientation.Horizontal)
        self._restore_settings()
        self.apply_preferences()  # after the remembered settings: its workers win
        self._refresh_train_button()

    @property
    def training(self):
        """The run in progress (a TrainingThread), or None."""
        return self.runs.thread

    # ------------------------------------------------------------------------------------------ layout
    def _build_panels(self) -> None:
        s = self.session
        self.corpus_panel = CorpusPanel(s)
        self.settings_panel = SettingsPanel()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.corpus_panel)
        left_layout.addWidget(self.settings_panel)
        left_layout.addStretch(1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(left)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(left.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4)
        self.left_dock = self._dock("Corpus and training", "trainingDock", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.embedding_view = EmbeddingView(s)
        self.loss_plot = LossPlot()
        self.quality_plot = QualityPlot()
        self.quality_plot.hide()  # shown while evaluating at each epoch end
        self.curves = QSplitter(Qt.Orientation.Horizontal, objectName="curvesSplitter")
        self.curves.addWidget(self.loss_plot)
        self.curves.addWidget(self.quality_plot)
        centre = QSplitter(Qt.Orientation.Vertical, objectName="centreSplitter")
        self.timeline_bar = TimelineBar(s)
        map_and_bar = QWidget()
        map_layout = QVBoxLayout(map_and_bar)
        map_layout.setContentsMargins(0, 0, 0, 0)
        map_layout.setSpacing(0)
        map_layout.addWidget(self.embedding_view, 1)
        map_layout.addWidget(self.timeline_bar)
        centre.addWidget(map_and_bar)
        centre.addWidget(self.curves)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 1)
        centre.setSizes([620, 260])
        self.setCentralWidget(centre)

        self.search_panel = SearchPanel(s)
        self.analogy_panel = AnalogyPanel(s)
        self.heatmap_panel = HeatmapPanel(s)
        self.evaluation_panel = EvaluationPanel(s)
        self.tabs = QTabWidget(objectName="exploreTabs")
        self.tabs.addTab(self.search_panel, "Neighbours")
        self.tabs.addTab(self.analogy_panel, "Analogy")
        self.tabs.addTab(self.heatmap_panel, "Similarity")
        self.tabs.addTab(self.evaluation_panel, "Evaluation")
        self.concordance_panel = ConcordancePanel(s)
        self.tabs.addTab(self.concordance_panel, "Concordance")
        self.timeline_panel = TimelinePanel(s)
        self.tabs.addTab(self.timeline_panel, "Timeline")
        # Six tabs: along the side, every name is whole at any width (on top they need ~520 px, or the bar
        # scrolls and shows "Evalu"), and the map keeps its room at 1400 px
        self.tabs.setTabPosition(QTabWidget.TabPosition.West)
        self.tabs.setMinimumWidth(320)
        self.model_badge = ModelBadge(s)  # whose model answers in the tabs below
        explore = QWidget(objectName="explorePanel")
        explore_layout = QVBoxLayout(explore)
        explore_layout.setContentsMargins(0, 0, 0, 0)
        explore_layout.addWidget(self.model_badge)
        explore_layout.addWidget(self.tabs, 1)
        self.right_dock = self._dock("Explore", "exploreDock", explore, Qt.DockWidgetArea.RightDockWidgetArea)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self, objectName=name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    # ------------------------------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        s = self.session
        for changed in (s.corpusChanged, s.busyChanged, s.trainingChanged):
            changed.connect(lambda *_: self._refresh_train_button())
        s.busyChanged.connect(self.status.busy)
        for changed in (s.corpusChanged, s.modelChanged, s.trainingChanged):  # the curve names its model
            changed.connect(lambda *_: self.loss_plot.set_subject(s.model_title()))
        self.files.modelOpened.connect(self._show_opened_model)
        self.embedding_view.wordClicked.connect(self._show_neighbours)
        self.files.writesFinished.connect(self._close_if_requested)
        self.files.writeFailed.connect(self._write_failed)
        self.runs.runStarting.connect(self._start_curves)
        self.runs.runEnded.connect(self._close_if_requested)
        self.evaluation_panel.epochEvaluationToggled.connect(self._epoch_evaluation_toggled)
        self.evaluation_panel.epochScored.connect(self.quality_plot.add_scores)

    def _keep_work(self) -> None:
        """Sessions, undo, recovery copies, preferences (issue #27): their actions join the File menu and a
        new Edit menu."""
        from PySide6.QtWidgets import QMenu

        from . import preferences
        from .autosave import Autosave
        from .sessions import Sessions
        from .undo import Undo

        bar = self.menuBar()
        file_menu = bar.actions()[0].menu()
        quit_action = next(a for a in file_menu.actions() if a.text() == "&Quit")
        self.sessions = Sessions(self)
        self.sessions.install_menu(file_menu, quit_action)
        self.edit_menu = QMenu("&Edit", self)
        bar.insertMenu(bar.actions()[1], self.edit_menu)
        self.undo = Undo(self)
        self.undo.install_menu(self.edit_menu)
        prefs = preferences.load()
        self.autosave = Autosave(self, prefs.recovery_path(), prefs.autosave_seconds)
        self.edit_menu.addSeparator()
        self.preferences_action = self.edit_menu.addAction("&Preferences…", self.show_preferences)

    def apply_preferences(self) -> None:
        """The preferences as kept (Edit ▸ Preferences) put on this window."""
        from . import preferences

        preferences.apply(self, preferences.load())

    def show_preferences(self) -> QWidget:
        """Edit ▸ Preferences: the dialog, on the preferences as kept."""
        from . import preferences

        dialog = preferences.PreferencesDialog(self, preferences.load())
        dialog.setModal(True)
        dialog.show()
        return dialog

    def _refresh_train_button(self) -> None:
        s = self.session
        self.settings_panel.set_can_train(s.corpus is not None and not s.busy and not s.training)

    def _start_curves(self, epochs: int) -> None:
        """A run starts: fresh loss and quality curves, and the evaluation forgets the last run."""
        self.evaluation_panel.start_run()
        self.quality_plot.clear()
        self.quality_plot.setVisible(self.evaluation_panel.per_epoch)
        self.loss_plot.start_run(epochs, before=self.runs.epochs_before, keep=self.runs.continuing)

    def _show_opened_model(self, model) -> None:
        self.settings_panel.show_model(model.config, model.dim)
        self.loss_plot.show_history(model.loss_history)
        self.evaluation_panel.clear_results()
        self.quality_plot.clear()
        self.quality_plot.setVisible(self.evaluation_panel.per_epoch)

    def _epoch_evaluation_toggled(self, on: bool) -> None:
        self.quality_plot.setVisible(on or self.quality_plot.point_count() > 0)
        if on:
            half = max(self.curves.width() // 2, 200)
            self.curves.setSizes([half, half])

    # -------------------------------------------------------------------------------- drag & drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.files.open_dropped(paths)

    # ------------------------------------------------------------------------------- persistence
    def _restore_settings(self) -> None:
        self.settings_panel.restore(persistence.last_training_settings())
        geometry, state = persistence.window_layout()
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop a run and let save/export jobs finish before the window goes, then remember the layout.

        Nothing blocks here: while a training thread runs or a file is being written, the close is
        ignored and done again (``close()``) from the handler that sees the last of them finish, so a
        running QThread is never destroyed and no file is left half written.
        """
        if not self._close_confirmed and not self._confirm_close():
            event.ignore()
            return
        self._close_confirmed = True
        if self.runs.thread is not None or self.files.writes:
            self._close_requested = True
            self.runs.quiet = True
            if self.runs.thread is not None:
                self.runs.stop()
                self.status.say("Stopping the training before closing…")
            else:
                self.status.say("Finishing writing the file before closing…")
            event.ignore()
            return
        self._close_requested = False
        self.map_control.set_projection("pca")  # cancels a t-SNE being computed
        self.analysis.stop_stability()
        if self.files.gutenberg_dialog is not None:
            self.files.gutenberg_dialog.cancel()
        if self.menus.spark_dialog is not None:
            self.menus.spark_dialog.cancel()  # its job ends within a moment, waited for below
        wait_for_background(10_000)  # what is left: queries and projections, quick or cancelled
        self.autosave.discard()  # a clean close: no recovery copy to offer next time
        persistence.save_window_layout(self.saveGeometry(), self.saveState())
        persistence.remember_training_settings(self.settings_panel.values())
        super().closeEvent(event)

    def _confirm_close(self) -> bool:
        """Ask before a close loses work: a run in progress, or a model trained here and not saved."""
        s = self.session
        if self.runs.thread is not None:
            lost = f"A model of {s.source.title()} is training: closing stops it and the model is lost."
        elif s.unsaved and s.model is not None:
            lost = f"The {s.model_name()} is not saved."
        else:
            return True
        return self.status.ask("Close Embedding Studio?", f"{lost}\n\nClose anyway? (Cancel, then File ▸ "
                                                         "Save model, keeps it.)")

    def _close_if_requested(self) -> None:
        """Close for real once the training thread and the writes a close was waiting for are done."""
        if self._close_requested and self.runs.thread is None and not self.files.writes:
            self.close()

    def _write_failed(self, message: str) -> None:
        if self._close_requested:  # the file the close waited for is not written: stay open, say so
            self._close_requested = self._close_confirmed = False
            self.runs.quiet = False
            message += CLOSE_ABANDONED
        self.status.error("Cannot save", message)

    # ------------------------------------------------------------------------------------- misc
    def _show_neighbours(self, word: str) -> None:
        """A word clicked on the map: its neighbours in the panel and in green on the map."""
        self.right_dock.show()
        self.tabs.setCurrentWidget(self.search_panel)
        self.search_panel.search(word)

    def _focus_search(self) -> None:
        self.right_dock.show()
        self.tabs.setCurrentWidget(self.search_panel)
        self.search_panel.focus_search()

    def _about(self) -> None:
        QMessageBox.about(self, "About Embedding Studio",
                          "<b>Embedding Studio</b><br>Train word2vec skip-gram embeddings on your own texts, "
                          "watch them learn, and explore the result.")
