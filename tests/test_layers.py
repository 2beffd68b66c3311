"""The code's shape: data flows one way, and each part imports only what comes before it.

core/ is grouped by pipeline stage; a stage may import the shared base and the stages before it, never
one after it, and core/ never imports Qt. gui/ binds core to Qt. Read from the source (imports inside
functions count too), so a circle or a backward import fails here before it confuses anyone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The one import name: core/ and gui/ install as its subpackages (pyproject.toml).
PACKAGE = "embedding_studio"

#: Layers in order; a module may import from its own layer and the ones before it.
LAYERS = [
    ("base", ["core.errors", "core.config", "core.files", "core.parallel", "core.allocator", "core.durations",
              "core.session_file"]),
    ("text", ["core.text"]),  # files -> tokens -> vocabulary
    ("vectors", ["core.vectors"]),  # the model and its queries, files, evaluation
    ("train", ["core.train"]),  # makes vectors from token ids
    ("maps", ["core.maps"]),  # 2D maps of vectors (the untrained map starts where training starts)
    ("front ends", ["core.cli", "gui", "main"]),
]


def local(module: str) -> str:
    """A module's name within the checkout: embedding_studio.core.config -> core.config."""
    return module[len(PACKAGE) + 1:] if module.startswith(PACKAGE + ".") else module


def layer_of(module: str) -> str | None:
    module = local(module)
    if module == "core":  # the package itself: empty, imported by everything
        return "base"
    for name, prefixes in LAYERS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    return None


def module_name(path: Path) -> str:
    """The name ``path`` is imported by: embedding_studio.core..., embedding_studio.gui..., or main."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == "main" else [PACKAGE, *parts])


def imports_of(path: Path) -> set[str]:
    """Every project module ``path`` imports, absolute or relative, at any depth of the code; a bare
    ``core``, ``gui`` or ``main`` (the names this project no longer installs) counts too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # `from core.text import vocab`
    return {name for name in found if name.split(".")[0] in (PACKAGE, "core", "gui", "main")}


def project_files() -> list[Path]:
    return sorted([*ROOT.glob("core/**/*.py"), *ROOT.glob("gui/**/*.py"), ROOT / "main.py"])


def existing(module: str) -> str | None:
    """The module itself, or its package, if it is a file of the project (not a name inside one)."""
    while module:
        as_path = ROOT / Path(*local(module).split("."))
        if module != PACKAGE and (as_path.with_suffix(".py").exists() or (as_path / "__init__.py").exists()):
            return module
        module = module.rpartition(".")[0]
    return None


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_earlier_layers(path):
    order = [name for name, _ in LAYERS]
    own = layer_of(module_name(path))
    assert own is not None, f"{module_name(path)} belongs to no layer: add it to LAYERS"
    for target in imports_of(path):
        target = existing(target)
        if target is None or local(target) in ("core", "gui"):
            continue
        theirs = layer_of(target)
        assert theirs is not None, f"{target} belongs to no layer"
        assert order.index(theirs) <= order.index(own), f"{module_name(path)} ({own}) imports {target} ({theirs})"


def test_core_never_imports_qt():
    for path in ROOT.glob("core/**/*.py"):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                assert "PySide6" not in stripped and "pyqtgraph" not in stripped, f"{path}: {stripped}"


def test_no_import_circles_between_modules():
    packages = {None, f"{PACKAGE}.core", f"{PACKAGE}.gui"}
    graph = {module_name(p): {existing(t) for t in imports_of(p)} - packages for p in project_files()}
    visiting, done = [], set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, "import circle: " + " -> ".join(visiting[visiting.index(module):] + [module])
        visiting.append(module)
        for target in graph.get(module, ()):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in graph:
        visit(module)


def everything_that_imports_the_project() -> list[Path]:
    return sorted([*project_files(), *ROOT.glob("tests/**/*.py"), *ROOT.glob("benchmarks/**/*.py")])


@pytest.mark.parametrize("path", everything_that_imports_the_project(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_project_is_imported_by_its_one_name(path):
    # A bare ``core`` or ``gui`` would load a second copy of a module beside embedding_studio's (two
    # classes of one name: isinstance fails), or someone else's package of that name.
    bare = sorted(name for name in imports_of(path) if name.split(".")[0] in ("core", "gui", "main"))
    assert not bare, f"{path.relative_to(ROOT)} imports {bare[0]}: use {PACKAGE}.{bare[0]}"


#: What a view (gui/views/*) may import besides core and Qt: the session it listens to, the background
#: mechanism, and the pieces views are built from (widgets, plots, the map's items and the word map).
VIEW_MAY_IMPORT = {f"{PACKAGE}.gui.{name}" for name in (
    "session", "background", "views.widgets", "views.plots", "views.map_items", "views.moving_scatter",
    "views.word_map", "views.map_colours", "views.map_labels", "views.map_toolbar", "views.map_trails")}
#: The pieces themselves import only each other, besides core and Qt.
VIEW_PIECES = {name for name in VIEW_MAY_IMPORT if ".views." in name}


@pytest.mark.parametrize("path", sorted(ROOT.glob("gui/views/*.py")), ids=lambda p: p.name)
def test_views_import_only_the_session_the_background_and_the_pieces_they_are_built_from(path):
    own = module_name(path)
    allowed = VIEW_PIECES if own in VIEW_PIECES else VIEW_MAY_IMPORT
    for target in imports_of(path):
        target = existing(target)
        if target is None or target == own or target in (f"{PACKAGE}.gui", f"{PACKAGE}.gui.views") \
                or target.startswith(f"{PACKAGE}.core"):
            continue
        assert target in allowed, f"{own} imports {target}: a view imports the session, the background and {sorted(allowed)}"
