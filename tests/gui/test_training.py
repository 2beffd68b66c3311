"""Training in the app: the thread's signals, the buttons, pause/resume/stop, closing mid-run."""

import math
import time

import numpy as np
import shiboken6

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.train.trainer import Progress
from embedding_studio.core.text.demo import demo_corpus
from embedding_studio.core.maps.frame import Frame
from embedding_studio.gui.training import TrainingThread

from .conftest import TimerLateness, train, wait_query


def test_training_thread_signals(qtbot):
    corpus = demo_corpus()
    thread = TrainingThread(corpus.ids, corpus.vocab, TrainConfig(dim=8, epochs=2, workers=1),
                            top_words=50, snapshot_interval=0.05)
    progress, epochs, frames, done, failed = [], [], [], [], []
    thread.progress.connect(progress.append)
    thread.epochFinished.connect(epochs.append)
    thread.snapshot.connect(frames.append)
    thread.trainingFinished.connect(done.append)
    thread.failed.connect(failed.append)
    with qtbot.waitSignal(thread.finished, timeout=60_000):
        thread.start()
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert not failed
    assert [e.end.epoch for e in epochs] == [1, 2] and all(e.vectors is None for e in epochs)
    assert progress and progress[-1].fraction == 1.0 and progress[-1].position == 2.0
    assert all(isinstance(p, Progress) for p in progress)
    assert isinstance(frames[0], Frame) and frames[0].before
    assert len(frames) >= 2 and all(len(f) == 50 for f in frames)
    assert frames[-1].coords.dtype == np.float32 and frames[-1].coords.shape == (50, 2)
    model = done[0]
    assert len(model.loss_history) == 2 and model.loss_history[-1] < math.log(2)
    frames[-1].coords[:] = 0  # copies: changing a frame cannot touch the model
    assert np.abs(model.vectors).sum() > 0


def test_progress_is_throttled(qtbot):
    corpus = demo_corpus()
    thread = TrainingThread(corpus.ids, corpus.vocab, TrainConfig(dim=8, epochs=3, workers=1))
    stamps = []
    thread.progress.connect(lambda _: stamps.append(time.perf_counter()))
    with qtbot.waitSignal(thread.finished, timeout=60_000):
        thread.start()
    elapsed = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    assert len(stamps) <= elapsed * 12 + 4  # about ten a second at most, plus epoch ends


def test_train_button_runs_and_fills_the_views(qtbot, window):
    panel = window.settings_panel
    panel.spins["epochs"].setValue(2)
    panel.train_button.click()
    assert not panel.train_button.isEnabled()
    assert panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()
    assert window.session.model is not None and len(window.session.model.loss_history) == 2
    assert window.loss_plot.point_count() >= 2
    assert len(window.loss_plot.epoch_y) == 2
    x_min, x_max = window.loss_plot.plot.getViewBox().viewRange()[0]
    assert x_min < 0.1 and 2 < x_max < 2.2  # the epoch axis spans the whole run from the start
    assert window.embedding_view.point_count() >= 100
    assert window.progress_bar.value() == 1000
    assert window.session.before_frame is not None
    assert "Finished" in window.status_line.text()


def test_worker_processes_in_the_app(qtbot, window):
    """The multi-process path: the live view must follow the shared tables, not a stale copy."""
    window.settings_panel.spins["workers"].setValue(2)
    frames = []
    window.session.frameChanged.connect(frames.append)
    train(qtbot, window, epochs=2)
    assert len(window.session.model.loss_history) == 2
    first, last = frames[0], frames[-1]
    assert first.before and not np.allclose(first.coords, last.coords)


def test_pause_resume_stop(qtbot, window):
    panel = window.settings_panel
    panel.spins["epochs"].setValue(200)
    panel.train_button.click()
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > 0, timeout=30_000)
    panel.pause_button.click()
    assert panel.pause_button.text() == "Resume"
    qtbot.wait(300)
    before = window.progress_bar.value()
    qtbot.wait(400)
    assert window.progress_bar.value() == before  # paused: no progress
    panel.pause_button.click()
    assert panel.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: window.progress_bar.value() > before, timeout=10_000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: window.training is None, timeout=10_000)
    model = window.session.model
    assert model is not None and model.state.finished is False  # stopped early, still usable
    assert panel.train_button.isEnabled()
    assert "Stopped" in window.status_line.text()
    window.search_panel.search("king")
    wait_query(qtbot, window.search_panel)
    assert window.search_panel.table.rowCount() >= 5


def test_closing_during_training_stops_the_thread(qtbot, window, capfd):
    window.settings_panel.spins["epochs"].setValue(500)
    window.settings_panel.train_button.click()
    thread = window.training
    qtbot.waitUntil(lambda: window.loss_plot.point_count() > 0, timeout=30_000)
    window.close()
    assert window.isVisible() and thread.isRunning()  # close() returned at once; the run stops meanwhile
    states = []
    thread.destroyed.connect(lambda: states.append("deleted"))
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert window.training is None
    assert not shiboken6.isValid(thread) or (thread.isFinished() and not thread.isRunning())
    assert "Destroyed while thread" not in capfd.readouterr().err


def test_ui_stays_responsive_while_training(qtbot, window):
    """A 10 ms timer on the UI thread keeps firing while training (how late it fires is measured in
    benchmarks/bench_ui.py, not asserted here: these machines are shared and noisy)."""
    window.settings_panel.spins["workers"].setValue(2)
    with TimerLateness() as probe:
        train(qtbot, window, epochs=10)
    lateness = probe.lateness
    assert len(lateness) > 20  # the timer did run while training


def test_continue_training_adds_epochs_to_the_same_model(qtbot, window):
    from .conftest import train

    assert not window.menus.continue_action.isEnabled()  # no model yet
    train(qtbot, window, epochs=1)
    first = window.session.model
    assert window.menus.continue_action.isEnabled()
    window.menus.continue_action.trigger()
    qtbot.waitUntil(lambda: window.training is None and window.session.model is not first, timeout=60_000)
    more = window.session.model
    assert len(more.loss_history) == 2 and more.state.epochs_trained == 2
    assert more.loss_history[0] == first.loss_history[0]


def test_continue_resumes_a_stopped_run_in_its_own_batch_size(qtbot, window, monkeypatch):
    # A model stopped before batches were sized by their pairs was cut into 1,024-token batches at every
    # window; the panel (window 2) would derive 2,048 now, which would quietly start a fresh schedule.
    import dataclasses

    from embedding_studio.core.train.trainer import Trainer, epochs_before_run

    from .conftest import train

    train(qtbot, window, epochs=1)
    model = window.session.model
    tokens = len(window.session.corpus.ids)
    per_epoch = -(-tokens // 1024)
    model.state = dataclasses.replace(model.state, finished=False, run_epochs=4, run_tokens=tokens,
                                      batch_tokens=1024, next_batch=per_epoch + 3)
    window.settings_panel.spins["epochs"].setValue(4)
    assert window.settings_panel.config().run_batch_tokens == 2048
    launched = []
    monkeypatch.setattr(window.runs, "_launch", lambda config, model=None: launched.append((config, model)))
    window.menus.continue_action.trigger()
    (config, continued), = launched
    trainer = Trainer(window.session.corpus.ids, window.session.corpus.vocab, config, model=continued)
    assert continued is model and trainer.config.batch_tokens == 1024
    assert trainer._resume_batch(per_epoch) == per_epoch + 3
    assert epochs_before_run(model, config, tokens) == model.state.epochs_trained - 1  # resumed in epoch 2


def test_continue_refuses_a_model_of_other_dimensions(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from .conftest import train

    train(qtbot, window, epochs=1)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))
    window.settings_panel.spins["dim"].setValue(window.session.model.dim + 4)
    window.menus.continue_action.trigger()
    assert window.training is None and shown and "dimensions" in shown[0]


def test_a_diverging_run_is_a_dialog_and_the_earlier_model_stays(qtbot, window, errors, monkeypatch):
    from PySide6.QtCore import Qt

    from embedding_studio.core.train import trainer

    from .conftest import train

    train(qtbot, window, epochs=1)
    monkeypatch.setattr(trainer, "CAREFUL_ROW_LOGIT", 1e9)  # so that starting again carefully fails too
    earlier = window.session.model
    edit = window.settings_panel.edits["lr"]
    edit.selectAll()
    qtbot.keyClicks(edit, "10")  # an absurd learning rate, typed
    window.settings_panel.spins["dim"].setValue(64)
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)
    failures = [text for kind, title, text in errors if title == "Training failed"]
    assert len(failures) == 1 and "diverged" in failures[0] and "learning rate" in failures[0]
    assert window.session.model is earlier  # the garbage model replaced nothing
    assert window.settings_panel.train_button.isEnabled()


def test_continue_after_stop_keeps_the_earlier_curve(qtbot, window):
    # Stopped in its second epoch, the run resumes on the same schedule: the curve goes on from where it
    # stopped, its first part kept (it was erased: the resumed schedule counts no epochs "before" it).
    panel = window.settings_panel
    panel.spins["workers"].setValue(1)
    panel.spins["epochs"].setValue(40)
    panel.train_button.click()
    qtbot.waitUntil(lambda: bool(window.loss_plot.epoch_x and window.loss_plot.x and window.loss_plot.x[-1] > 1.2),
                    timeout=60_000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: window.training is None, timeout=20_000)
    assert not window.session.model.state.finished
    earlier_x, earlier_epochs = list(window.loss_plot.x), list(window.loss_plot.epoch_x)
    panel.spins["epochs"].setValue(40)
    window.menus.continue_action.trigger()
    qtbot.waitUntil(lambda: window.training is not None, timeout=10_000)
    qtbot.waitUntil(lambda: len(window.loss_plot.x) > len(earlier_x), timeout=30_000)
    window.runs.stop()
    qtbot.waitUntil(lambda: window.training is None, timeout=20_000)
    assert window.loss_plot.x[:len(earlier_x)] == earlier_x
    assert window.loss_plot.epoch_x[:len(earlier_epochs)] == earlier_epochs
    assert window.loss_plot.x[len(earlier_x)] >= earlier_x[-1]  # on from where it stopped
