"""Start the app: parse ``--corpus`` / ``--model``, reuse or build the QApplication, show the window.

``main(argv)`` runs the event loop only when it created the QApplication itself, so tests and tools
can call the real entry point inside their own application and then drive the window it returns via
:func:`create_window`.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication
from threadpoolctl import threadpool_limits

from embedding_studio.core.parallel import split_across_threads

from . import persistence

_windows: list = []  # windows shown by main() in an application it did not create (kept alive)


def parse_args(argv: list[str]) -> argparse.Namespace:
    from .options import app_parser  # the options are written once, where --help lists them too

    return app_parser().parse_args(argv)


SWITCH_INTERVAL = 0.001  # seconds; see _set_up_process
_process_set_up = False


def application() -> tuple[QApplication, bool]:
    """The running QApplication, or a new one; the flag says whether we created it."""
    app = QApplication.instance()
    created = app is None
    if created:
        app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName(persistence.ORGANISATION)
    QCoreApplication.setApplicationName(persistence.APPLICATION)
    app.setApplicationDisplayName(persistence.APPLICATION)
    return app, created


def _set_up_process() -> None:
    """Process-wide settings for the app, made once, before any window starts a thread of its own."""
    global _process_set_up
    if _process_set_up:
        return
    _process_set_up = True
    # The window's threads share one GIL: when the training thread (projecting a snapshot) holds it, a
    # paint on the UI thread waits up to the switch interval at every call back into Python. 5 ms
    # (the default) turned 10 ms paints into 50 ms ones; 1 ms keeps them short.
    sys.setswitchinterval(SWITCH_INTERVAL)
    # One BLAS thread in this process (training runs in worker processes, which do not use BLAS).
    # OpenBLAS's helper threads busy-wait ~0.1 s after each call they join: the live map's projection
    # once a second kept one spinning for 12% of a core, taken from training. OpenBLAS also asks
    # programs that call it from several threads of their own, as this one does, to use one thread.
    threadpool_limits(limits=1, user_api="blas")
    split_across_threads(min(os.cpu_count() or 1, 4))  # large queries still use the cores


def create_window(argv: list[str] | None = None):
    """Build the main window for these arguments and start loading what they name (in the background).

    Missing paths are reported in the window (and on stderr) instead of stopping the program; the demo
    corpus is loaded whenever no corpus was named, so there is always something to train.
    """
    import pyqtgraph as pg

    from .main_window import MainWindow

    args = parse_args(list(argv or []))
    application()
    pg.setConfigOptions(antialias=True, background="w", foreground="#333")
    _set_up_process()
    window = MainWindow()
    problems = []
    corpus = [p for p in (args.corpus or []) if Path(p).exists() or problems.append(f"no such file or folder: {p}")]
    if args.model and not Path(args.model).exists():
        problems.append(f"no such model file: {args.model}")
        args.model = None
    files = window.files
    if not args.self_test and window.autosave.offer_recovery():
        pass  # the recovery copy is being brought back instead
    elif args.session:
        window.sessions.open_session(args.session, fallback=files.load_demo)
    elif corpus:
        files.open_corpus(corpus, then=(lambda: files.open_model(args.model)) if args.model else None)
    elif args.model:
        files.open_model(args.model)
    else:
        files.load_demo()
    if problems:
        message = "; ".join(problems) + (". Opened the demo corpus instead." if args.corpus and not corpus else ".")
        print(f"embedding-studio: {message}", file=sys.stderr)
        QTimer.singleShot(0, lambda: window.status.error("Cannot open", message))  # once the window shows
    # The tens of thousands of objects Qt, pyqtgraph and NumPy made at start-up live as long as the app:
    # moved out of the collector's sight, they no longer make each full collection a visible stall.
    gc.freeze()
    return window


def _start_workers_early(window) -> None:
    """Start the training worker processes in the background now, not when Train is clicked."""
    import threading

    from embedding_studio.core.errors import ConfigError
    from embedding_studio.core.train.workers import warm_up

    from .training import WORKER_NICE

    try:
        processes = window.settings_panel.config().batches_in_flight
    except ConfigError:  # settings that will be refused anyway
        return
    threading.Thread(target=warm_up, args=(processes, WORKER_NICE), daemon=True, name="warm-up").start()


def main(argv: list[str] | None = None) -> int:
    """The entry point behind ``python main.py``; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse_args(argv)
    except SystemExit as exit_:  # --help, or arguments argparse has already explained on stderr
        return int(exit_.code or 0)
    if args.install_desktop_entry:
        from .desktop_entry import install_from_command_line

        return install_from_command_line()
    app, created = application()
    window = create_window(argv)
    window.show()
    if args.self_test:
        from .self_test import run

        return run(window, app)
    _start_workers_early(window)
    if not created:
        _windows.append(window)
        return 0
    return app.exec()
