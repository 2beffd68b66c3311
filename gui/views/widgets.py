"""Pieces the views are built from: result tables, the inline "searching…" label, and what a view says
when a word is unknown or the model is of other texts. A view imports these, never another view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem)

from embedding_studio.core.errors import UnknownWordError

BUSY_TEXT = "searching…"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def make_busy_label(object_name: str) -> QLabel:
    """The inline "searching…" shown when a query takes a moment."""
    label = QLabel(BUSY_TEXT, objectName=object_name)
    label.setStyleSheet("color: #666; font-style: italic;")
    label.hide()
    return label


def unknown_hint(error: UnknownWordError) -> str:
    return f" Did you mean: {', '.join(error.suggestions)}?" if error.suggestions else ""


def unknown_message(error: UnknownWordError) -> str:
    """Why a word is missing: its count against the minimum count if the corpus has it, else spellings."""
    if error.reason:
        return error.reason + "."
    return f"'{error.word}' is not in the vocabulary.{unknown_hint(error)}"


def refuse_if_stale(panel) -> bool:
    """Clear a panel and say why, when its answer would come from a model of other texts (the session
    decides: Session.stale_model_refusal). True: the panel must not ask."""
    refusal = panel.session.stale_model_refusal()
    if refusal:
        panel.query.cancel()
        panel.table.setRowCount(0)
        panel.show_message(refusal)
    return bool(refusal)


def make_table(name: str, headers: list[str]) -> QTableWidget:
    """A read-only table of whole rows, one line each."""
    table = QTableWidget(0, len(headers), objectName=name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    return table


def make_result_table(object_name: str) -> QTableWidget:
    """The (word, cosine, count) table of neighbours, analogies, axes and comparisons."""
    table = make_table(object_name, ["word", "cosine", "count"])
    header = table.horizontalHeader()
    # the words sized to themselves, the last column taking the rest: a stretched word column was
    # squeezed to "i…" by the numbers beside it in a narrow panel (columns added later stretch alike)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def fill_table(table: QTableWidget, rows: list[tuple]) -> None:
    """Put rows of (word, similarity, count) into a read-only three-column table."""
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, (word, similarity, count) in enumerate(rows):
        cells = [QTableWidgetItem(word), QTableWidgetItem(f"{similarity:.3f}"), QTableWidgetItem(f"{count:,}")]
        cells[1].setData(Qt.ItemDataRole.UserRole, float(similarity))
        for c, cell in enumerate(cells):
            if c:
                cell.setTextAlignment(RIGHT)
            table.setItem(r, c, cell)


def close_button_box() -> QDialogButtonBox:
    """A dialog's Close button that Enter does not press: a dialog's buttons are "auto default", so Enter
    in any of its text fields closed it; there Enter asks (searches, draws, runs) and only a click closes."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    for button in box.buttons():
        button.setAutoDefault(False)
        button.setDefault(False)
    return box


NEAR_ONE = 0.95  # every neighbour listed at least this close: the vectors have not spread apart


def crowded_neighbours_advice(cosines: list[float], tokens: int | None, epochs: int | None,
                              dim: int | None, collapsed: bool) -> str:
    """Plain words when a model's neighbours mean little (all of them near 0.99, or the engine's collapse
    check fired), and what to change, most effective first (core.vectors.health measured the order:
    more epochs, then more text, then fewer dimensions). "" when the answer looks healthy."""
    if not collapsed and not (len(cosines) >= 3 and min(cosines) >= NEAR_ONE):
        return ""
    size = f"{tokens:,} words of text" if tokens else "this text"
    steps = []
    if epochs:
        steps.append(f"more epochs (this model had {epochs}; try {max(epochs * 4, 20)})")
    else:
        steps.append("more epochs")
    steps.append("more text (word2vec learns well from a million words or more)")
    if dim and dim > 50:
        steps.append(f"fewer dimensions (this model has {dim}; try {max(dim // 2, 50)})")
    return (f"<b>These neighbours mean little.</b> Every word here is almost as close as a word can be to "
            f"every other: the training stopped while all the vectors still pointed the same way, which is "
            f"what {size} at these settings gives. Try {', then '.join(steps)}.")


def diverged_advice(message: str, lr: float | None, workers: int | None) -> str:
    """Plain words after a run diverged: what happened, and what to change."""
    if "diverged" not in message:
        return ""
    lower = f" (now {lr:g}; try {lr / 4:g})" if lr else ""
    fewer = f", or fewer workers (now {workers})" if workers and workers > 1 else ""
    return ("\n\nIn plain words: each step moved the vectors too far, so instead of settling they grew "
            f"without bound and the model learned nothing. Lower the learning rate{lower}{fewer}; a small "
            "corpus also gains from more epochs at a lower rate.")
