"""The wheel: one top-level package, embedding_studio, with the icon and the data files inside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    # Built from a copy of what the wheel is made of, so no build/ or .egg-info lands in the checkout.
    source = tmp_path_factory.mktemp("source")
    for folder in ("core", "gui", "resources"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and "No matching distribution found for setuptools" in result.stderr:
        pytest.skip("cannot build a wheel here: setuptools is not reachable for the build environment")
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_installs_one_top_level_package(wheel):
    names = wheel.namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"embedding_studio"}
    for inside in ("embedding_studio/resources/icon.svg", "embedding_studio/core/vectors/data/weat_sets.json",
                   "embedding_studio/core/config.py", "embedding_studio/gui/launch.py"):
        assert inside in names, inside
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "embedding-studio = embedding_studio.gui.launch:main" in wheel.read(entry_points).decode()


def test_the_checkout_launcher_and_the_module_agree():
    # `python main.py --help` and `python -m embedding_studio.gui.launch --help`: the same command line.
    ours = [subprocess.run([sys.executable, *how, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
            for how in (["main.py"], ["-m", "embedding_studio.gui.launch"])]
    assert all(r.returncode == 0 for r in ours), [r.stderr for r in ours]
    assert ours[0].stdout.split("\n", 1)[1] == ours[1].stdout.split("\n", 1)[1]  # past the program's name
