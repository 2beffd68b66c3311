"""Subword vectors in the app (#28 items 2 and 3): the settings panel's check box, and the search panel
answering a word the model never had, saying its vector was built from its letters."""

from __future__ import annotations

import pytest

from embedding_studio.core.config import TrainConfig
from embedding_studio.gui.session import Session
from embedding_studio.gui.views.settings_panel import SettingsPanel

from .conftest import wait_query


def test_the_subwords_box_sets_the_config_and_follows_a_model(qtbot):
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    assert not panel.config().subwords
    panel.subwords_check.setChecked(True)
    assert panel.config().subwords and panel.values()["subwords"] is True
    panel.show_model(TrainConfig(subwords=True, subword_buckets=1234), 32)
    assert panel.config().subword_buckets == 1234
    panel.show_model(TrainConfig(), 32)
    assert not panel.subwords_check.isChecked()
    panel.set_running(True)
    assert not panel.subwords_check.isEnabled()


def test_search_answers_an_unseen_word_of_a_fasttext_model_from_its_letters(qtbot):
    utils = pytest.importorskip("gensim.test.utils", reason="gensim (the test extra) is not installed")
    from embedding_studio.core.vectors.io import load_any
    from embedding_studio.gui.views.search_panel import SearchPanel

    session = Session()
    panel = SearchPanel(session)
    qtbot.addWidget(panel)
    session.set_model(load_any(utils.datapath("lee_fasttext.bin")))
    panel.search("governmentalize")
    wait_query(qtbot, panel)
    assert panel.table.rowCount() > 0
    assert "built from its letters" in panel.message.text() and not panel.message.isHidden()
    panel.search("government")
    wait_query(qtbot, panel)
    assert panel.table.rowCount() > 0 and panel.message.isHidden()
