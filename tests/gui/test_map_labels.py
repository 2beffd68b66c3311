"""The map at a glance: a query's words are always labelled (with a halo over the dots), and the words
outside its answer are greyed, as the Embedding Projector does."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from embedding_studio.core.maps.frame import Frame
from embedding_studio.gui.views.map_items import WordLabel

from .conftest import shown_map


@pytest.fixture
def view(qtbot):
    return shown_map(qtbot)


def crowded(n=200, seed=0) -> Frame:
    """Many words in a small cloud: their labels collide."""
    coords = np.random.default_rng(seed).normal(size=(n, 2)).astype(np.float32)
    return Frame(np.arange(n), [f"w{i}" for i in range(n)], np.arange(n, 0, -1), coords)


def test_the_query_and_all_its_answers_are_labelled_in_a_crowd(view):
    view.session.set_frame(crowded())
    answers = [f"w{i}" for i in range(100, 115)]  # 15 neighbours in the middle of the cloud
    view.session.select(["w150"])
    view.session.highlight(answers)
    labelled = set(view.labelled_words())
    assert {"w150", *answers} <= labelled
    assert len(labelled) < 80  # the other labels still thin out where they would collide


def alphas(view) -> set[int]:
    """The fill alpha of every drawn point."""
    return {brush.color().alpha() for brush in view.scatter.data["brush"]}


def test_words_outside_the_answer_are_greyed_and_back_after_clear(view, qtbot):
    view.session.set_frame(crowded())
    (plain,) = alphas(view)
    view.session.highlight(["w1", "w2"])
    assert max(alphas(view)) < plain / 2
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert alphas(view) == {plain}


def test_colour_by_frequency_with_its_legend(view, qtbot):
    frame = crowded()
    view.session.set_frame(frame)
    view.colour_mode.setFocus()
    qtbot.keyClick(view.colour_mode, Qt.Key.Key_Down)  # Plain -> Frequency
    assert view.colour_mode.currentText() == "Frequency" and view.colour_legend.isVisible()
    brushes = view.scatter.data["brush"]
    most, least = int(np.argmax(frame.counts)), int(np.argmin(frame.counts))
    assert brushes[most].color().lightness() < brushes[least].color().lightness()  # frequent is darker
    assert "200" in view.colour_legend.text() and "1" in view.colour_legend.text()  # the counts' range
    moved = frame.replace(coords=frame.coords * 2)
    view.session.set_frame(moved)  # the same words moved (training): the colours stay
    assert view.scatter.data["brush"][most].color() == brushes[most].color()
    view.session.highlight(["w3"])  # a query greys them all; clearing it brings the colours back
    assert len(alphas(view)) == 1
    view.session.highlight([])
    assert view.scatter.data["brush"][most].color() == brushes[most].color()
    qtbot.keyClick(view.colour_mode, Qt.Key.Key_Up)
    assert not view.colour_legend.isVisible() and len(alphas(view)) == 1


def test_a_label_has_a_white_halo(qtbot):
    from PySide6.QtCore import QRectF
    from PySide6.QtWidgets import QGraphicsScene

    scene = QGraphicsScene()
    scene.setBackgroundBrush(QColor("black"))
    label = WordLabel(12)
    label.setText("crime")
    scene.addItem(label)
    image = QImage(80, 30, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    scene.render(painter, QRectF(0, 0, 80, 30), QRectF(-5, -10, 80, 30))
    painter.end()
    colours = [QColor(image.pixel(x, y)) for x in range(80) for y in range(30)]
    assert any(c.red() > 200 and c.green() > 200 and c.blue() > 200 for c in colours)  # white around the (black) text: the halo


def planted_model(groups=8, per=15, dim=12, seed=0):
    """Words in ``groups`` tight bundles of directions; word g<g>_<i> is the i-th most frequent of its group."""
    from embedding_studio.core.text.vocab import Vocab
    from embedding_studio.core.vectors.model import Model

    rng = np.random.default_rng(seed)
    truth = np.tile(np.arange(groups), per)  # interleaved, so the vocabulary's order (by count) mixes them
    rank = np.repeat(np.arange(per), groups)
    vectors = rng.normal(size=(groups, dim))[truth] * 5 + rng.normal(scale=0.3, size=(len(truth), dim))
    words = [f"g{g}_{i}" for g, i in zip(truth, rank)]
    return Model(Vocab(words, np.arange(len(words), 0, -1) * 3), vectors), truth


def named_pairs(legend: str, rank: bool = False) -> list[tuple[int, int]]:
    """The (group, group) of the two words naming each cluster in the legend ("g3_0/g3_7"), or with
    ``rank`` their (rank, rank)."""
    import re

    which = 2 if rank else 1
    return [(int(m.group(which)), int(m.group(which + 2)))
            for m in re.finditer(r"g(\d+)_(\d+)/g(\d+)_(\d+)", legend)]


def controlled(view, qtbot):
    """The map's controller for ``view``, as the window makes it: it computes the clusters the view asks for."""
    from PySide6.QtWidgets import QMainWindow

    from embedding_studio.gui.map_control import MapControl
    from embedding_studio.gui.status import Status

    window = QMainWindow()
    qtbot.addWidget(window)
    return MapControl(view.session, Status(window), view, parent=window)


def test_colour_by_cluster_with_a_legend_naming_each_group(view, qtbot):
    from embedding_studio.core.maps.frame import drawn_ids, pca_frame

    model, truth = planted_model()
    view.session.set_model(model)
    view.session.set_frame(pca_frame(model.vectors, drawn_ids(len(model), 1000), model.words, model.counts))
    controlled(view, qtbot)
    view.colour_mode.setFocus()
    qtbot.keyClick(view.colour_mode, Qt.Key.Key_Down)
    qtbot.keyClick(view.colour_mode, Qt.Key.Key_Down)  # Plain -> Frequency -> Cluster
    assert view.colour_mode.currentText() == "Cluster"
    qtbot.waitUntil(lambda: "/" in view.colour_legend.text(), timeout=10_000)  # k-means ran off the UI thread
    pairs = named_pairs(view.colour_legend.text())
    # eight planted groups (the map's k), each named by two of its own words (the most particular to it)
    assert sorted(a for a, _ in pairs) == list(range(8)) and all(a == b for a, b in pairs)
    colours = [b.color().name() for b in view.scatter.data["brush"]]
    for g in range(8):  # one colour per planted group, a different one for each
        assert len({c for c, t in zip(colours, truth) if t == g}) == 1
    assert len(set(colours)) == 8
    view.session.highlight(["g1_0"])  # a query greys them; clearing it brings the cluster colours back
    assert len({b.color().name() for b in view.scatter.data["brush"]}) == 1
    view.session.highlight([])
    assert [b.color().name() for b in view.scatter.data["brush"]] == colours


def test_clusters_follow_the_model(view, qtbot):
    """Another model of the same words (a run finished, a model opened) is clustered again: its groups."""
    from embedding_studio.core.maps.frame import drawn_ids, pca_frame
    from embedding_studio.core.vectors.model import Model

    model, _ = planted_model()
    view.session.set_model(model)
    view.session.set_frame(pca_frame(model.vectors, drawn_ids(len(model), 1000), model.words, model.counts))
    controlled(view, qtbot)
    view.colour_mode.setCurrentText("Cluster")
    qtbot.waitUntil(lambda: "/" in view.colour_legend.text(), timeout=10_000)
    assert all(a == b for a, b in named_pairs(view.colour_legend.text()))  # by planted group
    rank = np.arange(len(model)) // 8  # word k is g<k % 8>_<k // 8>: now grouped by rank, not by name
    bundles = np.random.default_rng(1).normal(size=(8, model.dim)) * 5
    view.session.set_model(Model(model.vocab, (bundles[rank % 8] + 0.1 * model.vectors).astype(np.float32)))
    qtbot.waitUntil(lambda: len(named_pairs(view.colour_legend.text(), rank=True)) == 8 and all(  # now by rank
        a == b for a, b in named_pairs(view.colour_legend.text(), rank=True)), timeout=10_000)


def test_clusters_need_a_model(view, qtbot):
    view.session.set_frame(crowded())  # a frame with no model behind it (the untrained preview, say)
    controlled(view, qtbot)
    view.colour_mode.setCurrentText("Cluster")
    assert "need a trained model" in view.colour_legend.text()
    assert len(alphas(view)) == 1
