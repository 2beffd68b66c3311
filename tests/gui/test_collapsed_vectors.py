"""The app says when a model's vectors collapsed, under the model in the corpus panel, as the command line
does: for a model trained here and for one opened from a file; a trained model shows nothing."""

import numpy as np

from embedding_studio.core.text.vocab import Vocab
from embedding_studio.core.vectors.io import save_model
from embedding_studio.core.vectors.model import Model
from embedding_studio.gui.background import wait_for_background
from tests.core.test_health import zipf_text

from .conftest import train, wait_idle


def warning_of(qtbot, window) -> str:
    """The collapse line's text once the check has answered ("" when it stays hidden)."""
    wait_for_background()
    qtbot.wait(50)  # the answer is delivered through the event loop
    line = window.corpus_panel.collapse_line
    return line.text() if line.isVisible() else ""


def test_a_model_trained_on_too_little_text_is_reported(qtbot, window, tmp_path):
    corpus = tmp_path / "zipf.txt"
    corpus.write_text(zipf_text(), encoding="utf-8")  # the case: 60,000 tokens at dim 100, 5 epochs
    window.files.open_corpus([str(corpus)])
    qtbot.waitUntil(lambda: window.session.source.title() == "zipf.txt", timeout=20_000)
    wait_idle(qtbot, window)
    window.settings_panel.spins["dim"].setValue(100)
    window.settings_panel.spins["window"].setValue(5)
    train(qtbot, window, epochs=5)
    qtbot.waitUntil(lambda: window.corpus_panel.collapse_line.isVisible(), timeout=10_000)
    text = window.corpus_panel.collapse_line.text()
    assert text.startswith("Collapsed vectors: the 1,144 most frequent words point nearly the same way"), text
    assert "more epochs" in text and "more text" in text and "fewer dimensions" in text


def test_a_trained_model_shows_no_warning_and_an_opened_collapsed_one_does(qtbot, trained, tmp_path):
    window = trained
    assert warning_of(qtbot, window) == ""
    rng = np.random.default_rng(0)
    vocab = Vocab([f"w{i}" for i in range(500)], np.arange(500, 0, -1))
    bunched = rng.normal(size=(500, 32)).astype(np.float32) * 0.05 + 1.0
    path = tmp_path / "bunched.npz"
    save_model(Model(vocab, bunched), path)
    window.files.open_model(str(path))
    qtbot.waitUntil(lambda: window.session.model_path == str(path), timeout=20_000)
    assert warning_of(qtbot, window).startswith("Collapsed vectors: the 500 most frequent words")
    window.session.set_model(None)
    assert warning_of(qtbot, window) == ""
