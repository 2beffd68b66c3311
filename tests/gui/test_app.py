"""Launch: the real entry point, the named widgets, command-line arguments."""

from PySide6.QtWidgets import QWidget, QApplication, QPushButton, QTableView, QLineEdit, QSpinBox, QProgressBar
import pyqtgraph as pg

from embedding_studio.core.vectors.io import save_model

from .conftest import wait_idle, wait_query

NAMED = {
    "epochsSpin": QSpinBox, "dimSpin": QSpinBox, "windowSpin": QSpinBox, "negativeSpin": QSpinBox,
    "trainButton": QPushButton, "pauseButton": QPushButton, "stopButton": QPushButton,
    "progressBar": QProgressBar, "lossPlot": pg.PlotWidget, "embeddingPlot": pg.PlotWidget,
    "searchEdit": QLineEdit, "neighboursTable": QTableView, "analogyEdit": QLineEdit,
}


def test_window_opens_with_demo_corpus_ready(window):
    assert window.windowTitle() == "Embedding Studio"
    assert window.session.source.is_demo
    assert len(window.session.corpus.vocab) > 100
    assert window.settings_panel.train_button.isEnabled()
    assert not window.settings_panel.stop_button.isEnabled()
    assert "Demo corpus" in window.corpus_panel.summary.text()


def test_the_app_runs_blas_on_one_thread_splits_queries_and_switches_threads_often(window):
    """Helper BLAS threads busy-wait after each call, taking CPU from training (see gui.app)."""
    import os
    import sys

    from threadpoolctl import threadpool_info

    from embedding_studio.core.parallel import split_threads

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
    assert split_threads() == min(os.cpu_count() or 1, 4)  # large queries still use the cores
    assert sys.getswitchinterval() <= 0.001


def test_widgets_named_for_tests_and_tools(window):
    for name, kind in NAMED.items():
        widget = window.findChild(QWidget, name)
        assert isinstance(widget, kind), name


def test_main_reuses_running_application(qtbot, errors):
    from embedding_studio.gui import app as gui_app

    assert QApplication.instance() is not None
    assert gui_app.main([]) == 0  # returns at once: the caller owns the event loop
    win = gui_app._windows.pop()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.session.corpus is not None, timeout=20_000)
    assert win.isVisible()
    win.close()


def test_corpus_argument(qtbot, tmp_path, errors):
    from embedding_studio.gui.app import create_window

    text = tmp_path / "book.txt"
    text.write_text(("the cat sat on the mat and the dog sat on the log " * 50) + "\n")
    win = create_window(["--corpus", str(text)])
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.session.corpus is not None, timeout=20_000)
    assert win.session.source.paths == [str(text)]
    assert "cat" in win.session.corpus.vocab.index
    win.close()


def test_missing_corpus_argument_gives_a_message_and_the_demo(qtbot, errors):
    from embedding_studio.gui.app import create_window

    win = create_window(["--corpus", "/no/such/folder"])
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.session.corpus is not None and bool(errors), timeout=20_000)
    assert "no such file or folder" in errors[0][2]
    assert win.session.source.is_demo
    win.close()


def test_model_argument_opens_model_for_exploring(qtbot, tmp_path, errors, trained):
    path = tmp_path / "m.npz"
    save_model(trained.session.model, path)
    from embedding_studio.gui.app import create_window

    win = create_window(["--model", str(path)])
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.session.model is not None, timeout=20_000)
    wait_idle(qtbot, win)
    assert win.session.corpus is None
    assert win.embedding_view.point_count() > 100
    win.search_panel.search("king")
    wait_query(qtbot, win.search_panel)
    assert win.search_panel.table.rowCount() >= 5
    assert not win.settings_panel.train_button.isEnabled()  # nothing to train on
    win.close()


def test_settings_are_remembered(qtbot, window):
    window.settings_panel.spins["window"].setValue(7)
    window.close()
    from embedding_studio.gui.app import create_window

    again = create_window([])
    qtbot.addWidget(again)
    assert again.settings_panel.spins["window"].value() == 7
    qtbot.waitUntil(lambda: again.session.corpus is not None, timeout=20_000)
    again.close()


def test_presets(window):
    panel = window.settings_panel
    panel.word2vec_button.click()
    assert (panel.spins["dim"].value(), panel.spins["window"].value()) == (100, 5)
    panel.article_button.click()
    config = panel.config()
    assert (config.dim, config.window, config.negative, config.epochs) == (32, 2, 5, 20)


def test_signal_disconnect_keeps_its_references():
    """PySide6 6.12 on Python 3.11 lost a reference to True per disconnect, aborting the app later."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        fired = Signal()

    def slot() -> None:
        pass

    probe = Probe()
    before = sys.getrefcount(True)
    for _ in range(200):
        probe.fired.connect(slot)
        probe.fired.disconnect(slot)
    assert sys.getrefcount(True) > before - 100
