"""packaging/build_bundle.py: what it stages for PyInstaller (always), and the bundle itself (only when asked:
EMBEDDING_STUDIO_BUILD_BUNDLE=1 and PyInstaller installed; the build takes minutes, so not in CI)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def build_bundle():
    spec = importlib.util.spec_from_file_location("build_bundle", ROOT / "packaging" / "build_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_staged_package_is_laid_out_as_installed_and_its_entry_runs_the_launcher(tmp_path):
    entry = build_bundle().stage(tmp_path)
    package = tmp_path / "embedding_studio"
    for inside in ("resources/icon.svg", "core/vectors/data/weat_sets.json", "gui/launch.py", "core/session_file.py"):
        assert (package / inside).is_file(), inside
    assert not list(package.rglob("__pycache__")) and not list(package.rglob("*.png"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(tmp_path)
    usage = subprocess.run([sys.executable, str(entry), "--help"], capture_output=True, text=True, timeout=120,
                           cwd=tmp_path, env=env)
    assert usage.returncode == 0 and "train" in usage.stdout, usage.stderr
    source = subprocess.run([sys.executable, "-c", "import embedding_studio.gui.launch as l; print(l.__file__)"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert source.stdout.strip().startswith(str(package)), source.stdout  # the staged copy, not the checkout


@pytest.mark.skipif(os.environ.get("EMBEDDING_STUDIO_BUILD_BUNDLE") != "1",
                    reason="building the bundle takes minutes: set EMBEDDING_STUDIO_BUILD_BUNDLE=1 to run it")
def test_the_bundle_builds_starts_offscreen_trains_the_demo_and_exits(tmp_path):
    pytest.importorskip("PyInstaller", reason="pip install -e \".[bundle]\"")
    result = subprocess.run([sys.executable, str(ROOT / "packaging" / "build_bundle.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=3000)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "self-test: ok: trained" in result.stdout and "bundle: " in result.stdout
