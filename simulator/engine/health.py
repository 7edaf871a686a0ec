"""Training-health checks: what is going wrong, where, and what to try, in words.

:func:`check_health` looks at one forward and backward pass over the training data (see
:func:`health_pass`) and at the loss history, and returns a :class:`HealthReport`: the
warnings and the per-layer gradient sizes behind the vanishing- and exploding-gradient
checks. It is pure NumPy, cheap (a few reductions per layer; the pass itself is one training
step's work) and says nothing on a healthy run. The checks and their thresholds, chosen on
purpose:

``diverged``
    Training stopped because a number stopped being finite or passed the limits (the
    trainer's :class:`~simulator.engine.training.Divergence`, passed in).

``saturated``
    A sigmoid or tanh neuron whose slope dout/dnet is below :data:`SATURATION_SLOPE` (one
    thousandth) of its largest possible slope (1/4 for sigmoid, 1 for tanh) on every sample:
    |net| beyond about 8.3 (sigmoid) or 3.8 (tanh) everywhere. Almost no gradient passes
    through it, so neither it nor anything before it learns. An output neuron is only
    reported when it is also wrong on some sample (|out - target| above
    :data:`OUTPUT_ERROR`, 0.01): a saturated output that is right has simply converged; and
    not at all under binary cross-entropy or cross-entropy, whose gradient cancels the
    output's slope.

``dead_relu``
    A relu neuron whose net input is <= 0 on every sample: its output is 0 and its gradient
    0 everywhere, so it never learns again (leaky relu never dies).

``vanishing_gradient`` / ``exploding_gradient``
    The gradient size of each layer, the root mean square over its neurons and the samples
    of dE/dnet (the error signal the backward pass carries back to the layer; each weight's
    gradient is that signal times the input the weight carries), shrinks or grows by
    :data:`GRADIENT_ORDERS` (three) orders of magnitude or more from the output layer back to
    the first layer. Healthy networks of a lesson's size stay within about 1.6 orders (a
    2-8-8-2 sigmoid network on the spiral: 1/40 at worst; the reference lesson 1/28 at the
    start); six sigmoid layers of four lose four orders, eight lose six. Not checked when the
    output layer's size is below :data:`GRADIENT_FLOOR` (training has converged).

``oscillating``
    The loss rose and fell repeatedly over the last :data:`OSCILLATION_WINDOW` iterations:
    at least a quarter of the steps went up and the direction changed at least a quarter of
    the times, counting only moves above :data:`OSCILLATION_STEP` (a thousandth) of the
    loss's mean size over the window, while the loss made less than
    :data:`OSCILLATION_PROGRESS` (0.1 %) of progress over the window (a zigzag that still
    makes headway is left alone). Only for full-batch losses (gd, or a batch as large as
    the data): the losses of different mini-batches go up and down by nature.

``plateau``
    (Beyond the issue's list, for the case it reports: a 2-2-1 network with shared biases on
    XOR, outputs 0.5 everywhere after 5,000 iterations.) Every output gives nearly the same
    value for every sample (its spread over the samples below :data:`PLATEAU_SPREAD`, 2 %,
    of the targets' spread) although the targets differ, and the full-batch loss has fallen
    by less than :data:`PLATEAU_PROGRESS` (0.1 %) over the last :data:`PLATEAU_WINDOW`
    iterations (it stayed within that band: a rising loss is no plateau).

Loss values and moves below :data:`LOSS_RESOLUTION` (1e-12) are rounding noise: a converged
loss of 1e-33 flickers between two values, which is not oscillation.

Where a warning points: ``where`` names a neuron (H1, Y2), a layer ("hidden layer 1",
"output layer"), a parameter (from a divergence) or "loss"; ``neurons`` lists the neurons a
view should highlight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .backprop import BackwardPass, _backward
from .numbers import format_number
from .stepper import Stepper
from .training import Divergence, Trainer

#: A sigmoid or tanh neuron is saturated when its slope is below this fraction of its
#: largest slope on every sample.
SATURATION_SLOPE = 1e-3
#: The largest slope of each saturating activation (at net = 0).
MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0}
#: A saturated output neuron is reported only when it is this far from a target somewhere.
OUTPUT_ERROR = 0.01
#: Losses whose gradient cancels the output layer's slope (no output saturation check).
SLOPE_CANCELLING_LOSSES = frozenset({"binary_cross_entropy", "cross_entropy"})
#: Orders of magnitude between the output layer's gradient size and the first layer's that
#: count as vanishing (below) or exploding (above) gradients.
GRADIENT_ORDERS = 3.0
#: Below this output-layer gradient size the ratio is not checked (converged).
GRADIENT_FLOOR = 1e-12
#: Loss values and moves below this are rounding noise, never a sign of anything.
LOSS_RESOLUTION = 1e-12
#: Iterations of loss history the oscillation check looks at.
OSCILLATION_WINDOW = 20
#: A move of the loss counts when it exceeds this fraction of the loss's size.
OSCILLATION_STEP = 1e-3
#: ... and the check needs at least this fraction of ups and of direction changes.
OSCILLATION_SHARE = 0.25
#: Oscillation is reported only when the window made less than this relative progress.
OSCILLATION_PROGRESS = 1e-3
#: An output's spread over the samples below this fraction of its targets' spread is flat.
PLATEAU_SPREAD = 0.02
#: Iterations of loss history the plateau check looks at, and the progress it must see.
PLATEAU_WINDOW = 100
PLATEAU_PROGRESS = 1e-3

#: Every kind of warning, in the order a report lists them.
HEALTH_KINDS: tuple[str, ...] = ("diverged", "oscillating", "plateau", "saturated",
                                 "dead_relu", "vanishing_gradient", "exploding_gradient")


@dataclass(frozen=True)
class HealthWarning:
    """One warning: its ``kind`` (one of :data:`HEALTH_KINDS`), ``where`` it points (a
    neuron, layer or parameter name, or "loss"), the ``iteration`` it was seen at, a
    ``message`` in words that says what to try, and the ``neurons`` to highlight."""

    kind: str
    where: str
    iteration: int
    message: str
    neurons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The JSON form: kind, where, iteration and message."""
        return {"kind": self.kind, "where": self.where, "iteration": self.iteration,
                "message": self.message}


@dataclass(frozen=True)
class LayerGradient:
    """The gradient size of one layer: ``layer`` is its index among the network's layers
    (1 = first hidden), ``name`` how it is called ("hidden layer 1", "output layer"),
    ``size`` the root mean square of dE/dnet over its neurons and the samples."""

    layer: int
    name: str
    size: float


@dataclass(frozen=True)
class HealthReport:
    """The result of :func:`check_health`: warnings (none on a healthy run) and the
    per-layer gradient sizes, from the first layer to the output layer."""

    iteration: int
    warnings: tuple[HealthWarning, ...]
    gradient_sizes: tuple[LayerGradient, ...]

    @property
    def healthy(self) -> bool:
        """Whether there is nothing to warn about."""
        return not self.warnings

    def kinds(self) -> set[str]:
        """The kinds of warning raised."""
        return {w.kind for w in self.warnings}


def layer_name(n_layers: int, layer: int) -> str:
    """How layer ``layer`` (1 .. n_layers - 1; 0 is the inputs) is called in a warning."""
    if layer == n_layers - 1:
        return "output layer"
    return "hidden layer" if n_layers == 3 else f"hidden layer {layer}"


def health_pass(trainer: Trainer, params: np.ndarray) -> BackwardPass:
    """A forward and backward pass over the whole training set at ``params`` (what
    :func:`check_health` looks at)."""
    net = trainer.network.with_params(params)
    with np.errstate(all="ignore"):
        return _backward(net, trainer.inputs, trainer.targets, trainer.loss, trainer.penalty)


def check_stepper(stepper: Stepper) -> HealthReport:
    """:func:`check_health` where a stepper stands: a pass over the training data at its
    current parameters, its losses, completed iterations and divergence (what a view calls
    at each redraw)."""
    trainer = stepper.trainer
    return check_health(health_pass(trainer, stepper.params), stepper.losses,
                        stepper.completed_iterations, stepper.divergence,
                        trainer.batch_size >= trainer.n_samples)


def gradient_sizes(bp: BackwardPass) -> tuple[LayerGradient, ...]:
    """Each layer's gradient size (see :class:`LayerGradient`), first layer first."""
    n_layers = len(bp.network.sizes)
    sizes = []
    for k, delta in enumerate(bp.delta):
        flat = delta.ravel()
        size = float(np.sqrt(np.dot(flat, flat) / flat.size))
        sizes.append(LayerGradient(k + 1, layer_name(n_layers, k + 1), size))
    return tuple(sizes)


def check_health(bp: BackwardPass, losses: Sequence[float] = (), iteration: int = 0,
                 divergence: Divergence | None = None,
                 full_batch: bool = True) -> HealthReport:
    """Check a network's training health.

    ``bp`` is a pass over the training data at the current parameters (:func:`health_pass`),
    ``losses`` the loss of each iteration so far (the stepper's), ``iteration`` the number of
    iterations completed, ``divergence`` the trainer's divergence if training stopped on
    one, and ``full_batch`` whether each of ``losses`` is over the whole training set (the
    oscillation and plateau checks need that).
    """
    with np.errstate(all="ignore"):  # a diverging pass has inf and NaN: no warnings about it
        return _check(bp, losses, iteration, divergence, full_batch)


def _check(bp: BackwardPass, losses: Sequence[float], iteration: int,
           divergence: Divergence | None, full_batch: bool) -> HealthReport:
    warnings: list[HealthWarning] = []
    if divergence is not None:
        warnings.append(_diverged(divergence))
    tail = np.asarray(losses[-max(OSCILLATION_WINDOW, PLATEAU_WINDOW) - 1:], dtype=np.float64)
    if full_batch and divergence is None:
        warnings += _oscillating(tail, iteration)
        warnings += _plateau(bp, tail, iteration)
    warnings += _saturated(bp, iteration)
    warnings += _dead_relus(bp, iteration)
    sizes = gradient_sizes(bp)
    warnings += _gradient_ratio(bp, sizes, iteration)
    order = {kind: i for i, kind in enumerate(HEALTH_KINDS)}
    warnings.sort(key=lambda w: order[w.kind])
    return HealthReport(iteration, tuple(warnings), sizes)


# --- the checks --------------------------------------------------------------------------------

def _diverged(div: Divergence) -> HealthWarning:
    return HealthWarning("diverged", div.parameter, div.iteration,
                         f"{div.message} The steps grew too large: try a smaller learning "
                         f"rate, then reset the training.")


def _saturated(bp: BackwardPass, iteration: int) -> list[HealthWarning]:
    net = bp.network
    found: list[HealthWarning] = []
    last = len(net.layers) - 1
    for k, layer in enumerate(net.layers):
        top = MAX_SLOPE.get(layer.activation)
        if top is None:
            continue
        if k == last and bp.loss_name in SLOPE_CANCELLING_LOSSES:
            continue
        flat = np.max(np.abs(bp.d_act[k]), axis=0) < SATURATION_SLOPE * top
        if k == last:
            error = np.max(np.abs(bp.forward.outs[-1] - bp.targets), axis=0)
            flat &= error > OUTPUT_ERROR
        for j in np.flatnonzero(flat):
            name = net.neurons[k + 1][j]
            end = _saturation_end(layer.activation, bp.forward.outs[k + 1][:, j])
            found.append(HealthWarning(
                "saturated", name, iteration,
                f"{name} is saturated: its {layer.activation} output is stuck near {end} on "
                f"every sample, where its slope dout{name}/dnet{name} is almost 0, so "
                f"almost no gradient passes through it and the weights before it hardly "
                f"learn. Its net input is too large: try a smaller learning rate, smaller "
                f"starting weights (re-initialise), or relu/tanh instead of sigmoid.",
                (name,)))
    return found


def _saturation_end(activation: str, out: np.ndarray) -> str:
    """Which end of its range a saturated neuron's outputs sit at, in words."""
    low, high = ("0", "1") if activation == "sigmoid" else ("-1", "+1")
    mid = 0.5 if activation == "sigmoid" else 0.0
    if np.all(out > mid):
        return high
    if np.all(out < mid):
        return low
    return f"{low} or {high} (depending on the sample)"


def _dead_relus(bp: BackwardPass, iteration: int) -> list[HealthWarning]:
    net = bp.network
    found: list[HealthWarning] = []
    for k, layer in enumerate(net.layers):
        if layer.activation != "relu":
            continue
        dead = np.max(bp.forward.nets[k], axis=0) <= 0.0
        for j in np.flatnonzero(dead):
            name = net.neurons[k + 1][j]
            bias = net.bias_name(k, int(j))
            hint = f" (its bias {bias} is {format_number(net.get(bias), 3)})" if bias else ""
            found.append(HealthWarning(
                "dead_relu", name, iteration,
                f"{name} is a dead ReLU: its net input is never positive, on any sample{hint}, so "
                f"it outputs 0 and its gradient is 0 everywhere; it will never learn again. "
                f"Try re-initialising, a smaller learning rate, or leaky_relu.", (name,)))
    return found


def _gradient_ratio(bp: BackwardPass, sizes: tuple[LayerGradient, ...],
                    iteration: int) -> list[HealthWarning]:
    if len(sizes) < 2:
        return []
    first, last = sizes[0].size, sizes[-1].size
    if not (np.isfinite(first) and np.isfinite(last)) or last < GRADIENT_FLOOR:
        return []
    ratio = first / last
    net = bp.network
    listing = ", ".join(f"{s.name} {format_number(s.size, 2)}" for s in sizes)
    if ratio < 10.0 ** -GRADIENT_ORDERS:
        weakest = min(sizes, key=lambda s: s.size)
        orders = np.log10(last / max(first, np.finfo(float).tiny))
        return [HealthWarning(
            "vanishing_gradient", weakest.name, iteration,
            f"Vanishing gradients: the error signal dE/dnet shrinks by about {orders:.0f} "
            f"orders of magnitude from the output layer back to the first layer "
            f"({listing}), so the early layers barely learn. Try fewer layers, tanh or "
            f"relu instead of sigmoid, or a Xavier/He initialisation.",
            tuple(net.neurons[weakest.layer]))]
    if ratio > 10.0 ** GRADIENT_ORDERS:
        strongest = max(sizes, key=lambda s: s.size)
        orders = np.log10(first / last)
        return [HealthWarning(
            "exploding_gradient", strongest.name, iteration,
            f"Exploding gradients: the error signal dE/dnet grows by about {orders:.0f} "
            f"orders of magnitude from the output layer back to the first layer "
            f"({listing}), so the early layers take huge steps. Try smaller starting "
            f"weights (re-initialise with Xavier or He), fewer layers, or a smaller "
            f"learning rate.",
            tuple(net.neurons[strongest.layer]))]
    return []


def _oscillating(losses: np.ndarray, iteration: int) -> list[HealthWarning]:
    window = losses[-OSCILLATION_WINDOW - 1:]
    if window.size < OSCILLATION_WINDOW + 1 or not np.isfinite(window).all():
        return []
    scale = float(np.abs(window).mean())
    moves = np.diff(window)
    moves = moves[np.abs(moves) > max(OSCILLATION_STEP * scale, LOSS_RESOLUTION)]
    needed = OSCILLATION_SHARE * OSCILLATION_WINDOW
    ups = int((moves > 0).sum())
    turns = int((np.diff(np.sign(moves)) != 0).sum())
    progress = (window[0] - window[-1]) / max(abs(window[0]), np.finfo(float).tiny)
    if ups >= needed and turns >= needed and progress < OSCILLATION_PROGRESS:
        return [HealthWarning(
            "oscillating", "loss", iteration,
            f"The loss rises and falls again and again (it went up in {ups} of the last "
            f"{OSCILLATION_WINDOW} iterations): each step overshoots the valley it is in. "
            f"The learning rate is too large: try a smaller one (a half or a tenth).")]
    return []


def _plateau(bp: BackwardPass, losses: np.ndarray, iteration: int) -> list[HealthWarning]:
    window = losses[-PLATEAU_WINDOW - 1:]
    if bp.n_samples < 2 or window.size < PLATEAU_WINDOW + 1 or not np.isfinite(window).all():
        return []
    if np.ptp(window) >= max(PLATEAU_PROGRESS * abs(window[-1]), LOSS_RESOLUTION):
        return []  # (first: a falling loss is the common case, and the cheapest to see)
    t_spread = np.ptp(bp.targets, axis=0)
    varying = t_spread > 0
    if not varying.any():
        return []
    out = bp.forward.outs[-1]
    o_spread = np.ptp(out, axis=0)
    if not np.all(o_spread[varying] < PLATEAU_SPREAD * t_spread[varying]):
        return []
    net = bp.network
    outputs = tuple(net.neurons[-1])
    values = ", ".join(f"{n} = {format_number(float(np.mean(out[:, j])), 3)}"
                       for j, n in enumerate(outputs))
    shared = [net.bias_name(k, 0) for k, layer in enumerate(net.layers[:-1])
              if layer.bias == "shared"]
    hint = (f" Its hidden neurons share one bias ({', '.join(n for n in shared if n)}), "
            f"which makes them hard to tell apart: give each neuron its own bias and "
            f"re-initialise." if shared else
            " Try re-initialising with another seed, a larger learning rate or Adam.")
    return [HealthWarning(
        "plateau", outputs[0] if len(outputs) == 1 else "output layer", iteration,
        f"The network gives nearly the same output for every sample ({values}) and the loss "
        f"has stopped falling: it sits on a plateau where the gradient is almost 0 and it has "
        f"not yet learned to tell the samples apart. It may escape after many more "
        f"iterations.{hint}", outputs)]
