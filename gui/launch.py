"""The one entry point: no arguments or only options open the app; a first word is a command, run headless.

The app takes only options (--corpus, --model), so a first argument that is a word is a command, and a
mistyped one gets the command line's usage error rather than a window. ``embedding-studio`` (the installed
command) and ``python main.py`` in a checkout both come here.
"""

from __future__ import annotations

import argparse
import sys


def app_parser() -> argparse.ArgumentParser:
    """The app's own options (the window opens with them); ``--help`` lists them after the commands'."""
    parser = argparse.ArgumentParser(prog="embedding-studio", description=(
        "Train word2vec skip-gram embeddings on your own texts, watch them learn, explore the result."))
    parser.add_argument("--corpus", metavar="PATH", action="append",
                        help="a .txt file or a folder of them to open (may be given more than once)")
    parser.add_argument("--model", metavar="MODEL", help="a saved model (.npz) or word2vec/GloVe vectors to explore")
    return parser


def app_options_help() -> str:
    """The app's options as --help lists them: "--corpus PATH ..." and "--model MODEL ..."."""
    text = app_parser().format_help()
    options = text[text.index("options:"):].split("\n", 1)[1]
    return "the app's options (without a command):\n" + options


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (not argv[0].startswith("-") or argv[0] in {"-h", "--help"}):
        from ..core.cli import main as cli_main

        code = cli_main(argv)
        if argv[0] in {"-h", "--help"}:  # the commands' help, then what opening the app takes
            print("\n" + app_options_help().rstrip())
        return code
    from .app import main as gui_main

    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
