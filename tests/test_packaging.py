"""The wheel: one top-level package, embedding_studio, with the icon and the data files inside it."""

from __future__ import annotations

import os
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


# -- the wheel installed as a user installs it (not editable), run from a folder far from the checkout

COMMANDS = ["train", "export", "similar", "evaluate", "fetch-gutenberg", "train-spark", "compare", "weat", "axis",
            "stability", "concordance", "contexts", "history"]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed in it, non-editable; its dependencies are the
    ones this Python already has (a path file, so nothing is downloaded), never this checkout's code."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--clear", str(venv)], check=True, timeout=120)
    (site,) = venv.glob("lib/python*/site-packages")
    dependencies = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "dependencies.pth").write_text("\n".join(dependencies) + "\n")
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                             "--no-deps", "-q", wheel.filename], capture_output=True, text=True, timeout=300)
    if result.returncode != 0 and "no such option: --python" in result.stderr:
        pytest.skip("this pip cannot install into another environment (--python needs pip 22.3)")
    assert result.returncode == 0, result.stderr
    return venv


def run_installed(venv: Path, *args: str, cwd: Path, env: dict | None = None, timeout: int = 300):
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environment.update(env or {})
    return subprocess.run([str(venv / "bin" / "embedding-studio"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=environment)


def test_the_installed_command_runs_every_subcommand_from_any_folder(installed, tmp_path):
    where = subprocess.run([str(installed / "bin" / "python"), "-c",
                            "import embedding_studio.core, embedding_studio.gui; "
                            "print(embedding_studio.core.__file__); print(embedding_studio.gui.__file__)"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(installed)) for line in where.stdout.split()), where.stdout  # not the checkout
    usage = run_installed(installed, "--help", cwd=tmp_path)
    assert usage.returncode == 0 and all(c in usage.stdout for c in COMMANDS), usage.stdout
    for command in COMMANDS:
        result = run_installed(installed, command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and "usage: " in result.stdout, (command, result.stderr)
    from embedding_studio.core.text.demo import demo_text

    (tmp_path / "texts.txt").write_text(demo_text(sentences=3000), encoding="utf-8")
    trained = run_installed(installed, "train", "texts.txt", "--out", "m.npz", "--epochs", "2", "--dim", "16",
                            "--workers", "1", cwd=tmp_path)
    assert trained.returncode == 0 and (tmp_path / "m.npz").is_file(), trained.stderr
    similar = run_installed(installed, "similar", "m.npz", "king", "-n", "3", cwd=tmp_path)
    assert similar.returncode == 0 and len(similar.stdout.strip().splitlines()) >= 3, similar.stderr
    exported = run_installed(installed, "export", "m.npz", "--format", "word2vec", "--out", "m.txt", cwd=tmp_path)
    assert exported.returncode == 0 and (tmp_path / "m.txt").read_text().split()[1] == "16", exported.stderr
    bad = run_installed(installed, "similar", "missing.npz", "king", cwd=tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr


def test_the_installed_app_opens_trains_the_demo_and_exits(installed, tmp_path):
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = run_installed(installed, "--self-test", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("self-test: ok: trained") and "for 2 epochs" in result.stdout
    assert not list((tmp_path / "data").rglob("recovery-*"))  # a clean close leaves no recovery copy


def test_the_desktop_entry_goes_to_xdg_data_home_and_starts_the_installed_command(installed, tmp_path):
    data = tmp_path / "data"
    result = run_installed(installed, "--install-desktop-entry", cwd=tmp_path, env={"XDG_DATA_HOME": str(data)})
    assert result.returncode == 0 and str(data) in result.stdout, result.stderr
    entry = (data / "applications" / "embedding-studio.desktop").read_text()
    assert f"Exec={installed / 'bin' / 'embedding-studio'}\n" in entry
    assert "Icon=embedding-studio\n" in entry and entry.startswith("[Desktop Entry]\n")
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "embedding-studio.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "icon.svg").read_bytes()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    refused = run_installed(installed, "--install-desktop-entry", cwd=tmp_path, env={"XDG_DATA_HOME": str(blocked)})
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "cannot install" in refused.stderr
