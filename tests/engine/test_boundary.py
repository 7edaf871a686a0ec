"""The decision boundary and the per-neuron pictures: every pixel is the network's own
output at that point of the input plane (through its input features), and for one input the
fitted curve."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine import document, edits
from simulator.engine.backprop import forward, predict
from simulator.engine.boundary import (
    PlaneError,
    boundary_from,
    curve_applies,
    decision_boundary,
    fitted_curve,
    line_for,
    plane_applies,
    plane_for,
    plane_values,
)
from simulator.engine.datasets import Dataset, classification, regression_sine
from simulator.engine.network import LayerSpec, Network

from . import _reference as ref


def _spiral_net(features: tuple[str, ...] = ()) -> tuple[Network, Dataset]:
    data = classification("spiral", n=120, seed=2, test_fraction=0.25, one_hot=True)
    doc = edits.fit_to_data(edits.new_document((2, 8, 8, 2), activation="tanh"), data)
    if features:
        doc = edits.set_features(doc, features)
    return doc.network, data


def test_the_plane_covers_the_training_and_test_points() -> None:
    _, data = _spiral_net()
    plane = plane_for(data, resolution=50, margin=0.1)
    assert plane.shape == (50, 50)
    both = np.vstack([data.inputs, data.test_inputs])
    lo, hi = both.min(axis=0), both.max(axis=0)
    x0, x1, y0, y1 = plane.extent
    assert x0 == pytest.approx(lo[0] - 0.1 * (hi[0] - lo[0]))
    assert x1 == pytest.approx(hi[0] + 0.1 * (hi[0] - lo[0]))
    assert y0 < lo[1] and y1 > hi[1]
    points = plane.points()
    assert points.shape == (2500, 2)
    assert points[3].tolist() == [plane.xs[3], plane.ys[0]]       # along x1 first
    assert points[50 * 7 + 3].tolist() == [plane.xs[3], plane.ys[7]]


@pytest.mark.parametrize("features", [(), ("x1", "x2", "x1*x2", "sin(x1)", "x2^2")])
def test_every_pixel_is_the_networks_output_at_its_point(features: tuple[str, ...]) -> None:
    net, data = _spiral_net(features)
    plane = plane_for(data, resolution=40)
    values = plane_values(net, plane)
    rng = np.random.default_rng(0)
    for _ in range(25):
        j, i = (int(v) for v in rng.integers(0, 40, 2))
        x1, x2 = plane.xs[i], plane.ys[j]
        mapped = np.array([[{"x1": x1, "x2": x2, "x1*x2": x1 * x2, "sin(x1)": np.sin(x1),
                             "x2^2": x2 * x2}[f] for f in (features or ("x1", "x2"))]])
        fp = forward(net, mapped)
        # (one point alone against the whole plane in one batch: the matrix products may
        # add in another order, so equal up to rounding, 1e-14)
        for layer in range(len(net.sizes)):
            np.testing.assert_allclose(values.layers[layer][j, i], fp.outs[layer][0],
                                       rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(values.output[j, i], predict(net, mapped)[0], rtol=1e-14,
                                   atol=1e-15)
    assert values.neuron(1, 3).shape == (40, 40)
    np.testing.assert_array_equal(values.neuron(2, 5), values.layers[2][:, :, 5])


def test_the_boundary_of_several_classes_is_the_argmax_with_its_margin() -> None:
    net, data = _spiral_net()
    plane = plane_for(data, resolution=30)
    values = plane_values(net, plane)
    boundary = boundary_from(values)
    out = values.output
    np.testing.assert_array_equal(boundary.label, np.argmax(out, axis=2))
    np.testing.assert_allclose(boundary.confidence, np.abs(out[:, :, 0] - out[:, :, 1]),
                               rtol=1e-15)
    np.testing.assert_array_equal(boundary.value, out.max(axis=2))
    assert boundary.n_classes == 2
    again = decision_boundary(net, plane)
    np.testing.assert_array_equal(again.label, boundary.label)


def test_the_boundary_of_one_output_is_at_one_half() -> None:
    doc = edits.new_document((2, 3, 1), seed=1)
    data = classification("circle", n=80, seed=1)
    doc = edits.fit_to_data(doc, data)
    plane = plane_for(data, resolution=25)
    boundary = decision_boundary(doc.network, plane)
    out = plane_values(doc.network, plane).output[:, :, 0]
    np.testing.assert_array_equal(boundary.value, out)
    np.testing.assert_array_equal(boundary.label, (out >= 0.5).astype(int))
    np.testing.assert_allclose(boundary.confidence, np.abs(2 * out - 1), rtol=1e-15)


def test_the_fitted_curve_of_a_one_input_network() -> None:
    data = regression_sine(n=30, seed=1)
    doc = edits.fit_to_data(edits.new_document((1, 5, 1), activation="tanh"), data)
    xs = line_for(data, resolution=64)
    assert xs.shape == (64,) and xs[0] < data.inputs.min() and xs[-1] > data.inputs.max()
    np.testing.assert_array_equal(fitted_curve(doc.network, xs),
                                  predict(doc.network, xs.reshape(-1, 1)))
    with_features = edits.set_features(doc, ["x1", "x1^2"])
    np.testing.assert_array_equal(
        fitted_curve(with_features.network, xs),
        predict(with_features.network, np.column_stack([xs, xs * xs])))


def test_what_cannot_be_drawn_says_why() -> None:
    three = Dataset(np.zeros((2, 3)), np.zeros((2, 1)))
    with pytest.raises(PlaneError, match="two inputs; this data has 3"):
        plane_for(three)
    with pytest.raises(PlaneError, match="one input"):
        line_for(three)
    with pytest.raises(PlaneError, match="resolution"):
        plane_for(classification("circle", n=10), resolution=1)
    net = Network.create(3, [LayerSpec(1)])
    with pytest.raises(PlaneError, match="3 inputs"):
        plane_values(net, plane_for(classification("circle", n=10), resolution=5))


def test_a_plane_of_100_by_100_for_a_2_8_8_2_network_is_one_forward_pass() -> None:
    net, data = _spiral_net()
    values = plane_values(net, plane_for(data))
    assert [v.shape for v in values.layers] == [(100, 100, 2), (100, 100, 8),
                                                (100, 100, 8), (100, 100, 2)]


def test_the_plane_applies_to_two_inputs_and_more_than_one_sample() -> None:
    reference = document.load(ref.REFERENCE_JSON)
    assert not plane_applies(reference.network, reference.data)  # one sample: off
    net, data = _spiral_net()
    assert plane_applies(net, data) and not curve_applies(net, data)
    featured, _ = _spiral_net(("x1", "x1*x2", "x2^2"))
    assert plane_applies(featured, data)
    sine = regression_sine(n=10)
    one = edits.fit_to_data(edits.new_document((1, 3, 1)), sine).network
    assert curve_applies(one, sine) and not plane_applies(one, sine)
