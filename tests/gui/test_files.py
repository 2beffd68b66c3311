"""Save and reopen, export, drag and drop, and bad input: a clear message, the app and data intact."""

import numpy as np

from embedding_studio.core.vectors.io import load_any

from .conftest import wait_idle, wait_query


def test_save_and_reopen(qtbot, trained, tmp_path):
    path = tmp_path / "model.npz"
    trained.files.save_model_to(str(path))
    qtbot.waitUntil(path.exists, timeout=10_000)
    qtbot.waitUntil(lambda: "Saved" in trained.status_line.text(), timeout=10_000)
    saved = trained.session.model
    trained.files.open_model(str(path))
    qtbot.waitUntil(lambda: trained.session.model is not saved, timeout=10_000)
    wait_idle(qtbot, trained)
    assert np.allclose(trained.session.model.vectors, saved.vectors)
    assert trained.session.model_path == str(path)
    assert len(trained.loss_plot.epoch_y) == 2
    trained.search_panel.search("queen")
    wait_query(qtbot, trained.search_panel)
    assert trained.search_panel.table.rowCount() >= 5


def test_export_word2vec(qtbot, trained, tmp_path):
    path = tmp_path / "vectors.txt"
    trained.files.export_word2vec_to(str(path))
    # the job done, not just its file (the folder is synced after the rename)
    qtbot.waitUntil(lambda: path.exists() and not trained.files.writes, timeout=10_000)
    assert len(load_any(path)) == len(trained.session.model)


def test_recent_corpora_and_drop(qtbot, window, tmp_path):
    from embedding_studio.gui import persistence

    text = tmp_path / "a.txt"
    text.write_text("one two three four five " * 40)
    window.files.open_dropped([str(text)])
    qtbot.waitUntil(lambda: window.session.source.paths == [str(text)], timeout=10_000)
    assert persistence.recent_corpora()[0] == [str(text)]
    window.menus.fill_recent_menu()
    assert any(str(text) in a.text() for a in window.menus.recent_menu.actions())


def _assert_demo_intact(window):
    assert window.session.source.is_demo and len(window.session.corpus.vocab) > 100
    assert window.settings_panel.train_button.isEnabled()


def test_binary_file_corpus(qtbot, window, errors, tmp_path):
    junk = tmp_path / "image.txt"
    junk.write_bytes(bytes(range(256)) * 40)
    window.files.open_corpus([str(junk)])
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    wait_idle(qtbot, window)
    assert errors[0][0] == "critical" and "image.txt" in errors[0][2]
    _assert_demo_intact(window)


def test_empty_file_and_empty_folder(qtbot, window, errors, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    window.files.open_corpus([str(empty)])
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=10_000)
    wait_idle(qtbot, window)
    folder = tmp_path / "nothing"
    folder.mkdir()
    window.files.open_corpus([str(folder)])
    qtbot.waitUntil(lambda: len(errors) == 2, timeout=10_000)
    wait_idle(qtbot, window)
    assert all(kind == "critical" and text for kind, _, text in errors)
    _assert_demo_intact(window)


def test_unreadable_file(qtbot, window, errors, tmp_path):
    """A file that cannot be read (here a link to nowhere, since root can read any file)."""
    dangling = tmp_path / "gone.txt"
    dangling.symlink_to(tmp_path / "deleted-meanwhile.txt")
    window.files.open_corpus([str(dangling)])
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    wait_idle(qtbot, window)
    assert errors[0][0] == "critical" and "gone.txt" in errors[0][2]
    _assert_demo_intact(window)


def test_broken_model_file(qtbot, trained, errors, tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    model = trained.session.model
    trained.files.open_model(str(broken))
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    wait_idle(qtbot, trained)
    assert errors[0][0] == "critical" and "broken.npz" in errors[0][2]
    assert trained.session.model is model


def test_absurd_settings(window, errors):
    window.settings_panel.edits["lr"].setText("50")
    window.settings_panel.train_button.click()
    assert errors and errors[0][0] == "warning" and "lr" in errors[0][2]
    window.settings_panel.edits["lr"].setText("fast")
    window.settings_panel.train_button.click()
    assert "Learning rate must be a number" in errors[1][2]
    assert window.training is None and window.settings_panel.train_button.isEnabled()


def test_a_diverging_run_starts_again_carefully_and_says_so(qtbot, window, errors):
    window.settings_panel.edits["lr"].setText("10")
    window.settings_panel.spins["epochs"].setValue(5)
    said = []
    window.runs.runStarting.connect(said.append)
    window.settings_panel.train_button.click()
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)
    assert not errors and said == [5, 5]  # the views started over with the careful run
    model = window.session.model
    assert model is not None and model.config.max_row_logit is not None and len(model.loss_history) == 5
    assert window.loss_plot.epoch_x == [1.0, 2.0, 3.0, 4.0, 5.0]  # the careful run's epochs only
    assert "first attempt diverged" in window.status.text()
    assert window.settings_panel.train_button.isEnabled()


def test_a_run_that_diverges_even_carefully_is_a_dialog(qtbot, window, errors, monkeypatch):
    from embedding_studio.core.train import trainer

    monkeypatch.setattr(trainer, "CAREFUL_ROW_LOGIT", 1e9)  # a careful bound that binds nothing
    window.settings_panel.edits["lr"].setText("10")
    window.settings_panel.spins["epochs"].setValue(5)
    window.settings_panel.train_button.click()
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)
    assert errors and errors[0][0] == "critical" and "diverged" in errors[0][2]
    assert window.session.model is None  # no broken model replaces the (absent) good one
    assert window.settings_panel.train_button.isEnabled()


def test_min_count_change_rereads_the_corpus(qtbot, window):
    before = len(window.session.corpus.vocab)
    window.settings_panel.spins["min_count"].setValue(200)
    window.settings_panel.train_button.click()
    qtbot.waitUntil(lambda: window.session.model is not None and window.training is None, timeout=60_000)
    assert len(window.session.corpus.vocab) < before
    assert len(window.session.model) == len(window.session.corpus.vocab)


def test_the_session_holds_the_settings_draft_that_reading_and_the_untrained_map_use(qtbot, window):
    panel, session = window.settings_panel, window.session
    drafts = []
    session.draftChanged.connect(drafts.append)
    panel.edits["lr"].setText("fast")  # half typed: not part of the draft, and nothing is asked of it
    assert not drafts
    panel.spins["min_count"].setValue(40)
    panel.spins["dim"].setValue(16)
    assert session.draft.reading.min_count == 40 and session.draft.dim == 16 and drafts[-1] == session.draft
    window.files.load_demo()
    qtbot.waitUntil(lambda: not session.busy and session.source.reading.min_count == 40, timeout=20_000)
    counts = session.corpus.vocab.counts
    assert counts.min() >= 40 and session.frame.before and session.frame.coords.shape[1] == 2


def test_the_untrained_map_follows_the_drafts_seed(qtbot, window):
    # No model yet: asking for other words redraws the untrained map, with the draft's dimensions and seed.
    session = window.session
    qtbot.waitUntil(lambda: session.frame is not None and session.frame.before, timeout=20_000)
    window.settings_panel.spins["seed"].setValue(7)
    before = session.frame
    session.set_drawn_count(50)
    qtbot.waitUntil(lambda: session.frame is not before and len(session.frame) == 50, timeout=20_000)
    from embedding_studio.core.maps.frame import untrained_frame

    expected = untrained_frame(session.corpus.vocab, session.draft.dim, 7, session.drawn_count)
    assert np.allclose(session.frame.coords, expected.coords)
