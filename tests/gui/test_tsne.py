"""The t-SNE map on demand: computed off the UI thread, cancellable, and PCA again while training."""

from __future__ import annotations

import numpy as np

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
    trained.search_panel.search("king")  # search, selection and highlighting work on the t-SNE map
    wait_query(qtbot, trained.search_panel)
    assert "king" in view.labelled_words()
    qtbot.waitUntil(lambda: not trained.map_control._projecting, timeout=30_000)
    assert trained.session.frame.projection == "tsne"
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
