"""The canvas's context menu: structural edits of the network, as undoable model edits.

:func:`build_menu` returns the menu for one element (tests trigger its actions directly).
Every action calls ``apply(text, build)``, which the view turns into ``model.edit`` and a
visible message if the edit is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from ...engine import edits
from ...engine.document import Document
from ...engine.network import BIAS_MODES, Network
from .items import Ref

if TYPE_CHECKING:
    from ..model import LabModel

Apply = Callable[[str, Callable[[Document], Document]], None]

#: Activations offered in the menu (softmax only for the output layer).
ACTIVATION_CHOICES: tuple[tuple[str, str], ...] = (
    ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("relu", "ReLU"),
    ("leaky_relu", "Leaky ReLU"), ("linear", "Linear"), ("softmax", "Softmax"))
BIAS_CHOICES: dict[str, str] = {"neuron": "One bias per neuron", "shared": "One shared bias",
                                "none": "No bias"}


def _action(menu: QMenu, text: str, name: str, slot: Callable[[], None],
            enabled: bool = True) -> QAction:
    action = menu.addAction(text)
    action.setObjectName(name)
    action.setEnabled(enabled)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def build_menu(parent: QWidget, model: LabModel, ref: Ref | None, apply: Apply,
               edit_value: Callable[[Ref], None] | None = None,
               fit: Callable[[], None] | None = None) -> QMenu:
    """The context menu for ``ref`` (None: empty space)."""
    menu = QMenu(parent)
    menu.setObjectName("canvasContextMenu")
    net = model.document.network
    if ref is None:
        _space_actions(menu, net, apply)
    elif ref.kind in ("neuron", "values", "input", "target"):
        layer, index = ref.layer, ref.index
        if ref.kind in ("input", "target") and edit_value is not None:
            _action(menu, "Edit value...", "edit_value", lambda: edit_value(ref))
            menu.addSeparator()
        _neuron_actions(menu, net, layer, index, apply)
        if layer >= 1:
            bias = net.bias_name(layer - 1, index)
            if bias is not None:
                menu.addSeparator()
                _freeze_action(menu, net, bias, apply)
            menu.addSeparator()
            _layer_menus(menu, net, layer, apply)
    elif ref.is_parameter:
        if edit_value is not None:
            _action(menu, f"Edit {ref.name}...", "edit_value", lambda: edit_value(ref))
        _freeze_action(menu, net, ref.name, apply)
        menu.addSeparator()
        _layer_menus(menu, net, ref.layer, apply)
    if fit is not None:
        menu.addSeparator()
        _action(menu, "Fit to window", "fit", fit)
    return menu


def _layer_title(net: Network, layer: int) -> str:
    last = len(net.sizes) - 1
    if layer == 0:
        return "the input layer"
    if layer == last:
        return "the output layer"
    return f"hidden layer {layer}"


def _neuron_actions(menu: QMenu, net: Network, layer: int, index: int, apply: Apply) -> None:
    last = len(net.sizes) - 1
    name = net.neurons[layer][index]
    where = _layer_title(net, layer)
    _action(menu, "Add neuron to this layer", "add_neuron",
            lambda: apply(f"Add neuron to {where}", lambda d: edits.add_neuron(d, layer)))
    _action(menu, f"Remove {name}", "remove_neuron",
            lambda: apply(f"Remove {name}", lambda d: edits.remove_neuron(d, layer, index)),
            enabled=net.sizes[layer] > 1)
    menu.addSeparator()
    _action(menu, "Add hidden layer before", "add_layer_before",
            lambda: apply("Add hidden layer", lambda d: edits.add_layer(d, layer)),
            enabled=layer >= 1)
    _action(menu, "Add hidden layer after", "add_layer_after",
            lambda: apply("Add hidden layer", lambda d: edits.add_layer(d, layer + 1)),
            enabled=layer < last)
    _action(menu, "Remove this hidden layer", "remove_layer",
            lambda: apply(f"Remove {where}", lambda d: edits.remove_layer(d, layer)),
            enabled=0 < layer < last)


def _layer_menus(menu: QMenu, net: Network, layer: int, apply: Apply) -> None:
    """Activation and bias-mode submenus of non-input layer ``layer``."""
    last = len(net.sizes) - 1
    spec = net.layers[layer - 1]
    where = _layer_title(net, layer)
    acts = menu.addMenu(f"Activation of {where}")
    acts.setObjectName("activation_menu")
    group = QActionGroup(acts)
    for key, title in ACTIVATION_CHOICES:
        if key == "softmax" and layer != last:
            continue
        action = _action(acts, title, f"activation:{key}",
                         lambda key=key: apply(f"Set activation of {where} to {key}",
                                               lambda d: edits.set_layer(d, layer,
                                                                         activation=key)))
        action.setCheckable(True)
        action.setChecked(spec.activation == key)
        group.addAction(action)
    biases = menu.addMenu(f"Bias of {where}")
    biases.setObjectName("bias_menu")
    group = QActionGroup(biases)
    for key in BIAS_MODES:
        action = _action(biases, BIAS_CHOICES[key], f"bias:{key}",
                         lambda key=key: apply(f"Set bias of {where} to {key}",
                                               lambda d: edits.set_layer(d, layer, bias=key)))
        action.setCheckable(True)
        action.setChecked(spec.bias == key)
        group.addAction(action)


def _freeze_action(menu: QMenu, net: Network, name: str, apply: Apply) -> None:
    frozen = name in net.frozen
    text = f"Unfreeze {name}" if frozen else f"Freeze {name} (keep it out of training)"
    _action(menu, text, "freeze",
            lambda: apply(f"{'Unfreeze' if frozen else 'Freeze'} {name}",
                          lambda d: edits.set_frozen(d, name, not frozen)))


def _space_actions(menu: QMenu, net: Network, apply: Apply) -> None:
    last = len(net.sizes) - 1
    _action(menu, "Add hidden layer before the outputs", "add_layer_before",
            lambda: apply("Add hidden layer", lambda d: edits.add_layer(d, last)))
