"""Issue #26, one truth on the screen: after another corpus, model, run or dialog, nothing that belonged
to the earlier one stays on screen as if it were true now. Each test drives the window with real clicks
and keys."""

from PySide6.QtCore import Qt

from .conftest import train, wait_idle, wait_query
from .test_model_and_corpus import search_by_keys, write_corpus

LONG_NAME = "the-brothers-karamazov-a-novel-in-four-parts-with-an-epilogue-translated-by-constance-garnett.txt"


def open_other_corpus(qtbot, window, tmp_path, name="crime.txt"):
    window.files.open_corpus([str(write_corpus(tmp_path, name))])
    qtbot.waitUntil(lambda: window.session.source.title() == name, timeout=20_000)
    wait_idle(qtbot, window)


def whole_in_view(plot) -> bool:
    """The plot's scene (title, axes, curves) fits the widget showing it: nothing slides out of sight."""
    item = plot.getPlotItem()
    return item.sceneBoundingRect().width() <= plot.viewport().width() + 1


def test_a_long_title_never_pushes_the_loss_chart_out_of_sight(qtbot, trained, tmp_path):
    window = trained
    qtbot.wait(50)
    assert whole_in_view(window.loss_plot.plot) and whole_in_view(window.embedding_view.plot)
    open_other_corpus(qtbot, window, tmp_path, LONG_NAME)
    qtbot.wait(50)
    loss, map_plot = window.loss_plot.plot, window.embedding_view.plot
    assert "Demo corpus" in loss.plotItem.titleLabel.text  # the title still names the model...
    assert whole_in_view(loss) and whole_in_view(map_plot)  # ...and the chart is whole
    assert LONG_NAME in loss.toolTip() or LONG_NAME in loss.plotItem.titleLabel.item.toolTip()


def write_wide_corpus(folder, name="wide.txt", words=2100, rare="axe"):
    """More distinct words than a timeline snapshot tracks (2,000), and ``rare`` the rarest of them."""
    import random

    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["w" + letters[k // 676] + letters[k // 26 % 26] + letters[k % 26] for k in range(words)]
    tokens = [w for w in vocabulary for _ in range(6)] + [rare] * 5
    rng.shuffle(tokens)
    path = folder / name
    path.write_text("\n".join(" ".join(tokens[k:k + 12]) + "." for k in range(0, len(tokens), 12)))
    return path


def test_answers_given_during_training_are_asked_again_of_the_model(qtbot, window, tmp_path):
    session = window.session
    window.files.open_corpus([str(write_wide_corpus(tmp_path))])
    qtbot.waitUntil(lambda: session.source.title() == "wide.txt", timeout=20_000)
    wait_idle(qtbot, window)
    window.settings_panel.spins["epochs"].setValue(200)  # stopped below: long enough to pause
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.timeline is not None and len(session.timeline) >= 1, timeout=30_000)
    qtbot.mouseClick(window.settings_panel.pause_button, Qt.MouseButton.LeftButton)
    assert "axe" in session.corpus.vocab.index and session.corpus.vocab.index["axe"] >= session.timeline.tracked

    search_by_keys(qtbot, window, "waab")
    assert "From the timeline" in window.search_panel.stability_note.text()
    heatmap = window.heatmap_panel
    qtbot.keyClicks(heatmap.edit, "waab waac axe")
    qtbot.keyClick(heatmap.edit, Qt.Key.Key_Return)
    wait_query(qtbot, heatmap)
    assert "axe" in heatmap.message.text()

    qtbot.mouseClick(window.settings_panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is None and session.model is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not window.search_panel.pending and not heatmap.pending, timeout=10_000)
    note = window.search_panel.stability_note
    assert not (note.isVisible() and "timeline" in note.text())  # the model answers now, and says nothing else
    assert window.search_panel.table.rowCount() > 0
    assert "axe" not in heatmap.message.text()  # the model knows it
    assert "axe" in heatmap.words


def save_model_of_other_corpus(qtbot, window, tmp_path):
    """A model of crime.txt saved to a file; the window goes back to the demo corpus and its model."""
    path = tmp_path / "crime-model.npz"
    open_other_corpus(qtbot, window, tmp_path)
    train(qtbot, window, epochs=1)
    window.files.save_model_to(str(path))
    qtbot.waitUntil(lambda: path.exists() and not window.files.writes, timeout=20_000)
    return path


def unstable_marks(view):
    """Marks drawn in the unstable style (red)."""
    return sum("#d62728" in (point.pen().color().name(), point.brush().color().name())
               for point in view.marks.points())


def cluster_legend_settles(qtbot, view):
    qtbot.waitUntil(lambda: "Finding clusters" not in view.colour_legend.text(), timeout=20_000)
    return view.colour_legend.text()


def test_stability_marks_give_way_and_go_with_their_model(qtbot, trained, tmp_path):
    window, session, view = trained, trained.session, trained.embedding_view
    window.analysis.start_stability(runs=2)
    qtbot.waitUntil(lambda: session.stability is not None and not window.analysis.running, timeout=90_000)
    assert session.flagged and unstable_marks(view)

    view.colour_mode.setCurrentText("Frequency")  # the colours show through the unstable words' marks
    flagged_rows = [view._where[w] for w in session.flagged if w in view._where]
    brushes = view.scatter.data["brush"]
    assert len({brushes[r].color().name() for r in flagged_rows}) > 1
    assert all(point.brush().color().alpha() == 0 for point in view.marks.points())
    view.colour_mode.setCurrentText("Cluster")
    assert "/" in cluster_legend_settles(qtbot, view)

    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)  # Clear clears them too
    assert unstable_marks(view) == 0

    path = save_model_of_other_corpus(qtbot, window, tmp_path)
    window.files.load_demo()
    wait_idle(qtbot, window)
    window.files.open_model(str(path))  # a model the runs know nothing of
    qtbot.waitUntil(lambda: session.model_path == str(path), timeout=20_000)
    wait_idle(qtbot, window)
    assert session.stability is None and not session.flagged and unstable_marks(view) == 0
    search_by_keys(qtbot, window, "crime")
    assert "across" not in window.search_panel.stability_note.text() or not window.search_panel.stability_note.isVisible()
    assert "Clear" in cluster_legend_settles(qtbot, view)  # greyed around the search, and says so
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert "/" in cluster_legend_settles(qtbot, view)


def click_word(qtbot, window, word, modifier=Qt.KeyboardModifier.NoModifier):
    from .test_click_and_hover import viewport_point

    view, frame = window.embedding_view, window.embedding_view.frame
    qtbot.wait(50)
    x, y = (float(v) for v in frame.coords[frame.words.index(word)])
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, modifier, viewport_point(view, x, y))
    wait_query(qtbot, window.search_panel)


CRIME_WORDS = ("crime", "axe", "sonya", "fever", "tavern", "siberia", "porfiry", "dunya", "luzhin", "confession",
               "razumikhin", "punishment", "raskolnikov", "pawnbroker", "petersburg", "svidrigailov")


def test_colour_by_cluster_follows_another_corpus_and_a_new_model(qtbot, trained, tmp_path):
    window, view = trained, trained.embedding_view
    view.colour_mode.setCurrentText("Cluster")
    assert "/" in cluster_legend_settles(qtbot, view)
    click_word(qtbot, window, "queen")  # its neighbours shown: the rest of the map is greyed
    open_other_corpus(qtbot, window, tmp_path)
    legend = cluster_legend_settles(qtbot, view)  # never "Finding clusters…" for good
    assert "Clear" in legend
    window.settings_panel.spins["epochs"].setValue(1)
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is None and window.session.model_fits, timeout=60_000)
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    legend = cluster_legend_settles(qtbot, view)
    assert "/" in legend and any(w in legend for w in CRIME_WORDS)


def test_after_a_diverged_run_the_map_is_what_its_title_says(qtbot, window, tmp_path, monkeypatch, errors):
    from embedding_studio.core.train import trainer

    session, view = window.session, window.embedding_view
    monkeypatch.setattr(trainer, "CAREFUL_ROW_LOGIT", 1e9)  # so that starting again carefully fails too
    edit = window.settings_panel.edits["lr"]
    edit.selectAll()
    qtbot.keyClicks(edit, "10")  # the demo's run diverges
    window.settings_panel.spins["dim"].setValue(64)
    window.settings_panel.spins["epochs"].setValue(3)
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)
    assert any(title == "Training failed" for _, title, _ in errors) and session.model is None
    qtbot.wait(100)
    assert "untrained" in view.plot.plotItem.titleLabel.text
    assert session.frame.before and session.frame.epoch == 0  # the untrained map, not the garbage of the run

    open_other_corpus(qtbot, window, tmp_path)
    qtbot.wait(300)
    drawn = set(view.drawn_words())
    assert "untrained, crime.txt" in view.plot.plotItem.titleLabel.text
    assert drawn and drawn <= set(session.corpus.vocab.words)  # nothing of the diverged run's texts


def test_the_timeline_shows_one_moment_at_a_time(qtbot, trained):
    window, session, view = trained, trained.session, trained.embedding_view
    bar, timeline = window.timeline_bar, session.timeline
    assert timeline is not None and len(timeline) >= 3
    view.trails_check.setChecked(True)
    click_word(qtbot, window, "queen", Qt.KeyboardModifier.ControlModifier)  # selected: its trail is drawn
    qtbot.waitUntil(lambda: len(window.timeline.frames) == len(timeline), timeout=20_000)

    bar.slider.setFocus()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Home)  # the first snapshot...
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)  # ...and the next
    qtbot.waitUntil(lambda: session.snapshot == 1 and session.frame is window.timeline.frames[1], timeout=10_000)
    assert timeline.label(1) in view.plot.plotItem.titleLabel.text  # the title names the moment shown
    frame = session.frame
    at = frame.coords[frame.words.index("queen")]
    trail = view.trails[0]
    assert trail.isVisible()
    xs, ys = trail.getData()
    assert abs(xs[-1] - at[0]) < 1e-5 and abs(ys[-1] - at[1]) < 1e-5  # the trail ends at the dot shown
    assert len(xs) == 2  # through the snapshots up to the one shown, no later one

    qtbot.mouseClick(bar.live_button, Qt.MouseButton.LeftButton)
    assert session.snapshot is None and bar.slider.value() == bar.slider.maximum()
    assert timeline.label(1) not in view.plot.plotItem.titleLabel.text


def test_clear_stays_cleared_and_a_new_model_keeps_nothing_of_the_last(qtbot, trained, tmp_path):
    window, session, view = trained, trained.session, trained.embedding_view
    heatmap = window.heatmap_panel
    qtbot.keyClicks(heatmap.edit, "king queen man")
    qtbot.keyClick(heatmap.edit, Qt.Key.Key_Return)
    wait_query(qtbot, heatmap)
    assert heatmap.words == ["king", "queen", "man"]
    heatmap.edit.clear()
    qtbot.keyClicks(heatmap.edit, "king zzzz")
    qtbot.keyClick(heatmap.edit, Qt.Key.Key_Return)
    wait_query(qtbot, heatmap)
    assert "zzzz" in heatmap.message.text()
    assert heatmap.words == [] and heatmap.image.image is None  # no old table under the message
    assert not heatmap.plot.getAxis("left").isVisible()

    search_by_keys(qtbot, window, "queen")
    assert session.selection and session.highlighted
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert not session.selection and not session.highlighted
    open_other_corpus(qtbot, window, tmp_path)
    qtbot.wait(200)
    assert not session.selection and not session.highlighted  # Clear is not undone...
    window.files.load_demo()
    wait_idle(qtbot, window)
    train(qtbot, window, epochs=1)  # ...nor by a new model answering the search again
    wait_query(qtbot, window.search_panel)
    assert window.search_panel.table.rowCount() and not session.selection and not session.highlighted

    search_by_keys(qtbot, window, "king")  # the demo's model answers: king and its neighbours marked
    assert session.highlighted
    open_other_corpus(qtbot, window, tmp_path)
    train(qtbot, window, epochs=1)  # a model of crime.txt knows none of them
    wait_query(qtbot, window.search_panel)
    assert not session.selection and not session.highlighted
    assert len(view.marks.points()) == 0


def test_weat_with_its_sets_replaced_is_no_longer_the_preset(qtbot, trained):
    dialog = trained.analysis.show_weat()
    dialog.preset.setFocus()
    qtbot.keyClick(dialog.preset, Qt.Key.Key_Down)  # the first of the paper's tests, by the keyboard
    preset_name = dialog.preset.currentText()
    assert dialog.edits["X"].text().startswith("aster, clover")
    for key, words in (("X", "king, prince, man, boy"), ("Y", "queen, princess, woman, girl"),
                       ("A", "he, his"), ("B", "she, her")):
        dialog.edits[key].selectAll()
        qtbot.keyClicks(dialog.edits[key], words)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_query(qtbot, dialog)
    text = dialog.result_label.text()
    assert dialog.result is not None and preset_name not in text
    assert not any(name in text for name in ("flowers", "insects", "pleasant"))  # the sets' names went too
    assert dialog.preset.currentText() == "Custom word sets"


def test_a_clicked_word_has_one_label(qtbot, trained):
    window, view = trained, trained.embedding_view
    click_word(qtbot, window, "queen")
    qtbot.wait(100)
    clicked = window.session.selection[0]
    assert clicked in view.labelled_words()
    assert not (view.hover_label.isVisible() and view.hover_label.text() == clicked)  # not named twice


def key_column_readable(table, column: int) -> bool:
    """Every row's text in ``column`` fits its column, and the column lies inside the table's view."""
    from PySide6.QtGui import QFontMetrics

    metrics = QFontMetrics(table.font())
    widest = max((metrics.horizontalAdvance(table.item(r, column).text()) for r in range(table.rowCount())
                  if table.item(r, column) is not None), default=0)
    inside = table.columnViewportPosition(column) + table.columnWidth(column) <= table.viewport().width() + 1
    return table.columnWidth(column) >= widest + 4 and inside  # the text and the cell's margins (style-dependent)


def test_key_columns_are_readable_at_the_default_width(qtbot, trained, tmp_path):
    from .test_concordance_panel import _open_texts

    window = trained
    panel = window.timeline_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.word, "queen")
    qtbot.keyClick(panel.word, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    assert panel.movers.rowCount() > 0
    qtbot.waitUntil(lambda: key_column_readable(panel.movers, 0) and key_column_readable(panel.neighbours, 0),
                    timeout=5_000)  # once laid out

    _open_texts(qtbot, window, tmp_path)
    concordance = window.concordance_panel
    window.tabs.setCurrentWidget(concordance)
    qtbot.keyClicks(concordance.word, "cat")
    qtbot.keyClicks(concordance.pair.lineEdit(), "dog")
    qtbot.mouseClick(concordance.go, Qt.MouseButton.LeftButton)
    wait_query(qtbot, concordance)
    qtbot.waitUntil(lambda: key_column_readable(concordance.shared, 0) and key_column_readable(concordance.lines, 2),
                    timeout=5_000)  # the shared words, and the keyword in view
    lines = concordance.lines
    assert lines.columnViewportPosition(3) + 40 <= lines.viewport().width()  # and some of what follows it

    window.resizeDocks([window.right_dock], [760], Qt.Orientation.Horizontal)
    qtbot.wait(50)
    assert window.right_dock.width() >= 480  # the panel can widen at 1400 px (it stopped at 356)...
    assert window.right_dock.features() & window.right_dock.DockWidgetFeature.DockWidgetFloatable  # ...or float


def test_the_compare_movers_table_shows_whole_words(qtbot, trained, tmp_path):
    window = trained
    path = tmp_path / "demo-again.npz"
    window.files.save_model_to(str(path))
    qtbot.waitUntil(lambda: path.exists() and not window.files.writes, timeout=20_000)
    dialog = window.files.compare_with(str(path))
    qtbot.waitUntil(lambda: dialog.movers_table.rowCount() > 0, timeout=30_000)
    dialog.resize(700, 500)
    qtbot.wait(100)
    assert key_column_readable(dialog.movers_table, 0)


def test_hide_function_words_from_the_map_clusters_and_movers(qtbot, trained, monkeypatch):
    from embedding_studio.core.text.stopwords import stopwords
    from embedding_studio.gui.views.function_words_dialog import FunctionWordsDialog

    window, session, view = trained, trained.session, trained.embedding_view
    english = stopwords("english")
    assert session.function_language == "english"  # guessed from the demo's words
    assert set(view.drawn_words()) & english  # the, and, of… crowd the map
    qtbot.mouseClick(view.hide_function_words, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert view.hide_function_words.isChecked() and not set(view.drawn_words()) & english
    view.colour_mode.setCurrentText("Cluster")
    assert "/" in cluster_legend_settles(qtbot, view)
    names = {w for group in view._clusters[1].names for w in group}
    assert names and not names & english

    panel = window.timeline_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.word, "queen")
    qtbot.keyClick(panel.word, Qt.Key.Key_Return)
    wait_query(qtbot, panel)
    movers = [panel.movers.item(r, 0).text() for r in range(panel.movers.rowCount())]
    assert movers and not set(movers) & english

    search_by_keys(qtbot, window, "the")  # a searched function word is drawn all the same
    assert "the" in view.drawn_words()
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)

    # the list is editable: "queen" added, kept between runs
    monkeypatch.setattr(FunctionWordsDialog, "open", lambda self: None)
    qtbot.mouseClick(view.function_words_button, Qt.MouseButton.LeftButton)
    dialog = window.map_control.function_words_dialog
    dialog.edit.moveCursor(dialog.edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(dialog.edit, ", queen")
    dialog.accept()
    qtbot.wait(50)
    assert "queen" in session.hidden_words and "queen" not in view.drawn_words()
    from embedding_studio.gui import persistence
    assert "queen" in persistence.edited_function_words("english")

    qtbot.mouseClick(view.hide_function_words, Qt.MouseButton.LeftButton)  # shown again
    assert not session.hidden_words and "queen" in view.drawn_words() and "the" in view.drawn_words()


def test_neighbours_near_one_come_with_plain_advice(qtbot, window, tmp_path):
    from tests.core.test_health import zipf_text

    corpus = tmp_path / "zipf.txt"
    corpus.write_text(zipf_text(), encoding="utf-8")  # 60,000 tokens at dim 100, 5 epochs: collapsed
    window.files.open_corpus([str(corpus)])
    qtbot.waitUntil(lambda: window.session.source.title() == "zipf.txt", timeout=20_000)
    wait_idle(qtbot, window)
    window.settings_panel.spins["dim"].setValue(100)
    window.settings_panel.spins["window"].setValue(5)
    train(qtbot, window, epochs=5)
    search_by_keys(qtbot, window, window.session.model.words[3])
    guidance = window.search_panel.guidance
    assert guidance.isVisible() and "mean little" in guidance.text()
    assert "more epochs (this model had 5; try 20)" in guidance.text() and "more text" in guidance.text()
    assert "fewer dimensions (this model has 100; try 50)" in guidance.text()


def test_healthy_neighbours_come_without_advice(qtbot, trained):
    search_by_keys(qtbot, trained, "queen")
    assert not trained.search_panel.guidance.isVisible()


def test_a_diverged_run_is_explained_in_plain_words(qtbot, window, errors, monkeypatch):
    from embedding_studio.core.train import trainer

    monkeypatch.setattr(trainer, "CAREFUL_ROW_LOGIT", 1e9)  # so that starting again carefully fails too
    edit = window.settings_panel.edits["lr"]
    edit.selectAll()
    qtbot.keyClicks(edit, "10")
    window.settings_panel.spins["dim"].setValue(64)
    qtbot.mouseClick(window.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.training is None, timeout=60_000)
    failure = next(text for _, title, text in errors if title == "Training failed")
    assert "In plain words" in failure and "Lower the learning rate (now 10; try 2.5)" in failure


def test_help_lists_the_apps_own_options(capsys):
    from embedding_studio.gui.launch import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "--corpus PATH" in out and "--model MODEL" in out


def test_file_dialogs_open_in_the_last_folder_or_home(qtbot, window, tmp_path, monkeypatch):
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # started from the program's folder
    started = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda parent, title, folder, *a: (started.append(folder), ([], ""))[1])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda parent, title, folder, *a: (started.append(folder), ("", ""))[1])
    window.files.choose_corpus_files()
    window.files.choose_model()
    assert started and all(f == str(Path.home()) for f in started)
    from embedding_studio.gui import persistence
    persistence.remember_folder(str(tmp_path / "model.npz"))
    window.files.choose_model()
    assert started[-1] == str(tmp_path)


def test_the_analogy_formula_has_the_panels_width_and_the_umap_hint_is_the_readmes(qtbot, window):
    from pathlib import Path

    from embedding_studio.core.maps.umap_map import INSTALL_HINT

    panel = window.analogy_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.wait(50)
    assert panel.edit.width() >= panel.width() - 40  # the whole width, not a third of it
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[umap]"' in INSTALL_HINT and 'pip install -e ".[umap]"' in readme


def test_clicking_a_words_label_picks_the_word(qtbot, trained):
    window, view = trained, trained.embedding_view
    qtbot.wait(100)
    label = next(lb for lb in view.labels if lb.isVisible() and lb.text() not in window.session.selection)
    word = label.text()
    from PySide6.QtCore import QPoint

    box = label.boundingRect()  # in pixels, from the label's offset beside its point
    from .test_click_and_hover import viewport_point

    point = viewport_point(view, label.pos().x(), label.pos().y())
    at = point + QPoint(int(label.transform().dx() + box.width() / 2), int(label.transform().dy() + box.height() / 2))
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    wait_query(qtbot, window.search_panel)
    assert window.session.selection[:1] == [word] and window.search_panel.edit.text() == word


def test_the_docked_heatmap_writes_only_numbers_it_has_room_for(qtbot, trained):
    window = trained
    heatmap = window.heatmap_panel
    window.tabs.setCurrentWidget(heatmap)
    qtbot.keyClicks(heatmap.edit, "king queen man woman paris france berlin germany dog cat prince girl")
    qtbot.keyClick(heatmap.edit, Qt.Key.Key_Return)
    wait_query(qtbot, heatmap)
    qtbot.wait(100)
    assert len(heatmap.words) == 12
    assert not any(cell.isVisible() for cell in heatmap.cells) and heatmap.numbers_note.isVisible()
    qtbot.mouseClick(heatmap.window_button, Qt.MouseButton.LeftButton)
    large = heatmap.window_panel
    qtbot.waitUntil(lambda: len(large.words) == 12, timeout=10_000)
    qtbot.wait(100)
    assert sum(cell.isVisible() for cell in large.cells) == 144 and not large.numbers_note.isVisible()


def test_switching_to_tsne_fits_the_view(qtbot, trained):
    view = trained.embedding_view
    view.word_count.setValue(60)
    qtbot.wait(100)
    view.plot.getViewBox().setRange(xRange=(0, 0.01), yRange=(0, 0.01), padding=0)  # zoomed far in
    view.projection.setCurrentIndex(1)  # the user picks t-SNE
    qtbot.waitUntil(lambda: trained.session.frame.projection == "tsne", timeout=60_000)
    qtbot.wait(100)
    (x0, x1), (y0, y1) = view.plot.getViewBox().viewRange()
    coords = view.frame.coords
    assert x0 <= coords[:, 0].min() and coords[:, 0].max() <= x1
    assert y0 <= coords[:, 1].min() and coords[:, 1].max() <= y1


def test_labels_on_the_axes_map_do_not_overlap(qtbot, trained):
    from PySide6.QtCore import QRectF

    dialog = trained.analysis.show_axes()
    qtbot.keyClicks(dialog.x_edit, "he-she, his-her")
    qtbot.keyClicks(dialog.words_edit, " ".join(trained.session.model.words[:120]))
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    wait_query(qtbot, dialog)
    qtbot.wait(200)
    plot = dialog.map.plot
    view = plot.getViewBox()
    boxes = []
    for item in plot.items():
        if type(item).__name__ == "WordLabel" and item.isVisible():
            corner = plot.mapFromScene(view.mapViewToScene(item.pos()))
            rect = item.boundingRect()
            boxes.append(QRectF(corner.x() + item.transform().dx() + 2, corner.y() + item.transform().dy() + 2,
                                rect.width() - 4, rect.height() - 4))
    assert len(boxes) >= 10
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_the_exported_map_carries_its_colour_legend(qtbot, trained, tmp_path):
    from PySide6.QtGui import QImage

    window, view = trained, trained.embedding_view
    plain = tmp_path / "plain.png"
    assert window.files.export_plot("map", str(plain))
    view.colour_mode.setCurrentText("Cluster")
    cluster_legend_settles(qtbot, view)
    coloured = tmp_path / "clusters.png"
    title = view.plot.plotItem.titleLabel.text
    assert window.files.export_plot("map", str(coloured))
    assert view.plot.plotItem.titleLabel.text == title  # the screen's title as it was
    first, second = QImage(str(plain)), QImage(str(coloured))

    def swatch_pixels(image):  # the clusters' legend colours, above the points (the top 12% of the image)
        from embedding_studio.gui.views.map_colours import CLUSTER_COLOURS
        from PySide6.QtGui import QColor

        wanted = {QColor(c).rgb() for c in CLUSTER_COLOURS}
        top = int(image.height() * 0.12)
        return sum(image.pixel(x, y) in wanted for x in range(0, image.width(), 2) for y in range(top))

    assert swatch_pixels(second) > swatch_pixels(first) + 200


def test_training_the_demo_again_asks_nothing(qtbot, trained, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (asked.append(a), QMessageBox.StandardButton.Yes)[1])
    first = trained.session.model
    qtbot.mouseClick(trained.settings_panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: trained.training is None and trained.session.model is not first, timeout=60_000)
    assert not asked  # (closing the window asks, and is answered Yes)
