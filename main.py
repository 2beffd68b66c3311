"""Embedding Studio from a checkout: `python main.py` opens the app; `python main.py COMMAND ...` runs headless.

The code is the package ``embedding_studio`` (core/ and gui/ are its ``core`` and ``gui``); installed, the
``embedding-studio`` command does what this file does. This file runs the code of the checkout it sits in,
even where another copy is installed (a benchmark in a git worktree of an older commit measures that commit).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent


def use_this_checkout() -> None:
    """Make ``embedding_studio`` this checkout's folders (core/, gui/, resources/), unless already imported."""
    if "embedding_studio" not in sys.modules and (CHECKOUT / "core" / "__init__.py").is_file():
        package = types.ModuleType("embedding_studio", "This checkout's core/, gui/ and resources/.")
        package.__path__ = [str(CHECKOUT)]
        sys.modules["embedding_studio"] = package


if __name__ in ("__main__", "__mp_main__"):  # (worker processes run this file again as __mp_main__)
    use_this_checkout()

if __name__ == "__main__":
    try:
        from embedding_studio.gui.launch import main
    except KeyboardInterrupt:  # Ctrl-C while Python still imports: one line, no traceback (#25)
        print("\ninterrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
