"""The app's own command-line options (``--corpus``, ``--model``), written once: the app parses them and
``--help`` lists them after the commands' (gui.launch), without importing Qt."""

from __future__ import annotations

import argparse


def app_parser() -> argparse.ArgumentParser:
    """The options the window opens with."""
    parser = argparse.ArgumentParser(prog="embedding-studio", description=(
        "Train word2vec skip-gram embeddings on your own texts, watch them learn, explore the result."))
    parser.add_argument("--corpus", metavar="PATH", action="append",
                        help="a .txt file or a folder of them to open (may be given more than once)")
    parser.add_argument("--model", metavar="MODEL", help="a saved model (.npz) or word2vec/GloVe vectors to explore")
    parser.add_argument("--session", metavar="FILE", help="a saved session (.esession) to bring back")
    parser.add_argument("--self-test", action="store_true",
                        help="open the window, train the demo corpus for two epochs, print one line and exit "
                             "(checks an installation; with QT_QPA_PLATFORM=offscreen it needs no display)")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add Embedding Studio to the desktop's application menu ($XDG_DATA_HOME), then exit")
    return parser


def app_options_help() -> str:
    """The app's options as --help lists them: "--corpus PATH ..." and "--model MODEL ..."."""
    text = app_parser().format_help()
    options = text[text.index("options:"):].split("\n", 1)[1]
    return "the app's options (without a command):\n" + options
