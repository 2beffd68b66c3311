"""The list of function words the map can hide: a language's maintained list, or the user's edit of it.

It only shows and edits a list; the map's controller decides what is hidden (``gui.map_control``).
"""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QVBoxLayout, QWidget)

from embedding_studio.core.text.stopwords import languages, parse_word_list, stopwords


class FunctionWordsDialog(QDialog):
    """``functionLanguage`` (the list's language), ``functionWordsEdit`` (the words), ``functionWordsReset``."""

    def __init__(self, language: str, words: frozenset[str], parent: QWidget | None = None):
        super().__init__(parent, objectName="functionWordsDialog", windowTitle="Function words")
        self.language = QComboBox(objectName="functionLanguage")
        self.language.addItems(languages())
        self.language.setCurrentText(language)
        self.edit = QPlainTextEdit(objectName="functionWordsEdit")
        self.edit.setPlaceholderText("Words to hide, separated by spaces, commas or new lines")
        self.reset = QPushButton("The language's list", objectName="functionWordsReset",
                                 toolTip="Replace the words below with the maintained list of the language.")
        self.reset.setAutoDefault(False)
        note = QLabel("Hidden from the map, the cluster names and the movers when <i>Hide function words</i> is "
                      "ticked. Searched words are always drawn. The lists are the <i>stopwords</i> package's.",
                      wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Language"))
        row.addWidget(self.language, 1)
        row.addWidget(self.reset)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addWidget(self.edit, 1)
        layout.addWidget(buttons)
        self.resize(460, 420)
        self._show(words)
        self.language.currentTextChanged.connect(lambda name: self._show(stopwords(name)))
        self.reset.clicked.connect(lambda: self._show(stopwords(self.language.currentText())))

    def _show(self, words: frozenset[str]) -> None:
        self.edit.setPlainText(", ".join(sorted(words)))

    def chosen(self) -> tuple[str, frozenset[str]]:
        """(language, words) as the dialog stands."""
        return self.language.currentText(), parse_word_list(self.edit.toPlainText())
