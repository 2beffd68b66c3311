"""Label placement on the map (core.maps.labels), on generated points: no two labels overlap, the words
of highest priority are labelled first, the query's words always, and the same input gives the same labels."""

import numpy as np
import pytest

from embedding_studio.core.maps.labels import label_candidates, place_labels, screen_points

HEIGHT = 14.0
SIZE = (400.0, 300.0)


def crowd(n=500, seed=0):
    """``n`` points in a 400 x 300 pixel view, labels 20 to 80 pixels wide, priorities all distinct."""
    rng = np.random.default_rng(seed)
    points = rng.uniform((0, 0), SIZE, size=(n, 2))
    widths = rng.uniform(20, 80, size=n)
    priorities = rng.permutation(n).astype(np.float64)
    return points, widths, priorities


def boxes(points, widths, placed):
    """(left, top, right, bottom) in pixels of each placed label."""
    return [(points[row, 0] + dx, points[row, 1] + dy, points[row, 0] + dx + widths[row],
             points[row, 1] + dy + HEIGHT) for row, (dx, dy) in placed]


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_no_two_labels_overlap_in_a_crowd():
    points, widths, priorities = crowd()
    order = label_candidates(points, priorities, SIZE, limit=1000)
    placed = place_labels(points[order], widths[order], HEIGHT, SIZE, budget=200, limit=300)
    assert 10 < len(placed) < 200  # a crowd: some labelled, many left out
    placed_boxes = boxes(points[order], widths[order], placed)
    assert not any(overlap(a, b) for i, a in enumerate(placed_boxes) for b in placed_boxes[i + 1:])


def test_the_highest_priority_words_are_tried_first():
    points, widths, priorities = crowd()
    order = label_candidates(points, priorities, SIZE, limit=50)
    assert len(order) == 50 and list(priorities[order]) == sorted(priorities, reverse=True)[:50]
    placed = place_labels(points[order], widths[order], HEIGHT, SIZE, budget=1000, limit=1000)
    assert placed[0][0] == 0  # the first always fits
    # two words at one spot: only the one of higher priority gets its label
    two = np.array([[100.0, 100.0], [101.0, 100.0]])
    assert [row for row, _ in place_labels(two, [40, 40], HEIGHT, SIZE, budget=2, limit=2)] == [0]
    assert [row for row, _ in place_labels(two[::-1], [40, 40], HEIGHT, SIZE, budget=2, limit=2)] == [0]


def test_candidates_are_the_points_in_view_and_ties_keep_their_order():
    points = np.array([[10, 10], [-5, 10], [50, 400], [390, 290], [20, 20]], dtype=float)
    assert label_candidates(points, [1, 9, 9, 1, 5], SIZE, limit=10).tolist() == [4, 0, 3]
    assert label_candidates(points, [1, 9, 9, 1, 5], SIZE, limit=2).tolist() == [4, 0]


def test_the_budget_and_the_limit_bound_the_labels():
    ys = np.arange(20) * 20.0 + 10
    points = np.column_stack((np.full(20, 10.0), np.where(ys < 300, ys, ys + 200)))  # a column with room for each
    widths = np.full(20, 30.0)
    assert len(place_labels(points, widths, HEIGHT, SIZE, budget=20, limit=100)) == 15  # the rest is below the view
    assert len(place_labels(points, widths, HEIGHT, SIZE, budget=5, limit=100)) == 5
    assert len(place_labels(points, widths, HEIGHT, SIZE, always=3, budget=5, limit=100)) == 8
    assert len(place_labels(points, widths, HEIGHT, SIZE, always=3, budget=5, limit=6)) == 6


def test_the_query_is_labelled_whatever_the_crowd_and_moves_aside():
    points, widths, _ = crowd(n=300, seed=1)
    query = np.array([[200.0, 150.0], [202.0, 151.0], [198.0, 149.0]])  # three words on one spot
    all_points = np.vstack((query, points))
    all_widths = np.concatenate(([50.0, 50.0, 50.0], widths))
    placed = place_labels(all_points, all_widths, HEIGHT, SIZE, always=3, budget=300, limit=400)
    assert [row for row, _ in placed[:3]] == [0, 1, 2]
    offsets = [offset for _, offset in placed[:3]]
    assert offsets[0] == (5.0, -HEIGHT / 2) and len(set(offsets)) == 3  # the first beside, the others moved
    placed_boxes = boxes(all_points, all_widths, placed)
    assert not any(overlap(a, b) for i, a in enumerate(placed_boxes) for b in placed_boxes[i + 1:])


def test_the_same_points_get_the_same_labels():
    points, widths, priorities = crowd(seed=2)
    order = label_candidates(points, priorities, SIZE, limit=1000)
    first = place_labels(points[order], widths[order], HEIGHT, SIZE, always=2, budget=80, limit=120)
    again = place_labels(points[order].copy(), widths[order].copy(), HEIGHT, SIZE, always=2, budget=80, limit=120)
    assert first == again


def test_a_view_not_laid_out_yet_labels_the_first_words_unchecked():
    points = np.zeros((10, 2))  # all on one spot: no collision test without a view
    placed = place_labels(points, np.full(10, 30.0), HEIGHT, None, always=2, budget=3, limit=100)
    assert placed == [(row, (5.0, -HEIGHT / 2)) for row in range(5)]


def test_screen_points_put_the_top_left_corner_at_zero():
    coords = np.array([[-1.0, 2.0], [3.0, -2.0]])
    assert screen_points(coords, (-1.0, 3.0), (-2.0, 2.0), (0.5, 0.25)) == pytest.approx(
        np.array([[0.0, 0.0], [8.0, 16.0]]))
