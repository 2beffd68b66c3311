"""The loss curve: a smoothed line that keeps up, the whole history across Continue, whole-epoch ticks
for a reopened model, and a key that covers no data."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from embedding_studio.core.config import TrainConfig
from embedding_studio.core.train.trainer import EpochEnd, Progress, epochs_before_run
from embedding_studio.core.vectors.model import RunState
from embedding_studio.gui.views.loss_plot import LossPlot


@pytest.fixture
def plot(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(700, 260)
    plot.show()
    return plot


def feed(plot, epochs, per_epoch=20, first=0.0):
    """A falling loss, reported ``per_epoch`` times an epoch, with each epoch's mean at its end."""
    means = []
    for epoch in range(int(first), epochs):
        losses = []
        for k in range(1, per_epoch + 1):
            position = epoch + k / per_epoch
            loss = 0.3 + 0.2 * math.exp(-position / 20)
            losses.append(loss)
            plot.add_progress(Progress(epoch + 1, epochs, position / epochs, 0, 1.0, 0.01, 1.0, loss, 1))
        means.append(float(np.mean(losses)))
        plot.add_epoch(EpochEnd(epoch + 1, epochs, means[-1], 1.0))
    return means


def test_smoothed_curve_keeps_up_with_a_long_run(plot):
    plot.start_run(200)
    means = feed(plot, 200)
    x, smooth = np.asarray(plot.x), np.asarray(plot.smooth)
    at_ends = smooth[np.searchsorted(x, np.arange(1, 201) - 1e-9)]
    assert (at_ends[5:] <= np.asarray(means)[5:]).all()  # it was above every epoch mean (a 5-epoch lag)
    truth = 0.3 + 0.2 * np.exp(-x / 20)
    assert np.abs(smooth - truth)[x > 2].max() < 0.003  # a lag of under 0.3 epoch at the steepest (was 5)


def test_continue_draws_on_after_the_earlier_curve(plot):
    plot.start_run(2)
    feed(plot, 2)
    plot.start_run(3, before=2, keep=True)  # Continue: three more epochs of the same model
    for epoch in range(3):
        for k in range(1, 5):
            plot.add_progress(Progress(epoch + 1, 3, (epoch + k / 4) / 3, 0, 1.0, 0.01, 1.0, 0.31, 1))
        plot.add_epoch(EpochEnd(epoch + 1, 3, 0.31, 1.0))
    assert plot.epoch_x == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert min(plot.x) < 0.1 and max(plot.x) == pytest.approx(5.0)
    (x0, x1), _ = plot.plot.getViewBox().viewRange()
    assert x0 <= 0 and 5 <= x1 < 5.5


def test_a_reopened_models_ticks_are_whole_epochs(plot, qtbot):
    for epochs in (2, 3, 37):
        plot.show_history(np.linspace(0.5, 0.3, epochs))
        qtbot.wait(20)
        (x0, x1), _ = plot.plot.getViewBox().viewRange()
        axis = plot.plot.getAxis("bottom")
        ticks = [v for _, values in axis.tickValues(x0, x1, axis.geometry().width()) for v in values]
        assert ticks and all(float(v).is_integer() for v in ticks), (epochs, ticks)
    plot.start_run(2)  # a live run: fractional epochs mean something again
    assert plot.plot.getAxis("bottom")._tickSpacing is None


def test_the_key_is_in_the_title_not_over_the_data(plot):
    assert plot.plot.plotItem.legend is None
    plot.set_subject("model of crime.txt")
    title = plot.plot.plotItem.titleLabel.text
    assert "model of crime.txt" in title and all(name in title for name in ("live", "smoothed", "epoch mean"))


def test_epochs_before_a_run():
    config = TrainConfig(epochs=5, batch_tokens=100, workers=1)
    finished = SimpleNamespace(state=RunState(epochs_trained=7))
    assert epochs_before_run(None, config, 1_000) == 0
    assert epochs_before_run(finished, config, 1_000) == 7  # trains 5 more after its 7
    cut = RunState(epochs_trained=3, run_epochs=5, run_tokens=1_000, batch_tokens=100, next_batch=35, finished=False)
    assert epochs_before_run(SimpleNamespace(state=cut), config, 1_000) == 0  # resumes its own schedule at 3.5
    other = TrainConfig(epochs=4, batch_tokens=100, workers=1)  # another schedule: a fresh one after the 3
    assert epochs_before_run(SimpleNamespace(state=cut), other, 1_000) == 3


def test_continue_in_the_window_keeps_the_whole_history(qtbot, window):
    from .conftest import train

    train(qtbot, window, epochs=2)
    first_live = list(window.loss_plot.x)
    window.menus.continue_action.trigger()
    qtbot.waitUntil(lambda: window.training is None and len(window.session.model.loss_history) == 4, timeout=60_000)
    plot = window.loss_plot
    assert plot.epoch_x == [1.0, 2.0, 3.0, 4.0]
    assert plot.epoch_y == pytest.approx(window.session.model.loss_history.tolist())
    assert plot.x[: len(first_live)] == first_live and max(plot.x) == pytest.approx(4.0)
