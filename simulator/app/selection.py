"""What the student has selected: one small typed value, shared by every view.

The model holds a :data:`Selection` (or None for nothing) and sends it with
``selectionChanged``; views match on its type instead of parsing a string:

- :class:`ParameterSel` a weight or bias, by name ("w5", "b1");
- :class:`NeuronSel` a neuron, by layer (0 = inputs) and index;
- :class:`InputSel` the input value of the sample shown, by input column;
- :class:`TargetSel` the target value of the sample shown, by output column.

:func:`parse_selection` is the one place a selection is read from text (the names the
lesson uses, and "input:<i>"/"target:<j>"). No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.network import Network


@dataclass(frozen=True)
class ParameterSel:
    """A weight or a bias."""

    name: str

    def exists(self, net: Network) -> bool:
        """Whether ``net`` has this parameter."""
        return self.name in net.index_of

    def label(self, net: Network) -> str:
        """The element's name as the lesson writes it."""
        return self.name

    def neuron(self, net: Network) -> tuple[int, int] | None:
        """The (layer, index) of the neuron this element stands on (None for a parameter)."""
        return None


@dataclass(frozen=True)
class NeuronSel:
    """A neuron: ``layer`` 0 is the inputs, the last layer the outputs."""

    layer: int
    index: int

    def exists(self, net: Network) -> bool:
        """Whether ``net`` has this neuron."""
        return 0 <= self.layer < len(net.sizes) and 0 <= self.index < net.sizes[self.layer]

    def label(self, net: Network) -> str:
        """The neuron's name ("X1", "H2", "Y1")."""
        return net.neurons[self.layer][self.index]

    def neuron(self, net: Network) -> tuple[int, int] | None:
        """(layer, index)."""
        return (self.layer, self.index)


@dataclass(frozen=True)
class InputSel:
    """The value of input ``index`` in the sample shown."""

    index: int

    def exists(self, net: Network) -> bool:
        """Whether ``net`` has this input."""
        return 0 <= self.index < net.input_size

    def label(self, net: Network) -> str:
        """"input:<i>"."""
        return f"input:{self.index}"

    def neuron(self, net: Network) -> tuple[int, int] | None:
        """The input neuron that takes this value."""
        return (0, self.index)


@dataclass(frozen=True)
class TargetSel:
    """The target of output ``index`` in the sample shown."""

    index: int

    def exists(self, net: Network) -> bool:
        """Whether ``net`` has this output."""
        return 0 <= self.index < net.output_size

    def label(self, net: Network) -> str:
        """"target:<j>"."""
        return f"target:{self.index}"

    def neuron(self, net: Network) -> tuple[int, int] | None:
        """The output neuron this target is for."""
        return (len(net.sizes) - 1, self.index)


#: A selected element; ``None`` stands for nothing selected.
Selection = ParameterSel | NeuronSel | InputSel | TargetSel

_PREFIXES: tuple[tuple[str, type[InputSel] | type[TargetSel]], ...] = (
    ("input:", InputSel), ("target:", TargetSel))


def parse_selection(net: Network, text: str) -> Selection | None:
    """The element ``text`` names in ``net`` ("w5", "b1", "H1", "input:0", "target:1");
    None for "" and for a name ``net`` does not have."""
    text = text.strip()
    if not text:
        return None
    if text in net.index_of:
        return ParameterSel(text)
    for layer, names in enumerate(net.neurons):
        if text in names:
            return NeuronSel(layer, names.index(text))
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix) and text[len(prefix):].isdigit():
            selection = kind(int(text[len(prefix):]))
            return selection if selection.exists(net) else None
    return None


def carry_over(selection: Selection | None, old: Network, new: Network) -> Selection | None:
    """The same element after a structural edit turned ``old`` into ``new``, or None if it
    is gone. Parameters and neurons are followed by name (Y1 stays Y1 when a hidden layer is
    added before it), inputs and targets by column."""
    if selection is None:
        return None
    if isinstance(selection, NeuronSel):
        if not selection.exists(old):
            return None
        return parse_selection(new, selection.label(old))
    return selection if selection.exists(new) else None


__all__ = ["InputSel", "NeuronSel", "ParameterSel", "Selection", "TargetSel", "carry_over",
           "parse_selection"]
