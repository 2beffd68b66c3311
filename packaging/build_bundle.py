"""Build a standalone Embedding Studio with PyInstaller: one folder that runs without Python installed.

    pip install -e ".[bundle]"            # PyInstaller
    python packaging/build_bundle.py      # -> dist/embedding-studio/embedding-studio, then checks it

The bundle is a folder (PyInstaller's "onedir"), not a single file: a one-file bundle unpacks itself
into a temporary folder at every start, which costs the start-up time a desktop app cannot spare. The
script stages the package as the wheel lays it out (core/, gui/ and resources/ as embedding_studio), runs
PyInstaller on a two-line entry point, then checks the product: it runs ``--self-test`` offscreen (opens
the window, trains the demo corpus, exits) and prints the folder's size and the start's CPU and wall
time. Optional heavy extras the app can live without (pyspark, gensim, umap/numba) are left out.
Not in CI: the build takes minutes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "embedding-studio"
ENTRY = '''import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the training workers are spawned processes of this same program
    from embedding_studio.gui.launch import main

    sys.exit(main())
'''
EXCLUDED = ["pyspark", "gensim", "umap", "numba", "llvmlite", "pynndescent", "tkinter", "matplotlib", "IPython",
            "pytest", "hypothesis", "PyInstaller"]


def stage(folder: Path) -> Path:
    """The package as installed (embedding_studio/core, gui, resources) and the entry script, in ``folder``."""
    package = folder / "embedding_studio"
    for part in ("core", "gui", "resources"):
        shutil.copytree(ROOT / part, package / part, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    (package / "__init__.py").write_text('"""Embedding Studio, bundled."""\n')
    entry = folder / "embedding_studio_app.py"
    entry.write_text(ENTRY)
    return entry


def build(out: Path, work: Path) -> Path:
    """Run PyInstaller; returns the bundle's executable."""
    try:
        import PyInstaller.__main__ as pyinstaller
    except ImportError:
        sys.exit("build_bundle: PyInstaller is not installed: pip install -e \".[bundle]\"")
    entry = stage(work / "stage")
    args = [str(entry), "--name", NAME, "--onedir", "--noconfirm", "--clean", "--windowed",
            "--distpath", str(out), "--workpath", str(work / "build"), "--specpath", str(work),
            "--paths", str(entry.parent), "--collect-submodules", "embedding_studio",
            "--collect-data", "embedding_studio", "--collect-submodules", "openTSNE",
            "--icon", str(ROOT / "resources" / "icon.svg")]
    for name in EXCLUDED:
        args += ["--exclude-module", name]
    pyinstaller.run(args)
    return out / NAME / NAME


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def check(executable: Path) -> int:
    """Start the bundle offscreen with --self-test, away from the checkout, with settings of its own."""
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
                   XDG_CACHE_HOME=f"{home}/cache")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run([str(executable), "--self-test"], cwd=home, env=env, capture_output=True,
                                text=True, timeout=600)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(result.stdout.strip() or result.stderr.strip()[-2000:])
    print(f"bundle: {folder_size(executable.parent) / 1e6:,.0f} MB in {executable.parent}; "
          f"--self-test (start, train the demo, close) took {wall:.1f} s wall, {cpu:.1f} s CPU; "
          f"exit {result.returncode}")
    return result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the bundle goes (%(default)s)")
    parser.add_argument("--check-only", action="store_true", help="only run the check on a bundle built before")
    args = parser.parse_args(argv)
    executable = args.out / NAME / NAME
    if not args.check_only:
        with tempfile.TemporaryDirectory() as work:
            executable = build(args.out, Path(work))
    if not executable.is_file():
        print(f"build_bundle: no bundle at {executable}", file=sys.stderr)
        return 2
    return check(executable)


if __name__ == "__main__":
    sys.exit(main())
