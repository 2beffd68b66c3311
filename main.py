"""Embedding Studio: `python main.py` opens the app; `python main.py COMMAND ...` runs headless.

The app takes only options (--corpus, --model), so a first argument that is a word is a command,
and a mistyped one gets the command line's usage error rather than a window.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (not argv[0].startswith("-") or argv[0] in {"-h", "--help"}):
        from core.cli import main as cli_main

        return cli_main(argv)
    from gui.app import main as gui_main

    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
