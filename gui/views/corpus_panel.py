"""What was loaded: the corpus summary (files, tokens, vocabulary, most frequent words) or the model, and
whether the model's vectors collapsed (measured off the UI thread, as each model arrives)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from embedding_studio.core.train.trainer import CONTINUED_HERE
from embedding_studio.core.vectors.health import diagnose

from ..background import LatestRequest
from ..session import Session


class CorpusPanel(QGroupBox):
    """A short, always-visible description of the data the user is working on."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__("Corpus", parent)
        self.session = session
        self.summary = QLabel(objectName="corpusSummary", wordWrap=True,
                              textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.phrases_line = QLabel(objectName="phrasesSummary", wordWrap=True,
                                   textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_line = QLabel(objectName="modelSummary", wordWrap=True)
        self.model_line.setTextFormat(Qt.TextFormat.RichText)
        self.collapse_line = QLabel(objectName="collapseWarning", wordWrap=True, styleSheet="color: #a05a00",
                                    textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.collapse_line.setTextFormat(Qt.TextFormat.PlainText)
        self.collapse_line.hide()
        self._collapse_check = LatestRequest(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.phrases_line)
        layout.addWidget(self.model_line)
        layout.addWidget(self.collapse_line)
        session.corpusChanged.connect(lambda _: self.refresh())
        session.modelChanged.connect(lambda _: self.refresh())
        session.modelChanged.connect(self._check_collapse)
        self.refresh()

    def refresh(self) -> None:
        corpus, source, model = self.session.corpus, self.session.source, self.session.model
        if corpus is None:
            self.summary.setText("<i>No corpus: open one from the File menu, or drop text files here.</i>")
        else:
            info = corpus.summary()
            top = ", ".join(f"{html.escape(w)}&nbsp;({c:,})" for w, c in info["top_words"][:8])
            files = "generated text" if source.is_demo else f"{info['files']} file{'s' * (info['files'] != 1)}"
            warnings = (f"<br><span style='color:#a05a00'>{len(corpus.warnings)} warning(s): "
                        f"{html.escape(corpus.warnings[0])}</span>" if corpus.warnings else "")
            self.summary.setText(
                f"<b>{html.escape(source.title())}</b> — {files}<br>"
                f"{info['tokens']:,} tokens, {info['kept_tokens']:,} kept<br>"
                f"{info['vocab_size']:,} words (min count {source.reading.min_count}, "
                f"{html.escape(info['token_rule'])} words)<br>"
                f"<span style='color:#555'>Most frequent: {top}</span>{warnings}")
            self.summary.setToolTip("\n".join(str(p) for p in source.paths) or "The built-in demo corpus")
        self._show_phrases(corpus, model)
        if model is None:
            self.model_line.setText("<i>No model yet.</i>")
            self.model_line.setToolTip("")
        else:
            engine = model.state.trained_by
            # another engine reports no loss per epoch: its run state counts the epochs
            epochs = model.state.epochs_trained if engine else len(model.loss_history)
            made = f"<br><i>{html.escape(_engine_line(engine))}</i>" if engine else ""
            # the file's name on one line, never wrapped mid-way (shortened in the middle if long); the full
            # path in the tooltip
            origin = "read from" if self.session.model_path else "of"
            name = html.escape(_shortened(self.session.model_of or ""))
            other = "" if self.session.model_fits or corpus is None else \
                "<br><span style='color:#a05a00'>Not the open corpus: Train makes a model of it.</span>"
            self.model_line.setText(f"<b>Model</b> {origin}<br><b style='white-space:pre'>{name}</b><br>"
                                    f"{len(model):,} words × {model.dim} dims, "
                                    f"{epochs} epoch{'s' * (epochs != 1)}{made}{other}")
            self.model_line.setToolTip("\n".join(t for t in (self.session.model_path, engine) if t))

    def _check_collapse(self, model) -> None:
        """Say when the model's words all point one way (core.vectors.health); only the newest model's
        answer is shown."""
        self.collapse_line.hide()
        if model is None:
            self._collapse_check.cancel()
            return

        def show(collapse) -> None:
            if collapse is not None:
                message = collapse.message()
                self.collapse_line.setText(message[0].upper() + message[1:] + ".")
                self.collapse_line.show()

        self._collapse_check.run(lambda: diagnose(model), show, lambda _: None)

    def _show_phrases(self, corpus, model) -> None:
        """The phrases joined in this corpus (most frequent first), searchable as written: new_york."""
        if corpus is not None:
            phrases = [(p.token, p.count) for p in corpus.phrases if p.token in corpus.vocab]
        elif corpus is None and model is not None:  # a model opened on its own: its phrase words
            phrases = [(w, int(c)) for w, c in zip(model.words, model.counts) if "_" in w]
        else:
            phrases = []
        if not phrases and not (corpus is not None and self.session.source.reading.phrases):
            self.phrases_line.hide()
            return
        shown = ", ".join(f"{html.escape(w)}&nbsp;({c:,})" for w, c in phrases[:10])
        self.phrases_line.setText(f"<b>{len(phrases):,} phrases</b>" + (f": {shown}" if shown else
                                  ": none scored above the threshold"))
        self.phrases_line.setToolTip("\n".join(f"{w}  {c:,}" for w, c in phrases[:300]))
        self.phrases_line.show()


def _shortened(name: str, most: int = 38) -> str:
    """``name`` cut in the middle to at most ``most`` characters (the panel is narrow; the end says the type)."""
    if len(name) <= most:
        return name
    keep = most - 1
    return name[: keep - keep // 3] + "…" + name[len(name) - keep // 3:]


def _engine_line(trained_by: str) -> str:
    """"trained by Spark MLlib Word2Vec", from the run state's longer description (in the tooltip)."""
    engine = trained_by.split(" (")[0].split(";")[0].strip()
    continued = ", continued here" if CONTINUED_HERE in trained_by else ""
    return f"trained by {engine}{continued} (no loss reported)"
