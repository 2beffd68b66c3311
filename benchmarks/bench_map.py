"""A refresh of the live map with many points, from vectors to pixels: does it fit in 50 ms?

    python benchmarks/bench_map.py [--points 10000] [--dim 32] [--repeats 30] [--selected 12] [--history N]

A refresh has two halves. ``pca_frame`` (copy the rows, PCA, align to the previous frame) runs off
the UI thread in the app; the UI thread's share is ``EmbeddingView.show_frame`` (points, labels,
trails) plus the repaint of the map and whatever events that queues. Both are timed here on the real
view, sized as in the window, with ``--selected`` words selected and a full trail history (the view's
longest), so the trails are drawn at their most expensive. The vectors drift between refreshes, as
they do while training. Medians and maxima over ``--repeats`` refreshes after one warm-up. BLAS keeps
its default threads here (the app uses one; see gui.app). Uses the offscreen platform unless a display
is set. Last, the labels are laid out again for a zoomed-in view (what a zoom or pan costs on the UI
thread, besides Qt's own repaint), and for the full view again. ``--history`` shortens the trail
history (at 100,000 points a full one holds ~0.5 GB of frames).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from common import ROOT  # noqa: F401 - puts the project on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--selected", type=int, default=12, help="selected words (each draws a trail)")
    parser.add_argument("--history", type=int, default=None, help="frames of trail history (default: full)")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from embedding_studio.gui.app import application
    from embedding_studio.core.maps.frame import Frame, pca_frame
    from embedding_studio.gui.session import Session
    from embedding_studio.gui.views.embedding_view import MAX_TRAIL_FRAMES, EmbeddingView

    app, _ = application()
    rng = np.random.default_rng(0)
    n = args.points
    words = [f"word{i}" for i in range(n)]
    counts = np.arange(n, 0, -1, dtype=np.int64)
    vectors = rng.standard_normal((n, args.dim)).astype(np.float32)
    ids = np.arange(n)

    session = Session()
    view = EmbeddingView(session)
    view.word_count.setValue(n)
    view.resize(1000, 800)
    view.show()
    session.select(words[: args.selected])
    previous = pca_frame(vectors, ids, words, counts)
    view.history = [Frame(ids, previous.words, counts, previous.coords + rng.normal(0, 0.01, previous.coords.shape)
                          .astype(np.float32)) for _ in range(min(args.history or MAX_TRAIL_FRAMES, MAX_TRAIL_FRAMES) - 1)]
    app.processEvents()

    compute, ui = [], []
    for repeat in range(args.repeats + 1):
        vectors += rng.normal(0, 0.02, vectors.shape).astype(np.float32)
        started = time.perf_counter()
        previous = pca_frame(vectors, ids, words, counts, previous, epoch=float(repeat))
        computed = time.perf_counter()
        session.set_frame(previous)
        app.processEvents()  # the queued repaint, and anything else the frame set off
        drawn = time.perf_counter()
        if repeat:  # the first one warms caches
            compute.append(1e3 * (computed - started))
            ui.append(1e3 * (drawn - computed))
    assert view.point_count() == n and len(view.history) >= min(args.history or MAX_TRAIL_FRAMES, MAX_TRAIL_FRAMES) // 2
    box = view.plot.getViewBox()
    (x0, x1), (y0, y1) = box.viewRange()
    relabel = {"zoomed in 8x": [], "full view": []}
    labelled = {}
    for repeat in range(args.repeats + 1):
        for name, scale in (("zoomed in 8x", 1 / 16), ("full view", 0.5)):
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            box.setRange(xRange=(cx - (x1 - x0) * scale, cx + (x1 - x0) * scale),
                         yRange=(cy - (y1 - y0) * scale, cy + (y1 - y0) * scale), padding=0)
            app.processEvents()
            started = time.perf_counter()
            view._relabel()
            app.processEvents()
            if repeat:
                relabel[name].append(1e3 * (time.perf_counter() - started))
                labelled[name] = len(view.labelled_words())
    total = [a + b for a, b in zip(compute, ui)]
    print(f"map refresh of {n:,} points (dim {args.dim}), {args.selected} selected with trails over "
          f"{len(view.history)} frames, {args.repeats} refreshes, platform {app.platformName()}:")
    for name, values in (("pca_frame (off the UI thread)", compute), ("UI thread: draw + repaint", ui),
                         ("whole refresh", total)):
        print(f"  {name:<36s} median {statistics.median(values):6.1f} ms   max {max(values):6.1f} ms")
    for name, values in relabel.items():
        print(f"  {'labels laid out, ' + name:<36s} median {statistics.median(values):6.1f} ms   "
              f"max {max(values):6.1f} ms  ({labelled[name]} labels)")


if __name__ == "__main__":
    main()
