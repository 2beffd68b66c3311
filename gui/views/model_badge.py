"""One line above the Explore tabs saying whose model answers there, so it never answers silently
for a corpus it was not trained on (the session decides; this only shows it)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QWidget

from ..session import Session

_PLAIN = "color: #555; padding: 2px 4px;"
_WARNING = "color: #8a4b00; background: #fff4e0; border: 1px solid #f0c36d; border-radius: 3px; padding: 2px 4px;"


class ModelBadge(QLabel):
    """``modelBadge``: "Answers from the model of crime.txt", in amber when that is not the open corpus."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent, objectName="modelBadge", wordWrap=True)
        self.session = session
        for changed in (session.corpusChanged, session.modelChanged, session.trainingChanged,
                        session.timelineChanged, session.snapshotChanged):
            changed.connect(lambda *_: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        s = self.session
        refusal = s.stale_model_refusal()
        if refusal:
            text, warn = refusal, True
        elif s.snapshot_source() is not None:  # the timeline answers (gui.session.snapshot_source)
            which = "the snapshot shown on the timeline" if s.snapshot is not None else "this run's newest snapshot"
            text, warn = f"Answers from {which} (its most frequent words).", False
        elif s.model is None:
            self.hide()
            return
        elif s.training:
            text, warn = f"Answers from the previous {s.model_name()} until this run ends.", False
        elif s.model_fits or s.corpus is None:
            text, warn = f"Answers from the {s.model_name()}.", False
        else:
            text, warn = f"Answers from the {s.model_title()}: press Train for a model of it.", True
        self.setText(html.escape(text, quote=False))
        self.setStyleSheet(_WARNING if warn else _PLAIN)
        self.setToolTip(s.model_path or "")
        self.show()

    def warns(self) -> bool:
        """Whether the line is a warning (a model of other texts, or none that can answer yet)."""
        return self.isVisible() and self.styleSheet() == _WARNING
