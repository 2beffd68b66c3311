"""Issue 4 in the app: evaluation (on demand and per epoch), import/export, compare, t-SNE, Gutenberg."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from core.vectors.io import load_any
from core.vectors.model import Model
from core.text.vocab import Vocab
from gui.views.evaluation_panel import ANALOGIES, PAIRS, gensim_presets, guess_kind

from .conftest import train, wait_idle, wait_query

NATIONS = [("france", "paris"), ("germany", "berlin"), ("italy", "rome"), ("spain", "madrid"),
           ("japan", "tokyo"), ("china", "beijing"), ("russia", "moscow"), ("greece", "athens")]


def demo_pairs(folder: Path) -> Path:
    """Word pairs about the demo corpus's planted words (related pairs score high)."""
    rows = [("king", "queen", 9), ("man", "woman", 8.5), ("prince", "princess", 8.5), ("dog", "cat", 7),
            ("paris", "france", 8), ("berlin", "germany", 8), ("red", "blue", 7), ("one", "two", 7),
            ("bread", "cheese", 6.5), ("king", "bread", 1), ("dog", "paris", 0.5), ("red", "queen", 0.8),
            ("one", "cat", 0.7), ("cheese", "berlin", 0.6), ("blue", "prince", 1.2), ("nosuchword", "king", 5)]
    path = folder / "demo-pairs.tsv"
    path.write_text("word1\tword2\tscore\n" + "".join(f"{a}\t{b}\t{s}\n" for a, b, s in rows))
    return path


def demo_analogies(folder: Path) -> Path:
    lines = [": royalty", "man woman king queen", "boy girl prince princess", ": capitals"]
    lines += [f"{a} {b} {c} {d}" for (a, b), (c, d) in zip(NATIONS, NATIONS[1:] + NATIONS[:1])]
    lines += ["zzz yyy king queen"]  # an unknown word: skipped
    path = folder / "demo-questions.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def use_demo_benchmarks(panel, folder: Path) -> tuple[Path, Path]:
    panel.list.clear()
    pairs, analogies = demo_pairs(folder), demo_analogies(folder)
    panel.add_files([str(pairs), str(analogies)])
    return pairs, analogies


# ------------------------------------------------------------------------------------- evaluation
def test_presets_and_kind_guess(tmp_path):
    names = {b.name: b for b in gensim_presets()}
    assert names["WordSim-353"].kind == PAIRS and Path(names["WordSim-353"].path).is_file()
    assert names["Google analogies"].kind == ANALOGIES
    assert guess_kind(str(demo_pairs(tmp_path))) == PAIRS
    assert guess_kind(str(demo_analogies(tmp_path))) == ANALOGIES


def test_evaluate_button_fills_the_table(qtbot, trained, tmp_path, errors):
    panel = trained.evaluation_panel
    trained.tabs.setCurrentWidget(panel)
    use_demo_benchmarks(panel, tmp_path)
    panel.evaluate_button.click()
    qtbot.waitUntil(lambda: panel.idle and panel.tree.topLevelItemCount() > 0, timeout=20_000)
    rows = panel.rows()
    assert [r[1] for r in rows] == ["Spearman", "Pearson", "accuracy"]
    assert float(rows[0][2]) > 0.3  # related demo words are closer than unrelated ones
    assert "15/16 pairs" in rows[0][3] and "OOV 6%" in rows[0][3]
    assert "1 skipped" in rows[2][3]
    sections = panel.tree.topLevelItem(2)
    assert [sections.child(i).text(0) for i in range(sections.childCount())] == ["royalty", "capitals"]
    assert errors == []


def test_evaluate_with_a_bad_file(qtbot, trained, tmp_path, errors):
    panel = trained.evaluation_panel
    panel.list.clear()
    bad = tmp_path / "bad.txt"
    bad.write_text("king queen\nman woman lots\n")
    panel.add_files([str(bad), str(demo_pairs(tmp_path))])
    panel.evaluate()
    qtbot.waitUntil(lambda: panel.idle and bool(errors), timeout=20_000)
    assert errors[0][0] == "warning" and "bad.txt" in errors[0][2]
    rows = panel.rows()
    assert rows[0][1] == "error" and rows[1][1] == "Spearman"  # the good file still has its result


def test_evaluate_without_model_or_files(window, errors):
    panel = window.evaluation_panel
    assert not panel.evaluate_button.isEnabled()
    panel.evaluate()
    assert "No model" in panel.message.text() and errors == []


def test_per_epoch_evaluation_draws_the_quality_curve(qtbot, window, tmp_path):
    panel = window.evaluation_panel
    use_demo_benchmarks(panel, tmp_path)
    panel.epoch_check.setChecked(True)
    assert window.quality_plot.isVisibleTo(window)
    train(qtbot, window, epochs=3)
    qtbot.waitUntil(lambda: panel.idle and window.quality_plot.points
                    and window.quality_plot.points["demo-pairs.tsv Spearman"][0][-1:] == [3.0], timeout=20_000)
    curves = window.quality_plot.points
    assert set(curves) == {"demo-pairs.tsv Spearman", "demo-questions.txt accuracy"}
    epochs = curves["demo-pairs.tsv Spearman"][0]  # an epoch may be skipped if evaluation lags training
    assert epochs[0] == 1.0 and epochs[-1] == 3.0 and epochs == sorted(set(epochs))
    assert panel.message.text().startswith("Epoch 3:")


def test_epoch_vectors_are_copies_only_when_asked(qtbot):
    from core.config import TrainConfig
    from core.text.demo import demo_corpus
    from gui.training import TrainingThread

    corpus = demo_corpus()
    thread = TrainingThread(corpus.ids, corpus.vocab, TrainConfig(dim=8, epochs=2, workers=1), top_words=20)
    ends, done = [], []
    thread.epochFinished.connect(ends.append)
    thread.trainingFinished.connect(done.append)
    thread.set_epoch_vectors(True)
    with qtbot.waitSignal(thread.finished, timeout=60_000):
        thread.start()
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert [e["vectors"].shape for e in ends] == [(len(corpus.vocab), 8)] * 2
    assert not np.array_equal(ends[0]["vectors"], ends[1]["vectors"])
    assert np.array_equal(ends[1]["vectors"], done[0].vectors) and ends[1]["vectors"] is not done[0].vectors


# ---------------------------------------------------------------------------------- import / export
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
    original = window._reading_progress
    window._reading_progress = lambda done, total: (seen.append((done, total)), original(done, total))
    window.open_model(str(path))
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
    trained.export_projector_to(str(tmp_path / "projector"))
    qtbot.waitUntil(lambda: (tmp_path / "projector" / "metadata.tsv").exists(), timeout=10_000)
    metadata = (tmp_path / "projector" / "metadata.tsv").read_text().splitlines()
    assert metadata == trained.session.model.words
    trained.export_word2vec_to(str(tmp_path / "v.txt"), binary=False)
    trained.export_word2vec_to(str(tmp_path / "v.w2v"), binary=True)
    qtbot.waitUntil(lambda: (tmp_path / "v.txt").exists() and (tmp_path / "v.w2v").exists(), timeout=10_000)
    assert (tmp_path / "v.w2v").read_bytes()[:40].count(b"\n") == 1  # binary: only the header is text
    assert np.allclose(load_any(tmp_path / "v.w2v").vectors, trained.session.model.vectors)
    trained.session.select(["king"])
    for which in ("map", "loss"):
        for suffix in ("png", "svg"):
            path = tmp_path / f"{which}.{suffix}"
            assert trained.export_plot(which, str(path))
            assert path.stat().st_size > 1000
    assert (tmp_path / "map.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "loss.svg").read_text()[:2000]
    svg = (tmp_path / "map.svg").read_text()
    assert ">king<" in svg  # labels are text
    assert "<image" not in svg  # points are shapes, not pieces of the screen's symbol cache
    assert not trained.export_plot("map", str(tmp_path / "no" / "such" / "folder" / "map.png"))
    assert errors and errors[-1][0] == "critical"


# ---------------------------------------------------------------------------------------- compare
def test_compare_with_another_model(qtbot, trained, tmp_path, errors):
    model = trained.session.model
    rng = np.random.default_rng(1)
    other = Model(Vocab(list(model.words), model.counts), model.vectors + rng.normal(0, 0.3, model.vectors.shape))
    from core.vectors.io import save_model

    save_model(other, tmp_path / "other.npz")
    dialog = trained.compare_with(str(tmp_path / "other.npz"))
    qtbot.waitUntil(lambda: dialog.right is not None, timeout=10_000)
    dialog.compare("king")
    wait_query(qtbot, dialog)
    assert dialog.left_table.rowCount() == 10 and dialog.right_table.rowCount() == 10
    shared = dialog.shared_rows(dialog.left_table)
    assert shared and set(shared) == set(dialog.shared_rows(dialog.right_table))
    assert f"{len(shared) / 10:.2f}" in dialog.overlap_label.text()
    qtbot.waitUntil(lambda: dialog.mean is not None, timeout=20_000)
    assert 0 < dialog.mean <= 1 and "most frequent shared words" in dialog.mean_label.text()
    dialog.compare("qeen")
    wait_query(qtbot, dialog)
    assert "not in" in dialog.message.text() and dialog.left_table.rowCount() == 0
    dialog.open_model(str(tmp_path / "missing.npz"))
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    assert errors and "missing.npz" in errors[-1][2] and dialog.right is not None  # the old one stays
    dialog.close()


def test_compare_needs_a_model(window, errors):
    assert window.compare_with("x.npz") is None
    assert errors[0][1] == "Nothing to compare"


# ------------------------------------------------------------------------------------------ t-SNE
def test_tsne_on_demand_and_back_to_pca(qtbot, trained):
    view = trained.embedding_view
    view.word_count.setValue(60)
    qtbot.waitUntil(lambda: view.point_count() == 60, timeout=10_000)
    pca = trained.session.frame
    view.projection.setCurrentIndex(1)  # the user picks t-SNE
    assert trained.projection == "tsne" and view.tsne_cancel.isVisible()
    qtbot.waitUntil(lambda: trained.session.frame.extra.get("projection") == "tsne", timeout=30_000)
    assert not view.tsne_cancel.isVisible()
    assert len(trained.session.frame) == 60 and not np.allclose(trained.session.frame.coords, pca.coords)
    trained.search_panel.search("king")  # search, selection and highlighting work on the t-SNE map
    wait_query(qtbot, trained.search_panel)
    assert "king" in view.labelled_words()
    qtbot.waitUntil(lambda: not trained._projecting, timeout=30_000)
    assert trained.session.frame.extra.get("projection") == "tsne"
    assert set(trained.session.highlighted) <= set(view.drawn_words())
    trained.set_projection("pca")
    qtbot.waitUntil(lambda: not trained._projecting, timeout=30_000)
    assert trained.session.frame.extra.get("projection", "pca") == "pca"
    assert view.projection_mode() == "pca" and trained.projection_actions["pca"].isChecked()


def test_tsne_cancel_and_training_switches_back(qtbot, trained):
    view = trained.embedding_view
    trained.set_projection("tsne")
    assert view.tsne_cancel.isVisible()
    view.tsne_cancel.click()
    assert trained.projection == "pca" and not view.tsne_cancel.isVisible()
    qtbot.waitUntil(lambda: not trained._projecting, timeout=30_000)
    assert trained.session.frame.extra.get("projection", "pca") == "pca"
    trained.set_projection("tsne")
    trained.settings_panel.train_button.click()  # training again: back to the live PCA
    assert trained.projection == "pca" and view.projection_mode() == "pca"
    qtbot.waitUntil(lambda: trained.training is None, timeout=60_000)
    qtbot.waitUntil(lambda: not trained._projecting, timeout=30_000)
    assert trained.session.frame.extra.get("projection", "pca") == "pca"


# -------------------------------------------------------------------------------------- Gutenberg
BOOK = ("*** START OF THE PROJECT GUTENBERG EBOOK TEST ***\n"
        + "Alyosha walked to the monastery and thought about his brothers.\n" * 400
        + "*** END OF THE PROJECT GUTENBERG EBOOK TEST ***\nLicence.\n").encode()


@pytest.fixture
def gutenberg_server(monkeypatch, tmp_path):
    """A fake Project Gutenberg on 127.0.0.1: ids 1 and 2 exist, anything else is 404."""
    monkeypatch.setenv("EMBEDDING_STUDIO_CACHE", str(tmp_path / "cache"))

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            match = re.fullmatch(r"/cache/epub/(\d+)/pg\d+\.txt", self.path)
            if not match or match.group(1) not in ("1", "2"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(BOOK)))
            self.end_headers()
            self.wfile.write(BOOK)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_gutenberg_download_and_open(qtbot, window, gutenberg_server, tmp_path, errors):
    dialog = window.show_gutenberg_dialog()
    dialog.mirror = gutenberg_server
    dialog.article_button.click()
    assert dialog.ids_edit.text().split() == ["28054", "2638", "8117", "600", "40745"]
    assert "Embedding Studio" in dialog.folder_edit.text()  # a default under the user's documents
    dialog.ids_edit.setText("1, 2")
    dialog.folder_edit.setText(str(tmp_path / "books"))
    dialog.download_button.click()
    assert dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.open_button.isEnabled(), timeout=10_000)
    assert dialog.progress.value() == 1000 and "Downloaded 2 books" in dialog.status.text()
    assert sorted(p.name for p in (tmp_path / "books").iterdir()) == ["pg1.txt", "pg2.txt"]
    dialog.open_button.click()
    qtbot.waitUntil(lambda: window.session.source.paths == [str(tmp_path / "books")], timeout=10_000)
    assert "alyosha" in window.session.corpus.vocab.index
    assert errors == []


def test_gutenberg_errors(qtbot, window, gutenberg_server, tmp_path, errors):
    dialog = window.show_gutenberg_dialog()
    dialog.mirror = gutenberg_server
    dialog.folder_edit.setText(str(tmp_path / "books"))
    dialog.ids_edit.setText("12x")
    dialog.download()
    assert errors[-1][0] == "critical" and "invalid ebook id" in errors[-1][2]
    dialog.ids_edit.setText("")
    dialog.download()
    assert "at least one ebook id" in errors[-1][2]
    dialog.ids_edit.setText("1 999")
    dialog.download()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert "no such ebook: 999" in errors[-1][2] and "no such ebook: 999" in dialog.status.text()
    assert not dialog.open_button.isEnabled()


def test_gutenberg_cancel(qtbot, window, tmp_path, monkeypatch, errors):
    """Cancel ends the download at its next progress report (fetch replaced: no network, no server)."""
    from core.text import gutenberg

    started, release = threading.Event(), threading.Event()

    def slow_fetch(ids, out_dir, mirror=None, progress=None, **kwargs):
        for done in range(1000):
            progress(ids[0], done, 1000)
            started.set()
            release.wait(0.01)
        return [Path(out_dir) / "pg1.txt"]

    monkeypatch.setattr(gutenberg, "fetch", slow_fetch)
    dialog = window.show_gutenberg_dialog()
    dialog.ids_edit.setText("1")
    dialog.folder_edit.setText(str(tmp_path / "books"))
    dialog.download()
    qtbot.waitUntil(started.is_set, timeout=5_000)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=5_000)
    dialog.cancel_button.click()
    assert not dialog.running and dialog.status.text() == "Cancelled." and dialog.download_button.isEnabled()
    wait_idle(qtbot, window)
    from gui.background import wait_for_background

    assert wait_for_background(5_000)
    qtbot.wait(50)
    assert dialog.status.text() == "Cancelled." and not dialog.open_button.isEnabled() and errors == []
