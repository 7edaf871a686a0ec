"""What a sub-step reads and what it writes, derived from the sub-step and the network.

The presenter's spotlight lights up exactly these elements on the canvas, and the canvas
labels them when it has no room to label every edge. Nothing here reads an explanation's
text: the reads and writes follow from the network's structure and the lesson's formulas.

- A forward sub-step of neuron j in layer l reads the outputs of layer l - 1 (the inputs
  for l = 1), the weights into j and j's bias; it writes j's net input and output.
- An error sub-step of output j reads j's output and target and writes the term E_j (the
  last one also adds the terms up into the loss E).
- A backward sub-step of parameter p reads what the chain rule for dE/dp multiplies: the
  value p multiplies (the source neuron's output, or 1 for a bias), the output of every
  neuron p feeds (its activation's derivative), and everything downstream of them on the
  way to the loss: the outputs of every later neuron, the weights between them and the
  targets. It writes dE/dp.
- The update reads every trained parameter and its gradient and writes the parameters.

Element types are small named tuples: :class:`NeuronValue` (layer 0 is the input values),
:class:`ParamValue`, :class:`ParamGrad`, :class:`TargetValue`, :class:`ErrorTerm` and
:data:`LOSS`.
"""

from __future__ import annotations

from typing import NamedTuple

from .network import Network
from .stepper import SubStep


class NeuronValue(NamedTuple):
    """The net input and output of neuron ``neuron`` of ``layer`` (layer 0: the input
    value x_{neuron+1})."""

    layer: int
    neuron: int


class ParamValue(NamedTuple):
    """The value of weight or bias ``name``."""

    name: str


class ParamGrad(NamedTuple):
    """dE/d``name``."""

    name: str


class TargetValue(NamedTuple):
    """The target T_{output+1} of output ``output``."""

    output: int


class ErrorTerm(NamedTuple):
    """The error term E_{output+1} of output ``output``."""

    output: int


class LossValue(NamedTuple):
    """The loss E (the sum of the error terms)."""

    name: str = "E"


LOSS = LossValue()

Element = NeuronValue | ParamValue | ParamGrad | TargetValue | ErrorTerm | LossValue


class Flow(NamedTuple):
    """What a sub-step reads and writes."""

    reads: frozenset[Element]
    writes: frozenset[Element]

    @property
    def touched(self) -> frozenset[Element]:
        """Everything it reads or writes."""
        return self.reads | self.writes

    def parameters(self) -> frozenset[str]:
        """The names of the parameters whose value or gradient it reads or writes."""
        return frozenset(e.name for e in self.touched if isinstance(e, (ParamValue, ParamGrad)))

    def neurons(self) -> frozenset[tuple[int, int]]:
        """(layer, index) of every neuron whose values it reads or writes (inputs too)."""
        return frozenset((e.layer, e.neuron) for e in self.touched
                         if isinstance(e, NeuronValue))


def substep_flow(network: Network, sub: SubStep) -> Flow:
    """The reads and writes of ``sub`` in ``network`` (see the module's rules)."""
    if sub.stage == "forward":
        return _forward(network, sub.layer, sub.index)
    if sub.stage == "error":
        return _error(network, sub.index)
    if sub.stage == "backward":
        return _backward(network, sub.target)
    if sub.stage == "update":
        return _update(network)
    raise ValueError(f"unknown stage '{sub.stage}'")


def _forward(net: Network, layer: int, j: int) -> Flow:
    k = layer - 1
    reads: set[Element] = {NeuronValue(k, i) for i in range(net.sizes[k])}
    reads |= {ParamValue(net.weight_name(k, j, i)) for i in range(net.sizes[k])}
    bias = net.bias_name(k, j)
    if bias is not None:
        reads.add(ParamValue(bias))
    return Flow(frozenset(reads), frozenset({NeuronValue(layer, j)}))


def _error(net: Network, j: int) -> Flow:
    last_layer = len(net.sizes) - 1
    reads: set[Element] = {NeuronValue(last_layer, j), TargetValue(j)}
    writes: set[Element] = {ErrorTerm(j)}
    if j == net.output_size - 1:  # the last term: E adds them up
        reads |= {ErrorTerm(i) for i in range(net.output_size)}
        writes.add(LOSS)
    return Flow(frozenset(reads), frozenset(writes))


def _coupled_outputs(net: Network) -> bool:
    """Whether an output's error reaches it through every output (softmax)."""
    return net.layers[-1].activation == "softmax"


def _backward(net: Network, name: str) -> Flow:
    info = net.info(name)
    k = info.layer  # the parameter feeds layer k + 1
    last_layer = len(net.sizes) - 1
    targets = list(range(net.sizes[k + 1])) if info.target < 0 else [info.target]
    reads: set[Element] = set()
    if info.kind == "weight":
        reads.add(NeuronValue(k, info.source))
    # The neurons p feeds, then everything downstream of them to the loss.
    frontier = set(targets)
    layer = k + 1
    if layer == last_layer and _coupled_outputs(net):
        frontier = set(range(net.sizes[layer]))
    while True:
        reads |= {NeuronValue(layer, t) for t in frontier}
        if layer == last_layer:
            reads |= {TargetValue(t) for t in frontier}
            break
        following = range(net.sizes[layer + 1])
        reads |= {ParamValue(net.weight_name(layer, u, t)) for u in following for t in frontier}
        frontier = set(following)
        layer += 1
        if layer == last_layer and _coupled_outputs(net):
            frontier = set(range(net.sizes[layer]))
    return Flow(frozenset(reads), frozenset({ParamGrad(name)}))


def _update(net: Network) -> Flow:
    trained = [n for n in net.names if n not in net.frozen]
    reads: set[Element] = {ParamValue(n) for n in trained}
    reads |= {ParamGrad(n) for n in trained}
    return Flow(frozenset(reads), frozenset(ParamValue(n) for n in trained))


__all__ = ["LOSS", "Element", "ErrorTerm", "Flow", "LossValue", "NeuronValue", "ParamGrad",
           "ParamValue", "TargetValue", "substep_flow"]
