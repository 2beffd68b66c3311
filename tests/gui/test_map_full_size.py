"""The map at full size (#13): a rank window skips the commonest words, All draws every word of a
100,000-word vocabulary, and labels thin out by zoom without ever overlapping."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from embedding_studio.core.maps.frame import Frame, drawn_ids, pca_frame
from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.model import Model

from .conftest import shown_map


@pytest.fixture
def view(qtbot):
    return shown_map(qtbot, 900, 600)


def ranked(n: int, seed=0) -> Frame:
    """Rows 0..n-1 (rank order: counts fall), scattered in a cloud."""
    coords = np.random.default_rng(seed).normal(size=(n, 2)).astype(np.float32)
    return Frame(np.arange(n), [f"w{i}" for i in range(n)], np.arange(n, 0, -1) * 2, coords)


def type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_from_rank_skips_the_commonest_words_but_not_the_query(view, qtbot):
    view.session.set_frame(ranked(200))
    type_into(qtbot, view.rank_from, "51")
    assert view.rank_from.value() == 51
    assert view.point_count() == 150 and view.drawn_words() == [f"w{i}" for i in range(50, 200)]
    assert not {"w0", "w49"} & set(view.labelled_words())
    view.session.select(["w3"])  # a searched word is drawn (and labelled) even among the skipped ranks
    assert view.point_count() == 151 and "w3" in view.drawn_words() and "w3" in view.labelled_words()
    view.session.select([])
    view.session.set_frame(ranked(200).replace(coords=ranked(200).coords * 3))  # training moves them: still 50..199
    assert view.point_count() == 150
    type_into(qtbot, view.rank_from, "1")
    assert view.point_count() == 200


def label_boxes(view) -> dict:
    """Each visible label's text box in the widget's pixels (without its halo)."""
    transform = view.plot.viewportTransform()
    return {label.text(): label.deviceTransform(transform).mapRect(QGraphicsSimpleTextItem.boundingRect(label))
            for label in view.labels if label.isVisible()}


def assert_no_overlap(boxes: dict) -> None:
    rects = list(boxes.items())
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            overlap = ra.intersected(rb)
            assert overlap.width() <= 0 or overlap.height() <= 0, f"labels {a} and {b} overlap"


def test_all_words_of_a_100000_word_model_with_labels_thinned_by_zoom(view, qtbot):
    n = 100_000
    rng = np.random.default_rng(1)
    model = Model(Vocab([f"w{i}" for i in range(n)], np.arange(n, 0, -1)), rng.normal(size=(n, 6)))
    view.session.set_model(model)
    qtbot.mouseClick(view.all_words, Qt.MouseButton.LeftButton)
    assert view.word_count.value() == n and view.session.drawn_count == n
    view.session.set_frame(pca_frame(model.vectors, drawn_ids(n, view.session.drawn_count), model.words,
                                     model.counts))
    assert view.point_count() == n  # every word is a point
    full = label_boxes(view)
    assert 0 < len(full) <= view.label_count.value()
    assert_no_overlap(full)
    assert "w0" in full  # the most frequent word is labelled first

    frame, box = view.frame, view.plot.getViewBox()
    (x0, x1), (y0, y1) = box.viewRange()
    cx, cy, wx, wy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 16, (y1 - y0) / 16
    where = {w: k for k, w in enumerate(frame.words)}

    def in_zoom(words):
        return [w for w in words if abs(frame.coords[where[w], 0] - cx) < wx and abs(frame.coords[where[w], 1] - cy) < wy]

    before = in_zoom(full)
    box.setRange(xRange=(cx - wx, cx + wx), yRange=(cy - wy, cy + wy), padding=0)
    qtbot.waitUntil(lambda: set(label_boxes(view)) != set(full), timeout=3000)  # relabelled on zoom
    zoomed = label_boxes(view)
    assert len(in_zoom(zoomed)) > len(before)  # zoomed in, more of the words there are named
    assert len(zoomed) > 10
    assert_no_overlap(zoomed)
    assert view.point_count() == n

    view.session.select(["w99999"])  # the rarest word, as a query: labelled wherever it is
    assert "w99999" in view.labelled_words()


def test_all_words_says_how_many_words_the_vocabulary_has(view, qtbot):
    n = 1234
    model = Model(Vocab([f"w{i}" for i in range(n)], np.arange(n, 0, -1)), np.random.default_rng(2).normal(size=(n, 4)))
    view.session.set_model(model)
    qtbot.mouseClick(view.all_words, Qt.MouseButton.LeftButton)
    assert view.word_count.value() == n and view.session.drawn_count == n  # not the box's 100,000 maximum
