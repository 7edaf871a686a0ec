"""Forward pass, backward pass, and the chain-rule derivation of every gradient.

The backward pass computes, per layer and per sample, the quantities the lesson names:
``dE/dout`` (how the error changes with a neuron's output), ``dout/dnet`` (the activation's
slope) and ``dE/dnet`` (their product, the neuron's delta). From these, a
:class:`Derivation` is built on demand for any parameter: a sum of products of named
:class:`Factor` objects whose values multiply and add up to the gradient exactly. Factor
values are per sample; the batch gradient is their mean over samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES, Loss
from .network import Network


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
    out = np.asarray(inputs, dtype=np.float64)
    nets: list[np.ndarray] = []
    outs: list[np.ndarray] = [out]
    with np.errstate(over="ignore", invalid="ignore"):
        for k, layer in enumerate(network.layers):
            net = out @ network.weights[k].T
            if network.biases[k].size:
                net += network.biases[k]
            out = ACTIVATIONS[layer.activation].fn(net)
            nets.append(net)
            outs.append(out)
    return ForwardPass(nets, outs)


def predict(network: Network, inputs: np.ndarray) -> np.ndarray:
    """The network's output for ``inputs``."""
    return forward(network, inputs).output


def loss_value(network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str) -> float:
    """The batch loss of the network on (inputs, targets)."""
    fp = forward(network, inputs)
    with np.errstate(over="ignore", invalid="ignore"):
        return LOSSES[loss].value(fp.output, np.asarray(targets, dtype=np.float64), fp.nets[-1])


@dataclass(frozen=True)
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
    expansion: tuple["Term", ...] | None = None


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Derivation:
    """How dE/dp comes about: ``sum(term.values for term in terms)`` per sample, averaged
    over samples. ``per_sample`` and ``gradient`` are the backward pass's own numbers."""

    parameter: str
    symbol: str
    terms: tuple[Term, ...]
    per_sample: np.ndarray
    gradient: float


@dataclass
class BackwardPass:
    """Everything one forward and backward pass computed over a batch.

    Per non-input layer k and sample: ``d_out[k]`` = de/dout, ``d_act[k]`` = dout/dnet (the
    diagonal of the Jacobian), ``delta[k]`` = de/dnet. ``grad`` is the flat batch gradient
    in the network's parameter order.
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

    @property
    def n_samples(self) -> int:
        """How many samples the batch holds."""
        return int(self.inputs.shape[0])

    @cached_property
    def _symbols(self) -> "_Symbols":
        return _Symbols(self.network)

    def gradient(self, name: str) -> float:
        """dE/dp of one parameter."""
        return float(self.grad[self.network.index_of[name]])

    def derivation(self, name: str) -> Derivation:
        """The chain-rule derivation of dE/d``name``."""
        return _DerivationBuilder(self).build(name)

    def derivations(self) -> dict[str, Derivation]:
        """Derivations of every parameter, by name."""
        builder = _DerivationBuilder(self)
        return {name: builder.build(name) for name in self.network.names}


def backward(network: Network, inputs: np.ndarray, targets: np.ndarray,
             loss: str) -> BackwardPass:
    """Forward and backward pass over the batch; the gradient is of the mean loss."""
    X = np.asarray(inputs, dtype=np.float64)
    T = np.asarray(targets, dtype=np.float64)
    lf: Loss = LOSSES[loss]
    n = X.shape[0]
    L = len(network.layers)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        fp = forward(network, X)
        out, net = fp.outs[-1], fp.nets[-1]
        per_sample = lf.per_sample(out, T, net)
        d_out: list[np.ndarray | None] = [None] * L
        d_act: list[np.ndarray] = [None] * L  # type: ignore[list-item]
        delta: list[np.ndarray] = [None] * L  # type: ignore[list-item]
        grad = np.empty_like(network.params)
        for k in range(L - 1, -1, -1):
            layer = network.layers[k]
            out_k = fp.outs[k + 1]
            act = ACTIVATIONS[layer.activation]
            d_act[k] = act.grad(fp.nets[k], out_k)
            if k == L - 1 and lf.on_net:
                delta[k] = lf.grad(out_k, T, net)
            else:
                g = lf.grad(out_k, T, net) if k == L - 1 else delta[k + 1] @ network.weights[k + 1]
                d_out[k] = g
                if layer.activation == "softmax":
                    delta[k] = out_k * (g - (g * out_k).sum(axis=1, keepdims=True))
                else:
                    delta[k] = g * d_act[k]
            grad[network.weight_slices[k]] = (delta[k].T @ fp.outs[k]).ravel() / n
            bias = layer.bias
            if bias == "neuron":
                grad[network.bias_slices[k]] = delta[k].mean(axis=0)
            elif bias == "shared":
                grad[network.bias_slices[k]] = delta[k].sum(axis=1).mean()
    return BackwardPass(network, X, T, loss, fp, per_sample, float(per_sample.mean()),
                        d_out, d_act, delta, grad)


def gradient(network: Network, inputs: np.ndarray, targets: np.ndarray,
             loss: str) -> tuple[float, np.ndarray]:
    """The batch loss and its flat gradient, without keeping anything else."""
    bp = backward(network, inputs, targets, loss)
    return bp.loss, bp.grad


class _Symbols:
    """The lesson's symbols for a network's quantities (outH1, netY2, x1, T2, ...)."""

    def __init__(self, network: Network) -> None:
        self.neurons = network.neurons

    def out(self, layer: int, i: int) -> str:
        """Output of neuron i of layer ``layer`` (0 = inputs, which are written x1, x2..)."""
        if layer == 0:
            return f"x{i + 1}"
        return f"out{self.neurons[layer][i]}"

    def net(self, layer: int, i: int) -> str:
        """Net input of neuron i of layer ``layer`` (>= 1)."""
        return f"net{self.neurons[layer][i]}"

    @staticmethod
    def target(j: int) -> str:
        """Target of output j."""
        return f"T{j + 1}"


class _DerivationBuilder:
    """Builds :class:`Derivation` objects from a backward pass's stored arrays, sharing the
    factor for each neuron's dE/dout so that deep networks stay linear in size."""

    def __init__(self, bp: BackwardPass) -> None:
        self.bp = bp
        self.net = bp.network
        self.sym = bp._symbols
        self.loss = LOSSES[bp.loss_name]
        self._d_out_cache: dict[tuple[int, int], Factor] = {}

    # Layer indices here are of non-input layers (k), neurons live in layer k + 1.

    def _d_out(self, k: int, j: int) -> Factor:
        key = (k, j)
        cached = self._d_out_cache.get(key)
        if cached is not None:
            return cached
        bp, sym = self.bp, self.sym
        out_sym = sym.out(k + 1, j)
        values = bp.d_out[k][:, j]  # type: ignore[index]
        if k == len(self.net.layers) - 1:
            m = self.net.output_size
            formula = self.loss.grad_formula.format(out=out_sym, t=sym.target(j), m=m)
            factor = Factor(f"dE/d{out_sym}", formula, values)
        else:
            terms = []
            W = self.net.weights[k + 1]
            for m in range(self.net.sizes[k + 2]):
                w_name = self.net.weight_name(k + 1, m, j)
                link = Factor(f"d{sym.net(k + 2, m)}/d{out_sym}", w_name, W[m, j:j + 1]
                              * np.ones(bp.n_samples))
                terms.append(Term(self._node_delta(k + 1, m) + (link,)))
            formula = " + ".join(
                "*".join(f.symbol for f in t.factors) for t in terms)
            factor = Factor(f"dE/d{out_sym}", formula, values, tuple(terms))
        self._d_out_cache[key] = factor
        return factor

    def _d_act(self, k: int, j: int) -> Factor:
        sym = self.sym
        act = ACTIVATIONS[self.net.layers[k].activation]
        out_sym, net_sym = sym.out(k + 1, j), sym.net(k + 1, j)
        formula = act.grad_formula.format(out=out_sym, net=net_sym)
        return Factor(f"d{out_sym}/d{net_sym}", formula, self.bp.d_act[k][:, j])

    def _node_delta(self, k: int, j: int) -> tuple[Factor, ...]:
        """Factors whose product is dE/dnet of neuron j in non-input layer k."""
        sym = self.sym
        last = k == len(self.net.layers) - 1
        net_sym = sym.net(k + 1, j)
        if last and self.loss.on_net:
            formula = self.loss.grad_formula.format(out=sym.out(k + 1, j), t=sym.target(j),
                                                    m=self.net.output_size)
            return (Factor(f"dE/d{net_sym}", formula, self.bp.delta[k][:, j]),)
        if self.net.layers[k].activation == "softmax":
            out_k = self.bp.forward.outs[k + 1]
            terms = []
            for i in range(self.net.sizes[k + 1]):
                jac = out_k[:, i] * ((1.0 if i == j else 0.0) - out_k[:, j])
                o_i, o_j = sym.out(k + 1, i), sym.out(k + 1, j)
                jac_formula = (f"{o_i} * (1 - {o_j})" if i == j else f"-{o_i} * {o_j}")
                terms.append(Term((self._d_out(k, i),
                                   Factor(f"d{o_i}/d{net_sym}", jac_formula, jac))))
            formula = " + ".join("*".join(f.symbol for f in t.factors) for t in terms)
            return (Factor(f"dE/d{net_sym}", formula, self.bp.delta[k][:, j], tuple(terms)),)
        return (self._d_out(k, j), self._d_act(k, j))

    def build(self, name: str) -> Derivation:
        info = self.net.info(name)
        sym, k = self.sym, info.layer
        n = self.bp.n_samples
        terms: list[Term] = []
        if info.kind == "weight":
            j, i = info.target, info.source
            link = Factor(f"d{sym.net(k + 1, j)}/d{name}", sym.out(k, i),
                          self.bp.forward.outs[k][:, i])
            terms.append(Term(self._node_delta(k, j) + (link,)))
        else:
            targets = range(self.net.sizes[k + 1]) if info.target < 0 else [info.target]
            ones = np.ones(n)
            for j in targets:
                link = Factor(f"d{sym.net(k + 1, j)}/d{name}", "1", ones)
                terms.append(Term(self._node_delta(k, j) + (link,)))
        index = info.index
        per_sample = terms[0].values
        for t in terms[1:]:
            per_sample = per_sample + t.values
        return Derivation(name, f"dE/d{name}", tuple(terms), per_sample,
                          float(self.bp.grad[index]))
