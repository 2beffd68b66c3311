"""The README names every X11 library Qt's xcb plugin links to, so a bare Linux can install them."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="Linux's ldd")
def test_readme_lists_the_xcb_plugins_libraries():
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        pytest.skip(f"no xcb plugin at {plugin}")
    linked = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    needed = set(re.findall(r"\blib(xcb-[a-z-]+|xkbcommon-x11)\.so", linked))
    assert needed, linked
    text = README.read_text()
    missing = [name for name in sorted(needed) if f"lib{name}" not in text]
    assert not missing, f"README's apt-get line lacks {missing}"
