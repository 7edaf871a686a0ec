"""What the network learned, as the app shows it: the decision boundary's pixels are the
network's outputs, the neurons' pictures on the canvas, the test-loss curve after a fast run,
the training-health warnings on the canvas (and none on a healthy run), the features and the
weight penalty edited, undone and saved in the window, and XOR solved with default settings.
"""

from __future__ import annotations

import gc
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from simulator.app.learned.boundary_view import DecisionBoundaryView
from simulator.app.learned.colours import (
    CLASS_COLOURS,
    HIGH_COLOUR,
    LIGHT_BACKGROUND,
    LOW_COLOUR,
    MAX_TINT,
    rgb,
)
from simulator.app.learned.data_tools import DataTools
from simulator.app.learned.health_overlay import headline
from simulator.app.learned.health_view import HealthView
from simulator.app.learned.views import LearnedViews
from simulator.app.loss_plot import LossPlot
from simulator.app.main_window import MainWindow, NewDocumentDialog
from simulator.app.model import LabModel
from simulator.app.runner import Runner
from simulator.engine import datasets, edits
from simulator.engine import document as doc_io
from simulator.engine.backprop import forward
from simulator.engine.document import Document
from simulator.engine.features import apply as apply_features
from simulator.engine.initializers import initialize
from simulator.engine.network import LayerSpec, Network
from simulator.engine.training import Trainer
from simulator.resources import example_path

TOL = 1e-12


# --- documents built to show something ---------------------------------------------------------

def reference(lr: float | None = None) -> Document:
    doc = doc_io.load(example_path("reference.json"))
    return doc if lr is None else edits.set_training(doc, learning_rate=lr)


def xor_doc(features: tuple[str, ...] = ()) -> Document:
    doc = edits.new_document()
    return edits.set_features(doc, list(features)) if features else doc


def spiral_doc(n: int = 200, test_fraction: float = 0.3, noise: float | None = None
               ) -> Document:
    source: dict[str, object] = {"kind": "spiral", "n": n, "test_fraction": test_fraction,
                                 "one_hot": True}
    if noise is not None:
        source["noise"] = noise
    data = datasets.make("spiral", **{k: v for k, v in source.items() if k != "kind"})
    doc = edits.fit_to_data(edits.new_document((2, 8, 8, 2), "tanh"), data, source)
    return edits.set_training(doc, optimizer="adam", learning_rate=0.02, batch_size=n)


def deep_sigmoid() -> Document:
    """Six sigmoid layers of four: the gradient vanishes on the way back."""
    layers = [LayerSpec(4, "sigmoid") for _ in range(6)] + [LayerSpec(1, "sigmoid")]
    net = Network.create(2, layers)
    net = net.with_params(initialize(net, "xavier", 0))
    return xor_doc().with_changes(network=net)


def deep_linear() -> Document:
    """Every weight 1 in linear layers of four: the gradient explodes on the way back."""
    layers = [LayerSpec(4, "linear", "none") for _ in range(6)] + \
        [LayerSpec(1, "linear", "none")]
    net = Network.create(2, layers, np.ones(Network.count_parameters(2, layers)))
    return edits.set_loss(xor_doc().with_changes(network=net), "mse")


def dead_relu() -> Document:
    doc = edits.new_document((2, 3, 1), activation="relu")
    return edits.set_parameter(doc, doc.network.bias_name(0, 1), -10.0)


def oscillating() -> Document:
    data = datasets.regression_sine(n=40)
    net = Network.create(1, [LayerSpec(4, "tanh"), LayerSpec(1, "linear")])
    net = net.with_params(initialize(net, "xavier", 0))
    doc = edits.fit_to_data(edits.new_document((1, 4, 1), "tanh"), data, {"kind": "sine"})
    doc = edits.set_loss(doc.with_changes(network=net), "mse")
    return edits.set_training(doc, learning_rate=0.6)


def plateau() -> Document:
    """The issue's XOR with the lesson's shared biases: every output 0.5 after 5000."""
    doc = edits.resize_layer(reference(), 2, 1)
    doc = edits.set_data(doc, datasets.xor(), {"kind": "xor"})
    return edits.set_training(doc, learning_rate=0.5)


def diverging() -> Document:
    return edits.set_training(edits.new_document((2, 2, 1), activation="linear"),
                              learning_rate=1e6)


@pytest.fixture(autouse=True)
def kept():
    """The views and models a test makes, held until it is over: pytest-qt holds widgets
    weakly, and a view held only by reference cycles could otherwise be collected in the
    middle of a paint."""
    held: list[object] = []
    yield held
    for obj in held:
        if isinstance(obj, QWidget):
            obj.close()
    QApplication.processEvents()
    held.clear()
    gc.collect()


def boundary_view(qtbot, model: LabModel, kept: list[object]) -> DecisionBoundaryView:
    view = DecisionBoundaryView(model)
    kept += [view, model]
    qtbot.addWidget(view)
    view.resize(420, 420)
    view.show()
    view.flush()
    return view


def pixel_at(view: DecisionBoundaryView, x: float, y: float) -> tuple[int, int]:
    """The image pixel (row, column) under the plot point (x, y), through the item's own
    mapping (so a wrong rectangle or a flipped axis would show)."""
    p = view.image.mapFromParent(QPointF(x, y))
    return math.floor(p.y()), math.floor(p.x())


def mixed(colour: str, share: float) -> np.ndarray:
    """``share`` of the way from the background to ``colour`` (the exact mix: the view
    looks colours up in ramps of 1024 levels and rounds them to bytes, within 1)."""
    back = rgb(LIGHT_BACKGROUND)
    return back + (rgb(colour) - back) * share


# --- the decision boundary ----------------------------------------------------------------------

@pytest.mark.parametrize("features", [(), ("x1", "x2", "x1*x2"), ("x1^2", "sin(x2)", "x1")])
def test_boundary_pixels_are_the_networks_outputs(qtbot, features, kept) -> None:
    model = LabModel(document=xor_doc(features))
    model.run_iterations(400)
    view = boundary_view(qtbot, model, kept)
    assert view.mode == "plane" and view.boundary is not None and view.rgba is not None
    plane = model.plane()
    net = model.network
    rng = np.random.default_rng(0)
    for i, j in [(0, 0), (99, 99), (0, 99), (50, 7), *rng.integers(0, 100, (8, 2))]:
        x, y = float(plane.xs[i]), float(plane.ys[j])
        # the network's own output at that point (its features made here, independently)
        raw = np.array([[x, y]])
        cols = {"x1": raw[:, 0], "x2": raw[:, 1], "x1*x2": raw[:, 0] * raw[:, 1],
                "x1^2": raw[:, 0] ** 2, "sin(x2)": np.sin(raw[:, 1])}
        inputs = np.column_stack([cols[f] for f in features]) if features else raw
        out = float(forward(net, inputs).output[0, 0])
        row, col = pixel_at(view, x, y)
        assert (row, col) == (j, i)
        assert view.boundary.value[row, col] == pytest.approx(out, abs=TOL)
        label = int(out >= 0.5)
        confidence = min(1.0, abs(2 * out - 1))
        expected = mixed(CLASS_COLOURS[label], MAX_TINT * confidence)
        np.testing.assert_allclose(view.rgba[row, col, :3], expected, atol=1)


def test_boundary_of_several_classes_is_the_argmax(qtbot, kept) -> None:
    model = LabModel(document=spiral_doc())
    model.run_iterations(300)
    view = boundary_view(qtbot, model, kept)
    plane = model.plane()
    net = model.network
    for i, j in [(3, 5), (60, 40), (97, 12), (50, 50)]:
        out = forward(net, np.array([[plane.xs[i], plane.ys[j]]])).output[0]
        row, col = pixel_at(view, float(plane.xs[i]), float(plane.ys[j]))
        assert view.boundary.label[row, col] == int(np.argmax(out))
        top = np.sort(out)
        expected = mixed(CLASS_COLOURS[int(np.argmax(out))],
                         MAX_TINT * min(1.0, top[-1] - top[-2]))
        np.testing.assert_allclose(view.rgba[row, col, :3], expected, atol=1)
    # training samples filled, test samples as rings, one point each
    data = model.document.data
    assert len(view.train_points.data) == data.n_samples
    assert len(view.test_points.data) == data.n_test


def test_a_neuron_shown_large_is_its_own_output(qtbot, kept) -> None:
    model = LabModel(document=xor_doc())
    model.run_iterations(200)
    view = boundary_view(qtbot, model, kept)
    view.show_neuron("H2")
    assert view.shown_neuron == "H2" and view.boundary is None
    plane = model.plane()
    i, j = 30, 70
    hidden = forward(model.network, np.array([[plane.xs[i], plane.ys[j]]])).outs[1][0, 1]
    row, col = pixel_at(view, float(plane.xs[i]), float(plane.ys[j]))
    s = 2 * hidden - 1  # sigmoid: 0 orange, 0.5 background, 1 blue
    expected = mixed(HIGH_COLOUR if s >= 0 else LOW_COLOUR, abs(s))
    np.testing.assert_allclose(view.rgba[row, col, :3], expected, atol=1)
    view.show_neuron(None)
    assert view.boundary is not None


def test_the_boundary_follows_training_live(qtbot, kept) -> None:
    model = LabModel(document=xor_doc())
    view = boundary_view(qtbot, model, kept)
    before = view.boundary.value.copy()
    runner = Runner(model)
    view.set_throttled(True)
    runner.start(target=300, fast=True)
    qtbot.waitUntil(lambda: not runner.running, timeout=20_000)
    view.set_throttled(False)
    view.flush()
    qtbot.wait(10)
    assert not np.array_equal(view.boundary.value, before)
    expected = forward(model.network, model.plane().points()).output[:, 0].reshape(100, 100)
    np.testing.assert_allclose(view.boundary.value, expected, atol=TOL, rtol=0)


def test_one_input_draws_the_fitted_curve(qtbot, kept) -> None:
    data = datasets.make("sine", n=30, test_fraction=0.2)
    doc = edits.fit_to_data(edits.new_document((1, 6, 1), "tanh"), data, {"kind": "sine"})
    model = LabModel(document=doc)
    model.run_iterations(100)
    view = boundary_view(qtbot, model, kept)
    assert view.mode == "curve"
    x, y = view.curve_x, view.curve_y
    assert x is not None and y is not None
    np.testing.assert_allclose(y[:, 0], forward(model.network, x[:, None]).output[:, 0],
                               atol=TOL, rtol=0)
    assert x.min() < data.inputs.min() and x.max() > data.inputs.max()
    # the model computes the curve once per training position: after more training it is
    # the new network's, not a stale copy
    before = y.copy()
    model.run_iterations(300)
    qtbot.waitUntil(lambda: view.curve_y is not None and not np.array_equal(view.curve_y,
                                                                           before))
    np.testing.assert_allclose(view.curve_y[:, 0],
                               forward(model.network, view.curve_x[:, None]).output[:, 0],
                               atol=TOL, rtol=0)


def test_the_reference_lesson_has_no_picture(qtbot, kept) -> None:
    model = LabModel(document=reference())
    view = boundary_view(qtbot, model, kept)
    assert view.mode == "none" and not view.plot_widget.isVisible()
    assert "no input plane" in view.message.text()


# --- the neurons' pictures on the canvas -----------------------------------------------------

@pytest.fixture
def window(qtbot, monkeypatch):
    for name in ("question", "critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: pytest.fail(f"dialog {a[1:3]}"))
    win = MainWindow(LabModel(document=xor_doc()), persist=False)
    qtbot.addWidget(win, before_close_func=lambda w: (w.runner.pause(),
                                                      w.set_confirm_on_close(False)))
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_every_hidden_and_output_neuron_has_its_picture(qtbot, window) -> None:
    model = window.model
    model.run_iterations(300)
    thumbs = window.learned.thumbnails
    items = thumbs.items()
    assert sorted(items) == ["H1", "H2", "H3", "Y1"]
    view = window.learned.boundary
    for name, item in items.items():
        canvas_neuron = window.canvas.neuron_item(name)
        assert item.pos() == canvas_neuron.pos()
        view.show_neuron(name)
        view.flush()
        # the picture on the canvas is the one shown large (top row: the largest x2),
        # every other point of it
        np.testing.assert_array_equal(item.pixels[::-1], view.rgba[::2, ::2])
    # the toggle, and the reference lesson, which has none
    window.learned.thumbnails_action.setChecked(False)
    assert thumbs.items() == {}
    window.learned.thumbnails_action.setChecked(True)
    assert len(thumbs.items()) == 4
    model.set_document(reference())
    assert thumbs.items() == {}


def test_pictures_and_rings_follow_their_neurons_when_the_canvas_lays_out_again(
        qtbot, window) -> None:
    model = window.model
    model.set_document(dead_relu())  # pictures on every neuron, a ring on H2
    canvas = window.canvas
    marks = window.learned.health_marks
    assert marks.rings()
    before = {name: canvas.neuron_item(name).pos() for name in canvas.content.neurons}
    # a larger canvas: every edge labelled again, the neurons further apart
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: canvas.neuron_item("Y1").pos() != before["Y1"])
    for name, item in window.learned.thumbnails.items().items():
        assert item.pos() == canvas.neuron_item(name).pos(), name
    for name in marks.rings():
        assert marks.ring_pos(name) == canvas.neuron_item(name).pos(), name


def test_the_decision_boundary_is_in_front_for_a_data_set_and_the_surface_for_the_lesson(
        qtbot, window) -> None:
    def in_front(key: str) -> bool:
        dock = window.docks[key]
        return dock.isVisible() and not dock.visibleRegion().isEmpty()

    qtbot.waitUntil(lambda: in_front("boundary"))  # XOR: what it learned, at once
    assert not in_front("surface")
    window.model.set_document(reference())
    qtbot.waitUntil(lambda: in_front("surface"))
    assert not in_front("boundary")
    window.docks["loss"].raise_()  # the user's choice stays while the kind does not change
    window.model.set_document(reference(0.5))
    QApplication.processEvents()
    assert in_front("loss")
    window.model.set_document(spiral_doc())
    qtbot.waitUntil(lambda: in_front("boundary"))


def test_clicking_a_picture_shows_it_large(qtbot, window) -> None:
    canvas = window.canvas
    item = window.learned.thumbnails.items()["H2"]
    pos = canvas.mapFromScene(item.scenePos())
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.learned.boundary.shown_neuron == "H2"
    assert window.model.selection is not None  # the click selects the neuron as always
    assert window.docks["boundary"].isVisible()


def test_pictures_survive_a_rebuild_and_undo(qtbot, window) -> None:
    model = window.model
    model.edit("add", lambda d: edits.add_neuron(d, 1))
    assert sorted(window.learned.thumbnails.items()) == ["H1", "H2", "H3", "H4", "Y1"]
    model.undo_stack.undo()
    assert sorted(window.learned.thumbnails.items()) == ["H1", "H2", "H3", "Y1"]
    window.set_dark(True)
    assert len(window.learned.thumbnails.items()) == 4
    window.set_dark(False)


# --- the test-loss curve -------------------------------------------------------------------------

def test_the_test_curve_after_a_fast_run_has_one_point_per_sampled_iteration(qtbot, kept) -> None:
    doc = spiral_doc()
    model = LabModel(document=doc)
    plot = LossPlot(model)
    qtbot.addWidget(plot)
    kept.append(plot)
    plot.show()
    runner = Runner(model)
    runner.set_speed(None)
    runner.start(target=700)
    qtbot.waitUntil(lambda: not runner.running, timeout=30_000)
    x, y = plot.test_data()
    history = model.test_history
    np.testing.assert_array_equal(x, history.iterations)
    assert len(np.unique(x)) == len(x) and np.all(np.diff(x) > 0)  # one point each
    assert x[0] == 0 and x[-1] == 700
    every = model.stepper.test_every
    slice_ends = [i for i in x if i % every]  # off the grid: the end of a runner slice
    assert len(slice_ends) < len(x) / 3
    assert set(range(0, 701, every)) <= set(x.tolist())  # every 10th iteration is there
    # each point is the test loss of the parameters at its iteration (recomputed)
    trainer = Trainer.for_document(doc)
    state = trainer.initial_state()
    for k in range(701):
        if k in set(x.tolist()):
            assert y[list(x).index(k)] == pytest.approx(trainer.test_loss(state.params),
                                                        abs=TOL)
        state = trainer.step(state, keep=False).after
    best = model.best_iteration()
    assert best is not None and plot.best_point() == (best.iteration, best.loss)
    assert best.loss == float(np.min(y))
    assert "lowest test loss" in plot.latest.text()


def test_early_stopping_stops_and_goes_back_to_the_best(qtbot, kept) -> None:
    doc = spiral_doc(n=300, test_fraction=0.5, noise=0.1)
    model = LabModel(document=doc)
    plot = LossPlot(model)
    qtbot.addWidget(plot)
    kept.append(plot)
    plot.show()
    bar = plot.early_stopping
    assert bar.isVisible()
    bar.patience.setValue(300)
    bar.stop_check.setChecked(True)
    assert model.early_stopping is not None and model.early_stopping.patience == 300
    runner = Runner(model)
    runner.set_speed(None)
    messages: list[str] = []
    runner.stopped.connect(messages.append)
    runner.start(target=20_000)
    qtbot.waitUntil(lambda: not runner.running, timeout=60_000)
    best = model.best_iteration()
    assert best is not None
    assert model.stepper.completed_iterations == best.iteration  # went back
    assert runner.done < 20_000
    assert messages and "Stopped early" in messages[-1] and \
        f"Went back to iteration {best.iteration}" in messages[-1]
    plot.flush()
    assert "Stopped early" in plot.latest.text()
    # going on and then "Go to best" by hand
    bar.stop_check.setChecked(False)
    model.run_iterations(200)
    bar.flush()
    assert bar.best_button.isEnabled()
    qtbot.mouseClick(bar.best_button, Qt.MouseButton.LeftButton)
    assert model.stepper.completed_iterations == model.best_iteration().iteration


# --- training health ----------------------------------------------------------------------------

CASES = {
    "saturated": (lambda: reference(100.0), 1000, {"H1", "H2", "Y1", "Y2"}),
    "dead_relu": (dead_relu, 0, {"H2"}),
    "vanishing_gradient": (deep_sigmoid, 0, None),
    "exploding_gradient": (deep_linear, 0, None),
    "plateau": (plateau, 5000, {"Y1"}),
    "oscillating": (oscillating, 400, set()),
    "diverged": (diverging, 100, None),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_health_warning_shows_on_the_canvas(qtbot, window, kind) -> None:
    make, iterations, neurons = CASES[kind]
    model = window.model
    model.set_document(make())
    if iterations:
        model.run_iterations(iterations)
    marks = window.learned.health_marks
    report = model.health()
    assert kind in report.kinds()
    rings = marks.rings()
    marked = {name for name, kinds in rings.items() if kind in kinds}
    warning = next(w for w in report.warnings if w.kind == kind)
    if neurons is None:
        neurons = set(warning.neurons) or ({warning.where} if warning.where in
                                           window.canvas.content.neurons else set())
    assert marked == neurons
    for name in marked:  # each ring sits on its neuron
        assert marks.ring_pos(name) == window.canvas.neuron_item(name).pos()
    assert marks.banner.isVisible()
    first = report.warnings[0]
    assert headline(first) in marks.banner.text() and headline(first)
    assert first.message.startswith(headline(first))
    # the banner hides no neuron: it sits in a band under the canvas's viewport (a large
    # network may not fit the canvas at a legible size: what the viewport shows counts)
    canvas = window.canvas
    assert not marks.banner.geometry().intersects(canvas.viewport().geometry())
    for name in canvas.content.neurons:
        box = canvas.mapFromScene(canvas.neuron_item(name).sceneBoundingRect()).boundingRect()
        box = box.intersected(canvas.viewport().rect())
        box.translate(canvas.viewport().pos())
        assert box.isEmpty() or not marks.banner.geometry().intersects(box), name
    health = window.learned.health
    health.flush()
    titles = [card.warning.kind for card in health.cards]
    assert kind in titles
    card = health.cards[titles.index(kind)]
    assert card.message.text() == warning.message
    if marked:
        qtbot.mouseClick(card.show_button, Qt.MouseButton.LeftButton)
        assert model.selection is not None
        assert model.selection.label(model.document.network) in marked
    # the banner leads to the panel
    qtbot.mouseClick(marks.banner, Qt.MouseButton.LeftButton)
    assert window.docks["health"].isVisible()


def test_no_false_alarm_on_the_healthy_reference_run(qtbot, window) -> None:
    model = window.model
    model.set_document(reference(0.5))
    marks = window.learned.health_marks
    health = window.learned.health
    for _ in range(40):  # 2000 iterations, looked at every 50
        model.run_iterations(50)
        assert marks.rings() == {}
        assert not marks.banner.isVisible()
    health.flush()
    assert health.cards == [] and "No warnings" in health.summary.text()
    assert len(health.report.gradient_sizes) == 2


def test_gradient_sizes_are_drawn_per_layer(qtbot, kept) -> None:
    model = LabModel(document=deep_sigmoid())
    view = HealthView(model)
    qtbot.addWidget(view)
    kept += [view, model]
    view.flush()
    sizes = [g.size for g in model.health().gradient_sizes]
    heights = view.bars.opts["height"]
    y0 = view.bars.opts["y0"]
    np.testing.assert_allclose(np.asarray(heights) + np.asarray(y0), np.log10(sizes),
                               atol=1e-12)
    assert "hidden layer 1" in view.sizes_text.text()


# --- editing in the window -------------------------------------------------------------------

def test_features_and_penalty_edit_undo_redo_and_round_trip(qtbot, window, tmp_path) -> None:
    model = window.model
    inspector = window.inspector
    model.select(None)
    inspector.flush()
    for key, typed in (("l1", "0.01"), ("l2", "0.2")):
        field = inspector.page.fields[key]
        field.edit.setFocus()
        field.edit.selectAll()
        qtbot.keyClicks(field.edit, typed)
        qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    inspector.page.fields["l2"].edit.setFocus()
    inspector.page.fields["l2"].edit.selectAll()
    qtbot.keyClicks(inspector.page.fields["l2"].edit, "11")  # past MAX_L2: refused
    qtbot.keyClick(inspector.page.fields["l2"].edit, Qt.Key.Key_Return)
    assert "10" in inspector.page.fields["l2"].error
    inspector.page.fields["l2"].revert()
    assert (model.config.l1, model.config.l2) == (0.01, 0.2)
    assert model.trainer.penalty is not None and model.trainer.penalty.l2 == 0.2
    box = inspector.page.features
    box.checks["x1*x2"].setChecked(True)
    assert model.document.network.features == ("x1", "x2", "x1*x2")
    assert "X1*X2" in window.canvas.content.neurons
    assert window.learned.boundary.mode == "plane"
    model.undo_stack.undo()
    assert model.document.network.features == ()
    assert "X1*X2" not in window.canvas.content.neurons
    model.undo_stack.undo()
    assert model.config.l2 == 0.0
    model.undo_stack.redo()
    model.undo_stack.redo()
    assert model.config.l2 == 0.2 and model.document.network.features == ("x1", "x2", "x1*x2")
    model.run_iterations(50)
    trained = model.params.copy()
    path = tmp_path / "featured.json"
    assert window._save_to(path)
    window.model.set_document(reference())
    assert window.open_path(path)
    doc = window.model.document
    assert doc.network.features == ("x1", "x2", "x1*x2")
    assert (doc.training.l1, doc.training.l2) == (0.01, 0.2)
    np.testing.assert_array_equal(doc.network.params, trained)
    assert "X1*X2" in window.canvas.content.neurons
    window.inspector.flush()
    assert window.inspector.page.features.checks["x1*x2"].isChecked()
    assert sorted(window.learned.thumbnails.items()) == ["H1", "H2", "H3", "Y1"]
    # the loss the window trains is E with the penalty, on the features
    data = doc.data
    x = apply_features(doc.network.features, data.inputs)
    out = forward(doc.network, x).output
    w = doc.network.params[:doc.network.weight_count]
    expected = 0.5 * float(np.mean(np.sum((out - data.targets) ** 2, axis=1))) \
        + 0.01 * np.abs(w).sum() + 0.1 * (w @ w)
    assert window.model.trainer.dataset_loss(doc.network.params) == pytest.approx(expected,
                                                                                 abs=TOL)


def test_a_refused_feature_changes_nothing(qtbot, window) -> None:
    model = window.model
    model.set_document(reference())
    model.select(None)
    window.inspector.flush()
    box = window.inspector.page.features
    box.checks["x1"].setChecked(False)  # the network takes x2 only
    assert model.document.network.features == ("x2",)
    steps = model.undo_stack.count()
    box = window.inspector.page.features  # (the page was made again for the new shape)
    box.checks["x2"].setChecked(False)  # the last one: refused, ticked again
    assert box.checks["x2"].isChecked()
    assert "at least one input" in box.message.text()
    assert model.document.network.features == ("x2",)
    assert model.undo_stack.count() == steps


def test_noise_slider_regenerate_and_fit(qtbot, kept) -> None:
    model = LabModel(document=spiral_doc())
    tools = DataTools(model)
    qtbot.addWidget(tools)
    kept.append(tools)
    assert tools.slider.isEnabled()
    assert tools.noise() == pytest.approx(datasets.DEFAULT_NOISE["spiral"])
    before = model.document.data.inputs.copy()
    tools.slider.setValue(40)  # 0.2
    assert model.document.data_source["noise"] == pytest.approx(0.2)
    assert not np.array_equal(model.document.data.inputs, before)
    model.undo_stack.undo()
    np.testing.assert_array_equal(model.document.data.inputs, before)
    assert tools.noise() == pytest.approx(datasets.DEFAULT_NOISE["spiral"])
    assert tools.regenerate()
    assert model.document.data_source["seed"] == 1
    # fitting the lesson's network to XOR gives every neuron its own bias, fresh numbers
    model.set_document(plateau())
    assert tools.fit()
    net = model.document.network
    assert all(layer.bias == "neuron" for layer in net.layers)
    assert net.sizes == [2, 2, 1]
    tools_ref = DataTools(LabModel(document=reference()))
    qtbot.addWidget(tools_ref)
    kept.append(tools_ref)
    assert not tools_ref.slider.isEnabled() and not tools_ref.regenerate_button.isEnabled()


def test_the_new_document_dialog_starts_from_the_engines_defaults(qtbot, kept) -> None:
    dialog = NewDocumentDialog()
    qtbot.addWidget(dialog)
    kept.append(dialog)
    assert dialog.sizes_edit.text() == ", ".join(map(str, edits.DEFAULT_NEW_SIZES))
    assert dialog.activation_combo.currentText() == edits.DEFAULT_NEW_ACTIVATION
    doc = dialog.build()
    assert doc.network.sizes == list(edits.DEFAULT_NEW_SIZES)


def test_xor_with_default_settings_reaches_full_accuracy_in_the_ui(qtbot, window, kept
                                                                 ) -> None:
    dialog = NewDocumentDialog(window)
    qtbot.addWidget(dialog)
    kept.append(dialog)
    window._set_document(dialog.build(), None)
    model = window.model
    runner = window.runner
    runner.set_speed(None)
    runner.start(target=3000)
    qtbot.waitUntil(lambda: not runner.running, timeout=30_000)
    assert model.stepper.completed_iterations == 3000
    assert model.accuracy().train == 1.0
    window.loss_plot.flush()
    assert "accuracy 100 %" in window.loss_plot.latest.text()
    window.learned.boundary.flush()
    assert "training 100 %" in window.learned.boundary.accuracy.text()


def test_learned_views_follow_the_theme_and_runs(qtbot, kept) -> None:
    model = LabModel(document=xor_doc())
    from simulator.app.canvas import NetworkCanvas

    canvas = NetworkCanvas(model)
    qtbot.addWidget(canvas)
    kept.append(canvas)
    views = LearnedViews(model, canvas)
    qtbot.addWidget(views.boundary)
    kept.append(views.boundary)
    qtbot.addWidget(views.health)
    kept.append(views.health)
    for view in views.themeable:
        view.set_dark(True)
    views.boundary.flush()
    # on a dark background the boundary's palest pixels are dark, not white
    assert views.boundary.rgba[..., :3].min() < 60
    for view in views.throttleable:
        view.set_throttled(True)
        view.set_throttled(False)
    QApplication.processEvents()
