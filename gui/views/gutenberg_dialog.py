"""Get texts from Project Gutenberg: ebook ids, a target folder, a download off the UI thread.

``core.text.gutenberg.fetch`` does the work on a pool thread; its progress callback drives the bar and is
also where Cancel takes effect (it raises between chunks, and the half-written book is discarded by
``fetch``'s atomic write). Errors are ``GutenbergError`` messages shown as they are. On success the
dialog offers to open the folder as the corpus (``openCorpusRequested``).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from embedding_studio.core.text import gutenberg
from embedding_studio.core.errors import StudioError

from ..background import run_with_progress


class _Cancelled(Exception):
    """Raised from the progress callback to end a download the user cancelled."""


def default_folder() -> str:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return str(Path(documents or Path.home()) / "Embedding Studio" / "gutenberg")


class GutenbergDialog(QDialog):
    """``idsEdit``, ``articleBooksButton``, ``folderEdit``, ``downloadButton``, ``cancelButton``,
    ``gutenbergProgress``, ``gutenbergStatus`` and ``openCorpusButton``."""

    openCorpusRequested = Signal(str)  # the folder the books were written to

    def __init__(self, parent: QWidget | None = None, mirror: str = gutenberg.DEFAULT_MIRROR):
        super().__init__(parent)
        self.setWindowTitle("Get texts from Project Gutenberg")
        self.setObjectName("gutenbergDialog")
        self.mirror = mirror
        self.running = False
        self.written: list[Path] = []
        self._cancel: threading.Event | None = None
        self._ids: list[int] = []

        self.ids_edit = QLineEdit(objectName="idsEdit", placeholderText="e.g. 2638 600 (spaces or commas)")
        self.article_button = QPushButton("The article's five books", objectName="articleBooksButton",
                                          toolTip=", ".join(gutenberg.ARTICLE_BOOKS.values()))
        self.folder_edit = QLineEdit(default_folder(), objectName="folderEdit")
        self.browse_button = QPushButton("Browse…", objectName="browseButton")
        self.progress = QProgressBar(objectName="gutenbergProgress", minimum=0, maximum=1000, value=0)
        self.status = QLabel("Ebook ids are the numbers in gutenberg.org/ebooks/…", objectName="gutenbergStatus",
                             wordWrap=True)
        self.download_button = QPushButton("Download", objectName="downloadButton")
        self.cancel_button = QPushButton("Cancel", objectName="cancelButton", enabled=False)
        self.open_button = QPushButton("Open as corpus", objectName="openCorpusButton", enabled=False,
                                       toolTip="Read the downloaded folder as the corpus to train on.")
        self.close_button = QPushButton("Close", objectName="closeButton")

        ids_row = QHBoxLayout()
        ids_row.addWidget(self.ids_edit, 1)
        ids_row.addWidget(self.article_button)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("Ebook ids", ids_row)
        form.addRow("Save to", folder_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(620, 220)

        self.article_button.clicked.connect(self.use_article_books)
        self.browse_button.clicked.connect(self._browse)
        self.download_button.clicked.connect(self.download)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button.clicked.connect(self._open_corpus)
        self.close_button.clicked.connect(self.reject)

    def use_article_books(self) -> None:
        self.ids_edit.setText(" ".join(str(i) for i in gutenberg.ARTICLE_BOOKS))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the books to", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _set_running(self, running: bool) -> None:
        self.running = running
        for widget in (self.download_button, self.ids_edit, self.article_button, self.folder_edit, self.browse_button):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _fail(self, message: str) -> None:
        self.status.setText(message)
        QMessageBox.critical(self, "Cannot get the texts", message)

    # -- the download
    def download(self) -> None:
        if self.running:
            return
        try:
            ids = gutenberg.parse_ids(self.ids_edit.text().replace(",", " ").split())
        except StudioError as error:
            self._fail(str(error))
            return
        if not ids:
            self._fail("Enter at least one ebook id, or press “The article's five books”.")
            return
        folder = self.folder_edit.text().strip()
        if not folder:
            self._fail("Choose a folder to save the books to.")
            return
        self._ids, self.written = ids, []
        cancel = self._cancel = threading.Event()
        mirror = self.mirror
        self.open_button.setEnabled(False)
        self.progress.setValue(0)
        self.status.setText(f"Downloading {len(ids)} book{'s' * (len(ids) != 1)}…")
        self._set_running(True)

        def job(report):
            def progress(ebook: int, done: int, total: int | None) -> None:
                if cancel.is_set():
                    raise _Cancelled()
                report(ebook, done, total)
            try:
                return gutenberg.fetch(ids, folder, mirror=mirror, progress=progress)
            except _Cancelled:
                return None

        def done(written) -> None:
            if cancel is not self._cancel:
                return  # an older, cancelled download that has only now ended
            self._set_running(False)
            if written is None:
                self.status.setText("Cancelled.")
                return
            self.written = list(written)
            self.progress.setValue(1000)
            self.status.setText(f"Downloaded {len(written)} book{'s' * (len(written) != 1)} to {folder}. "
                                "Open them as the corpus?")
            self.open_button.setEnabled(True)
            self.open_button.setDefault(True)

        def failed(message: str) -> None:
            if cancel is not self._cancel:
                return
            self._set_running(False)
            self._fail(message)

        run_with_progress(job, self._progress, done, failed)

    def _progress(self, ebook: int, done: int, total: int | None) -> None:
        if not self.running or ebook not in self._ids:
            return
        k = self._ids.index(ebook)
        share = min(done / total, 1.0) if total else 0.5
        self.progress.setValue(int(1000 * (k + share) / len(self._ids)))
        size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        title = gutenberg.ARTICLE_BOOKS.get(ebook, f"ebook {ebook}")
        self.status.setText(f"Book {k + 1} of {len(self._ids)}: {title} · {size}")

    def cancel(self) -> None:
        """Stop the download; the UI is free at once, the thread ends at its next chunk."""
        if self._cancel is not None and self.running:
            self._cancel.set()
            self._set_running(False)
            self.status.setText("Cancelled.")

    def _open_corpus(self) -> None:
        if self.written:
            self.openCorpusRequested.emit(str(self.written[0].parent))
            self.accept()

    def reject(self) -> None:
        self.cancel()
        super().reject()
