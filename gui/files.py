"""Files in and out: corpora, models and vectors opened; models, vectors and plots saved and exported.

Every read and every write runs off the UI thread (``gui.background``); what is read replaces the
session's corpus or model only once it has loaded, and what is written is written atomically by core,
so a failure leaves both the app and the files as they were. The compare and Gutenberg dialogs live
here too: each starts from a file or a download.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from embedding_studio.core.errors import ModelFileError
from embedding_studio.core.maps.export import save_frame_csv, save_vectors_csv
from embedding_studio.core.maps.frame import Frame, drawn_ids, pca_frame, untrained_frame
from embedding_studio.core.text.corpus import Corpus, ReadingOptions, load_corpus
from embedding_studio.core.text.demo import GROUPS, demo_corpus
from embedding_studio.core.vectors.io import load_any, save_model, save_projector_tsv, save_word2vec
from embedding_studio.core.vectors.model import Model

from . import persistence
from .background import run_in_background, run_with_progress
from .plot_export import export_plot
from .session import CorpusSource, Session
from .status import Status
from .views.compare_dialog import CompareDialog
from .views.gutenberg_dialog import GutenbergDialog

MODEL_SUFFIXES = {".npz", ".bin", ".vec", ".w2v"}
MODEL_FILTER = "Embedding Studio models (*.npz);;word2vec / GloVe vectors (*.txt *.vec *.bin *.w2v);;All files (*)"
VECTORS_FILTER = "word2vec / GloVe vectors (*.txt *.vec *.bin *.w2v);;All files (*)"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
DEMO_FEATURED = [w for words in GROUPS.values() for w in words]


def start_folder() -> str:
    """Where a file dialog opens: the folder last opened, saved or exported into, else the home folder
    (never the folder the program was started from, which Qt picks for an empty path)."""
    folder = persistence.last_folder()
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def _in_last_folder(name: str) -> str:
    """``name`` in the folder a file dialog opens in (``start_folder``)."""
    return str(Path(start_folder()) / name)


def prepare_model(path: str, top_words: int, progress: Callable[[int, int], None] | None = None
                  ) -> tuple[Model, Frame]:
    """Read a model and get it ready to explore (off the UI thread): query cache and first frame.

    ``progress(bytes_done, bytes_total)`` follows the reading of a word2vec / GloVe vectors file.
    """
    model = load_any(path, progress=progress)
    model.unit_vectors  # noqa: B018 - build the cache here, not on the first search
    frame = pca_frame(model.vectors, drawn_ids(len(model), top_words), model.words, model.counts,
                      epoch=float(len(model.loss_history)))
    return model, frame


class Files(QObject):
    """Opens, saves and exports for the window; public methods are what menus call and tests drive."""

    modelOpened = Signal(object)  # a Model read from a file (the views reset their curves for it)
    writesFinished = Signal()  # the last pending save or export has finished (a waiting close can go on)
    writeFailed = Signal(str)  # a save or export failed: the window says so (a close may be waiting on it)

    def __init__(self, session: Session, status: Status, parent: QWidget, *, plots: dict[str, QWidget]):
        """``plots`` names the plot widgets that can be exported ("map", "loss", "quality"). How a corpus is
        read, and the untrained map's dimensions and seed, come from the session's draft of the settings."""
        super().__init__(parent)
        self.session = session
        self.status = status
        self.parent_widget = parent
        self.plots = plots
        self.writes = 0  # save and export jobs still writing files
        self.compare_dialog: CompareDialog | None = None
        self.gutenberg_dialog: GutenbergDialog | None = None

    def _refuse_while_busy(self) -> bool:
        if self.session.training:
            self.status.inform("Embedding Studio", "Stop the training first.")
            return True
        if self.session.busy:
            self.status.inform("Embedding Studio", "Still reading the last file; try again in a moment.")
            return True
        return False

    # -- corpora
    def choose_corpus_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.parent_widget, "Open corpus files", start_folder(),
                                                "Text files (*.txt);;All files (*)")
        if paths:
            persistence.remember_folder(paths[0])
            self.open_corpus(paths)

    def choose_corpus_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parent_widget, "Open a folder of .txt files", start_folder())
        if folder:
            persistence.remember_folder(folder)
            self.open_corpus([folder])

    def open_corpus(self, paths: list[str], reading: ReadingOptions | None = None, then=None) -> None:
        """Read text files or folders in the background; on success they replace the current corpus.

        ``reading``: the settings that decide the vocabulary (min count, words, phrases); by default the
        settings panel's.
        """
        if self._refuse_while_busy():
            return
        source = CorpusSource([str(p) for p in paths], reading or self._panel_reading())
        self._load_corpus(source, lambda: load_corpus(source.paths, workers=None, **source.reading.keywords()), then)

    def load_demo(self, reading: ReadingOptions | None = None, then=None) -> None:
        if self._refuse_while_busy():
            return
        source = CorpusSource([], reading or self._panel_reading())
        how = source.reading
        self._load_corpus(source, lambda: demo_corpus(min_count=how.min_count, phrases=how.phrase_settings()), then)

    def reload_corpus(self, reading: ReadingOptions, then=None) -> None:
        """The same texts again, read another way (the vocabulary depends on it)."""
        source = self.session.source
        if source.is_demo:
            self.load_demo(reading, then=then)
        else:
            self.open_corpus(source.paths, reading, then=then)

    def _panel_reading(self) -> ReadingOptions:
        """How the settings panel says to read a corpus (the session's draft of the settings)."""
        return self.session.draft.reading

    def _load_corpus(self, source: CorpusSource, read, then) -> None:
        self.session.set_busy(True, f"Reading {source.title()}…")
        draft = self.session.draft
        dim, seed, top = draft.dim, draft.seed, self.session.drawn_count

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
            self.status.say(f"Loaded {source.title()}: {info['kept_tokens']:,} tokens, "
                            f"{info['vocab_size']:,} words. Ready to train.")
            if not source.is_demo:
                persistence.remember_corpus(source.paths)
            if then is not None:
                then()

        def failed(message: str) -> None:
            self.session.set_busy(False)
            self.status.error("Cannot open the corpus", message)

        run_in_background(read_with_preview, done, failed)

    def open_dropped(self, paths: list[str]) -> None:
        """A single model or vectors file opens as a model; anything else is read as a corpus."""
        if len(paths) == 1 and Path(paths[0]).suffix.lower() in MODEL_SUFFIXES:
            self.open_model(paths[0])
        else:
            self.open_corpus(paths)

    # -- models
    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open a model or vectors file", start_folder(),
                                              MODEL_FILTER)
        if path:
            persistence.remember_folder(path)
            self.open_model(path)

    def choose_vectors(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open word2vec or GloVe vectors", start_folder(),
                                              VECTORS_FILTER)
        if path:
            persistence.remember_folder(path)
            self.open_model(path)

    def _reading_progress(self, done: int, total: int) -> None:
        if self.session.busy and total > 0:
            self.status.progress(done / total)

    def open_model(self, path: str) -> None:
        """Read a model or vectors file in the background (vectors files show their progress in the
        status bar); it replaces the current model only if it loads."""
        if self._refuse_while_busy():
            return
        self.session.set_busy(True, f"Reading {Path(path).name}…")
        top = self.session.drawn_count

        def done(result: tuple[Model, Frame]) -> None:
            model, frame = result
            self.session.set_busy(False)
            self.session.clear_frames()
            self.session.set_frame(frame)  # first, so that the map need not project the new model again
            self.session.set_model(model, str(path))
            self.modelOpened.emit(model)
            self.status.say(f"Opened {Path(path).name}: {len(model):,} words × {model.dim} dims.")

        def failed(message: str) -> None:
            self.session.set_busy(False)
            self.status.error("Cannot open the model", message)

        run_with_progress(lambda report: prepare_model(path, top, report), self._reading_progress, done, failed)

    # -- saving and exporting
    def choose_save_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Save model", _in_last_folder("model.npz"),
                                              "Embedding Studio models (*.npz)")
        if path:
            persistence.remember_folder(path)
            self.save_model_to(path if path.endswith(".npz") else path + ".npz")

    def choose_export_path(self, binary: bool = False) -> None:
        if binary:
            path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Export word2vec binary",
                                                  _in_last_folder("vectors.bin"),
                                                  "word2vec binary (*.bin);;All files (*)")
        else:
            path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Export word2vec text",
                                                  _in_last_folder("vectors.txt"),
                                                  "word2vec text (*.txt *.vec);;All files (*)")
        if path:
            persistence.remember_folder(path)
            self.export_word2vec_to(path, binary=binary)

    def choose_projector_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parent_widget,
                                                  "Export for the TensorFlow Projector: choose a folder",
                                                  start_folder())
        if folder:
            persistence.remember_folder(folder)
            self.export_projector_to(folder)

    def choose_plot_path(self, which: str) -> None:
        names = {"map": "embedding-map.png", "loss": "loss.png", "quality": "quality.png"}
        path, chosen = QFileDialog.getSaveFileName(self.parent_widget, "Export the plot as an image",
                                                   _in_last_folder(names[which]), IMAGE_FILTER)
        if path:
            persistence.remember_folder(path)
            if not Path(path).suffix:
                path += ".svg" if "svg" in chosen.lower() else ".png"
            self.export_plot(which, path)

    def export_plot(self, which: str, path: str) -> bool:
        """The embedding map, the loss or the quality curve as PNG or SVG."""
        try:
            export_plot(self.plots[which], path)
        except (OSError, ValueError) as error:
            self.status.error("Cannot export the plot",
                              f"cannot write {path}: {getattr(error, 'strerror', None) or error}")
            return False
        self.status.say(f"Exported the {'embedding map' if which == 'map' else which + ' plot'} to {path}")
        return True

    def choose_table_path(self, which: str) -> None:
        """File > Export: the map's coordinates ("coordinates") or the marked words' vectors ("marked"), CSV."""
        names = {"coordinates": ("Export the map's coordinates", "map-coordinates.csv"),
                 "marked": ("Export the marked words' vectors", "marked-words.csv")}
        title, name = names[which]
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, title, _in_last_folder(name),
                                              "CSV table (*.csv);;All files (*)")
        if path:
            persistence.remember_folder(path)
            self.export_table(which, path)

    def export_table(self, which: str, path: str) -> None:
        """What the map shows as CSV: each drawn word's 2D position, or the selected and highlighted words'
        vectors (the query and its answers)."""
        frame, session = self.session.frame, self.session
        if which == "coordinates":
            if frame is None:
                self.status.error("Nothing to export", "The map shows no words yet.")
                return
            self._write_model(path, lambda _model, p: save_frame_csv(frame, p), "Exported the map's coordinates to")
            return
        words = list(dict.fromkeys(session.selection + session.highlighted))
        if not words:
            self.status.error("Nothing to export", "No words are marked: click words on the map or search one.")
            return
        self._write_model(path, lambda model, p: save_vectors_csv(model, words, p),
                          f"Exported {len(words)} marked words' vectors to")

    def save_model_to(self, path: str) -> None:
        model = self.session.model

        def saved() -> None:  # the model on show is now safe in a file
            if self.session.model is model:
                self.session.unsaved = False

        self._write_model(path, save_model, "Saved the model to", saved)

    def export_word2vec_to(self, path: str, binary: bool | None = None) -> None:
        """word2vec text, or binary (``binary=None``: binary if the file name ends in .bin)."""
        if binary is None:
            binary = Path(path).suffix.lower() == ".bin"
        self._write_model(path, lambda model, p: save_word2vec(model, p, binary=binary), "Exported vectors to")

    def export_projector_to(self, folder: str) -> None:
        """``vectors.tsv`` and ``metadata.tsv`` in ``folder``, for projector.tensorflow.org."""
        self._write_model(folder, save_projector_tsv, "Exported vectors.tsv and metadata.tsv for the Projector to")

    def _write_model(self, path: str, write, what: str, then: Callable[[], None] | None = None) -> None:
        model = self.session.model
        if model is None:
            self.status.error("Nothing to save", "There is no model yet: train one first.")
            return

        def job() -> str:
            try:
                write(model, path)
            except OSError as error:
                raise ModelFileError(f"cannot write {path}: {error.strerror or error}") from None
            return path

        def written(p: str) -> None:
            self.writes -= 1
            self.status.say(f"{what} {p}")
            if then is not None:
                then()
            if not self.writes:
                self.writesFinished.emit()

        def failed(message: str) -> None:
            self.writes -= 1
            self.writeFailed.emit(message)

        self.writes += 1
        run_in_background(job, written, failed)

    # -- compare, Gutenberg
    def choose_compare_model(self) -> None:
        if self.session.model is None:
            self.status.error("Nothing to compare", "There is no model yet: train one or open one first.")
            return
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Compare with…", start_folder(), MODEL_FILTER)
        if path:
            self.compare_with(path)

    def compare_with(self, path: str | None = None) -> CompareDialog | None:
        """Open the compare dialog for the current model (and read ``path`` as the other one)."""
        if self.session.model is None:
            self.status.error("Nothing to compare", "There is no model yet: train one or open one first.")
            return None
        if self.compare_dialog is not None:
            self.compare_dialog.close()
            self.compare_dialog.deleteLater()
        dialog = self.compare_dialog = CompareDialog(self.session, self.parent_widget)
        if self.session.selection:
            dialog.edit.setText(self.session.selection[0])
        dialog.show()
        if path:
            dialog.open_model(path)
        return dialog

    def show_gutenberg_dialog(self) -> GutenbergDialog:
        if self.gutenberg_dialog is None:
            self.gutenberg_dialog = GutenbergDialog(self.parent_widget)
            self.gutenberg_dialog.openCorpusRequested.connect(lambda folder: self.open_corpus([folder]))
        self.gutenberg_dialog.show()
        self.gutenberg_dialog.raise_()
        return self.gutenberg_dialog
