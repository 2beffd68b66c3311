"""The menu bar and its actions, and which of them are enabled.

Each action calls one verb of one of the window's parts (files, runs, the map); what is enabled follows
the session's signals, so no part has to remember to refresh the menus.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from . import persistence
from .files import Files
from .map_control import MapControl
from .runs import Runs
from .session import Session
from .views.spark_dialog import SparkDialog


class Menus:
    """Builds the menus on ``window``; the actions tests and other parts need are attributes."""

    def __init__(self, window: QMainWindow, session: Session, files: Files, runs: Runs, map_control: MapControl,
                 *, focus_search: Callable[[], None], about: Callable[[], None], docks: list, analysis=None):
        self.window = window
        self.session = session
        self.files = files
        self.runs = runs
        bar = window.menuBar()

        file_menu = bar.addMenu("&File")
        self._action(file_menu, "Open corpus &files…", files.choose_corpus_files, QKeySequence.StandardKey.Open)
        self._action(file_menu, "Open corpus f&older…", files.choose_corpus_folder, "Ctrl+Shift+D")
        self.recent_menu = file_menu.addMenu("&Recent corpora")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self._action(file_menu, "Use the &demo corpus", files.load_demo)
        self._action(file_menu, "Get texts from Project &Gutenberg…", files.show_gutenberg_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "Open &model…", files.choose_model, "Ctrl+Shift+O")
        self._action(file_menu, "Open &vectors (word2vec, GloVe)…", files.choose_vectors)
        self.compare_action = self._action(file_menu, "&Compare with…", files.choose_compare_model)
        self.save_action = self._action(file_menu, "&Save model…", files.choose_save_path,
                                        QKeySequence.StandardKey.Save)
        export_menu = file_menu.addMenu("&Export")
        self.export_action = self._action(export_menu, "word2vec &text…", files.choose_export_path, "Ctrl+E")
        self.export_binary_action = self._action(export_menu, "word2vec &binary…",
                                                 lambda: files.choose_export_path(binary=True))
        self.export_projector_action = self._action(export_menu, "TensorFlow &Projector (TSV folder)…",
                                                    files.choose_projector_folder)
        export_menu.addSeparator()
        self._action(export_menu, "Embedding &map as image…", lambda: files.choose_plot_path("map"))
        self._action(export_menu, "&Loss plot as image…", lambda: files.choose_plot_path("loss"))
        self._action(export_menu, "&Quality plot as image…", lambda: files.choose_plot_path("quality"))
        export_menu.addSeparator()
        self.export_coordinates_action = self._action(export_menu, "Map &coordinates (CSV)…",
                                                      lambda: files.choose_table_path("coordinates"))
        self.export_marked_action = self._action(export_menu, "Marked words' &vectors (CSV)…",
                                                 lambda: files.choose_table_path("marked"))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", window.close, QKeySequence.StandardKey.Quit)

        train_menu = bar.addMenu("&Training")
        self._action(train_menu, "&Train", runs.start, "Ctrl+T")
        self.continue_action = self._action(train_menu, "&Continue training this model", runs.continue_,
                                            "Ctrl+Shift+T")
        self._action(train_menu, "&Pause / Resume", runs.toggle_pause, "Ctrl+P")
        self._action(train_menu, "&Stop", runs.stop, "Ctrl+.")
        train_menu.addSeparator()
        self.spark_dialog: SparkDialog | None = None
        self.spark_action = self._action(train_menu, "Train on a Spar&k cluster…", self.show_spark_dialog)

        view_menu = bar.addMenu("&View")
        for dock in docks:
            view_menu.addAction(dock.toggleViewAction())
        projection_menu = view_menu.addMenu("P&rojection")
        self.projection_actions: dict[str, QAction] = {}
        for mode, text in (("pca", "&PCA (live)"), ("tsne", "&t-SNE of the final model"),
                           ("umap", "&UMAP of the final model")):
            action = self._action(projection_menu, text, lambda m=mode: map_control.set_projection(m))
            action.setCheckable(True)
            self.projection_actions[mode] = action
        self._action(view_menu, "&Find a word", focus_search, QKeySequence.StandardKey.Find)

        self.analysis_actions: list[QAction] = []
        if analysis is not None:
            self._analysis_menu(bar.addMenu("&Analyse"), files, analysis)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Embedding Studio", about)

        for changed in (session.corpusChanged, session.modelChanged, session.busyChanged, session.trainingChanged):
            changed.connect(lambda *_: self.refresh())
        session.projectionChanged.connect(self._show_projection)
        self._show_projection(session.projection)
        self.refresh()

    def _analysis_menu(self, menu: QMenu, files: Files, analysis) -> None:
        """Compare, semantic axes, WEAT and stability (gui.analysis)."""
        self.analysis_actions = [
            self._action(menu, "&Compare with another model…", files.choose_compare_model),
            self._action(menu, "Semantic &axes…", analysis.show_axes),
            self._action(menu, "&Bias test (WEAT)…", analysis.show_weat),
        ]
        menu.addSeparator()
        self.stability_action = self._action(menu, "&Stability across seeds…", analysis.start_stability)
        self.bootstrap_action = self._action(menu, "Stability across &bootstrap samples…",
                                             lambda: analysis.start_stability(bootstrap=True))

    def _action(self, menu: QMenu, text: str, slot: Callable[[], object], shortcut=None) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda checked=False: slot())
        menu.addAction(action)
        return action

    def refresh(self) -> None:
        has_model = self.session.model is not None
        for action in (self.save_action, self.export_action, self.export_binary_action,
                       self.export_projector_action, self.compare_action, self.export_coordinates_action,
                       self.export_marked_action):
            action.setEnabled(has_model)
        self.continue_action.setEnabled(self.runs.can_continue())
        for action in self.analysis_actions:
            action.setEnabled(has_model)
        if self.analysis_actions:
            can_train = self.session.corpus is not None and not self.session.busy and not self.session.training
            self.stability_action.setEnabled(can_train)
            self.bootstrap_action.setEnabled(can_train)

    def show_spark_dialog(self) -> SparkDialog:
        """Training > Train on a Spark cluster: the dialog (one, kept), starting from the open corpus;
        the model it writes opens here."""
        if self.spark_dialog is None:
            source = self.session.source
            corpus = source.paths[0] if source is not None and len(source.paths) == 1 else ""
            self.spark_dialog = SparkDialog(self.window, corpus=corpus)
            self.spark_dialog.modelWritten.connect(self.files.open_model)
        self.spark_dialog.show()
        self.spark_dialog.raise_()
        return self.spark_dialog

    def _show_projection(self, mode: str) -> None:
        for key, action in self.projection_actions.items():
            action.setChecked(key == mode)

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        entries = persistence.recent_corpora()
        if not entries:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for paths in entries:
            label = paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} more)"
            action = self.recent_menu.addAction(label)
            action.triggered.connect(lambda checked=False, p=paths: self.files.open_corpus(p))
