"""The main window: layout, menus and actions, and the wiring between the session, the panels and the
background work (reading corpora and models, training). It computes nothing itself.

Layout: corpus summary and training settings on the left, the live embedding map above the loss curve
in the centre, search / analogy / similarity tabs on the right, the run's status line at the bottom.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QScrollArea, QSizePolicy, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core.config import TrainConfig
from core.text.corpus import Corpus, load_corpus
from core.text.demo import GROUPS, demo_corpus
from core.errors import ConfigError
from core.errors import ModelFileError, StudioError
from core.vectors.io import load_any, load_model, load_vectors, save_model, save_projector_tsv, save_word2vec
from core.vectors.model import Model

from . import persistence
from .background import run_in_background, run_with_progress, wait_for_background
from .frames import Frame, compute_frame, drawn_ids, untrained_frame
from .session import CorpusSource, Session
from .training import TrainingThread
from .views.analogy_panel import AnalogyPanel
from .views.compare_dialog import CompareDialog
from .views.corpus_panel import CorpusPanel
from .views.embedding_view import EmbeddingView
from .views.evaluation_panel import EvaluationPanel
from .views.gutenberg_dialog import GutenbergDialog
from .views.heatmap_panel import HeatmapPanel
from .views.loss_plot import LossPlot
from .views.quality_plot import QualityPlot
from .views.search_panel import SearchPanel
from .views.settings_panel import SettingsPanel

TITLE = "Embedding Studio"
ICON = Path(__file__).resolve().parent.parent / "resources" / "icon.svg"
MODEL_SUFFIXES = {".npz", ".bin", ".vec", ".w2v"}
MODEL_FILTER = "Embedding Studio models (*.npz);;word2vec / GloVe vectors (*.txt *.vec *.bin *.w2v);;All files (*)"
VECTORS_FILTER = "word2vec / GloVe vectors (*.txt *.vec *.bin *.w2v);;All files (*)"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
DEMO_FEATURED = [w for words in GROUPS.values() for w in words]


def _is_model_file(path: str) -> bool:
    """An .npz model (a zip archive) rather than a word2vec / GloVe vectors file."""
    if Path(path).suffix.lower() == ".npz":
        return True
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"PK"
    except OSError:
        return True  # load_any says what is wrong with it


def prepare_model(path: str, top_words: int, progress=None) -> tuple[Model, Frame]:
    """Read a model and get it ready to explore (off the UI thread): query cache and first frame.

    ``progress(bytes_done, bytes_total)`` follows the reading of a word2vec / GloVe vectors file.
    """
    if progress is None:
        model = load_any(path)
    else:
        model = load_model(path) if _is_model_file(path) else load_vectors(path, progress=progress)
    model.unit_vectors  # noqa: B018 - build the cache here, not on the first search
    frame = compute_frame(model.vectors, drawn_ids(len(model), top_words), model.words, model.counts,
                          epoch=float(len(model.loss_history)))
    return model, frame


def tsne_frame(model: Model, ids: np.ndarray, epoch: float, cancel: threading.Event) -> Frame | None:
    """A frame of the rows ``ids`` placed by t-SNE (off the UI thread); None if cancelled."""
    from core.maps.tsne import Cancelled, tsne_2d_cancellable

    try:
        coords = tsne_2d_cancellable(model.vectors[ids], cancel.is_set)
    except Cancelled:
        return None
    except RuntimeError as error:
        raise StudioError(str(error)) from None
    coords = np.asarray(coords, dtype=np.float64)
    coords -= coords.mean(axis=0) if len(coords) else 0.0
    spread = float(np.sqrt((coords ** 2).sum(axis=1).mean())) if len(coords) else 0.0
    if spread > 0 and np.isfinite(spread):
        coords /= spread
    return Frame(ids.copy(), [model.words[i] for i in ids], np.asarray(model.counts)[ids].copy(),
                 coords.astype(np.float32), epoch, {"projection": "tsne"})


def _render_svg(widget: QWidget, path: str) -> None:
    """Draw a plot widget into an SVG file with Qt's own SVG generator."""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    Path(path).open("wb").close()  # an unwritable path fails here, as an OSError with a reason
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(TITLE)
    painter = QPainter(generator)
    # as pyqtgraph's exporters do: scatters then draw each symbol as vector shapes, not as pieces of
    # their cached bitmap (which an SVG cannot cut out, so every point showed the whole cache)
    items = [item for item in widget.scene().items() if hasattr(item, "setExportMode")]
    try:
        for item in items:
            item.setExportMode(True, {"antialias": True, "painter": painter, "resolutionScale": 1.0})
        widget.render(painter)
    finally:
        for item in items:
            item.setExportMode(False)
        painter.end()


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
        self.projection = "pca"  # or "tsne": what the map shows once training is over
        self._tsne_cancel: threading.Event | None = None
        self._training_vocab = None  # the vocabulary of the run, for per-epoch evaluation
        self.compare_dialog: CompareDialog | None = None
        self.gutenberg_dialog: GutenbergDialog | None = None
        self._writes = 0  # save and export jobs still writing files
        self._close_requested = False  # close() was asked for, waiting for training or writes to end

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
        self.quality_plot = QualityPlot()
        self.quality_plot.hide()  # shown while evaluating at each epoch end
        self.curves = QSplitter(Qt.Orientation.Horizontal, objectName="curvesSplitter")
        self.curves.addWidget(self.loss_plot)
        self.curves.addWidget(self.quality_plot)
        centre = QSplitter(Qt.Orientation.Vertical, objectName="centreSplitter")
        centre.addWidget(self.embedding_view)
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
        # a long message must not widen the window: it is cut at the window's edge instead
        self.status_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
        self._action(file_menu, "Get texts from Project &Gutenberg…", self.show_gutenberg_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "Open &model…", self.choose_model, "Ctrl+Shift+O")
        self._action(file_menu, "Open &vectors (word2vec, GloVe)…", self.choose_vectors)
        self.compare_action = self._action(file_menu, "&Compare with…", self.choose_compare_model)
        self.save_action = self._action(file_menu, "&Save model…", self.choose_save_path,
                                        QKeySequence.StandardKey.Save)
        export_menu = file_menu.addMenu("&Export")
        self.export_action = self._action(export_menu, "word2vec &text…", self.choose_export_path, "Ctrl+E")
        self.export_binary_action = self._action(export_menu, "word2vec &binary…",
                                                 lambda: self.choose_export_path(binary=True))
        self.export_projector_action = self._action(export_menu, "TensorFlow &Projector (TSV folder)…",
                                                    self.choose_projector_folder)
        export_menu.addSeparator()
        self._action(export_menu, "Embedding &map as image…", lambda: self.choose_plot_path("map"))
        self._action(export_menu, "&Loss plot as image…", lambda: self.choose_plot_path("loss"))
        self._action(export_menu, "&Quality plot as image…", lambda: self.choose_plot_path("quality"))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        train_menu = self.menuBar().addMenu("&Training")
        self._action(train_menu, "&Train", self.start_training, "Ctrl+T")
        self.continue_action = self._action(train_menu, "&Continue training this model", self.continue_training,
                                            "Ctrl+Shift+T")
        self._action(train_menu, "&Pause / Resume", lambda: self.pause_training(
            not (self.training is not None and self.training.paused)), "Ctrl+P")
        self._action(train_menu, "&Stop", self.stop_training, "Ctrl+.")

        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.left_dock.toggleViewAction())
        view_menu.addAction(self.right_dock.toggleViewAction())
        projection_menu = view_menu.addMenu("P&rojection")
        self.projection_actions = {}
        for mode, text in (("pca", "&PCA (live)"), ("tsne", "&t-SNE of the final model")):
            action = self._action(projection_menu, text, lambda m=mode: self.set_projection(m))
            action.setCheckable(True)
            self.projection_actions[mode] = action
        self.projection_actions["pca"].setChecked(True)
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
        self.embedding_view.projectionRequested.connect(self.set_projection)
        self.embedding_view.tsneCancelRequested.connect(lambda: self.set_projection("pca"))
        s.modelChanged.connect(lambda _: self._reset_projection())
        self.evaluation_panel.epochEvaluationToggled.connect(self._epoch_evaluation_toggled)
        self.evaluation_panel.epochVectorsWanted.connect(self._epoch_vectors_wanted)
        self.evaluation_panel.epochScored.connect(self.quality_plot.add_scores)

    def _refresh_enabled(self) -> None:
        running, busy = self.training is not None, self.session.busy
        self.settings_panel.set_can_train(self.session.corpus is not None and not busy and not running)
        has_model = self.session.model is not None
        for action in (self.save_action, self.export_action, self.export_binary_action,
                       self.export_projector_action, self.compare_action):
            action.setEnabled(has_model)
        corpus, model = self.session.corpus, self.session.model
        self.continue_action.setEnabled(not running and not busy and corpus is not None and model is not None
                                        and model.vocab.words == corpus.vocab.words)

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
        spins = self.settings_panel.spins
        dim, seed, top = spins["dim"].value(), spins["seed"].value(), self.embedding_view.word_count.value()

        def read_with_preview() -> tuple[Corpus, Frame]:  # in the background, like the reading itself
            corpus = read()
            return corpus, untrained_frame(corpus.vocab, dim, seed, top)

        def done(result: tuple[Corpus, Frame]) -> None:
            corpus, preview = result
            self.session.set_busy(False)
            self.session.set_corpus(corpus, source, DEMO_FEATURED if source.is_demo else [])
            if self.session.model is None:  # nothing trained yet: show the map training will start from
                self.session.set_frame(preview)
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

        run_in_background(read_with_preview, done, failed)

    # ------------------------------------------------------------------------------------- models
    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a model or vectors file", "", MODEL_FILTER)
        if path:
            self.open_model(path)

    def choose_vectors(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open word2vec or GloVe vectors", "", VECTORS_FILTER)
        if path:
            self.open_model(path)

    def _reading_progress(self, done: int, total: int) -> None:
        if self.session.busy and total > 0:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(1000 * min(done / total, 1.0)))

    def open_model(self, path: str) -> None:
        """Read a model or vectors file in the background (vectors files show their progress in the
        status bar); it replaces the current model only if it loads."""
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
            self.evaluation_panel.clear_results()
            self.quality_plot.clear()
            self.quality_plot.setVisible(self.evaluation_panel.per_epoch)
            self.status_line.setText(f"Opened {Path(path).name}: {len(model):,} words × {model.dim} dims.")
            self._update_drawn_words()

        def failed(message: str) -> None:
            self.session.set_busy(False)
            self.show_error("Cannot open the model", message)

        run_with_progress(lambda report: prepare_model(path, top, report), self._reading_progress, done, failed)

    def choose_save_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save model", "model.npz", "Embedding Studio models (*.npz)")
        if path:
            self.save_model_to(path if path.endswith(".npz") else path + ".npz")

    def choose_export_path(self, binary: bool = False) -> None:
        if binary:
            path, _ = QFileDialog.getSaveFileName(self, "Export word2vec binary", "vectors.bin",
                                                  "word2vec binary (*.bin);;All files (*)")
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export word2vec text", "vectors.txt",
                                                  "word2vec text (*.txt *.vec);;All files (*)")
        if path:
            self.export_word2vec_to(path, binary=binary)

    def choose_projector_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export for the TensorFlow Projector: choose a folder")
        if folder:
            self.export_projector_to(folder)

    def choose_plot_path(self, which: str) -> None:
        names = {"map": "embedding-map.png", "loss": "loss.png", "quality": "quality.png"}
        path, chosen = QFileDialog.getSaveFileName(self, "Export the plot as an image", names[which], IMAGE_FILTER)
        if path:
            if not Path(path).suffix:
                path += ".svg" if "svg" in chosen.lower() else ".png"
            self.export_plot(which, path)

    def export_projector_to(self, folder: str) -> None:
        """``vectors.tsv`` and ``metadata.tsv`` in ``folder``, for projector.tensorflow.org."""
        self._write_model(folder, save_projector_tsv, "Exported vectors.tsv and metadata.tsv for the Projector to")

    def export_plot(self, which: str, path: str) -> bool:
        """The embedding map, the loss or the quality curve as PNG or SVG (pyqtgraph's exporters)."""
        import pyqtgraph.exporters as exporters

        widget = {"map": self.embedding_view.plot, "loss": self.loss_plot.plot,
                  "quality": self.quality_plot.plot}[which]
        svg = Path(path).suffix.lower() == ".svg"
        try:
            if svg:
                try:
                    exporters.SVGExporter(widget.getPlotItem()).export(path)
                except ValueError:  # pyqtgraph 0.14's SVG exporter cannot parse the paths Qt 6.11 writes
                    _render_svg(widget, path)
            else:
                exporter = exporters.ImageExporter(widget.getPlotItem())
                exporter.parameters()["width"] = max(int(widget.width() * 2), 800)  # crisp on paper
                if exporter.export(path) is False:
                    raise OSError("the image could not be written")
            if not Path(path).exists():
                raise OSError("the image could not be written")
        except (OSError, ValueError) as error:
            self.show_error("Cannot export the plot", f"cannot write {path}: {getattr(error, 'strerror', None) or error}")
            return False
        self.status_line.setText(f"Exported the {'embedding map' if which == 'map' else which + ' plot'} to {path}")
        return True

    def save_model_to(self, path: str) -> None:
        self._write_model(path, save_model, "Saved the model to")

    def export_word2vec_to(self, path: str, binary: bool | None = None) -> None:
        """word2vec text, or binary (``binary=None``: binary if the file name ends in .bin)."""
        if binary is None:
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
                raise ModelFileError(f"cannot write {path}: {error.strerror or error}") from None
            return path

        def written(p: str) -> None:
            self._writes -= 1
            self.status_line.setText(f"{what} {p}")
            self._close_if_requested()

        def failed(message: str) -> None:
            self._writes -= 1
            if self._close_requested:  # the file the close waited for is not written: stay open, say so
                self._close_requested = False
                message += "\n\nThe window stays open so that you can save elsewhere."
            self.show_error("Cannot save", message)

        self._writes += 1
        run_in_background(job, written, failed)

    # ------------------------------------------------------------------------- compare, Gutenberg
    def choose_compare_model(self) -> None:
        if self.session.model is None:
            self.show_error("Nothing to compare", "There is no model yet: train one or open one first.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Compare with…", "", MODEL_FILTER)
        if path:
            self.compare_with(path)

    def compare_with(self, path: str | None = None) -> CompareDialog | None:
        """Open the compare dialog for the current model (and read ``path`` as the other one)."""
        if self.session.model is None:
            self.show_error("Nothing to compare", "There is no model yet: train one or open one first.")
            return None
        if self.compare_dialog is not None:
            self.compare_dialog.close()
            self.compare_dialog.deleteLater()
        dialog = self.compare_dialog = CompareDialog(self.session, self)
        if self.session.selection:
            dialog.edit.setText(self.session.selection[0])
        dialog.show()
        if path:
            dialog.open_model(path)
        return dialog

    def show_gutenberg_dialog(self) -> GutenbergDialog:
        if self.gutenberg_dialog is None:
            self.gutenberg_dialog = GutenbergDialog(self)
            self.gutenberg_dialog.openCorpusRequested.connect(lambda folder: self.open_corpus([folder]))
        self.gutenberg_dialog.show()
        self.gutenberg_dialog.raise_()
        return self.gutenberg_dialog

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

    def continue_training(self) -> None:
        """Train the current model further on the current corpus: a stopped run resumes where it
        stopped (same schedule), a finished one trains the set number of epochs more."""
        if self.training is not None or self.session.busy:
            return
        corpus, model = self.session.corpus, self.session.model
        if corpus is None or model is None or model.vocab.words != corpus.vocab.words:
            self.show_error("Cannot continue", "Continuing needs a model trained on the corpus that is open now "
                                               "(the same words, so also the same min count).")
            return
        try:
            config = self.settings_panel.config()
        except ConfigError as error:
            QMessageBox.warning(self, "Check the settings", str(error))
            return
        if config.dim != model.dim:
            self.show_error("Cannot continue", f"The model has {model.dim} dimensions; set Dimensions to "
                                               f"{model.dim} to continue it, or press Train for a new model.")
            return
        self._launch(config, model)

    def _launch(self, config: TrainConfig, model: Model | None = None) -> None:
        corpus = self.session.corpus
        thread = TrainingThread(corpus.ids, corpus.vocab, config, top_words=self.embedding_view.word_count.value(),
                                extra_ids=self._extra_ids(corpus.vocab.index), model=model)
        thread.progress.connect(self._on_progress)
        thread.epochFinished.connect(self._on_epoch_end)
        thread.set_epoch_vectors(self.evaluation_panel.wants_epoch_vectors)  # no copies when nothing to score
        self._training_vocab = corpus.vocab
        self._reset_projection()
        self.evaluation_panel.start_run()
        self.quality_plot.clear()
        self.quality_plot.setVisible(self.evaluation_panel.per_epoch)
        thread.snapshot.connect(self.session.set_frame)
        thread.trainingFinished.connect(self._on_trained)
        thread.failed.connect(lambda message: None if self._close_requested
                              else self.show_error("Training failed", message))
        thread.finished.connect(self._on_thread_done)
        self.training = thread
        self.loss_plot.start_run(config.epochs)
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

    def _on_epoch_end(self, end: dict) -> None:
        self.loss_plot.add_epoch(end)
        vectors = end.get("vectors")
        panel = self.evaluation_panel
        if vectors is not None and panel.per_epoch and self._training_vocab is not None:
            panel.evaluate_epoch(int(end["epoch"]), vectors, self._training_vocab)
        elif panel.per_epoch and not panel.benchmarks():
            panel.message.setText("Per-epoch evaluation: tick at least one benchmark file.")

    def _epoch_vectors_wanted(self, wanted: bool) -> None:
        if self.training is not None:
            self.training.set_epoch_vectors(wanted)

    def _epoch_evaluation_toggled(self, on: bool) -> None:
        self.quality_plot.setVisible(on or self.quality_plot.point_count() > 0)
        if on:
            half = max(self.curves.width() // 2, 200)
            self.curves.setSizes([half, half])

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
            thread.wait()  # finished() is emitted just before run() returns: let it end for real
            thread.deleteLater()
        self.settings_panel.set_running(False)
        self._refresh_enabled()
        if self._close_requested:
            self._close_if_requested()
            return
        self._update_drawn_words()

    # ------------------------------------------------------------------------- what the map shows
    def _extra_ids(self, index: dict[str, int]) -> tuple[int, ...]:
        words = self.session.selection + self.session.highlighted
        return tuple(index[w] for w in words if w in index)

    def _update_drawn_words(self) -> None:
        """Searched and selected words join the map; re-project off the UI thread if they were missing.

        In t-SNE mode the words in view are embedded again with t-SNE (cancellable), else with PCA.
        """
        top = self.embedding_view.word_count.value()
        if self.training is not None:
            self.training.set_drawn_words(top, self._extra_ids(self.session.corpus.vocab.index))
            return
        model, frame = self.session.model, self.session.frame
        if model is None:
            self._update_preview(top)
            return
        mode = self.projection
        ids = drawn_ids(len(model), top, self._extra_ids(model.vocab.index))
        if frame is not None and len(frame.ids) == len(ids) and set(frame.ids.tolist()) == set(ids.tolist()) \
                and frame.words[:1] == model.words[:1] and frame.extra.get("projection", "pca") == mode:
            return
        if self._projecting:
            self._reproject_again = True
            return
        self._projecting, self._reproject_again = True, False
        previous = frame if frame is None or frame.extra.get("projection", "pca") == "pca" else self._last_pca_frame()
        epoch = frame.epoch if frame is not None else 0.0
        cancel = self._tsne_cancel = threading.Event() if mode == "tsne" else None

        def done(new_frame: Frame | None) -> None:
            self._projecting = False
            if cancel is not None and cancel is self._tsne_cancel:
                self._tsne_cancel = None
                self.embedding_view.set_tsne_busy(False)
            if new_frame is not None and model is self.session.model and mode == self.projection:
                self.session.set_frame(new_frame)
                if mode == "tsne":
                    self.status_line.setText(f"t-SNE of {len(new_frame):,} words. "
                                             "Search, select and neighbours work as with PCA.")
            if self._reproject_again or mode != self.projection:
                self._update_drawn_words()

        def failed(message: str) -> None:
            self._projecting = False
            if cancel is not None:
                if cancel is self._tsne_cancel:
                    self._tsne_cancel = None
                    self.embedding_view.set_tsne_busy(False)
                self._reset_projection()
                self.show_error("t-SNE failed", message)
                return
            self.status_line.setText(message)

        if mode == "tsne":
            self.embedding_view.set_tsne_busy(True)
            self.status_line.setText(f"Computing t-SNE of {len(ids):,} words… (Cancel returns to PCA)")
            run_in_background(lambda: tsne_frame(model, ids, epoch, cancel), done, failed)
        else:
            run_in_background(lambda: compute_frame(model.vectors, ids, model.words, model.counts, previous, epoch),
                              done, failed)

    def _update_preview(self, top: int) -> None:
        """No model yet: the untrained map shows ``top`` words, as Train will (off the UI thread)."""
        corpus, frame = self.session.corpus, self.session.frame
        if corpus is None or frame is None or not frame.extra.get("before") or len(frame) == min(top, len(corpus.vocab)):
            return
        dim, seed = self.settings_panel.spins["dim"].value(), self.settings_panel.spins["seed"].value()

        def done(preview: Frame) -> None:  # typing 1000 passes through 1, 10, 100: keep only the latest
            if self.session.model is None and self.training is None and self.session.corpus is corpus \
                    and top == self.embedding_view.word_count.value():
                self.session.set_frame(preview)

        run_in_background(lambda: untrained_frame(corpus.vocab, dim, seed, top), done, self.status_line.setText)

    # ---------------------------------------------------------------------------------- projection
    def _last_pca_frame(self) -> Frame | None:
        history = self.embedding_view.history
        model = self.session.model
        if history and model is not None and history[-1].words[:1] == model.words[:1] \
                and all(0 <= i < len(model) and model.words[i] == w for i, w in zip(history[-1].ids[:5], history[-1].words)):
            return history[-1]
        return None

    def set_projection(self, mode: str) -> None:
        """Show the map as the live PCA ("pca") or as a t-SNE of the final model ("tsne")."""
        if mode == self.projection:
            self._show_projection(mode)
            return
        if mode == "tsne":
            if self.training is not None or self.session.model is None:
                self._show_projection("pca")
                self.status_line.setText("t-SNE is for a finished model: " + (
                    "stop or finish the training first." if self.training is not None else "train or open one first."))
                return
            self.projection = "tsne"
            self._show_projection("tsne")
            self._update_drawn_words()
            return
        self._reset_projection()
        last = self._last_pca_frame()
        if last is not None:  # the live PCA view as it was
            self.session.set_frame(last)
        self._update_drawn_words()

    def _show_projection(self, mode: str) -> None:
        self.embedding_view.set_projection(mode)
        for key, action in self.projection_actions.items():
            action.setChecked(key == mode)

    def _reset_projection(self) -> None:
        """Back to PCA, cancelling a t-SNE being computed (a new model, a new run, or the user's choice)."""
        if self._tsne_cancel is not None:
            self._tsne_cancel.set()
            self._tsne_cancel = None
            self.embedding_view.set_tsne_busy(False)
            self.status_line.setText("t-SNE cancelled.")
        self.projection = "pca"
        self._show_projection("pca")

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
        """Stop a run and let save/export jobs finish before the window goes, then remember the layout.

        Nothing blocks here: while a training thread runs or a file is being written, the close is
        ignored and done again (``close()``) from the handler that sees the last of them finish, so a
        running QThread is never destroyed and no file is left half written.
        """
        if self.training is not None or self._writes:
            self._close_requested = True
            if self.training is not None:
                self.training.stop()
                self.status_line.setText("Stopping the training before closing…")
            else:
                self.status_line.setText("Finishing writing the file before closing…")
            event.ignore()
            return
        self._close_requested = False
        self._reset_projection()
        if self.gutenberg_dialog is not None:
            self.gutenberg_dialog.cancel()
        wait_for_background(10_000)  # what is left: queries and projections, quick or cancelled
        persistence.save_window_layout(self.saveGeometry(), self.saveState())
        persistence.remember_training_settings(self.settings_panel.values())
        super().closeEvent(event)

    def _close_if_requested(self) -> None:
        """Close for real once the training thread and the writes a close was waiting for are done."""
        if self._close_requested and self.training is None and not self._writes:
            self.close()

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
