"""The derivation panel on its own: build the model, wrap it in the view, register it."""

from __future__ import annotations

import html
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from simulator.app.derivation_panel import DerivationPanel, HtmlRenderer
from simulator.app.model import LabModel
from simulator.engine import edits
from simulator.engine.explain import explain_parameter, explain_substep
from simulator.engine.explanation_render import render_text


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


# --- the HTML renderer ---------------------------------------------------------------------------

def _paragraphs(html_text: str) -> list[str]:
    """The text of each paragraph, as a reader sees it (no markup, ordinary spaces)."""
    out = []
    for body in re.findall(r"<p[^>]*>(.*?)</p>", html_text, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", body))
        out.append(text.replace("\u00a0", " ").replace("\u2060", ""))
    return out


def _cases():
    ref_model = LabModel()
    yield ref_model.iteration, ref_model.config
    doc = edits.new_document((2, 3, 3, 2))
    doc = edits.set_training(doc, optimizer="adam", learning_rate=0.1)
    model = LabModel(doc)
    model.run_iterations(2)
    yield model.iteration, model.config


def test_html_holds_the_same_lines_and_numbers_as_plain_text(qtbot):
    checked = 0
    for it, config in _cases():
        explanations = [explain_substep(it, sub, config) for sub in it.substeps]
        explanations += [explain_parameter(it, n, config) for n in it.backward.network.names]
        for ex in explanations:
            for digits in (3, 10):
                shown = _paragraphs(HtmlRenderer(digits).render(ex))
                plain = render_text(ex, digits).splitlines()
                assert shown == [line.strip() for line in plain]
                checked += 1
    assert checked > 100


def test_html_emphasises_results_and_mutes_sub_derivations(qtbot):
    it = LabModel().iteration
    ex = explain_substep(it, it.substeps[it.substep_index[("backward", "w1")]],
                         LabModel().config)
    renderer = HtmlRenderer(10, muted="#123456", result="#abcdef")
    paragraphs = re.findall(r"<p style='([^']*)'>(.*?)</p>", renderer.render(ex), re.S)
    lines = [(style, body) for style, body in paragraphs if "margin-left" in style]
    # every line ends in its emphasised result, except the formula lines
    results = [re.findall(r"<span style='color:#abcdef; font-weight:bold;'>([^<]*)</span>",
                          body) for _style, body in lines]
    assert results[-1] == ["0.004746395662"]
    assert results[0] == []  # dE/dw1 = dE/doutH1 * doutH1/dnetH1 * dnetH1/dw1
    # nesting: the top level is not muted, factors (level 1) and paths (level 2) are
    assert "#123456" not in lines[0][0] and "#123456" not in lines[-1][0]
    margins = [int(re.search(r"margin-left:(\d+)px", s).group(1)) for s, _b in lines]
    assert margins[0] == margins[-1] < margins[1] < margins[2]
    assert all("#123456" in s for s, _b in lines[1:-1])


def test_long_lines_wrap_only_between_terms(qtbot, panel, model):
    model.set_digits(10)
    doc = panel.browser.document()
    metrics = QFontMetricsF(panel.browser.font())
    char = metrics.horizontalAdvance("0")
    wrapped = 0
    for selection in ("b1", "w1"):
        model.select(selection)
        panel.plain_text()
        for chars in range(24, 110, 3):
            width = chars * char
            doc.setTextWidth(width)
            doc.documentLayout().documentSize()
            block = doc.begin()
            while block.isValid():
                layout = block.layout()
                fmt = block.blockFormat()
                text = block.text()
                # Where a line may break: after "+ " (between terms) or "= " (between
                # sides), never inside a product or a symbol. A piece between those that
                # is wider than the line must break somewhere: such lines are not judged.
                pieces = re.split(r"(?<=[+=] )", text)
                room = width - fmt.leftMargin() - 2 * doc.documentMargin()
                judged = fmt.leftMargin() > 0 and max(
                    metrics.horizontalAdvance(p) for p in pieces) < 0.95 * room
                for i in range(1, layout.lineCount() if judged else 0):
                    before = text[:layout.lineAt(i).textStart()]
                    assert before.endswith(("+ ", "= ")), (chars, text, before)
                    wrapped += 1
                block = block.next()
    assert wrapped >= 50


def test_a_change_of_digits_renders_the_same_tree_again(qtbot, panel, model, monkeypatch):
    built: list[str] = []
    original = model.parameter_explanation

    def counting(name):
        built.append(name)
        return original(name)

    monkeypatch.setattr(model, "parameter_explanation", counting)
    model.select("w5")
    assert "0.072952" in panel.plain_text()
    model.set_digits(3)
    assert "dE/dw5 = 0.584 * 0.232 * 0.538 = 0.073" in panel.plain_text()
    panel.set_throttled(False)
    panel.plain_text()
    assert built == ["w5"]
    model.step()  # a new sub-step of the same iteration: the parameter's tree still holds
    panel.plain_text()
    assert built == ["w5"]
    model.finish_iteration()
    model.step()  # the next iteration: new numbers, a new tree
    panel.plain_text()
    assert built == ["w5", "w5"]


def test_the_panel_shows_the_models_trees(qtbot, panel, model):
    steps(model, 3)
    assert panel.explanation() == model.explanation()
    model.select("H2")
    assert panel.explanation() == model.neuron_explanation("H2")
    assert panel.plain_text().startswith("H2: weighted sum and activation")


def test_long_explanations_are_cut_on_screen_but_not_in_the_text(qtbot, panel, model,
                                                                 monkeypatch):
    import simulator.app.derivation_panel as module

    monkeypatch.setattr(module, "MAX_LINES", 4)
    monkeypatch.setattr(module, "RUNNING_LINES", 2)
    model.finish_iteration()  # the update: the rule and a line per parameter (11 lines)
    full = panel.plain_text().splitlines()
    assert len(full) == 12 and full[-1].startswith("b2 = 0.42 - 0.01 *")
    shown = panel.browser.toPlainText().splitlines()
    assert shown[-1] == "... 7 more lines: click a parameter to see its own derivation and update"
    assert shown[-2].replace("\u00a0", " ").startswith("w3 = 0.03")
    panel.set_throttled(True)
    model.run_iterations(1)
    qtbot.waitUntil(lambda: panel.browser.toPlainText().endswith(
        "... 9 more lines: pause to see them all"), timeout=2000)
    panel.set_throttled(False)
    qtbot.waitUntil(lambda: "click a parameter" in panel.browser.toPlainText(), timeout=2000)


def test_copied_text_is_what_a_reader_sees(qtbot, panel, model):
    steps(model, 16)  # dE/db1: products of negative numbers, symbols with "/"
    panel.plain_text()
    panel.browser.selectAll()
    copied = panel.browser.createMimeDataFromSelection().text()
    assert "\u2060" not in copied and "\u00a0" not in copied
    assert "dE/db1 = (0.020104 * 0.24852 * 1) + (-0.0019986 * 0.24957 * 1) = 0.0044974" \
        in copied.splitlines()
