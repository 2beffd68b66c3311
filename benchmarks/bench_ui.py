"""Does the app keep up? Training speed inside the app vs headless, and UI-thread lateness.

    python benchmarks/bench_ui.py [--runs 3] [--epochs N] [--corpus PATH ...] [--workers N] [--words N]
        [--dim N] [--window N] [--trace]

Headless: ``core.train.trainer.Trainer.train`` alone. In the app: the real window (``gui.app.create_window``),
Train clicked, while a 10 ms QTimer on the UI thread records how late each tick is. Speed is the
trainer's own words/s over the whole run (start-up included, the same way in both). Each figure is
the median of ``--runs`` runs. ``--words`` sets how many words the live map draws (the app's default
is 300; 10000 draws the whole vocabulary of Dostoevsky's five books). ``--trace`` also says, for
each run, what the UI thread was doing in its worst ticks (see ``ui_trace.py``). Uses the offscreen
platform unless a display is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui_trace import Trace

ROOT = Path(__file__).resolve().parents[1]
import common  # noqa: E402,F401 - embedding_studio from this checkout
NOTES = ROOT.parent / "shared" / "corpora" / "dostoevsky" / "Notes-from-the-Underground.txt"


def headless(corpus, config) -> float:
    from embedding_studio.core.train.trainer import Trainer

    last = []
    Trainer(corpus.ids, corpus.vocab, config).train(on_progress=last.append)
    return last[-1].words_per_sec


def in_app(app, corpus_args, config, words: int | None = None,
           trace: Trace | None = None) -> tuple[float, float, float, float]:
    """(words/s, max lateness ms, median lateness ms, 99th percentile lateness ms) of one run."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    from embedding_studio.gui.app import create_window

    window = create_window(corpus_args)
    window.resize(1400, 900)
    window.show()
    _pump(app, lambda: window.session.corpus is not None, 60)
    if words:  # as a user would: set it, see the untrained map redrawn with that many words, then train
        window.embedding_view.word_count.setValue(words)
        wanted = min(words, len(window.session.corpus.vocab))
        _pump(app, lambda: window.embedding_view.point_count() == wanted, 60)
    panel = window.settings_panel
    for name in ("dim", "window", "negative", "epochs", "workers", "min_count"):
        panel.spins[name].setValue(getattr(config, name))
    reports = []
    clock, late, last, stamps = QElapsedTimer(), [], [None], []

    def tick() -> None:
        now = clock.elapsed()
        if last[0] is not None:
            late.append(now - last[0] - 10)
        last[0] = now
        if trace is not None:
            stamps.append(time.perf_counter())

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    if trace is not None:
        trace.events.clear()
        cpu_before = trace.thread_cpu()
    panel.train_button.click()
    window.training.progress.connect(reports.append)
    clock.start()
    timer.start()
    _pump(app, lambda: window.training is None, 600)
    timer.stop()
    if trace is not None:
        trace.report(stamps, cpu_before, trace.thread_cpu())
    window.session.unsaved = False  # the benchmark's model is thrown away: no "not saved" question on close
    window.close()
    late.sort()
    return (reports[-1].words_per_sec, float(late[-1]), float(statistics.median(late)),
            float(late[int(0.99 * (len(late) - 1))]))


def _pump(app, done, timeout: float) -> None:
    """Run the real event loop (as app.exec() would, no busy polling) until ``done()``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop, end = QEventLoop(), time.perf_counter() + timeout
    check = QTimer(interval=50)
    check.timeout.connect(lambda: loop.quit() if done() or time.perf_counter() > end else None)
    check.start()
    if not done():
        loop.exec()
    check.stop()
    if not done():
        raise TimeoutError("the app did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--dim", type=int, default=None, help="vector size (default: the article's 32)")
    parser.add_argument("--window", type=int, default=None, help="context window (default: the article's 2)")
    parser.add_argument("--words", type=int, default=None, help="words drawn on the live map (app default 300)")
    parser.add_argument("--trace", action="store_true", help="say what the UI thread did in its worst ticks")
    parser.add_argument("--corpus", nargs="+", default=[str(NOTES)] if NOTES.exists() else None,
                        help=".txt files or folders (default: Notes from the Underground if present, else the demo)")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from embedding_studio.core.config import TrainConfig, default_workers
    from embedding_studio.core.text.corpus import load_corpus
    from embedding_studio.core.text.demo import demo_corpus
    from embedding_studio.gui.app import application

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      tempfile.mkdtemp(prefix="bench-ui-settings-"))  # never the user's settings
    app, _ = application()
    assert isinstance(app, QApplication)
    corpus = load_corpus(args.corpus) if args.corpus else demo_corpus()
    name = " + ".join(Path(c).name for c in args.corpus) if args.corpus else "demo corpus"
    epochs = args.epochs or (3 if args.corpus else 10)
    shape = {key: value for key in ("dim", "window") if (value := getattr(args, key)) is not None}
    config = TrainConfig.article(epochs=epochs, workers=args.workers or default_workers(), **shape)
    corpus_args = [arg for path in args.corpus for arg in ("--corpus", path)] if args.corpus else []

    from embedding_studio.core.train.workers import warm_up
    from embedding_studio.gui.training import WORKER_NICE

    warm_up(config.workers, WORKER_NICE)  # as the app does when its window opens
    print(f"{name}: {corpus.n_tokens:,} tokens, {len(corpus.vocab):,} words; {epochs} epochs, "
          f"dim {config.dim}, window {config.window}, {config.workers} worker(s), {args.words or 300} words drawn, {args.runs} runs, platform "
          f"{app.platformName()}")
    head = [headless(corpus, config) for _ in range(args.runs)]
    trace = None
    if args.trace:
        from ui_trace import Trace

        trace = Trace()
        trace.install()
    runs = [in_app(app, corpus_args, config, args.words, trace) for _ in range(args.runs)]
    app_speed = statistics.median(r[0] for r in runs)
    head_speed = statistics.median(head)
    rows = [
        ("headless words/s", f"{head_speed:,.0f}"),
        ("in-app words/s", f"{app_speed:,.0f}"),
        ("in-app / headless", f"{app_speed / head_speed:.0%}  (goal >= 90%)"),
        ("timer lateness max, ms", f"{statistics.median(r[1] for r in runs):.0f}  (goal <= 50; "
                                   f"worst run {max(r[1] for r in runs):.0f})"),
        ("timer lateness p99, ms", f"{statistics.median(r[3] for r in runs):.0f}"),
        ("timer lateness median, ms", f"{statistics.median(r[2] for r in runs):.0f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print("-" * (width + 40))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
