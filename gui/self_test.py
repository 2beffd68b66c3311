"""``embedding-studio --self-test``: the whole app once, unattended, to check an installation or a bundle.

It opens the real window (offscreen too), trains the demo corpus for two epochs with one worker, checks
that the model came back and answers a query, prints one line, and exits: 0 when all of it worked, 1 and
the reason otherwise, 3 when it took longer than ``TIMEOUT_MS``. The user's remembered training settings
are put back as they were, no recovery copy is offered or left behind (the window closes cleanly).
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

TIMEOUT_MS = 300_000
EPOCHS = 2


def run(window: QMainWindow, app: QApplication) -> int:
    """Train the demo in ``window`` and quit ``app``'s event loop with the outcome; returns the exit code."""
    started = time.monotonic()
    kept: dict = {}  # the panel's values before the test changed them
    outcome = {"code": 3, "line": f"self-test: no model after {TIMEOUT_MS // 1000} s"}

    def train() -> None:
        if window.session.corpus is None or window.session.busy:
            QTimer.singleShot(100, train)
            return
        panel = window.settings_panel
        kept.update(panel.values())
        panel.spins["epochs"].setValue(EPOCHS)
        panel.spins["workers"].setValue(1)
        window.runs.start()

    def ended() -> None:
        model = window.session.model
        if model is None:
            outcome.update(code=1, line="self-test: training ended without a model")
        else:
            neighbours = model.most_similar(model.words[0], topn=3)
            outcome.update(code=0, line=(f"self-test: ok: trained {len(model):,} words x {model.dim} for "
                                         f"{len(model.loss_history)} epochs in {time.monotonic() - started:.1f} s; "
                                         f"{model.words[0]!r} is nearest to {neighbours[0][0]!r}"))
        window.session.unsaved = False  # nothing to ask about: the close is ours
        window.settings_panel.restore(kept)  # the close remembers the panel: the user's values, not ours
        window.close()

    window.runs.runEnded.connect(ended)
    QTimer.singleShot(0, train)
    QTimer.singleShot(TIMEOUT_MS, lambda: (window.runs.stop(), window.close(), app.exit(3)))
    app.setQuitOnLastWindowClosed(True)
    app.exec()
    print(outcome["line"], file=sys.stdout if outcome["code"] == 0 else sys.stderr)
    return outcome["code"]
