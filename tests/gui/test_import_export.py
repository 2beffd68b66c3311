"""Opening word2vec / GloVe vectors to explore them, and exporting vectors and plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedding_studio.core.vectors.io import load_any

from .conftest import wait_idle, wait_query


def small_glove(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "dog", "cat"] + [f"w{i}" for i in range(60)]
    vectors = rng.normal(size=(len(words), 5))
    vectors[1] = vectors[0] + 0.05  # queen next to king
    path = folder / "glove.txt"
    path.write_text("".join(f"{w} {' '.join(f'{x:.5f}' for x in v)}\n" for w, v in zip(words, vectors)))
    return path


def test_open_glove_vectors_and_explore(qtbot, window, tmp_path):
    path = small_glove(tmp_path)
    seen = []
    original = window.files._reading_progress
    window.files._reading_progress = lambda done, total: (seen.append((done, total)), original(done, total))
    window.files.open_model(str(path))
    qtbot.waitUntil(lambda: window.session.model_path == str(path), timeout=10_000)
    wait_idle(qtbot, window)
    assert len(window.session.model) == 66 and window.session.model.dim == 5
    assert seen and seen[0][1] == path.stat().st_size
    window.search_panel.search("king")
    wait_query(qtbot, window.search_panel)
    assert window.search_panel.table.item(0, 0).text() == "queen"
    assert window.embedding_view.point_count() == 66
    window.analogy_panel.edit.setText("king - man + woman")
    window.analogy_panel.solve()
    wait_query(qtbot, window.analogy_panel)
    assert window.analogy_panel.results()


def test_exports(qtbot, trained, tmp_path, errors):
    trained.files.export_projector_to(str(tmp_path / "projector"))
    qtbot.waitUntil(lambda: (tmp_path / "projector" / "metadata.tsv").exists(), timeout=10_000)
    metadata = (tmp_path / "projector" / "metadata.tsv").read_text().splitlines()
    assert metadata == trained.session.model.words
    trained.files.export_word2vec_to(str(tmp_path / "v.txt"), binary=False)
    trained.files.export_word2vec_to(str(tmp_path / "v.w2v"), binary=True)
    qtbot.waitUntil(lambda: (tmp_path / "v.txt").exists() and (tmp_path / "v.w2v").exists(), timeout=10_000)
    assert (tmp_path / "v.w2v").read_bytes()[:40].count(b"\n") == 1  # binary: only the header is text
    assert np.allclose(load_any(tmp_path / "v.w2v").vectors, trained.session.model.vectors)
    trained.session.select(["king"])
    for which in ("map", "loss"):
        for suffix in ("png", "svg"):
            path = tmp_path / f"{which}.{suffix}"
            assert trained.files.export_plot(which, str(path))
            assert path.stat().st_size > 1000
    assert (tmp_path / "map.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "loss.svg").read_text()[:2000]
    svg = (tmp_path / "map.svg").read_text()
    assert ">king<" in svg  # labels are text
    assert "<image" not in svg  # points are shapes, not pieces of the screen's symbol cache
    assert not trained.files.export_plot("map", str(tmp_path / "no" / "such" / "folder" / "map.png"))
    assert errors and errors[-1][0] == "critical"
