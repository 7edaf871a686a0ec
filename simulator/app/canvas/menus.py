"""The canvas's context menu: structural edits of the network, as undoable model edits.

:func:`build_menu` returns the menu for one element (tests trigger its actions directly).
Every action calls ``LabModel.edit`` (one undo step); a refused edit is reported by the
model, like every other.
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

Build = Callable[[Document], Document]

#: Activations offered in the menu (softmax only for the output layer).
ACTIVATION_CHOICES: tuple[tuple[str, str], ...] = (
    ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("relu", "ReLU"),
    ("leaky_relu", "Leaky ReLU"), ("linear", "Linear"), ("softmax", "Softmax"))
BIAS_CHOICES: dict[str, str] = {"neuron": "One bias per neuron", "shared": "One shared bias",
                                "none": "No bias"}


def _action(menu: QMenu, text: str, name: str, slot: Callable[[], object],
            enabled: bool = True) -> QAction:
    action = menu.addAction(text)
    action.setObjectName(name)
    action.setEnabled(enabled)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def _edit_action(menu: QMenu, text: str, name: str, model: LabModel, undo_text: str,
                 build: Build, enabled: bool = True) -> QAction:
    """An action that applies ``build`` as the undo step ``undo_text``."""
    return _action(menu, text, name, lambda: model.edit(undo_text, build), enabled)


def build_menu(parent: QWidget, model: LabModel, ref: Ref | None,
               edit_value: Callable[[Ref], object] | None = None,
               fit: Callable[[], None] | None = None) -> QMenu:
    """The context menu for ``ref`` (None: empty space)."""
    menu = QMenu(parent)
    menu.setObjectName("canvasContextMenu")
    net = model.document.network
    if ref is None:
        _space_actions(menu, net, model)
    elif ref.kind in ("neuron", "values", "input", "target"):
        layer, index = ref.layer, ref.index
        if ref.kind in ("input", "target") and edit_value is not None:
            _action(menu, "Edit value...", "edit_value", lambda: edit_value(ref))
            menu.addSeparator()
        _neuron_actions(menu, net, layer, index, model)
        if layer >= 1:
            bias = net.bias_name(layer - 1, index)
            if bias is not None:
                menu.addSeparator()
                _freeze_action(menu, net, bias, model)
            menu.addSeparator()
            _layer_menus(menu, net, layer, model)
    elif ref.is_parameter:
        if edit_value is not None:
            _action(menu, f"Edit {ref.name}...", "edit_value", lambda: edit_value(ref))
        _freeze_action(menu, net, ref.name, model)
        _action(menu, f"Nudge probe of {ref.name}...", "nudge",
                lambda: _open_nudge(parent, model, ref.name))
        menu.addSeparator()
        _layer_menus(menu, net, ref.layer, model)
    if fit is not None:
        menu.addSeparator()
        _action(menu, "Fit to window", "fit", fit)
    return menu


def _open_nudge(parent: QWidget, model: LabModel, name: str) -> None:
    """The nudge probe of a weight or bias (a gradient check beside the derivation)."""
    from ..function.nudge import open_network_nudge  # loaded on first use

    open_network_nudge(parent, model, name)


def _layer_title(net: Network, layer: int) -> str:
    last = len(net.sizes) - 1
    if layer == 0:
        return "the input layer"
    if layer == last:
        return "the output layer"
    return f"hidden layer {layer}"


def _neuron_actions(menu: QMenu, net: Network, layer: int, index: int,
                    model: LabModel) -> None:
    last = len(net.sizes) - 1
    name = net.neurons[layer][index]
    where = _layer_title(net, layer)
    _edit_action(menu, "Add neuron to this layer", "add_neuron", model,
                 f"Add neuron to {where}", lambda d: edits.add_neuron(d, layer))
    _edit_action(menu, f"Remove {name}", "remove_neuron", model, f"Remove {name}",
                 lambda d: edits.remove_neuron(d, layer, index), enabled=net.sizes[layer] > 1)
    menu.addSeparator()
    _edit_action(menu, "Add hidden layer before", "add_layer_before", model,
                 "Add hidden layer", lambda d: edits.add_layer(d, layer), enabled=layer >= 1)
    _edit_action(menu, "Add hidden layer after", "add_layer_after", model,
                 "Add hidden layer", lambda d: edits.add_layer(d, layer + 1),
                 enabled=layer < last)
    _edit_action(menu, "Remove this hidden layer", "remove_layer", model, f"Remove {where}",
                 lambda d: edits.remove_layer(d, layer), enabled=0 < layer < last)


def _activation_edit(layer: int, activation: str) -> Build:
    return lambda d: edits.set_layer(d, layer, activation=activation)


def _bias_edit(layer: int, bias: str) -> Build:
    return lambda d: edits.set_layer(d, layer, bias=bias)


def _layer_menus(menu: QMenu, net: Network, layer: int, model: LabModel) -> None:
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
        action = _edit_action(acts, title, f"activation:{key}", model,
                              f"Set activation of {where} to {key}",
                              _activation_edit(layer, key))
        action.setCheckable(True)
        action.setChecked(spec.activation == key)
        group.addAction(action)
    biases = menu.addMenu(f"Bias of {where}")
    biases.setObjectName("bias_menu")
    group = QActionGroup(biases)
    for key in BIAS_MODES:
        action = _edit_action(biases, BIAS_CHOICES[key], f"bias:{key}", model,
                              f"Set bias of {where} to {key}", _bias_edit(layer, key))
        action.setCheckable(True)
        action.setChecked(spec.bias == key)
        group.addAction(action)


def _freeze_action(menu: QMenu, net: Network, name: str, model: LabModel) -> None:
    frozen = name in net.frozen
    text = f"Unfreeze {name}" if frozen else f"Freeze {name} (keep it out of training)"
    _edit_action(menu, text, "freeze", model, f"{'Unfreeze' if frozen else 'Freeze'} {name}",
                 lambda d: edits.set_frozen(d, name, not frozen))


def _space_actions(menu: QMenu, net: Network, model: LabModel) -> None:
    last = len(net.sizes) - 1
    _edit_action(menu, "Add hidden layer before the outputs", "add_layer_before", model,
                 "Add hidden layer", lambda d: edits.add_layer(d, last))
