"""The settings panel repeats no rule of its own: ranges, defaults and the final rate come from core.config."""

import pytest

from embedding_studio.core.config import INT_RANGES, MIN_LR_FRACTION, TrainConfig, range_text
from embedding_studio.core.errors import ConfigError
from embedding_studio.gui.views.settings_panel import SettingsPanel

QSPINBOX_MAX = 2**31 - 1  # a QSpinBox holds a C int


@pytest.fixture
def panel(qtbot):
    widget = SettingsPanel()
    qtbot.addWidget(widget)
    return widget


def test_every_spin_takes_its_range_from_the_config(panel):
    assert panel.spins  # the loop below checks something
    for name, spin in panel.spins.items():
        low, high = INT_RANGES[name]
        assert (spin.minimum(), spin.maximum()) == (low, min(high, QSPINBOX_MAX)), name
    assert panel.spins["min_count"].maximum() == INT_RANGES["min_count"][1]  # no lower cap than the config's
    assert panel.spins["seed"].maximum() == QSPINBOX_MAX  # the config allows more than Qt can hold


def test_the_panel_starts_at_the_configs_defaults(panel):
    assert panel.config() == TrainConfig.article()


def test_the_final_learning_rate_is_the_configs_rule(panel):
    panel.edits["lr"].setText("0.05")
    config = panel.config()
    assert config.lr == 0.05 and config.planned().min_lr == pytest.approx(0.05 * MIN_LR_FRACTION)
    panel.apply_preset(TrainConfig.word2vec_defaults())
    assert panel.config().planned().min_lr == pytest.approx(panel.config().lr * MIN_LR_FRACTION)


def test_a_typed_number_out_of_range_gets_the_configs_message(panel):
    panel.edits["lr"].setText("0")
    with pytest.raises(ConfigError) as refused:
        panel.config()
    assert range_text("lr") in str(refused.value)
    panel.edits["lr"].setText("fast")
    with pytest.raises(ConfigError, match="Learning rate must be a number"):
        panel.config()


def test_beside_the_workers_box_a_note_says_when_fewer_will_train_and_why(panel):
    panel.show()
    panel.spins["window"].setValue(5)
    panel.spins["workers"].setValue(2)
    assert panel.workers_note.isHidden()
    panel.spins["workers"].setValue(16)  # four batches of 256 tokens hold a default batch at window 5
    assert panel.workers_note.isVisible()
    assert panel.workers_note.text() == "Only 4 train at once at window 5: more would cost quality."
    assert "4 of the 16 workers" in panel.workers_note.toolTip()
    panel.spins["window"].setValue(2)  # as many at window 2: the budget is in pairs
    assert panel.workers_note.text().startswith("Only 4 train at once at window 2")
    panel.spins["workers"].setValue(4)
    assert panel.workers_note.isHidden()
    assert panel.config().batches_in_flight == 4
