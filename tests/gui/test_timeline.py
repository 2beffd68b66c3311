"""The timeline in the app: the slider and Play under the map, the loss marker, and the Timeline tab."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt

from tests.gui.conftest import train, wait_query


def _marker(window):
    xs, ys = window.loss_plot.marker.getData()
    return list(xs), list(ys)


def test_scrubbing_shows_a_snapshot_and_live_comes_back(qtbot, trained):
    window, session = trained, trained.session
    bar, timeline = window.timeline_bar, session.timeline
    assert timeline is session.model.timeline and len(timeline) == 6  # before, 3 in the first epoch, 2 ends
    assert bar.isEnabled() and bar.slider.maximum() == 5 and bar.live_button.isChecked()
    live = session.frame
    qtbot.waitUntil(lambda: len(window.timeline.frames) == 6, timeout=10_000)
    bar.slider.setFocus()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Home)
    assert session.snapshot == 0 and session.frame.epoch == 0 and not bar.live_button.isChecked()
    assert "before training" in bar.label.text()
    assert _marker(window) == ([0.0], [math.log(2)])
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    assert session.snapshot == 1 and 0 < session.frame.epoch < 1
    qtbot.mouseClick(bar.live_button, Qt.MouseButton.LeftButton)
    assert session.snapshot is None and session.frame is live and _marker(window) == ([], [])


def test_play_replays_every_snapshot_in_order(qtbot, trained):
    window, session = trained, trained.session
    bar = window.timeline_bar
    qtbot.waitUntil(lambda: len(window.timeline.frames) == len(session.timeline), timeout=10_000)
    shown = []
    session.snapshotChanged.connect(shown.append)
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert bar.playing
    qtbot.waitUntil(lambda: not bar.playing, timeout=10_000)
    assert shown == list(range(len(session.timeline)))
    assert [round(f, 3) for f in (session.frame.epoch,)] == [2.0]


def test_the_timeline_tab_watches_a_word_through_the_run(qtbot, trained):
    window, session = trained, trained.session
    panel = window.timeline_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.word, "queen")
    qtbot.keyClick(panel.word, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert panel.history.rowCount() == len(session.timeline)
    assert panel.neighbours.rowCount() == 10
    last = {panel.neighbours.item(r, 0).text() for r in range(3)}
    assert last == {"king", "prince", "princess"}  # the planted royals, at the last snapshot
    assert panel.movers.rowCount() > 0 and "epoch 1 to epoch 2" in panel.movers_label.text()
    window.timeline.show(1)  # as the slider does
    wait_query(qtbot, panel)
    assert "epoch 0.1" in panel.note.text() or "epoch 0.12" in panel.note.text()
    arrived = [panel.neighbours.item(r, 2).text() for r in range(panel.neighbours.rowCount())]
    assert "new" in arrived  # after the first steps most neighbours are new
    first = panel.history.item(0, 0)
    panel.history.scrollToItem(first)
    at = panel.history.visualItemRect(first).center()
    qtbot.mouseClick(panel.history.viewport(), Qt.MouseButton.LeftButton, pos=at)  # Qt wants a press first
    qtbot.mouseDClick(panel.history.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert session.snapshot == 0


def test_a_run_shows_its_timeline_as_it_grows(qtbot, window):
    session = window.session
    seen = []
    session.timelineChanged.connect(lambda t: seen.append((window.training is not None, 0 if t is None else len(t))))
    train(qtbot, window, epochs=3)
    grown = [n for during, n in seen if during and n]
    assert grown and grown == sorted(grown) and max(grown) >= 4  # snapshots arrived while it trained
    assert len(session.timeline) == 7 and window.timeline_bar.slider.maximum() == 6


def test_the_neighbours_tab_follows_the_snapshot_shown(qtbot, trained):
    window, session = trained, trained.session
    search = window.search_panel
    qtbot.keyClicks(search.edit, "queen")
    qtbot.keyClick(search.edit, Qt.Key.Key_Return)
    wait_query(qtbot, search)
    final = [search.table.item(r, 0).text() for r in range(3)]
    assert set(final) == {"king", "prince", "princess"} and search.stability_note.isHidden()
    qtbot.waitUntil(lambda: len(window.timeline.frames) == len(session.timeline), timeout=10_000)
    window.timeline_bar.slider.setFocus()
    qtbot.keyClick(window.timeline_bar.slider, Qt.Key.Key_Home)
    wait_query(qtbot, search)
    before = [search.table.item(r, 0).text() for r in range(3)]
    assert before != final and "before training" in search.stability_note.text()
    qtbot.keyClick(window.timeline_bar.slider, Qt.Key.Key_Right)  # the first steps: new neighbours, in green
    wait_query(qtbot, search)
    green = [r for r in range(search.table.rowCount()) if search.table.item(r, 0).background().color().name() == "#d7f5d3"]
    assert green and "Arrived" in search.table.item(green[0], 0).toolTip()
    qtbot.mouseClick(window.timeline_bar.live_button, Qt.MouseButton.LeftButton)
    wait_query(qtbot, search)
    assert [search.table.item(r, 0).text() for r in range(3)] == final and search.stability_note.isHidden()


def test_while_training_the_neighbours_tab_answers_from_the_newest_snapshot(qtbot, window):
    search, session = window.search_panel, window.session
    qtbot.keyClicks(search.edit, "queen")
    qtbot.keyClick(search.edit, Qt.Key.Key_Return)
    assert "No model yet" in search.message.text()
    window.settings_panel.spins["epochs"].setValue(40)
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: search.table.rowCount() > 0 and "training" in search.stability_note.text(),
                    timeout=30_000)
    assert session.model is None and window.training is not None  # answered before any model existed
    window.runs.stop()
    qtbot.waitUntil(lambda: window.training is None, timeout=30_000)


def test_the_analogy_tab_answers_from_the_snapshot_shown(qtbot, trained):
    window = trained
    panel = window.analogy_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.edit, "king - man + woman")
    qtbot.keyClick(panel.edit, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert panel.results()[0] == "queen"
    window.timeline_bar.slider.setFocus()
    qtbot.keyClick(window.timeline_bar.slider, Qt.Key.Key_Home)
    qtbot.keyClick(panel.edit, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert panel.results() and panel.results()[0] != "queen"  # the untrained snapshot knows no analogies
