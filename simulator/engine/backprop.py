"""Forward pass, backward pass, and the chain-rule derivation of every gradient.

The backward pass computes, per layer and per sample, the quantities the lesson names:
``dE/dout`` (how the error changes with a neuron's output), ``dout/dnet`` (the activation's
slope) and ``dE/dnet`` (their product, the neuron's delta). From these, a
:class:`Derivation` is built on demand for any parameter: a sum of products of named
:class:`Factor` objects whose values multiply and add up to the gradient exactly. Factor
values are per sample; the batch gradient is their mean over samples.

With a weight penalty (see :mod:`simulator.engine.regularisation`) the loss is
E = data loss + P: the pass reports both parts, its gradient includes dP/dw, and a weight's
derivation carries dP/dw as its own :class:`~simulator.engine.regularisation.PenaltyTerm`
beside the chain-rule terms.

The inputs here are the network's inputs: input features, if the network has any, are
applied before (see :mod:`simulator.engine.features`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from typing import NamedTuple, TypeAlias

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES, Loss
from .network import Network
from .regularisation import Penalty, PenaltyParts, PenaltyTerm


@dataclass(frozen=True)
class ForwardPass:
    """Net inputs and outputs of every layer. ``outs[0]`` is the input batch itself;
    ``nets[k]`` and ``outs[k + 1]`` belong to the k-th non-input layer."""

    nets: list[np.ndarray]
    outs: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        """The network's output, shape (n_samples, n_outputs)."""
        return self.outs[-1]


def forward(network: Network, inputs: np.ndarray) -> ForwardPass:
    """Run the batch ``inputs`` (n_samples, n_inputs) through the network."""
    with np.errstate(over="ignore", invalid="ignore"):
        nets, outs = _forward(network, np.asarray(inputs, dtype=np.float64))
    return ForwardPass(nets, outs)


def _forward(network: Network, out: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The forward pass proper; the caller sets NumPy's error state."""
    nets: list[np.ndarray] = []
    outs: list[np.ndarray] = [out]
    biases = network.biases
    for k, (layer, w) in enumerate(zip(network.layers, network.weights)):
        net = out.dot(w.T) if w.shape[1] > 1 else out @ w.T  # (see _backward)
        if biases[k].size:
            net += biases[k]
        out = ACTIVATIONS[layer.activation].fn(net)
        nets.append(net)
        outs.append(out)
    return nets, outs


def predict(network: Network, inputs: np.ndarray) -> np.ndarray:
    """The network's output for ``inputs``."""
    return forward(network, inputs).output


def loss_value(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
               penalty: Penalty | None = None) -> float:
    """The batch loss of the network on (inputs, targets), plus the weight penalty P when
    ``penalty`` is given."""
    fp = forward(network, inputs)
    with np.errstate(over="ignore", invalid="ignore"):
        value = LOSSES[loss].value(fp.output, np.asarray(targets, dtype=np.float64),
                                   fp.nets[-1])
    if penalty is not None and penalty.active:
        value += penalty.value(network.params[:network.weight_count])
    return value


# Factor, Term and Derivation are built by the thousand (every parameter's derivation in
# every iteration a student steps through), so they are slotted dataclasses: about three
# times cheaper to create than frozen ones. Treat them as read-only all the same.

@dataclass(slots=True)
class Factor:
    """One named factor of a chain-rule product.

    ``symbol`` is what the lesson writes (``dE/doutY1``), ``formula`` what it stands for
    (``outY1 - T1``), ``values`` its value per sample. When the factor is itself a sum of
    products (``dE/doutH1`` collects every path through the next layer), ``expansion`` holds
    those terms and their sum equals ``values``.
    """

    symbol: str
    formula: str
    values: np.ndarray
    expansion: tuple[Term, ...] | None = None


@dataclass(slots=True)
class Term:
    """A product of factors."""

    factors: tuple[Factor, ...]

    @property
    def values(self) -> np.ndarray:
        """The product of the factors, per sample."""
        result = self.factors[0].values
        for f in self.factors[1:]:
            result = result * f.values
        return result


@dataclass(slots=True)
class Derivation:
    """How dE/dp comes about: ``sum(term.values for term in terms)`` per sample, averaged
    over samples. ``per_sample`` (dE/dp of each sample alone) and ``gradient`` are the
    backward pass's own numbers; the terms' products add up to them (up to rounding).

    With a weight penalty, a weight's ``penalty`` is dP/dw, its own term beside the
    chain-rule ones: then each sample's dE/dp is the sum of the terms plus
    ``penalty.value`` (every sample's E carries the same P), so ``per_sample`` and
    ``gradient`` include it. ``penalty`` is None for a bias and without a penalty.
    """

    parameter: str
    symbol: str
    terms: tuple[Term, ...]
    per_sample: np.ndarray
    gradient: float
    penalty: PenaltyTerm | None = None


@dataclass
class BackwardPass:
    """Everything one forward and backward pass computed over a batch.

    Per non-input layer k and sample: ``d_out[k]`` = de/dout, ``d_act[k]`` = dout/dnet (the
    diagonal of the Jacobian), ``delta[k]`` = de/dnet. ``grad`` is the flat batch gradient
    in the network's parameter order.

    ``loss`` is E: the batch's data loss ``data_loss`` (the mean of ``per_sample_loss``)
    plus the weight penalty ``penalty_loss``; ``penalty`` is the penalty the pass included,
    or None when there is none (then ``loss == data_loss``). ``grad`` includes dP/dw.
    """

    network: Network
    inputs: np.ndarray
    targets: np.ndarray
    loss_name: str
    forward: ForwardPass
    per_sample_loss: np.ndarray
    loss: float
    d_out: list[np.ndarray | None]
    d_act: list[np.ndarray]
    delta: list[np.ndarray]
    grad: np.ndarray
    data_loss: float
    penalty_loss: float = 0.0
    penalty: Penalty | None = None

    @property
    def n_samples(self) -> int:
        """How many samples the batch holds."""
        return int(self.inputs.shape[0])

    @cached_property
    def _symbols(self) -> _Symbols:
        return _Symbols(self.network)

    def gradient(self, name: str) -> float:
        """dE/dp of one parameter."""
        return float(self.grad[self.network.index_of[name]])

    def penalty_parts(self) -> PenaltyParts | None:
        """The weight penalty P and its parts (sum |w|, sum w^2, ...), None without one."""
        if self.penalty is None:
            return None
        return self.penalty.parts(self.network.params[:self.network.weight_count])

    def derivation(self, name: str) -> Derivation:
        """The chain-rule derivation of dE/d``name``."""
        self.network.info(name)  # KeyError naming an unknown parameter
        return _DerivationBuilder(self).build(name)


def backward(network: Network, inputs: np.ndarray, targets: np.ndarray,
             loss: str, penalty: Penalty | None = None) -> BackwardPass:
    """Forward and backward pass over the batch; the gradient is of the mean loss (plus the
    weight penalty, if one is given and active)."""
    with np.errstate(all="ignore"):
        return _backward(network, np.asarray(inputs, dtype=np.float64),
                         np.asarray(targets, dtype=np.float64), loss,
                         penalty if penalty is not None and penalty.active else None)


def _backward(network: Network, X: np.ndarray, T: np.ndarray, loss: str,
              penalty: Penalty | None = None) -> BackwardPass:
    """:func:`backward` proper, on float64 arrays; the caller silences NumPy's warnings and
    passes ``penalty`` only when it is active."""
    lf: Loss = LOSSES[loss]
    n = X.shape[0]
    layers = network.layers
    weights = network.weights
    L = len(layers)
    nets, outs = _forward(network, X)
    out, net = outs[-1], nets[-1]
    per_sample = lf.per_sample(out, T, net)
    d_out: list[np.ndarray | None] = [None] * L
    d_act: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    delta: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    # The sums over samples go straight into the flat gradient; one division by n at
    # the end makes them means (x / 1 is x, so a single sample skips it).
    # Matrix products use ndarray.dot, the same BLAS product as @ with less overhead on
    # tiny arrays, except over an inner dimension of 1: there dot multiplies directly and
    # keeps the sign of a zero product (-0.0) where @ gives +0.0, so that case keeps @.
    grad = np.empty_like(network.params)
    # (typed by hand: NumPy's stubs hide reduce's plain overload from mypy)
    add_reduce: Callable[..., np.ndarray] = np.add.reduce
    for k in range(L - 1, -1, -1):
        layer = layers[k]
        out_k = outs[k + 1]
        d_act[k] = act_k = ACTIVATIONS[layer.activation].grad(nets[k], out_k)
        if k == L - 1 and lf.on_net:
            delta_k = lf.grad(out_k, T, net)
        else:
            if k == L - 1:
                g = lf.grad(out_k, T, net)
            else:
                w_next = weights[k + 1]
                g = delta[k + 1].dot(w_next) if w_next.shape[0] > 1 else delta[k + 1] @ w_next
            d_out[k] = g
            if layer.activation == "softmax":
                delta_k = out_k * (g - (g * out_k).sum(axis=1, keepdims=True))
            else:
                delta_k = g * act_k
        delta[k] = delta_k
        (np.dot if n > 1 else np.matmul)(delta_k.T, outs[k], out=grad[
            network.weight_slices[k]].reshape(weights[k].shape))
        bias = layer.bias
        if bias == "neuron":
            add_reduce(delta_k, axis=0, out=grad[network.bias_slices[k]])
        elif bias == "shared":
            grad[network.bias_slices[k]] = add_reduce(add_reduce(delta_k, axis=1))
    if n != 1:
        grad /= n
    data_loss = float(add_reduce(per_sample) / n)
    if penalty is None:
        return BackwardPass(network, X, T, loss, ForwardPass(nets, outs), per_sample,
                            data_loss, d_out, d_act, delta, grad, data_loss)
    nw = network.weight_count
    penalty_loss = penalty.add_to(network.params[:nw], grad[:nw])
    return BackwardPass(network, X, T, loss, ForwardPass(nets, outs), per_sample,
                        data_loss + penalty_loss, d_out, d_act, delta, grad, data_loss,
                        penalty_loss, penalty)


def gradient(network: Network, inputs: np.ndarray, targets: np.ndarray,
             loss: str, penalty: Penalty | None = None) -> tuple[float, np.ndarray]:
    """The batch loss and its flat gradient, without keeping anything else."""
    bp = backward(network, inputs, targets, loss, penalty)
    return bp.loss, bp.grad


class _Symbols:
    """The lesson's symbols for a network's quantities (outH1, netY2, x1, T2, ...)."""

    def __init__(self, network: Network) -> None:
        self.neurons = network.neurons
        self.inputs = network.input_symbols

    def out(self, layer: int, i: int) -> str:
        """Output of neuron i of layer ``layer`` (0 = inputs, which are written x1, x2.., or
        as their features: x1^2, sin(x1)..)."""
        if layer == 0:
            return self.inputs[i]
        return f"out{self.neurons[layer][i]}"

    def net(self, layer: int, i: int) -> str:
        """Net input of neuron i of layer ``layer`` (>= 1)."""
        return f"net{self.neurons[layer][i]}"

    @staticmethod
    def target(j: int) -> str:
        """Target of output j."""
        return f"T{j + 1}"


# --- derivations -----------------------------------------------------------------------------
#
# How a derivation is assembled. What a derivation says (its symbols, its formulas, and which
# computed number each factor shows) depends only on the network's shape and the loss, so it is
# worked out once per shape and loss as a _Plan, reused by every backward pass:
#
# - a _FactorPlan is one named factor: its symbol (dE/doutH1), its formula (outY1 - T1), where
#   its per-sample values sit (a _Location), and, when the factor is itself a sum of products
#   (dE/doutH1 sums one path through each neuron of the next layer), its expansion: the ids of
#   the terms it sums;
# - a _TermPlan is a product: the ids of its factors;
# - a _ParamPlan is one parameter's derivation: its symbol (dE/dw1), the ids of its terms (one
#   per neuron the parameter feeds: one for a weight, several for a shared bias) and where its
#   per-sample gradient sits.
#
# Factors and terms are kept in the plan's lists and referred to by index (their id), so a
# neuron's dE/dout or dE/dnet is planned once and shared by every derivation through it. A plan
# grows on demand: one parameter's derivation plans only what it needs (in a big network, a
# click on one weight must not plan all of them).
#
# A _Location is a column of one of the (n_samples, width) matrices a backward pass yields (a
# _Group: a _Source and a layer), e.g. column j of d_out[k]. The _DerivationBuilder walks a
# parameter's plan, makes each group's matrix once (most are the backward pass's own arrays)
# and puts the plan's symbols on its columns as Factor, Term and Derivation objects.

_FactorId: TypeAlias = int  # index into _Plan.factors
_TermId: TypeAlias = int  # index into _Plan.terms


class _Source(IntEnum):
    """Which (n_samples, width) matrix of a backward pass per-sample numbers are read from.

    The first four are the pass's own arrays; the rest are made from them for derivations
    (``_MATRIX[source]`` makes each). ``layer`` (in :class:`_Group`) indexes
    ``forward.outs`` for OUTS (0 = the inputs) and the non-input layers (k) for the others.
    """

    OUTS = 0  # forward.outs[layer]: outputs of a layer, the dnet/dw of the next one
    D_OUT = 1  # d_out[k]: dE/dout of layer k's neurons
    D_ACT = 2  # d_act[k]: dout/dnet
    DELTA = 3  # delta[k]: dE/dnet, also the per-sample gradient of a neuron's own bias
    ONES = 4  # 1 for every sample (dnet/db); one column, the same for every layer
    WEIGHTS = 5  # weights[k] flattened (m, j), repeated per sample: dnet_m/dout_j
    SOFTMAX_JACOBIAN = 6  # dout_i/dnet_j of softmax layer k, flattened (i, j)
    WEIGHT_GRADIENTS = 7  # delta[k][:, j] * outs[k][:, i] flattened (j, i): per-sample dE/dw
    DELTA_SUM = 8  # delta[k] summed over the layer's neurons: per-sample dE/db of a shared bias


class _Group(NamedTuple):
    """One (n_samples, width) matrix of a backward pass: its source and layer."""

    source: _Source
    layer: int


class _Location(NamedTuple):
    """Where one quantity's per-sample values sit: a column of a group's matrix."""

    group: _Group
    column: int


_ONES_COLUMN = _Location(_Group(_Source.ONES, 0), 0)


class _FactorPlan(NamedTuple):
    """A factor's symbol and formula, where its values sit, and (for a factor that is a sum
    of products) the terms it expands to."""

    symbol: str
    formula: str
    values: _Location
    expansion: tuple[_TermId, ...] | None


class _TermPlan(NamedTuple):
    """A product of factors."""

    factors: tuple[_FactorId, ...]


class _ParamPlan(NamedTuple):
    """A parameter's derivation: dE/dp is the sum of ``terms``, per sample at ``per_sample``."""

    symbol: str
    terms: tuple[_TermId, ...]
    per_sample: _Location


class _Plan:
    """The symbolic side of the derivations for one network shape and loss (see above).

    Ids are in creation order, so every factor and term comes after the ones it is made of.
    """

    def __init__(self, network: Network, loss_name: str) -> None:
        self.net = network  # for its shape and names only
        self.sym = _Symbols(network)
        self.loss = LOSSES[loss_name]
        self.factors: list[_FactorPlan] = []
        self.terms: list[_TermPlan] = []
        self.params: dict[str, _ParamPlan] = {}
        # (k, j) of a neuron -> its planned dE/dout, dout/dnet, and factors of dE/dnet
        self._d_out: dict[tuple[int, int], _FactorId] = {}
        self._d_act: dict[tuple[int, int], _FactorId] = {}
        self._delta: dict[tuple[int, int], tuple[_FactorId, ...]] = {}
        self._lock = threading.Lock()

    # --- growing ------------------------------------------------------------------------------

    def param(self, name: str) -> _ParamPlan:
        """The plan of one parameter's derivation (made on first use)."""
        spec = self.params.get(name)
        if spec is None:
            with self._lock:
                if name not in self.params:
                    self._param(name)
                spec = self.params[name]
        return spec

    def _factor(self, symbol: str, formula: str, values: _Location,
                expansion: tuple[_TermId, ...] | None = None) -> _FactorId:
        self.factors.append(_FactorPlan(symbol, formula, values, expansion))
        return len(self.factors) - 1

    def _term(self, factors: tuple[_FactorId, ...]) -> _TermId:
        self.terms.append(_TermPlan(factors))
        return len(self.terms) - 1

    def _formula(self, ids: tuple[_TermId, ...]) -> str:
        """A sum of products written with the factors' symbols."""
        return " + ".join("*".join(self.factors[f].symbol for f in self.terms[t].factors)
                          for t in ids)

    def _entry(self, source: _Source, k: int, row: int, col: int) -> _Location:
        """Entry (row, col) of layer k's matrix from ``source`` (a weight matrix, a softmax
        Jacobian, a weight-gradient matrix), flattened row-major into one group's columns."""
        sizes = self.net.sizes
        width = sizes[k + 1] if source == _Source.SOFTMAX_JACOBIAN else sizes[k]
        return _Location(_Group(source, k), row * width + col)

    # Layer indices here are of non-input layers (k); their neurons live in layer k + 1.

    def _dE_dout(self, k: int, j: int) -> _FactorId:
        key = (k, j)
        if key in self._d_out:
            return self._d_out[key]
        net, sym = self.net, self.sym
        out_sym = sym.out(k + 1, j)
        values = _Location(_Group(_Source.D_OUT, k), j)
        if k == len(net.layers) - 1:
            formula = self.loss.grad_formula.format(out=out_sym, t=sym.target(j),
                                                    m=net.output_size)
            fid = self._factor(f"dE/d{out_sym}", formula, values)
        else:
            terms = []
            for m in range(net.sizes[k + 2]):
                link = self._factor(f"d{sym.net(k + 2, m)}/d{out_sym}",
                                    net.weight_name(k + 1, m, j),
                                    self._entry(_Source.WEIGHTS, k + 1, m, j))
                terms.append(self._term(self._node_delta(k + 1, m) + (link,)))
            ids = tuple(terms)
            fid = self._factor(f"dE/d{out_sym}", self._formula(ids), values, ids)
        self._d_out[key] = fid
        return fid

    def _dout_dnet(self, k: int, j: int) -> _FactorId:
        key = (k, j)
        if key not in self._d_act:
            sym = self.sym
            act = ACTIVATIONS[self.net.layers[k].activation]
            out_sym, net_sym = sym.out(k + 1, j), sym.net(k + 1, j)
            self._d_act[key] = self._factor(f"d{out_sym}/d{net_sym}",
                                            act.grad_formula.format(out=out_sym, net=net_sym),
                                            _Location(_Group(_Source.D_ACT, k), j))
        return self._d_act[key]

    def _node_delta(self, k: int, j: int) -> tuple[_FactorId, ...]:
        """Factors whose product is dE/dnet of neuron j in non-input layer k."""
        key = (k, j)
        if key in self._delta:
            return self._delta[key]
        net, sym = self.net, self.sym
        last = k == len(net.layers) - 1
        net_sym = sym.net(k + 1, j)
        delta = _Location(_Group(_Source.DELTA, k), j)
        if last and self.loss.on_net:
            formula = self.loss.grad_formula.format(out=sym.out(k + 1, j), t=sym.target(j),
                                                    m=net.output_size)
            ids: tuple[_FactorId, ...] = (self._factor(f"dE/d{net_sym}", formula, delta),)
        elif net.layers[k].activation == "softmax":
            terms = []
            for i in range(net.sizes[k + 1]):
                o_i, o_j = sym.out(k + 1, i), sym.out(k + 1, j)
                jac_formula = f"{o_i} * (1 - {o_j})" if i == j else f"-{o_i} * {o_j}"
                jac = self._factor(f"d{o_i}/d{net_sym}", jac_formula,
                                   self._entry(_Source.SOFTMAX_JACOBIAN, k, i, j))
                terms.append(self._term((self._dE_dout(k, i), jac)))
            expansion = tuple(terms)
            ids = (self._factor(f"dE/d{net_sym}", self._formula(expansion), delta, expansion),)
        else:
            ids = (self._dE_dout(k, j), self._dout_dnet(k, j))
        self._delta[key] = ids
        return ids

    def _param(self, name: str) -> None:
        net, sym = self.net, self.sym
        info = net.info(name)
        k = info.layer
        terms = []
        if info.kind == "weight":
            j, i = info.target, info.source
            link = self._factor(f"d{sym.net(k + 1, j)}/d{name}", sym.out(k, i),
                                _Location(_Group(_Source.OUTS, k), i))
            terms.append(self._term(self._node_delta(k, j) + (link,)))
            per_sample = self._entry(_Source.WEIGHT_GRADIENTS, k, j, i)
        else:
            targets = range(net.sizes[k + 1]) if info.target < 0 else [info.target]
            for j in targets:
                link = self._factor(f"d{sym.net(k + 1, j)}/d{name}", "1", _ONES_COLUMN)
                terms.append(self._term(self._node_delta(k, j) + (link,)))
            per_sample = (_Location(_Group(_Source.DELTA_SUM, k), 0) if info.target < 0
                          else _Location(_Group(_Source.DELTA, k), info.target))
        self.params[name] = _ParamPlan(f"dE/d{name}", tuple(terms), per_sample)


_PLANS: dict[tuple[Hashable, str], _Plan] = {}
_PLANS_LOCK = threading.Lock()


def _plan(network: Network, loss_name: str) -> _Plan:
    """The plan for this network's shape and loss (shared; a few are kept)."""
    key = (network.layout, loss_name)
    plan = _PLANS.get(key)
    if plan is None:
        with _PLANS_LOCK:
            plan = _PLANS.get(key)
            if plan is None:
                if len(_PLANS) >= 16:
                    _PLANS.clear()
                plan = _PLANS[key] = _Plan(network, loss_name)
    return plan


# How each _Source's (n_samples, width) matrix is made from a backward pass, for layer k.

def _d_out_matrix(bp: BackwardPass, k: int) -> np.ndarray:
    """The pass's d_out[k] (dE/dout)."""
    d_out = bp.d_out[k]
    assert d_out is not None  # planned only for layers whose d_out the pass set
    return d_out


_ONES_CACHE: dict[int, np.ndarray] = {}


def _ones_matrix(bp: BackwardPass, k: int) -> np.ndarray:
    """A read-only (n, 1) array of ones (dnet/db for every sample), shared."""
    n = bp.n_samples
    ones = _ONES_CACHE.get(n)
    if ones is None:
        ones = np.ones((n, 1))
        ones.flags.writeable = False
        if len(_ONES_CACHE) > 8:
            _ONES_CACHE.clear()
        _ONES_CACHE[n] = ones
    return ones


def _weights_matrix(bp: BackwardPass, k: int) -> np.ndarray:
    """weights[k][m, j] for every sample."""
    w = bp.network.weights[k].reshape(1, -1)
    n = bp.n_samples
    return w if n == 1 else np.repeat(w, n, axis=0)


def _softmax_jacobian_matrix(bp: BackwardPass, k: int) -> np.ndarray:
    """dout_i/dnet_j = out_i * ([i == j] - out_j) for every sample."""
    o = bp.forward.outs[k + 1]
    return (o[:, :, None] * (np.eye(o.shape[1]) - o[:, None, :])).reshape(bp.n_samples, -1)


def _weight_gradients_matrix(bp: BackwardPass, k: int) -> np.ndarray:
    """delta_j * out_i for every sample: each weight's per-sample gradient."""
    return (bp.delta[k][:, :, None] * bp.forward.outs[k][:, None, :]).reshape(bp.n_samples, -1)


def _delta_sum_matrix(bp: BackwardPass, k: int) -> np.ndarray:
    """delta[k] summed over the layer's neurons for every sample (a shared bias's gradient)."""
    return np.add.reduce(bp.delta[k], axis=1, keepdims=True)


_MATRIX: dict[_Source, Callable[[BackwardPass, int], np.ndarray]] = {
    _Source.OUTS: lambda bp, k: bp.forward.outs[k],
    _Source.D_OUT: _d_out_matrix,
    _Source.D_ACT: lambda bp, k: bp.d_act[k],
    _Source.DELTA: lambda bp, k: bp.delta[k],
    _Source.ONES: _ones_matrix,
    _Source.WEIGHTS: _weights_matrix,
    _Source.SOFTMAX_JACOBIAN: _softmax_jacobian_matrix,
    _Source.WEIGHT_GRADIENTS: _weight_gradients_matrix,
    _Source.DELTA_SUM: _delta_sum_matrix,
}


class _DerivationBuilder:
    """Builds one parameter's :class:`Derivation` for one backward pass from the plan of its
    shape, each factor once (a neuron's dE/dout may appear in several terms)."""

    def __init__(self, bp: BackwardPass) -> None:
        self.bp = bp
        self.plan = _plan(bp.network, bp.loss_name)
        self._columns: dict[_Group, list[np.ndarray]] = {}
        self._factors: dict[_FactorId, Factor] = {}
        self._terms: dict[_TermId, Term] = {}

    def build(self, name: str) -> Derivation:
        """The derivation of one parameter, building only the factors it needs."""
        spec = self.plan.param(name)
        bp = self.bp
        index = bp.network.index_of[name]
        per_sample = self._values(spec.per_sample)
        penalty = None
        if bp.penalty is not None and index < bp.network.weight_count:
            penalty = bp.penalty.term(name, bp.network.params[index])
            per_sample = per_sample + penalty.value
        return Derivation(name, spec.symbol, tuple([self._term(t) for t in spec.terms]),
                          per_sample, float(bp.grad[index]), penalty)

    def _values(self, location: _Location) -> np.ndarray:
        group, column = location
        columns = self._columns.get(group)
        if columns is None:
            source, layer = group
            columns = self._columns[group] = list(_MATRIX[source](self.bp, layer).T)
        return columns[column]

    def _factor(self, fid: _FactorId) -> Factor:
        factor = self._factors.get(fid)
        if factor is None:
            symbol, formula, values, expansion = self.plan.factors[fid]
            terms = None if expansion is None else tuple([self._term(t) for t in expansion])
            factor = self._factors[fid] = Factor(symbol, formula, self._values(values), terms)
        return factor

    def _term(self, tid: _TermId) -> Term:
        term = self._terms.get(tid)
        if term is None:
            term = self._terms[tid] = Term(tuple([self._factor(f)
                                                  for f in self.plan.terms[tid].factors]))
        return term
