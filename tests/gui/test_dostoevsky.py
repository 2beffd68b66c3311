"""The issue's acceptance scenario on a real novel (skipped when the shared corpora are absent)."""

import pytest

from .conftest import DOSTOEVSKY, TimerLateness, wait_query

NOTES = DOSTOEVSKY / "Notes-from-the-Underground.txt"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not NOTES.exists(), reason=f"needs the shared corpus at {NOTES}"),
]


def test_notes_from_the_underground(qtbot, errors):
    from embedding_studio.gui.app import create_window

    win = create_window(["--corpus", str(NOTES)])
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.session.corpus is not None, timeout=30_000)
    win.settings_panel.spins["epochs"].setValue(3)

    with TimerLateness() as probe:
        win.settings_panel.train_button.click()
        qtbot.waitUntil(lambda: win.training is None and win.session.model is not None, timeout=120_000)
    lateness = probe.lateness

    assert not errors
    assert len(win.loss_plot.epoch_y) == 3 and win.loss_plot.point_count() > 3
    assert win.embedding_view.point_count() >= 100
    win.search_panel.edit.setText("love")
    qtbot.keyClick(win.search_panel.edit, "\r")
    wait_query(qtbot, win.search_panel)
    assert win.search_panel.table.rowCount() >= 5
    assert lateness  # the UI thread kept running its timers (bench_ui.py measures how late)
    win.close()
