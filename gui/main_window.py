"""The main window: layout, menus and actions, and the wiring between the session, the panels and the
background work (reading corpora and models, training). It computes nothing itself.

Layout: corpus summary and training settings on the left, the live embedding map above the loss curve
in the centre, search / analogy / similarity tabs on the right, the run's status line at the bottom.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core.config import TrainConfig
from core.corpus import Corpus, load_corpus
from core.demo import GROUPS, demo_corpus
from core.errors import ConfigError
from core.io import load_any, save_model, save_word2vec
from core.model import Model

from . import persistence
from .background import run_in_background, wait_for_background
from .frames import Frame, compute_frame, drawn_ids
from .session import CorpusSource, Session
from .training import TrainingThread
from .views.analogy_panel import AnalogyPanel
from .views.corpus_panel import CorpusPanel
from .views.embedding_view import EmbeddingView
from .views.heatmap_panel import HeatmapPanel
from .views.loss_plot import LossPlot
from .views.search_panel import SearchPanel
from .views.settings_panel import SettingsPanel

TITLE = "Embedding Studio"
ICON = Path(__file__).resolve().parent.parent / "resources" / "icon.svg"
MODEL_SUFFIXES = {".npz", ".bin", ".vec", ".w2v"}
MODEL_FILTER = "Embedding Studio models (*.npz);;word2vec / GloVe vectors (*.txt *.vec *.bin *.w2v);;All files (*)"
DEMO_FEATURED = [w for words in GROUPS.values() for w in words]


def prepare_model(path: str, top_words: int) -> tuple[Model, Frame]:
    """Read a model and get it ready to explore (off the UI thread): query cache and first frame."""
    model = load_any(path)
    model.unit_vectors  # noqa: B018 - build the cache here, not on the first search
    frame = compute_frame(model.vectors, drawn_ids(len(model), top_words), model.words, model.counts,
                          epoch=float(len(model.loss_history)))
    return model, frame


def format_eta(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "—"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class MainWindow(QMainWindow):
    """Embedding Studio's window. Public methods are what the menus call, and what tests drive."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setObjectName("mainWindow")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.session = Session(self)
        self.training: TrainingThread | None = None
        self._projecting = False
        self._reproject_again = False

        self._build_panels()
        self._build_status_bar()
        self._build_menus()
        self._wire()
        self.resize(1400, 900)
        self.resizeDocks([self.left_dock, self.right_dock], [340, 380], Qt.Orientation.Horizontal)
        self._restore_settings()
        self._refresh_enabled()

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
        centre = QSplitter(Qt.Orientation.Vertical, objectName="centreSplitter")
        centre.addWidget(self.embedding_view)
        centre.addWidget(self.loss_plot)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 1)
        centre.setSizes([620, 260])
        self.setCentralWidget(centre)

        self.search_panel = SearchPanel(s)
        self.analogy_panel = AnalogyPanel(s)
        self.heatmap_panel = HeatmapPanel(s)
        self.tabs = QTabWidget(objectName="exploreTabs")
        self.tabs.addTab(self.search_panel, "Neighbours")
        self.tabs.addTab(self.analogy_panel, "Analogy")
        self.tabs.addTab(self.heatmap_panel, "Similarity")
        self.tabs.setMinimumWidth(320)
        self.right_dock = self._dock("Explore", "exploreDock", self.tabs, Qt.DockWidgetArea.RightDockWidgetArea)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self, objectName=name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        self.status_line = QLabel("Ready", objectName="statusLine")
        self.progress_bar = QProgressBar(objectName="progressBar", minimum=0, maximum=1000, value=0)
        self.progress_bar.setFixedWidth(260)
        self.progress_bar.setFormat("%p%")
        self.statusBar().addWidget(self.status_line, 1)
        self.statusBar().addPermanentWidget(self.progress_bar)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_files_action = self._action(file_menu, "Open corpus &files…", self.choose_corpus_files,
                                              QKeySequence.StandardKey.Open)
        self._action(file_menu, "Open corpus f&older…", self.choose_corpus_folder, "Ctrl+Shift+D")
        self.recent_menu = file_menu.addMenu("&Recent corpora")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file_menu, "Use the &demo corpus", self.load_demo)
        file_menu.addSeparator()
        self._action(file_menu, "Open &model…", self.choose_model, "Ctrl+Shift+O")
        self.save_action = self._action(file_menu, "&Save model…", self.choose_save_path,
                                        QKeySequence.StandardKey.Save)
        self.export_action = self._action(file_menu, "&Export word2vec…", self.choose_export_path, "Ctrl+E")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        train_menu = self.menuBar().addMenu("&Training")
        self._action(train_menu, "&Train", self.start_training, "Ctrl+T")
        self._action(train_menu, "&Pause / Resume", lambda: self.pause_training(
            not (self.training is not None and self.training.paused)), "Ctrl+P")
        self._action(train_menu, "&Stop", self.stop_training, "Ctrl+.")

        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.left_dock.toggleViewAction())
        view_menu.addAction(self.right_dock.toggleViewAction())
        self._action(view_menu, "&Find a word", self._focus_search, QKeySequence.StandardKey.Find)

        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Embedding Studio", self._about)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda checked=False: slot())
        menu.addAction(action)
        return action

    def _wire(self) -> None:
        s = self.session
        self.settings_panel.trainRequested.connect(self.start_training)
        self.settings_panel.pauseRequested.connect(self.pause_training)
        self.settings_panel.stopRequested.connect(self.stop_training)
        s.corpusChanged.connect(lambda _: self._refresh_enabled())
        s.modelChanged.connect(lambda _: self._refresh_enabled())
        s.busyChanged.connect(self._show_busy)
        s.selectionChanged.connect(lambda _: self._update_drawn_words())
        s.highlightChanged.connect(lambda _: self._update_drawn_words())
        self.embedding_view.drawnWordsChanged.connect(self._update_drawn_words)

    def _refresh_enabled(self) -> None:
        running, busy = self.training is not None, self.session.busy
        self.settings_panel.set_can_train(self.session.corpus is not None and not busy and not running)
        has_model = self.session.model is not None
        self.save_action.setEnabled(has_model)
        self.export_action.setEnabled(has_model)

    # ---------------------------------------------------------------------------------- messages
    def show_error(self, title: str, message: str) -> None:
        """Every user-facing problem ends here: one dialog, the app stays as it was."""
        self.status_line.setText(message)
        QMessageBox.critical(self, title, message)

    def _show_busy(self, busy: bool, message: str) -> None:
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            self.progress_bar.setRange(0, 0)
            self.status_line.setText(message)
        else:
            QApplication.restoreOverrideCursor()
            self.progress_bar.setRange(0, 1000)
        self._refresh_enabled()

    def _refuse_while_busy(self) -> bool:
        if self.training is not None:
            QMessageBox.information(self, TITLE, "Stop the training first.")
            return True
        if self.session.busy:
            QMessageBox.information(self, TITLE, "Still reading the last file; try again in a moment.")
            return True
        return False

    # ------------------------------------------------------------------------------------ corpora
    def choose_corpus_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open corpus files", "", "Text files (*.txt);;All files (*)")
        if paths:
            self.open_corpus(paths)

    def choose_corpus_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of .txt files")
        if folder:
            self.open_corpus([folder])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        entries = persistence.recent_corpora()
        if not entries:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for paths in entries:
            label = paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} more)"
            action = self.recent_menu.addAction(label)
            action.triggered.connect(lambda checked=False, p=paths: self.open_corpus(p))

    def open_corpus(self, paths: list[str], min_count: int | None = None, then=None) -> None:
        """Read text files or folders in the background; on success they replace the current corpus."""
        if self._refuse_while_busy():
            return
        paths = [str(p) for p in paths]
        source = CorpusSource(paths, min_count or self.settings_panel.spins["min_count"].value())
        self._load_corpus(source, lambda: load_corpus(paths, min_count=source.min_count), then)

    def load_demo(self, min_count: int | None = None, then=None) -> None:
        if self._refuse_while_busy():
            return
        source = CorpusSource([], min_count or self.settings_panel.spins["min_count"].value())
        self._load_corpus(source, lambda: demo_corpus(min_count=source.min_count), then)

    def _load_corpus(self, source: CorpusSource, read, then) -> None:
        self.session.set_busy(True, f"Reading {source.title()}…")

        def done(corpus: Corpus) -> None:
            self.session.set_busy(False)
            self.session.set_corpus(corpus, source, DEMO_FEATURED if source.is_demo else [])
            info = corpus.summary()
            self.status_line.setText(f"Loaded {source.title()}: {info['kept_tokens']:,} tokens, "
                                     f"{info['vocab_size']:,} words. Ready to train.")
            if not source.is_demo:
                persistence.remember_corpus(source.paths)
            if then is not None:
                then()

        def failed(message: str) -> None:
            self.session.set_busy(False)
            self.show_error("Cannot open the corpus", message)

        run_in_background(read, done, failed)

    # ------------------------------------------------------------------------------------- models
    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a model or vectors file", "", MODEL_FILTER)
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> None:
        """Read a model in the background; it replaces the current model only if it loads."""
        if self._refuse_while_busy():
            return
        self.session.set_busy(True, f"Reading {Path(path).name}…")
        top = self.embedding_view.word_count.value()

        def done(result: tuple[Model, Frame]) -> None:
            model, frame = result
            self.session.set_busy(False)
            self.session.set_model(model, str(path))
            self.session.clear_frames()
            self.embedding_view.start_run()
            self.session.set_frame(frame)
            self.loss_plot.show_history(model.loss_history)
            self.status_line.setText(f"Opened {Path(path).name}: {len(model):,} words × {model.dim} dims.")
            self._update_drawn_words()

        def failed(message: str) -> None:
            self.session.set_busy(False)
            self.show_error("Cannot open the model", message)

        run_in_background(lambda: prepare_model(path, top), done, failed)

    def choose_save_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save model", "model.npz", "Embedding Studio models (*.npz)")
        if path:
            self.save_model_to(path if path.endswith(".npz") else path + ".npz")

    def choose_export_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export word2vec vectors", "vectors.txt",
                                              "word2vec text (*.txt *.vec);;word2vec binary (*.bin)")
        if path:
            self.export_word2vec_to(path)

    def save_model_to(self, path: str) -> None:
        self._write_model(path, save_model, "Saved the model to")

    def export_word2vec_to(self, path: str) -> None:
        binary = Path(path).suffix.lower() == ".bin"
        self._write_model(path, lambda model, p: save_word2vec(model, p, binary=binary), "Exported vectors to")

    def _write_model(self, path: str, write, what: str) -> None:
        model = self.session.model
        if model is None:
            self.show_error("Nothing to save", "There is no model yet: train one first.")
            return

        def job() -> str:
            try:
                write(model, path)
            except OSError as error:
                from core.errors import ModelFileError

                raise ModelFileError(f"cannot write {path}: {error.strerror or error}") from None
            return path

        run_in_background(job, lambda p: self.status_line.setText(f"{what} {p}"),
                          lambda message: self.show_error("Cannot save", message))

    # ----------------------------------------------------------------------------------- training
    def start_training(self) -> None:
        if self.training is not None or self.session.busy:
            return
        if self.session.corpus is None:
            self.show_error("No corpus", "Open a corpus first (File ▸ Open corpus), or use the demo corpus.")
            return
        try:
            config = self.settings_panel.config()
        except ConfigError as error:
            self.status_line.setText(str(error))
            QMessageBox.warning(self, "Check the settings", str(error))
            return
        persistence.remember_training_settings(self.settings_panel.values())
        source = self.session.source
        if config.min_count != source.min_count:  # the vocabulary depends on it: read the corpus again
            reload = self.load_demo if source.is_demo else (lambda **kw: self.open_corpus(source.paths, **kw))
            reload(min_count=config.min_count, then=lambda: self._launch(config))
            return
        self._launch(config)

    def _launch(self, config: TrainConfig) -> None:
        corpus = self.session.corpus
        thread = TrainingThread(corpus.ids, corpus.vocab, config, top_words=self.embedding_view.word_count.value(),
                                extra_ids=self._extra_ids(corpus.vocab.index))
        thread.progress.connect(self._on_progress)
        thread.epochFinished.connect(self.loss_plot.add_epoch)
        thread.snapshot.connect(self.session.set_frame)
        thread.trainingFinished.connect(self._on_trained)
        thread.failed.connect(lambda message: self.show_error("Training failed", message))
        thread.finished.connect(self._on_thread_done)
        self.training = thread
        self.loss_plot.clear()
        self.embedding_view.start_run()
        self.session.clear_frames()
        self.settings_panel.set_running(True)
        self.progress_bar.setValue(0)
        self.status_line.setText(f"Training {config.epochs} epoch{'s' * (config.epochs != 1)} "
                                 f"of {config.dim}-dimension vectors…")
        self._refresh_enabled()
        thread.start()

    def pause_training(self, pause: bool) -> None:
        if self.training is None:
            return
        if pause:
            self.training.pause()
            self.status_line.setText("Paused. " + self.status_line.text())
        else:
            self.training.resume()
        self.settings_panel.set_running(True, paused=pause)

    def stop_training(self) -> None:
        if self.training is not None:
            self.training.stop()
            self.status_line.setText("Stopping…")

    def _on_progress(self, report: dict) -> None:
        self.progress_bar.setValue(int(report["fraction"] * 1000))
        loss = report["loss"]
        loss_text = f"{loss:.4f}" if math.isfinite(loss) else "—"
        paused = self.training is not None and self.training.paused
        self.status_line.setText(
            f"{'Paused · ' if paused else ''}Epoch {report['epoch']}/{report['epochs']} · loss {loss_text} · "
            f"{report['words_per_sec']:,.0f} words/s · ETA {format_eta(report['eta_seconds'])}")
        self.loss_plot.add_progress(report)

    def _on_trained(self, model: Model) -> None:
        stopped = self.training is not None and self.training.stopped_by_user
        self.session.set_model(model)
        epochs = len(model.loss_history)
        last = f"{model.loss_history[-1]:.4f}" if epochs else "—"
        self.status_line.setText(f"{'Stopped' if stopped else 'Finished'} after {epochs} "
                                 f"epoch{'s' * (epochs != 1)} · final epoch loss {last}. "
                                 f"Search a word on the right.")
        if not stopped:
            self.progress_bar.setValue(1000)

    def _on_thread_done(self) -> None:
        thread, self.training = self.training, None
        if thread is not None:
            thread.deleteLater()
        self.settings_panel.set_running(False)
        self._refresh_enabled()
        self._update_drawn_words()

    # ------------------------------------------------------------------------- what the map shows
    def _extra_ids(self, index: dict[str, int]) -> tuple[int, ...]:
        words = self.session.selection + self.session.highlighted
        return tuple(index[w] for w in words if w in index)

    def _update_drawn_words(self) -> None:
        """Searched and selected words join the map; re-project off the UI thread if they were missing."""
        top = self.embedding_view.word_count.value()
        if self.training is not None:
            self.training.set_drawn_words(top, self._extra_ids(self.session.corpus.vocab.index))
            return
        model, frame = self.session.model, self.session.frame
        if model is None:
            return
        ids = drawn_ids(len(model), top, self._extra_ids(model.vocab.index))
        if frame is not None and len(frame.ids) == len(ids) and set(frame.ids.tolist()) == set(ids.tolist()) \
                and frame.words[:1] == model.words[:1]:
            return
        if self._projecting:
            self._reproject_again = True
            return
        self._projecting, self._reproject_again = True, False
        previous = frame

        def done(new_frame: Frame) -> None:
            self._projecting = False
            if model is self.session.model:
                self.session.set_frame(new_frame)
            if self._reproject_again:
                self._update_drawn_words()

        def failed(message: str) -> None:
            self._projecting = False
            self.status_line.setText(message)

        epoch = previous.epoch if previous is not None else 0.0
        run_in_background(lambda: compute_frame(model.vectors, ids, model.words, model.counts, previous, epoch),
                          done, failed)

    # -------------------------------------------------------------------------------- drag & drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        self.open_dropped(paths)

    def open_dropped(self, paths: list[str]) -> None:
        """A single model or vectors file opens as a model; anything else is read as a corpus."""
        if len(paths) == 1 and Path(paths[0]).suffix.lower() in MODEL_SUFFIXES:
            self.open_model(paths[0])
        else:
            self.open_corpus(paths)

    # ------------------------------------------------------------------------------- persistence
    def _restore_settings(self) -> None:
        self.settings_panel.restore(persistence.last_training_settings())
        geometry, state = persistence.window_layout()
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop a run cleanly (the thread must end before the window goes) and remember the layout."""
        if self.training is not None:
            self.training.stop()
            self.training.wait(10_000)
        wait_for_background(10_000)
        persistence.save_window_layout(self.saveGeometry(), self.saveState())
        persistence.remember_training_settings(self.settings_panel.values())
        super().closeEvent(event)

    # ------------------------------------------------------------------------------------- misc
    def _focus_search(self) -> None:
        self.right_dock.show()
        self.tabs.setCurrentWidget(self.search_panel)
        self.search_panel.edit.setFocus()
        self.search_panel.edit.selectAll()

    def _about(self) -> None:
        QMessageBox.about(self, "About Embedding Studio",
                          "<b>Embedding Studio</b><br>Train word2vec skip-gram embeddings on your own texts, "
                          "watch them learn, and explore the result.")
