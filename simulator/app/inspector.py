"""The inspector: the selected element's properties as editable fields.

What it shows follows ``LabModel.selection`` (a :data:`~simulator.app.selection.Selection`):
a parameter, a neuron (an input or a target value shows its input or output neuron), or,
with nothing selected, the document: its name, shape, loss, initialisation and training
settings.

The widgets of a page are built when the selection or the network's shape changes, and
updated in place on every other change (values, step, settings), so a field the user is
typing in is never overwritten. Those updates are coalesced
(:class:`~simulator.app.coalesce.Coalescer`): one per burst of model signals, at most one
every :data:`THROTTLE_MS` ms while the runner runs (:meth:`Inspector.set_throttled`), and
none while the inspector is hidden (it catches up when shown). Every change goes through
``LabModel.edit``; a refused edit leaves the document alone (a typed value stays in its
field, marked) and the model reports why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..engine import edits
from ..engine.activations import ACTIVATIONS
from ..engine.document import MAX_ABS_VALUE, TRAINING_INT_RANGES, TRAINING_RANGES
from ..engine.explanation_render import render_text
from ..engine.initializers import INITIALIZER_NAMES
from ..engine.limits import MAX_NAME_LENGTH, MAX_SEED, MIN_SEED
from ..engine.losses import LOSS_NAMES, LOSSES
from ..engine.network import BIAS_MODES, Network
from ..engine.numbers import format_number
from ..engine.optimizers import OPTIMIZER_DESCRIPTIONS, OPTIMIZER_LABELS, OPTIMIZER_NAMES
from .coalesce import Coalescer
from .learned.inputs_box import FeaturesBox
from .model import LabModel
from .selection import NeuronSel, ParameterSel, Selection
from .visibility import in_view
from .widgets import (
    SETTING_DIGITS,
    HintLabel,
    NumberField,
    ValidatedField,
    WheelGuard,
    guard_wheel,
)

BIAS_TEXT = {"neuron": "one per neuron", "shared": "one, shared by the layer", "none": "none"}
INITIALIZER_TEXT = {"uniform": "uniform (-0.5 to 0.5)", "xavier": "Xavier / Glorot",
                    "he": "He (Kaiming)", "constant": "constant (0)"}
#: Milliseconds between updates of the page while the runner is running.
THROTTLE_MS = 250
HYPER_USED_BY = {"momentum": ("momentum",), "beta1": ("adam",), "beta2": ("adam",),
                 "eps": ("adam",), "batch_size": ("sgd", "momentum", "adam")}


# --- what is selected -------------------------------------------------------------------------

def page_for(net: Network, selection: Selection | None) -> tuple[str, ...] | tuple[str, int, int]:
    """("parameter", name), ("neuron", layer, index) or ("document",): the page that shows
    ``selection`` (an input or a target shows its neuron)."""
    if selection is None or not selection.exists(net):
        return ("document",)
    if isinstance(selection, ParameterSel):
        return ("parameter", selection.name)
    neuron = selection.neuron(net)
    assert neuron is not None
    return ("neuron", *neuron)


def connection_text(net: Network, name: str) -> str:
    """What a parameter joins: "H1 -> Y1", "bias of H1" or "bias of H1 and H2 (shared)"."""
    info = net.info(name)
    targets = net.neurons[info.layer + 1]
    if info.kind == "weight":
        return f"{net.neurons[info.layer][info.source]} -> {targets[info.target]}"
    if info.target >= 0:
        return f"bias of {targets[info.target]}"
    if len(targets) == 1:
        return f"bias of {targets[0]}"
    listed = ", ".join(targets[:-1]) + f" and {targets[-1]}"
    return f"bias of {listed} (shared)"


def layer_text(net: Network, layer: int) -> str:
    """"input layer", "hidden layer 1 of 2" or "output layer", with the layer number."""
    last = len(net.sizes) - 1
    if layer == 0:
        return "input layer (layer 0)"
    if layer == last:
        return f"output layer (layer {layer})"
    return f"hidden layer {layer} of {last - 1} (layer {layer})"


def _mono_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def _value_label() -> QLabel:
    label = QLabel()
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setFont(_mono_font())
    return label


def _set_combo(combo: QComboBox, data: object) -> None:
    """Select the item holding ``data`` without emitting ``activated``."""
    if combo.view().isVisible():
        return  # the user has the list open
    index = combo.findData(data)
    if index != combo.currentIndex():
        combo.setCurrentIndex(index)


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    return form


# --- the panel ------------------------------------------------------------------------------

class Inspector(QWidget):
    """Shows and edits the selected parameter, neuron, or the document."""

    #: The user asked to see how dE/d<name> is derived (the main window may focus its
    #: derivation panel on it; the inspector also shows the derivation itself).
    derivationRequested = Signal(str)

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.wheel_guard = WheelGuard(self)
        self._page: _Page | None = None
        self._page_key: tuple[object, ...] | None = None
        # Not while behind another tab (a tab's dock stays "visible" to Qt, off screen).
        self._refresher = Coalescer(self._refresh_page, self, interval_ms=THROTTLE_MS,
                                    is_visible=lambda: in_view(self))

        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = HintLabel()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.scroll_area, 1)

        model.selectionChanged.connect(self._on_selection_changed)
        model.structureChanged.connect(self._on_structure_changed)
        model.valuesChanged.connect(self._on_values_changed)
        model.stepChanged.connect(self._on_values_changed)
        model.settingsChanged.connect(self._on_values_changed)
        model.trainingConfigChanged.connect(self._on_values_changed)
        model.fileChanged.connect(self._on_values_changed)
        self._rebuild()

    # --- model signals ---------------------------------------------------------------------

    def _on_selection_changed(self, _selection: Selection | None) -> None:
        self._rebuild()

    def _on_structure_changed(self) -> None:
        self._rebuild()

    def _on_values_changed(self) -> None:
        if self._page is not None:
            self._refresher.request()

    def _refresh_page(self) -> None:
        if self._page is not None:
            self._page.refresh()

    # --- while running ---------------------------------------------------------------------

    def is_throttled(self) -> bool:
        """Whether updates are spaced out (the main window says so while running)."""
        return self._refresher.throttled

    def set_throttled(self, throttled: bool) -> None:
        """Update at most every :data:`THROTTLE_MS` ms (while running), or at once."""
        self._refresher.set_throttled(throttled)

    def flush(self) -> None:
        """Bring the page up to date now (normally the event loop does it)."""
        self._refresher.force()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresher.flush()  # caught up after a closed dock

    # --- pages -----------------------------------------------------------------------------

    def page_key(self) -> tuple[object, ...]:
        """What the current page's widgets depend on: rebuilt only when this changes."""
        net = self.model.document.network
        return (page_for(net, self.model.selection), net.input_size, net.layers)

    @property
    def page(self) -> _Page | None:
        """The page shown now, up to date with the model."""
        self.flush()
        return self._page

    def _rebuild(self) -> None:
        self._refresher.cancel()  # the page is refreshed here
        key = self.page_key()
        if key == self._page_key and self._page is not None:
            self._page.refresh()
            return
        self._page_key = key
        what = page_for(self.model.document.network, self.model.selection)
        if what[0] == "parameter":
            page: _Page = ParameterPage(self, str(what[1]))
        elif what[0] == "neuron":
            page = NeuronPage(self, int(what[1]), int(what[2]))
        else:
            page = DocumentPage(self)
        old = self.scroll_area.widget()
        if old is not None:
            # Typing not yet committed is dropped (before the page loses focus, which
            # would commit it): committing from here would edit the document in the middle
            # of a selection or structure change.
            for field in old.findChildren(ValidatedField):
                field.revert()
            self.scroll_area.takeWidget()
            old.hide()
            old.deleteLater()  # it may be inside one of its own signals right now
        self._page = page
        self.scroll_area.setWidget(page)
        page.refresh()

    def set_heading(self, title: str, subtitle: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.subtitle.setVisible(bool(subtitle))


class _Page(QWidget):
    def __init__(self, inspector: Inspector) -> None:
        super().__init__()
        self.inspector = inspector
        self.model = inspector.model
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def refresh(self) -> None:
        """Write the model's current values into the widgets (never into a field being
        typed in)."""

    def fmt(self, value: float) -> str:
        return format_number(value, self.model.digits)

    def combo(self, items: list[tuple[str, object]],
              on_chosen: Callable[[object], None],
              tips: Mapping[str, str] | None = None) -> QComboBox:
        combo = QComboBox()
        for text, data in items:
            combo.addItem(text, data)
            tip = tips.get(str(data)) if tips else None
            if tip:
                combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        guard_wheel(combo, self.inspector.wheel_guard)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        combo.activated.connect(lambda index: on_chosen(combo.itemData(index)))
        return combo


# --- a parameter ----------------------------------------------------------------------------

class ParameterPage(_Page):
    """A weight or bias: what it joins, its value, frozen, and its gradient."""

    def __init__(self, inspector: Inspector, name: str) -> None:
        super().__init__(inspector)
        self.name = name
        net = self.model.document.network
        info = net.info(name)
        self.kind = info.kind

        form = _form()
        self.connects = QLabel(connection_text(net, name))
        self.connects.setWordWrap(True)
        form.addRow("Connects", self.connects)
        self.value = NumberField(self._commit_value, what=name,
                                 minimum=-MAX_ABS_VALUE, maximum=MAX_ABS_VALUE)
        self.value.edit.setToolTip("Type a new value and press Enter (Esc reverts)")
        form.addRow("Value", self.value)
        self.frozen = QCheckBox("frozen (training leaves it unchanged)")
        self.frozen.toggled.connect(self._on_frozen_toggled)
        form.addRow("", self.frozen)
        self.gradient = _value_label()
        form.addRow(f"dE/d{name}", self.gradient)
        self.gradient_note = HintLabel()
        form.addRow("", self.gradient_note)

        self.derivation_button = QPushButton("Show derivation")
        self.derivation_button.setCheckable(True)
        self.derivation_button.setToolTip(f"How dE/d{name} is computed with the chain rule, "
                                          "and how the update uses it")
        self.derivation_button.toggled.connect(self._on_derivation_toggled)
        self.derivation = QLabel()
        self.derivation.setFont(_mono_font())
        self.derivation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.derivation.setTextFormat(Qt.TextFormat.PlainText)
        self.derivation.setWordWrap(False)
        self.derivation.hide()
        derivation_scroll = QScrollArea()
        derivation_scroll.setWidget(self.derivation)
        derivation_scroll.setWidgetResizable(True)
        derivation_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        derivation_scroll.setFrameShape(QFrame.Shape.NoFrame)
        derivation_scroll.hide()
        self.derivation_scroll = derivation_scroll

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.derivation_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(derivation_scroll)
        layout.addStretch(1)
        kind = "Weight" if info.kind == "weight" else "Bias"
        into = layer_text(net, info.layer + 1).split(" (")[0]
        inspector.set_heading(f"{kind} {name}", f"{kind.lower()} into the {into}")

    def refresh(self) -> None:
        model = self.model
        net = model.document.network
        if self.name not in net.index_of:
            return  # about to be replaced
        index = net.index_of[self.name]
        self.value.show_text(self.fmt(model.params[index]))
        frozen = self.name in net.frozen
        if self.frozen.isChecked() != frozen:
            self.frozen.blockSignals(True)
            self.frozen.setChecked(frozen)
            self.frozen.blockSignals(False)
        if model.advance_divergence() is not None:  # its pass leaves the range: no number
            self.gradient.setText("-")
            note = "cannot be shown: this iteration's numbers leave the range"
        elif ("backward", self.name) in model.computed():
            self.gradient.setText(self.fmt(model.backward.grad[index]))
            note = "computed in this iteration's backward pass"
        else:
            self.gradient.setText(self.fmt(model.backward.grad[index]))
            note = "not reached yet in this iteration's steps (shown in advance)"
        if frozen:
            note += "; frozen, so the update ignores it"
        self.gradient_note.setText(note)
        if self.derivation_button.isChecked():
            self._show_derivation()

    def _commit_value(self, value: float) -> bool:
        return self.model.set_parameter(self.name, value)

    def _on_frozen_toggled(self, checked: bool) -> None:
        name = self.name
        text = f"Freeze {name}" if checked else f"Unfreeze {name}"
        if not self.model.edit(text, lambda d: edits.set_frozen(d, name, checked)):
            self.refresh()

    def _on_derivation_toggled(self, checked: bool) -> None:
        self.derivation_button.setText("Hide derivation" if checked else "Show derivation")
        self.derivation.setVisible(checked)
        self.derivation_scroll.setVisible(checked)
        if checked:
            self._show_derivation()
            self.inspector.derivationRequested.emit(self.name)

    def _show_derivation(self) -> None:
        explanation = self.model.parameter_explanation(self.name)
        self.derivation.setText(render_text(explanation, self.model.digits))
        bar = self.derivation_scroll.horizontalScrollBar()
        extra = bar.sizeHint().height() if bar.isVisible() else 0
        self.derivation_scroll.setFixedHeight(self.derivation.sizeHint().height() + extra + 4)


# --- a neuron -------------------------------------------------------------------------------

class NeuronPage(_Page):
    """A neuron: its layer's activation and bias, its values, and the structure buttons."""

    def __init__(self, inspector: Inspector, layer: int, index: int) -> None:
        super().__init__(inspector)
        self.layer = layer
        self.index = index
        net = self.model.document.network
        self.neuron = net.neurons[layer][index]
        last = len(net.sizes) - 1
        self.is_input = layer == 0
        self.is_output = layer == last

        form = _form()
        self.activation: QComboBox | None = None
        self.bias: QComboBox | None = None
        if not self.is_input:
            acts = [a for a in ACTIVATIONS if a != "softmax" or self.is_output]
            self.activation = self.combo([(a, a) for a in acts], self._on_activation_chosen)
            self.activation.setToolTip("The activation of every neuron in this layer")
            form.addRow("Activation", self.activation)
            self.bias = self.combo([(BIAS_TEXT[b], b) for b in BIAS_MODES],
                                   self._on_bias_chosen)
            self.bias.setToolTip("The bias of this layer: one per neuron, one shared by the "
                                 "whole layer, or none")
            form.addRow("Bias", self.bias)

        self.sample = QLabel()
        self.sample.setWordWrap(True)
        form.addRow("Sample", self.sample)
        self.net_value: QLabel | None = None
        if not self.is_input:
            self.net_value = _value_label()
            form.addRow(f"net{self.neuron}", self.net_value)
        self.out_value: QLabel | None = None
        if not self.is_input:
            self.out_value = _value_label()
            form.addRow(f"out{self.neuron}", self.out_value)

        self.data_field: NumberField | None = None
        if self.is_input:
            self.data_field = NumberField(self._commit_input, what=f"input x{index + 1}")
            form.addRow(f"Input x{index + 1}", self.data_field)
        elif self.is_output:
            self.data_field = NumberField(self._commit_target, what=f"target T{index + 1}")
            form.addRow(f"Target T{index + 1}", self.data_field)
        if self.data_field is not None:
            self.data_field.edit.setToolTip("The value in the data set for this sample; "
                                            "Enter changes the data (Esc reverts)")

        buttons = QGroupBox(f"Structure ({layer_text(net, layer).split(' (')[0]})")
        grid = QGridLayout(buttons)
        self.add_neuron_button = QPushButton("Add neuron")
        self.remove_neuron_button = QPushButton("Remove neuron")
        self.add_layer_button = QPushButton("Add layer after")
        self.remove_layer_button = QPushButton("Remove layer")
        self.add_neuron_button.setToolTip("Add a neuron to this layer")
        self.remove_neuron_button.setToolTip(f"Remove {self.neuron} and its weights")
        self.add_layer_button.setToolTip("Insert a hidden layer of 2 sigmoid neurons after "
                                         "this layer")
        self.remove_layer_button.setToolTip("Remove this hidden layer; its neighbours are "
                                            "joined by new weights")
        self.add_neuron_button.clicked.connect(self._add_neuron)
        self.remove_neuron_button.clicked.connect(self._remove_neuron)
        self.add_layer_button.clicked.connect(self._add_layer)
        self.remove_layer_button.clicked.connect(self._remove_layer)
        self.add_layer_button.setEnabled(not self.is_output)
        self.remove_layer_button.setEnabled(not (self.is_input or self.is_output))
        if self.is_output:
            self.add_layer_button.setToolTip("Hidden layers go before the output layer")
        if self.is_input or self.is_output:
            self.remove_layer_button.setToolTip("Only hidden layers can be removed")
        if self.is_input:
            self.add_neuron_button.setToolTip("Adds an input and a data column of zeros")
        if self.is_output:
            self.add_neuron_button.setToolTip("Adds an output and a target column of zeros")
        self.remove_neuron_button.setEnabled(net.sizes[layer] > 1)
        if net.sizes[layer] == 1:
            self.remove_neuron_button.setToolTip("A layer needs at least one neuron: remove "
                                                 "the layer instead")
        for i, button in enumerate((self.add_neuron_button, self.remove_neuron_button,
                                    self.add_layer_button, self.remove_layer_button)):
            grid.addWidget(button, i // 2, i % 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(buttons)
        layout.addStretch(1)
        inspector.set_heading(f"Neuron {self.neuron}", layer_text(net, layer))

    # --- reading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        model = self.model
        net = model.document.network
        if self.layer >= len(net.sizes) or self.index >= net.sizes[self.layer]:
            return  # about to be replaced
        if self.layer > 0:
            spec = net.layers[self.layer - 1]
            assert self.activation is not None and self.bias is not None
            _set_combo(self.activation, spec.activation)
            _set_combo(self.bias, spec.bias)
        fp = model.forward
        s = model.shown_sample
        row = model.shown_row
        n_batch = fp.outs[0].shape[0]
        where = f"sample {row + 1} of the data set"
        self.sample.setText(where if n_batch == 1 else
                            f"{where} ({s + 1} of the batch of {n_batch})")
        if self.net_value is not None:
            self.net_value.setText(self.fmt(fp.nets[self.layer - 1][s, self.index]))
        if self.out_value is not None:
            self.out_value.setText(self.fmt(fp.outs[self.layer][s, self.index]))
        data = model.document.data
        if self.is_input and self.data_field is not None:
            self.data_field.show_text(self.fmt(data.inputs[row, self.index]))
        elif self.is_output and self.data_field is not None:
            self.data_field.show_text(self.fmt(data.targets[row, self.index]))

    # --- editing ---------------------------------------------------------------------------

    def _on_activation_chosen(self, activation: object) -> None:
        layer, act = self.layer, str(activation)
        if not self.model.edit(f"Set layer {layer} activation to {act}",
                               lambda d: edits.set_layer(d, layer, activation=act)):
            self.refresh()

    def _on_bias_chosen(self, bias: object) -> None:
        layer, mode = self.layer, str(bias)
        if not self.model.edit(f"Set layer {layer} bias to {BIAS_TEXT[mode]}",
                               lambda d: edits.set_layer(d, layer, bias=mode)):
            self.refresh()

    def _commit_input(self, value: float) -> bool:
        return self.model.set_sample_value("inputs", self.model.shown_row, self.index, value)

    def _commit_target(self, value: float) -> bool:
        return self.model.set_sample_value("targets", self.model.shown_row, self.index, value)

    def _add_neuron(self) -> None:
        layer = self.layer
        if self.model.edit(f"Add a neuron to layer {layer}",
                           lambda d: edits.add_neuron(d, layer)):
            size = self.model.document.network.sizes[layer]
            self.model.select(NeuronSel(layer, size - 1))

    def _remove_neuron(self) -> None:
        layer, index, name = self.layer, self.index, self.neuron
        if self.model.edit(f"Remove neuron {name}",
                           lambda d: edits.remove_neuron(d, layer, index)):
            self.model.select(None)

    def _add_layer(self) -> None:
        position = self.layer + 1
        if self.model.edit("Add a hidden layer", lambda d: edits.add_layer(d, position)):
            self.model.select(NeuronSel(position, 0))

    def _remove_layer(self) -> None:
        layer = self.layer
        if self.model.edit(f"Remove hidden layer {layer}",
                           lambda d: edits.remove_layer(d, layer)):
            self.model.select(None)


# --- the document ---------------------------------------------------------------------------

class DocumentPage(_Page):
    """Nothing selected: the document's name, shape, loss, initialisation and training."""

    def __init__(self, inspector: Inspector) -> None:
        super().__init__(inspector)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        form = _form()
        self.name = ValidatedField(str.strip, self._commit_name, placeholder="Untitled")
        self.name.edit.setMaxLength(MAX_NAME_LENGTH)
        form.addRow("Name", self.name)
        self.sizes = QLabel()
        self.sizes.setWordWrap(True)
        form.addRow("Layers", self.sizes)
        self.parameters = QLabel()
        form.addRow("Parameters", self.parameters)
        self.data = QLabel()
        self.data.setWordWrap(True)
        form.addRow("Data", self.data)
        self.loss = self.combo([(f"{n} ({LOSSES[n].title})" if LOSSES[n].title else n, n)
                                for n in LOSS_NAMES], self._on_loss_chosen)
        form.addRow("Loss", self.loss)
        layout.addLayout(form)

        init_box = QGroupBox("Re-initialise the parameters")
        init_form = _form()
        self.initializer = QComboBox()
        for name in INITIALIZER_NAMES:
            self.initializer.addItem(INITIALIZER_TEXT.get(name, name), name)
        self.initializer.setCurrentIndex(self.initializer.findData("xavier"))
        guard_wheel(self.initializer, inspector.wheel_guard)
        self.initializer.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.initializer.setMinimumContentsLength(6)
        init_form.addRow("Initialiser", self.initializer)
        self.init_seed = QSpinBox()
        self.init_seed.setRange(MIN_SEED, MAX_SEED)
        guard_wheel(self.init_seed, inspector.wheel_guard)
        self.reinit_button = QPushButton("Re-initialise")
        self.reinit_button.setToolTip("New values for every parameter that is not frozen "
                                      "(one undo step)")
        self.reinit_button.clicked.connect(self._reinitialize)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.init_seed, 1)
        seed_row.addWidget(self.reinit_button)
        init_form.addRow("Seed", seed_row)
        init_box.setLayout(init_form)
        layout.addWidget(init_box)

        train_box = QGroupBox("Training")
        train_form = _form()
        self.optimizer = self.combo([(OPTIMIZER_LABELS[o], o) for o in OPTIMIZER_NAMES],
                                    self._on_optimizer_chosen,
                                    tips=OPTIMIZER_DESCRIPTIONS)
        train_form.addRow("Optimizer", self.optimizer)
        self.fields: dict[str, NumberField] = {}
        # (key, label, whole number); the bounds are the loader's
        specs: list[tuple[str, str, bool]] = [
            ("learning_rate", "Learning rate", False),
            ("batch_size", "Batch size", True),
            ("seed", "Shuffle seed", True),
            ("momentum", "Momentum", False),
            ("beta1", "beta1", False),
            ("beta2", "beta2", False),
            ("eps", "eps", False),
            # The weight penalty E = data loss + l1 * sum|w| + l2/2 * sum w^2 (issue 12).
            ("l1", "Penalty l1", False),
            ("l2", "Penalty l2", False),
        ]
        for key, label, integer in specs:
            minimum, maximum = (TRAINING_INT_RANGES if integer else TRAINING_RANGES)[key]
            field = NumberField(self._committer(key), what=label.lower(), integer=integer,
                                minimum=minimum, maximum=maximum)
            self.fields[key] = field
            train_form.addRow(label, field)
        train_box.setLayout(train_form)
        layout.addWidget(train_box)
        self.features = FeaturesBox(self.model)
        layout.addWidget(self.features)
        layout.addStretch(1)
        inspector.set_heading("Network", "Nothing selected: click a weight, bias or neuron "
                              "on the canvas to inspect it")

    def refresh(self) -> None:
        model = self.model
        doc = model.document
        net = doc.network
        self.name.show_text(doc.name)
        hidden = len(net.sizes) - 2
        parts = [f"{net.input_size} inputs"]
        parts += [f"{s.size} {s.activation}" for s in net.layers[:-1]]
        parts.append(f"{net.output_size} {net.layers[-1].activation} outputs")
        self.sizes.setText(" - ".join(str(s) for s in net.sizes) + "\n" + ", ".join(parts)
                           + f" ({hidden} hidden layer{'s' if hidden != 1 else ''})")
        frozen = len(net.frozen)
        self.parameters.setText(f"{net.params.size}" + (f" ({frozen} frozen)" if frozen else ""))
        data = doc.data
        text = f"{data.n_samples} training sample{'s' if data.n_samples != 1 else ''}"
        if data.has_test:
            text += f", {data.n_test} test"
        self.data.setText(text)
        _set_combo(self.loss, doc.loss)
        config = doc.training
        _set_combo(self.optimizer, config.optimizer)
        for key, field in self.fields.items():
            value = getattr(config, key)
            field.show_text(str(value) if isinstance(value, (int, np.integer))
                            else format_number(value, max(model.digits, SETTING_DIGITS)))
            used_by = HYPER_USED_BY.get(key)
            used = used_by is None or config.optimizer in used_by
            field.setEnabled(used)
            field.setToolTip("" if used else f"used by: {', '.join(used_by or ())}")
        self.fields["batch_size"].setToolTip(
            "gd always uses the whole data set" if config.optimizer == "gd" else
            f"samples per step (at most {data.n_samples})")
        seed_used = config.optimizer != "gd"
        self.fields["seed"].setEnabled(seed_used)
        self.fields["seed"].setToolTip("the order samples are drawn in each epoch"
                                       if seed_used else "gd does not shuffle")

    def _commit_name(self, name: str) -> bool:
        return self.model.edit("Rename the network", lambda d: edits.set_name(d, name))

    def _committer(self, key: str) -> Callable[[float], bool]:
        def commit(value: float) -> bool:
            return self.model.edit(f"Set {key.replace('_', ' ')} to {value}",
                                   lambda d: edits.set_training(d, **{key: value}))
        return commit

    def _on_loss_chosen(self, loss: object) -> None:
        name = str(loss)
        if name == self.model.document.loss:
            return
        if not self.model.edit(f"Use the {name} loss", lambda d: edits.set_loss(d, name)):
            _set_combo(self.loss, self.model.document.loss)

    def _on_optimizer_chosen(self, optimizer: object) -> None:
        name = str(optimizer)
        if name == self.model.document.training.optimizer:
            return
        if not self.model.edit(f"Use the {OPTIMIZER_LABELS[name]} optimizer",
                               lambda d: edits.set_training(d, optimizer=name)):
            _set_combo(self.optimizer, self.model.document.training.optimizer)

    def _reinitialize(self) -> None:
        method = str(self.initializer.currentData())
        seed = self.init_seed.value()
        self.model.edit(f"Re-initialise ({method}, seed {seed})",
                        lambda d: edits.reinitialize(d, method, seed))
