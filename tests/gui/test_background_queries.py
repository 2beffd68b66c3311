"""Queries off the UI thread (latest request wins), results for deleted owners, the completer's order,
per-epoch copies, and closing while a file is being written."""

from __future__ import annotations

import threading

import numpy as np
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from embedding_studio.core.vectors.model import Model
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.gui.background import LatestRequest, run_in_background, wait_for_background
from embedding_studio.gui.session import Session

from .conftest import wait_query

WORDS = ["the", "Paris", "berlin", "apple", "Zeta", "parrot", "king", "queen", "man", "woman"]


def small_model(words=WORDS, seed=0) -> Model:
    rng = np.random.default_rng(seed)
    return Model(Vocab(list(words), np.arange(len(words), 0, -1)), rng.normal(size=(len(words), 8)))


# ------------------------------------------------------------------------------ the machinery
def test_latest_request_wins(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    busy, results = [], []
    query = LatestRequest(owner, busy.append, busy_after=20)
    release = threading.Event()
    query.run(lambda: release.wait(5) and "old", results.append, results.append)
    qtbot.wait(100)  # slow enough for the inline "searching…"
    assert busy == [True] and query.pending
    query.run(lambda: "new", results.append, results.append)
    qtbot.waitUntil(lambda: not query.pending, timeout=5_000)
    release.set()
    assert wait_for_background(5_000)
    qtbot.wait(50)
    assert results == ["new"]  # the older answer, arriving later, is dropped
    assert busy[-1] is False


def test_result_for_a_deleted_owner_is_dropped(qtbot):
    owner = QObject()
    release = threading.Event()
    got = []
    run_in_background(lambda: release.wait(5) and 1, got.append, got.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner), timeout=5_000)
    release.set()
    assert wait_for_background(5_000)
    qtbot.wait(50)
    assert got == []


# ------------------------------------------------------------------------------- the panels
def test_queries_run_off_the_ui_thread(qtbot, monkeypatch):
    from embedding_studio.gui.views.analogy_panel import AnalogyPanel
    from embedding_studio.gui.views.heatmap_panel import HeatmapPanel
    from embedding_studio.gui.views.search_panel import SearchPanel

    session = Session()
    panels = [SearchPanel(session), AnalogyPanel(session), HeatmapPanel(session)]
    for panel in panels:
        qtbot.addWidget(panel)
    model = small_model()
    threads = []
    for name in ("most_similar", "analogy", "similarity_matrix", "index"):
        original = getattr(model, name)

        def spy(*args, _original=original, **kwargs):
            threads.append(threading.current_thread() is threading.main_thread())
            return _original(*args, **kwargs)
        monkeypatch.setattr(model, name, spy)
    session.set_model(model)
    search, analogy, heatmap = panels
    search.search("king")
    wait_query(qtbot, search)
    assert search.table.rowCount() == 9 and session.selection == ["king"]
    analogy.edit.setText("king - man + woman")
    analogy.solve()
    wait_query(qtbot, analogy)
    assert analogy.table.rowCount() > 0
    heatmap.edit.setText("king queen kingg")
    heatmap.show_table()
    wait_query(qtbot, heatmap)
    assert heatmap.matrix.shape == (2, 2) and "kingg" in heatmap.message.text()
    assert threads and not any(threads)  # never on the UI thread


def test_only_the_latest_search_fills_the_table(qtbot):
    from embedding_studio.gui.views.search_panel import SearchPanel

    session = Session()
    panel = SearchPanel(session)
    qtbot.addWidget(panel)
    session.set_model(small_model())
    panel.search("king")
    panel.search("queen")
    wait_query(qtbot, panel)
    assert wait_for_background(5_000)
    qtbot.wait(50)
    assert session.selection == ["queen"]
    assert "queen" not in [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]


def test_completer_is_case_insensitive_and_kept_for_the_same_vocabulary(qtbot):
    from embedding_studio.gui.views.search_panel import SearchPanel

    session = Session()
    panel = SearchPanel(session)
    qtbot.addWidget(panel)
    model = small_model()
    session.set_model(model)
    completer = panel.edit.completer()
    completer.setCompletionPrefix("par")
    found = []
    for row in range(completer.completionCount()):
        completer.setCurrentRow(row)
        found.append(completer.currentCompletion())
    assert "Paris" in found and "parrot" in found
    words = panel.words_model.stringList()
    assert words == sorted(WORDS, key=str.casefold)
    calls = []
    panel.words_model.setStringList = lambda words: calls.append(words)
    session.set_model(Model(model.vocab, model.vectors * 2))  # same vocabulary: no rebuild
    assert calls == []
    session.set_model(small_model(WORDS[:-1]))
    assert len(calls) == 1


def test_compare_dialog_replaced_while_its_jobs_run(qtbot, trained, tmp_path):
    from embedding_studio.core.vectors.io import save_model

    model = trained.session.model
    other = Model(Vocab(list(model.words), model.counts), model.vectors + 0.1)
    save_model(other, tmp_path / "other.npz")
    first = trained.files.compare_with(str(tmp_path / "other.npz"))  # reading, then the mean overlap
    first.compare("king")
    second = trained.files.compare_with(str(tmp_path / "other.npz"))  # the first is deleted meanwhile
    qtbot.waitUntil(lambda: second.right is not None, timeout=10_000)
    qtbot.waitUntil(lambda: second.mean is not None, timeout=20_000)
    second.compare("king")
    wait_query(qtbot, second)
    assert second.left_table.rowCount() == 10
    assert wait_for_background(10_000)
    qtbot.wait(50)
    assert not shiboken6.isValid(first)  # and no callback touched it (pytest-qt fails on errors in slots)


# ------------------------------------------------------------------------------- per-epoch copies
def test_one_epoch_copy_waits_at_most(qtbot, window, tmp_path):
    from .test_evaluation_panel import use_demo_benchmarks

    panel = window.evaluation_panel
    use_demo_benchmarks(panel, tmp_path)
    vocab = window.session.corpus.vocab
    rows = min(len(vocab), 500)
    for epoch in (1, 2, 3, 4):
        panel.evaluate_epoch(epoch, np.random.default_rng(epoch).normal(size=(rows, 8)).astype(np.float32), vocab)
        assert panel.pending_epochs <= 1
    assert panel._pending_epoch[0] == 4  # the newest replaced the older waiting ones
    qtbot.waitUntil(lambda: panel.idle, timeout=20_000)
    assert panel.message.text().startswith("Epoch 4:")


def test_no_epoch_copies_without_a_ticked_benchmark(qtbot, window, tmp_path):
    from .test_evaluation_panel import use_demo_benchmarks

    panel = window.evaluation_panel
    use_demo_benchmarks(panel, tmp_path)
    for i in range(panel.list.count()):
        panel.list.item(i).setCheckState(panel.list.item(i).checkState().Unchecked)
    panel.epoch_check.setChecked(True)
    assert not panel.wants_epoch_vectors
    window.settings_panel.spins["epochs"].setValue(3)
    window.settings_panel.train_button.click()
    thread = window.training
    assert thread is not None and thread._epoch_vectors is False
    ends = []
    thread.epochFinished.connect(ends.append)
    panel.list.item(0).setCheckState(panel.list.item(0).checkState().Checked)
    assert thread._epoch_vectors is True  # ticking a file mid-run turns the copies on
    panel.list.item(0).setCheckState(panel.list.item(0).checkState().Unchecked)
    assert thread._epoch_vectors is False
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)
    assert ends and all(end.vectors is None for end in ends)
    assert "tick at least one benchmark" in panel.message.text()


# ------------------------------------------------------------------------------------ closing
def test_close_waits_for_a_file_being_written(qtbot, trained, tmp_path, monkeypatch):
    import embedding_studio.gui.files as files

    release = threading.Event()
    real_save = files.save_model

    def slow_save(model, path):
        release.wait(10)
        real_save(model, path)
    monkeypatch.setattr(files, "save_model", slow_save)
    path = tmp_path / "slow.npz"
    trained.files.save_model_to(str(path))
    trained.close()
    assert trained.isVisible() and not path.exists()  # close() returned while the file still waits: no block
    release.set()
    qtbot.waitUntil(lambda: not trained.isVisible(), timeout=10_000)
    assert path.exists()
