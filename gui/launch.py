"""The one entry point: no arguments or only options open the app; a first word is a command, run headless.

The app takes only options (--corpus, --model), so a first argument that is a word is a command, and a
mistyped one gets the command line's usage error rather than a window. ``embedding-studio`` (the installed
command) and ``python main.py`` in a checkout both come here.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (not argv[0].startswith("-") or argv[0] in {"-h", "--help"}):
        from ..core.cli import main as cli_main

        code = cli_main(argv)
        if argv[0] in {"-h", "--help"}:  # the commands' help, then what opening the app takes
            from .options import app_options_help

            print("\n" + app_options_help().rstrip())
        return code
    from .app import main as gui_main

    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
