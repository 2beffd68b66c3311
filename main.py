"""Embedding Studio: `python main.py` opens the app; `python main.py train|export|similar ...` runs headless."""

from __future__ import annotations

import sys

COMMANDS = {"train", "export", "similar", "evaluate", "fetch-gutenberg"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (argv[0] in COMMANDS or argv[0] in {"-h", "--help"}):
        from core.cli import main as cli_main

        return cli_main(argv)
    from gui.app import main as gui_main

    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
