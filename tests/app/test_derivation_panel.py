"""The derivation panel on its own: build the model, wrap it in the view, register it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from simulator.app.derivation_panel import DerivationPanel
from simulator.app.model import LabModel
from simulator.engine import edits


@pytest.fixture
def model(qtbot):
    m = LabModel()
    m.set_digits(5)
    return m


@pytest.fixture
def panel(qtbot, model):
    view = DerivationPanel(model)
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def steps(model: LabModel, n: int) -> None:
    for _ in range(n):
        assert model.step()


def test_before_the_first_step_it_says_what_to_do(panel):
    assert "Press Space" in panel.plain_text()
    assert panel.showing() == ""
    assert not panel.follow_button.isVisible()


def test_forward_step_shows_the_weighted_sum_then_the_activation(panel, model):
    steps(model, 1)
    lines = panel.plain_text().splitlines()
    assert lines[0] == "Forward: H1"
    assert lines[1] == "netH1 = w1*x1 + w2*x2 + b1"
    assert lines[2] == "netH1 = 0.1*0.95 + 0.15*0.06 + 0.05 = 0.154"
    assert lines[3] == "outH1 = sigmoid(netH1) = sigmoid(0.154) = 0.53842"


def test_error_step_shows_each_term_and_the_total(panel, model):
    steps(model, 6)
    shown = panel.plain_text()
    assert "E2 = 0.5 * (0.82 - 0.649)^2 = 0.014621" in shown
    assert "E = E1 + E2 = 0.17036 + 0.014621 = 0.18498" in shown


def test_backward_step_shows_the_chain_rule_then_the_numbers(panel, model):
    steps(model, 7)
    shown = panel.plain_text()
    assert "dE/dw5 = dE/doutY1 * doutY1/dnetY1 * dnetY1/dw5" in shown
    assert "dE/dw5 = 0.58371 * 0.23212 * 0.53842 = 0.07295" in shown


def test_update_step_shows_p_minus_lr_times_the_gradient(panel, model):
    model.finish_iteration()
    shown = panel.plain_text()
    assert "p <- p - lr * dE/dp" in shown
    assert "w5 = 0.18 - 0.01 * 0.072952 = 0.17927" in shown
    assert "w3 = 0.03 - 0.01 * (-0.00047384) = 0.030005" in shown


def test_results_are_highlighted(panel, model):
    steps(model, 1)
    panel.plain_text()
    html = panel.browser.toHtml()
    assert "font-weight:700" in html.replace(" ", "") or "font-weight:600" in html
    assert "0.53842" in html


def test_selected_parameter_shows_its_derivation_until_followed(qtbot, panel, model):
    model.select("b1")
    assert panel.showing() == "b1"
    shown = panel.plain_text()
    assert "dE/db1 =" in shown
    assert "b1 = 0.05 - 0.01 * 0.0044974 = 0.049955" in shown
    assert panel.follow_button.isVisible()
    steps(model, 2)
    assert panel.showing() == "b1"
    with qtbot.waitSignal(panel.followRequested):
        qtbot.mouseClick(panel.follow_button, Qt.MouseButton.LeftButton)
    assert model.selection is None
    assert panel.plain_text().startswith("Forward: H2")


def test_selected_neuron_shows_its_forward_computation(panel, model):
    model.select("Y1")
    assert panel.showing() == "Y1"
    shown = panel.plain_text()
    assert "netY1 = w5*outH1 + w6*outH2 + b2" in shown
    assert "E1 = 0.5 * (0.05 - 0.63371)^2 = 0.17036" in shown
    model.select("X1")  # an input: nothing to derive, follow the steps
    assert panel.showing() == ""


def test_digits_spin_and_model_stay_in_step(panel, model):
    steps(model, 7)
    panel.digits_spin.setValue(3)
    assert model.digits == 3
    assert "0.584 * 0.232 * 0.538 = 0.073" in panel.plain_text()
    model.set_digits(10)
    assert panel.digits_spin.value() == 10
    assert "= 0.0729519972" in panel.plain_text()


def test_sample_selector_appears_for_batches(qtbot, panel, model):
    assert not panel.sample_spin.isVisible()
    model.set_document(edits.new_document((2, 2, 1)))  # XOR, gd: a batch of 4
    steps(model, 1)
    panel.plain_text()
    assert panel.sample_spin.isVisible()
    assert panel.sample_spin.maximum() == 4
    panel.sample_spin.setValue(3)
    assert model.sample == 2
    assert "sample 3 of the batch of 4" in panel.plain_text()


def test_divergence_banner_shows_and_clears(qtbot, panel, model):
    doc = edits.set_training(edits.new_document((2, 2, 1), activation="linear"),
                             learning_rate=1e5)
    model.set_document(doc)
    model.run_iterations(50)
    assert "diverged" in panel.divergence_text()
    assert panel.banner.isVisible()
    model.reset_training()
    assert panel.divergence_text() == ""


def test_rendering_is_coalesced_and_throttled_while_running(qtbot, panel, model):
    renders: list[int] = []
    original = panel.browser.setHtml
    panel.browser.setHtml = lambda html: (renders.append(1), original(html))  # type: ignore
    panel.set_throttled(True)
    for _ in range(20):
        model.run_iterations(1)
    assert renders == []  # nothing rendered synchronously
    qtbot.waitUntil(lambda: len(renders) == 1, timeout=2000)
    qtbot.wait(50)
    assert len(renders) == 1
    panel.set_throttled(False)
    model.step()
    qtbot.waitUntil(lambda: len(renders) == 2, timeout=2000)


def test_a_hidden_panel_renders_when_shown(qtbot, model):
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    host = QWidget()  # like a dock: the panel is hidden inside a shown window
    qtbot.addWidget(host)
    panel = DerivationPanel(model)
    QVBoxLayout(host).addWidget(panel)
    host.show()
    qtbot.waitExposed(host)
    panel.hide()
    steps(model, 1)
    qtbot.wait(20)
    assert "Forward" not in panel.browser.toPlainText()
    panel.show()
    qtbot.waitUntil(lambda: "Forward: H1" in panel.browser.toPlainText(), timeout=2000)
