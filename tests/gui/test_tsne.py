"""The t-SNE map on demand: computed off the UI thread, cancellable, and PCA again while training."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import wait_query


def test_tsne_on_demand_and_back_to_pca(qtbot, trained):
    view = trained.embedding_view
    view.word_count.setValue(60)
    qtbot.waitUntil(lambda: view.point_count() == 60, timeout=10_000)
    pca = trained.session.frame
    view.projection.setCurrentIndex(1)  # the user picks t-SNE
    assert trained.session.projection == "tsne" and view.tsne_cancel.isVisible()
    qtbot.waitUntil(lambda: trained.session.frame.projection == "tsne", timeout=30_000)
    assert not view.tsne_cancel.isVisible()
    assert len(trained.session.frame) == 60 and not np.allclose(trained.session.frame.coords, pca.coords)
    before = trained.session.frame
    trained.search_panel.search("king")  # search, selection and highlighting work on the t-SNE map
    wait_query(qtbot, trained.search_panel)
    assert "king" in view.labelled_words()
    qtbot.waitUntil(lambda: not trained.map_control._projecting, timeout=30_000)
    after = trained.session.frame
    assert after.projection == "tsne" and len(after) > len(before)  # the search drew words beyond the 60
    assert after.layout is before.layout  # placed into the layout, not laid out again: nobody moved
    np.testing.assert_array_equal(after.coords[:60], before.coords)
    assert set(trained.session.highlighted) <= set(view.drawn_words())
    trained.map_control.set_projection("pca")
    qtbot.waitUntil(lambda: not trained.map_control._projecting, timeout=30_000)
    assert trained.session.frame.projection == "pca"
    assert view.projection_mode() == "pca" and trained.menus.projection_actions["pca"].isChecked()


def test_tsne_cancel_and_training_switches_back(qtbot, trained):
    view = trained.embedding_view
    trained.map_control.set_projection("tsne")
    assert view.tsne_cancel.isVisible()
    view.tsne_cancel.click()
    assert trained.session.projection == "pca" and not view.tsne_cancel.isVisible()
    qtbot.waitUntil(lambda: not trained.map_control._projecting, timeout=30_000)
    assert trained.session.frame.projection == "pca"
    trained.map_control.set_projection("tsne")
    trained.settings_panel.train_button.click()  # training again: back to the live PCA
    assert trained.session.projection == "pca" and view.projection_mode() == "pca"
    qtbot.waitUntil(lambda: trained.training is None, timeout=60_000)
    qtbot.waitUntil(lambda: not trained.map_control._projecting, timeout=30_000)
    assert trained.session.frame.projection == "pca"


def test_umap_map_keeps_its_words_in_place_when_a_search_adds_some(qtbot, trained):
    pytest.importorskip("umap", reason="umap-learn is not installed (the `umap` extra)")
    view = trained.embedding_view
    view.word_count.setValue(40)
    qtbot.waitUntil(lambda: view.point_count() == 40, timeout=10_000)
    view.projection.setCurrentIndex(2)  # the user picks UMAP
    assert trained.session.projection == "umap" and trained.menus.projection_actions["umap"].isChecked()
    qtbot.waitUntil(lambda: trained.session.frame.projection == "umap", timeout=120_000)
    before = trained.session.frame
    assert trained.status.text().startswith("UMAP of 40 words")
    trained.search_panel.search("king")
    wait_query(qtbot, trained.search_panel)
    qtbot.waitUntil(lambda: not trained.map_control._projecting and len(trained.session.frame) > 40,
                    timeout=120_000)
    after = trained.session.frame
    assert after.projection == "umap" and after.layout is before.layout
    np.testing.assert_array_equal(after.coords[:40], before.coords)
    assert "king" in view.labelled_words()


def test_without_umap_learn_the_app_says_how_to_install_it(qtbot, trained, errors, monkeypatch):
    from embedding_studio.gui import map_control

    monkeypatch.setattr(map_control, "umap_available", lambda: False)  # as if the extra were missing
    view = trained.embedding_view
    view.projection.setCurrentIndex(2)
    assert errors and errors[-1][:2] == ("critical", "UMAP is not installed") and "umap-learn" in errors[-1][2]
    assert trained.session.projection == "pca" and view.projection_mode() == "pca"
