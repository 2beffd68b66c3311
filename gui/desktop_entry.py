"""``embedding-studio --install-desktop-entry``: the app in a Linux desktop's application menu.

Writes, per the freedesktop.org specifications, ``$XDG_DATA_HOME/applications/embedding-studio.desktop``
(its Exec line is the command that is running now, so it works from a pipx or a virtual environment)
and the icon as ``$XDG_DATA_HOME/icons/hicolor/scalable/apps/embedding-studio.svg`` (XDG_DATA_HOME
defaults to ~/.local/share). Both written atomically; nothing needs root.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from embedding_studio.core.files import atomic_write

APP_ID = "embedding-studio"
ICON = Path(__file__).resolve().parent.parent / "resources" / "icon.svg"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """How to start this app again: the installed ``embedding-studio`` that runs now, or else this Python
    running the launcher module."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == APP_ID and script.exists():
        return [str(script.resolve())]
    found = shutil.which(APP_ID)
    if found:
        return [found]
    return [sys.executable, "-m", "embedding_studio.gui.launch"]


def entry_text(command: list[str]) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Embedding Studio",
        "GenericName=Word embedding trainer",
        "Comment=Train word embeddings on your own texts, watch them learn, explore the result",
        f"Exec={' '.join(shlex.quote(part) for part in command)}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;DataVisualization;",
        "StartupWMClass=embedding-studio",
        "",
    ])


def install(home: Path | None = None) -> tuple[Path, Path]:
    """Write the desktop entry and the icon under ``home`` (XDG_DATA_HOME); returns their paths."""
    home = home or data_home()
    entry = home / "applications" / f"{APP_ID}.desktop"
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    for path in (entry, icon):
        path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(entry, "w") as handle:
        handle.write(entry_text(launch_command()))
    with atomic_write(icon, "wb") as handle:
        handle.write(ICON.read_bytes())
    return entry, icon


def install_from_command_line() -> int:
    """The command-line flag: one line saying where the files went, or why not (exit 2)."""
    try:
        entry, icon = install()
    except OSError as error:
        print(f"embedding-studio: cannot install the desktop entry: {error.strerror or error}"
              f"{' (' + str(error.filename) + ')' if error.filename else ''}", file=sys.stderr)
        return 2
    print(f"Installed {entry} and {icon}; Embedding Studio is in the desktop's application menu.")
    return 0
