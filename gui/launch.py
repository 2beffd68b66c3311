"""The one entry point: no arguments or only options open the app; a first word is a command, run headless.

The app takes only options (--corpus, --model), so a first argument that is a word is a command, and a
mistyped one gets the command line's usage error rather than a window. ``embedding-studio`` (the installed
command) and ``python main.py`` in a checkout both come here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (not argv[0].startswith("-") or argv[0] in {"-h", "--help"}):
        _end_at_once_on_ctrl_c()
        from ..core.cli import main as cli_main  # (which takes Ctrl-C back)

        code = cli_main(argv)
        if argv[0] in {"-h", "--help"}:  # the commands' help, then what opening the app takes
            from .options import app_options_help

            print("\n" + app_options_help().rstrip())
        return code
    from .app import main as gui_main

    return gui_main(argv)


def _end_at_once_on_ctrl_c() -> None:
    """Until the command line has loaded (a few tenths of a second of imports), Ctrl-C ends the process
    at once with one line: nothing was written yet, and Ctrl-C inside an import can surface as another
    error, with a traceback (a TypeError from ``ssl``'s). The command line's ``main`` takes it back.
    (``os``, ``signal`` and ``threading`` are imported with this module, where main.py's guard covers them.)"""

    def end(signum: int, frame: object) -> None:
        os.write(2, b"\ninterrupted; nothing was written\n")
        os._exit(130)

    end.while_starting = True  # type: ignore[attr-defined]
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, end)


if __name__ == "__main__":
    sys.exit(main())
