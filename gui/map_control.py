"""What the map shows when no run is feeding it: which words, projected how (PCA, t-SNE or UMAP),
and coloured by which clusters.

It listens to the session (model, selection, highlights, drawn word count, projection) and computes
the next frame off the UI thread (``core.maps.frame``), at most one at a time: a change that arrives
while one is being computed is answered once that one is done. Before any model exists it shows the
untrained map that training will start from. While training, the run's own snapshots feed the map.
When the view colours by cluster it asks for the groups of the words it draws; k-means runs here,
off the UI thread (``core.maps.clusters``), and the view only shows the colours it is given.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from embedding_studio.core.maps.clusters import Clusters, cluster_words
from embedding_studio.core.maps.frame import Frame, Projection, drawn_ids, pca_frame, tsne_frame, untrained_frame
from embedding_studio.core.maps.umap_map import INSTALL_HINT, umap_available

from embedding_studio.core.text.stopwords import guess_language, stopwords

from . import persistence
from .background import run_in_background
from .session import Session
from .status import Status
from .views.embedding_view import EmbeddingView
from .views.function_words_dialog import FunctionWordsDialog


NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


class MapControl(QObject):
    """The map's projection controller."""

    def __init__(self, session: Session, status: Status, view: EmbeddingView, *, parent: QObject):
        """The untrained map is drawn with the dimensions and seed of the session's draft of the settings."""
        super().__init__(parent)
        self.session = session
        self.status = status
        self.view = view
        self._projecting = False
        self._again = False
        self._tsne_cancel: threading.Event | None = None
        self._last_pca: Frame | None = None  # the live PCA map as last shown, to go back to from t-SNE
        session.frameChanged.connect(self._remember)
        for changed in (session.selectionChanged, session.highlightChanged, session.drawnCountChanged,
                        session.trainingChanged):
            changed.connect(lambda _: self.update())
        session.modelChanged.connect(lambda _: self.set_projection("pca"))
        session.trainingChanged.connect(lambda training: self._cancel_tsne() if training else None)
        view.projectionRequested.connect(self.set_projection)
        view.tsneCancelRequested.connect(lambda: self.set_projection("pca"))
        view.clustersWanted.connect(self.find_clusters)
        session.modelChanged.connect(lambda _: view.forget_clusters())  # the groups were the old model's
        session.hiddenWordsChanged.connect(lambda _: view.forget_clusters())  # other words drawn, other names
        view.functionWordsWanted.connect(self.hide_function_words)
        view.functionWordsEditRequested.connect(self.edit_function_words)
        session.corpusChanged.connect(lambda _: self._guess_language())
        self._language_chosen = False  # the user picked the list's language: a new corpus keeps it
        self.function_words_dialog: FunctionWordsDialog | None = None
        session.trainingChanged.connect(lambda training: None if training else view.forget_clusters())

    # -- projection mode
    def set_projection(self, mode: Projection) -> None:
        """Show the map as the live PCA ("pca"), or a t-SNE ("tsne") or UMAP ("umap") of the final model."""
        session = self.session
        if mode == "umap" and not umap_available():
            session.projectionChanged.emit(session.projection)
            self.status.error("UMAP is not installed", INSTALL_HINT + ".")
            return
        if mode != "pca" and (session.training or session.model is None):
            session.projectionChanged.emit(session.projection)  # the chooser goes back to what is shown
            self.status.say(f"{NAMES[mode]} is for a finished model: " + (
                "stop or finish the training first." if session.training else "train or open one first."))
            return
        if mode == "pca":
            was_pca = session.projection == "pca"
            self._cancel_tsne()
            last = self._last_pca_frame()
            if not was_pca and last is not None:  # the live PCA view as it was
                session.set_frame(last)
            if not was_pca and self.status.text().startswith(
                    ("t-SNE of", "UMAP of", "Computing t-SNE", "Computing UMAP", "Placing")):
                self.status.say("Back to the PCA map.")  # the t-SNE's word count no longer describes the map
        else:
            if session.projection != mode:
                self._cancel_tsne()  # the other one of t-SNE and UMAP
            session.set_projection(mode)
        self.update()

    def _cancel_tsne(self) -> None:
        if self._tsne_cancel is not None:
            self._tsne_cancel.set()
            self._tsne_cancel = None
            self.view.set_tsne_busy(False)
            self.status.say(f"{NAMES[self.session.projection]} cancelled.")
        self.session.set_projection("pca")

    def _remember(self, frame: Frame) -> None:
        if frame.projection == "pca" and not frame.before:
            self._last_pca = frame

    def _last_pca_frame(self) -> Frame | None:
        last, model = self._last_pca, self.session.model
        if last is not None and model is not None and last.shows(last.ids, model.words):
            return last
        return None

    # -- the words drawn
    def update(self) -> None:
        """Searched and selected words join the map; re-project off the UI thread if they are missing."""
        session = self.session
        if session.training:
            return  # the run's snapshots draw what the session asks for (gui.runs)
        model, frame = session.model, session.frame
        if model is None:
            self._update_preview()
            return
        mode = session.projection
        ids = drawn_ids(len(model), session.drawn_count, session.drawn_extra_ids(model.vocab.index))
        if frame is not None and frame.projection == mode and frame.shows(ids, model.words):
            return
        if self._projecting:
            self._again = True
            return
        self._projecting, self._again = True, False
        previous = frame if frame is None or frame.projection == "pca" else self._last_pca_frame()
        layout_from = frame if frame is not None and frame.projection == mode else None  # words keep their places
        epoch = frame.epoch if frame is not None else 0.0
        cancel = self._tsne_cancel = threading.Event() if mode != "pca" else None

        def done(new_frame: Frame | None) -> None:
            self._projecting = False
            if cancel is not None and cancel is self._tsne_cancel:
                self._tsne_cancel = None
                self.view.set_tsne_busy(False)
            if new_frame is not None and model is session.model and mode == session.projection:
                session.set_frame(new_frame)
                if mode != "pca":
                    self.status.say(f"{NAMES[mode]} of {len(new_frame):,} words. "
                                    "Search, select and neighbours work as with PCA.")
            if self._again or mode != session.projection:
                self.update()

        def failed(message: str) -> None:
            self._projecting = False
            if cancel is None:
                self.status.say(message)
                return
            if cancel is self._tsne_cancel:
                self._tsne_cancel = None
                self.view.set_tsne_busy(False)
            self.set_projection("pca")
            self.status.error(f"{NAMES[mode]} failed", message)

        if mode != "pca":
            layout = layout_from.layout if layout_from is not None else None
            adding = layout is not None and layout.model is not None and \
                len(set(ids.tolist()) - set(layout_from.ids.tolist())) <= layout.size
            self.view.set_tsne_busy(True, f"Placing new words on the {NAMES[mode]} map…" if adding
                                    else f"Computing {NAMES[mode]} of the words in view…")
            self.status.say(f"Placing the new words on the {NAMES[mode]} map…" if adding else
                            f"Computing {NAMES[mode]} of {len(ids):,} words… (Cancel returns to PCA)")
            run_in_background(lambda: tsne_frame(model.vectors, ids, model.words, model.counts, epoch, cancel,
                                                 layout_from, mode), done, failed)
        else:
            run_in_background(lambda: pca_frame(model.vectors, ids, model.words, model.counts, previous, epoch),
                              done, failed)

    def _update_preview(self) -> None:
        """No model yet: the untrained map shows as many words as asked, as Train will (off the UI thread)."""
        corpus, frame, top = self.session.corpus, self.session.frame, self.session.drawn_count
        if corpus is None or frame is None or not frame.before or len(frame) == min(top, len(corpus.vocab)):
            return
        dim, seed = self.session.draft.dim, self.session.draft.seed

        def done(preview: Frame) -> None:  # typing 1000 passes through 1, 10, 100: keep only the latest
            session = self.session
            if session.model is None and not session.training and session.corpus is corpus \
                    and top == session.drawn_count:
                session.set_frame(preview)

        run_in_background(lambda: untrained_frame(corpus.vocab, dim, seed, top), done, self.status.say)

    # -- colour by cluster
    def find_clusters(self, frame: Frame) -> None:
        """The groups of the words ``frame`` draws: k-means on the model's vectors of them, off the UI
        thread; or, if they are not the model's words (no model yet, the untrained map), why there are none."""
        model = self.session.model
        if self.session.training:  # the run's frames carry no vectors; its model comes at the end
            self.view.set_clusters(frame, "Clusters come when the run ends (they need its model's vectors).")
            return
        if model is None or frame.before or not frame.shows(frame.ids, model.words):
            self.view.set_clusters(frame, "Clusters need a trained model's vectors: press Train.")
            return
        vectors = model.vectors

        def done(clusters: Clusters) -> None:
            if model is self.session.model:  # else the view has forgotten that frame, and asked again
                self.view.set_clusters(frame, clusters)

        run_in_background(lambda: cluster_words(vectors[frame.ids], frame.words, frame.counts),
                          done, lambda message: self.view.set_clusters(frame, f"Clusters failed: {message}"),
                          owner=self.view)

    # -- function words
    @staticmethod
    def _list_of(language: str) -> frozenset[str]:
        """The user's edited list for ``language`` if there is one, else the maintained list."""
        edited = persistence.edited_function_words(language)
        return frozenset(edited) if edited is not None else stopwords(language)

    def hide_function_words(self, hide: bool) -> None:
        """Hide (or show again) the function words of the list's language on the map and in the movers."""
        session = self.session
        session.set_function_words(session.function_language, self._list_of(session.function_language), hide)
        if hide:
            self.status.say(f"Hiding {len(session.function_words):,} function words ({session.function_language}; "
                            "Edit… changes the list). Searched words are still drawn.")

    def _guess_language(self) -> None:
        """A new corpus: its language's list, unless the user chose one."""
        corpus = self.session.corpus
        if corpus is None or self._language_chosen:
            return
        language = guess_language(corpus.vocab.words)
        self.session.set_function_words(language, self._list_of(language))

    def edit_function_words(self) -> None:
        """The list's language and words, as the user edits them; kept between runs."""
        session = self.session
        dialog = self.function_words_dialog = FunctionWordsDialog(
            session.function_language, self._list_of(session.function_language), self.view.window())
        dialog.finished.connect(lambda result: self._edited(dialog, result))
        dialog.open()

    def _edited(self, dialog: FunctionWordsDialog, result: int) -> None:
        if result != FunctionWordsDialog.DialogCode.Accepted:
            return
        language, words = dialog.chosen()
        persistence.remember_function_words(language, None if words == stopwords(language) else sorted(words))
        self._language_chosen = True
        self.session.set_function_words(language, words)
