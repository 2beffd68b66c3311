"""Issue #26, one truth on the screen: after another corpus, model, run or dialog, nothing that belonged
to the earlier one stays on screen as if it were true now. Each test drives the window with real clicks
and keys."""

from PySide6.QtCore import Qt

from .conftest import train, wait_idle, wait_query
from .test_model_and_corpus import search_by_keys, write_corpus

LONG_NAME = "the-brothers-karamazov-a-novel-in-four-parts-with-an-epilogue-translated-by-constance-garnett.txt"


def open_other_corpus(qtbot, window, tmp_path, name="crime.txt"):
    window.files.open_corpus([str(write_corpus(tmp_path, name))])
    qtbot.waitUntil(lambda: window.session.source.title() == name, timeout=20_000)
    wait_idle(qtbot, window)


def whole_in_view(plot) -> bool:
    """The plot's scene (title, axes, curves) fits the widget showing it: nothing slides out of sight."""
    item = plot.getPlotItem()
    return item.sceneBoundingRect().width() <= plot.viewport().width() + 1


def test_a_long_title_never_pushes_the_loss_chart_out_of_sight(qtbot, trained, tmp_path):
    window = trained
    qtbot.wait(50)
    assert whole_in_view(window.loss_plot.plot) and whole_in_view(window.embedding_view.plot)
    open_other_corpus(qtbot, window, tmp_path, LONG_NAME)
    qtbot.wait(50)
    loss, map_plot = window.loss_plot.plot, window.embedding_view.plot
    assert "Demo corpus" in loss.plotItem.titleLabel.text  # the title still names the model...
    assert whole_in_view(loss) and whole_in_view(map_plot)  # ...and the chart is whole
    assert LONG_NAME in loss.toolTip() or LONG_NAME in loss.plotItem.titleLabel.item.toolTip()
