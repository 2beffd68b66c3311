"""The evaluation panel: benchmark files evaluated on demand and at each epoch end (the quality curve)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .conftest import train

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


# -------------------------------------------------------------------------------------- on demand
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


# -------------------------------------------------------------------------------------- per epoch
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
    from embedding_studio.core.config import TrainConfig
    from embedding_studio.core.text.demo import demo_corpus
    from embedding_studio.gui.training import TrainingThread

    corpus = demo_corpus()
    thread = TrainingThread(corpus.ids, corpus.vocab, TrainConfig(dim=8, epochs=2, workers=1), top_words=20)
    ends, done = [], []
    thread.epochFinished.connect(ends.append)
    thread.trainingFinished.connect(done.append)
    thread.set_epoch_vectors(True)
    with qtbot.waitSignal(thread.finished, timeout=60_000):
        thread.start()
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert [e.vectors.shape for e in ends] == [(len(corpus.vocab), 8)] * 2
    assert not np.array_equal(ends[0].vectors, ends[1].vectors)
    assert np.array_equal(ends[1].vectors, done[0].vectors) and ends[1].vectors is not done[0].vectors
