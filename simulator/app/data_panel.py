"""The data panel: choose the data set and see or edit its samples.

- A generator from :mod:`simulator.engine.datasets` (with the size, noise, seed and test
  fraction the chosen kind takes) or a CSV file. A data set that does not fit the network
  is refused with a message that says how many inputs and outputs the network has, and
  offers to resize the network's input and output layers to fit (one undo step).
- The training samples in an editable table (each edit one undo step), with the rows of
  the current batch highlighted and the sample the canvas shows in bold; the held-out test
  samples in a second, read-only tab. Text that is not a number is refused under the table.
- For one or two inputs, a small scatter preview coloured by the target.

Every change goes through ``LabModel.edit``; an edit the engine refuses changes nothing and
the model reports why. The table follows the sample the canvas shows (scrolling it into
view when it changes), through a :class:`~simulator.app.coalesce.Coalescer`: while the
runner runs (:meth:`DataPanel.set_throttled`) that sample changes on every tick, so the
table scrolls to it at most every :data:`FOLLOW_THROTTLE_MS` ms.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..engine import datasets, edits
from ..engine.datasets import Dataset, DatasetError
from ..engine.document import Document
from ..engine.limits import MAX_NOISE, MAX_SAMPLES, MAX_SEED, MIN_SEED
from ..engine.numbers import format_number, parse_number
from ..engine.text import printable
from .coalesce import Coalescer
from .learned.data_tools import DataTools
from .model import LabModel
from .visibility import in_view
from .widgets import (
    OKABE_ITO,
    HintLabel,
    WheelGuard,
    error_label,
    guard_wheel,
    is_dark,
    plain_axis,
    show_message,
)

CSV_KIND = "csv"
KIND_TEXT: dict[str, str] = {
    "reference": "the worked example: one sample, 2 inputs, 2 targets",
    "xor": "the 4 corners of boolean XOR: 2 inputs, 1 target",
    "circle": "a disc (class 0) inside a ring (class 1)",
    "quadrants": "class by the signs of x1 and x2 (a noisy XOR)",
    "gaussian": "two Gaussian blobs",
    "spiral": "two interleaved spirals (hard)",
    "moons": "two interleaving half-moons",
    "sine": "noisy sin(pi x): 1 input, 1 target (regression)",
}
PARAMETERS = ("n", "noise", "seed", "test_fraction")
MAX_PREVIEW_POINTS = 3000
#: While running, the table scrolls to the sample shown at most this often (ms).
FOLLOW_THROTTLE_MS = 250
#: Class colours of the preview (Okabe-Ito): class 0, class 1, further classes.
CLASS_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["bluish_green"],
                 OKABE_ITO["reddish_purple"], OKABE_ITO["vermillion"], OKABE_ITO["sky_blue"])
BATCH_COLOUR = QColor(OKABE_ITO["sky_blue"])
#: What changes in a row when the batch or the sample shown changes.
_BATCH_ROLES = [Qt.ItemDataRole.BackgroundRole.value, Qt.ItemDataRole.FontRole.value,
                Qt.ItemDataRole.ToolTipRole.value]
_ROOT = QModelIndex()


def kind_parameters(kind: str) -> dict[str, Any]:
    """The parameters a generator takes, with their defaults (from its signature)."""
    signature = inspect.signature(datasets.GENERATORS[kind])
    return {name: p.default for name, p in signature.parameters.items()
            if p.default is not inspect.Parameter.empty}


def width_mismatch(data: Dataset, n_inputs: int, n_outputs: int, what: str) -> str:
    """Why ``data`` does not fit a network with these widths ("" when it fits)."""
    problems = []
    if data.n_inputs != n_inputs:
        problems.append(f"the network has {_count(n_inputs, 'input')} but {what} has "
                        f"{_count(data.n_inputs, 'input column')}")
    if data.n_outputs != n_outputs:
        problems.append(f"the network has {_count(n_outputs, 'output')} but {what} has "
                        f"{_count(data.n_outputs, 'target column')}")
    if not problems:
        return ""
    text = "; ".join(problems)
    return (text[0].upper() + text[1:] + ". Change the network's input and output layers "
            "(the Inspector, or the button below), or choose another data set.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


# --- the sample tables ------------------------------------------------------------------------

class SampleTableModel(QAbstractTableModel):
    """The training (editable) or test (read-only) samples of the document's data set."""

    #: Typed text that is not a number was refused; the message says why ("" clears it).
    textRefused = Signal(str)

    def __init__(self, lab: LabModel, test: bool = False, parent: Any = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.test = test
        self._shape = self._current_shape()
        self._in_batch = np.zeros(0, dtype=bool)
        self._whole_batch = False
        self._current_row = -1
        self.update_batch(notify=False)

    # --- reading ---------------------------------------------------------------------------

    def arrays(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        data = self.lab.document.data
        if self.test:
            return data.test_inputs, data.test_targets
        return data.inputs, data.targets

    def _current_shape(self) -> tuple[int, int, int, tuple[str, ...]]:
        x, t = self.arrays()
        data = self.lab.document.data
        names = data.column_names()
        if x is None or t is None:
            return (0, data.n_inputs, data.n_outputs, names[0] + names[1])
        return (x.shape[0], x.shape[1], t.shape[1], names[0] + names[1])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._shape[0]

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._shape[1] + self._shape[2]

    def field(self, column: int) -> tuple[str, int]:
        """("inputs", j) or ("targets", j) for a table column."""
        n_in = self._shape[1]
        return ("inputs", column) if column < n_in else ("targets", column - n_in)

    def value(self, row: int, column: int) -> float:
        x, t = self.arrays()
        which, j = self.field(column)
        arr = x if which == "inputs" else t
        assert arr is not None
        return float(arr[row, j])

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return format_number(self.value(row, column), self.lab.digits)
        if role == Qt.ItemDataRole.EditRole:
            return repr(self.value(row, column))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self.test:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and row < self._in_batch.size:
            if row == self._current_row:
                colour = QColor(BATCH_COLOUR)
                colour.setAlpha(150)
                return QBrush(colour)
            if self._in_batch[row] and not self._whole_batch:
                colour = QColor(BATCH_COLOUR)
                colour.setAlpha(70)
                return QBrush(colour)
        if role == Qt.ItemDataRole.FontRole and row == self._current_row:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if row == self._current_row:
                return "The sample the canvas and the derivations show"
            if row < self._in_batch.size and self._in_batch[row]:
                return "In the current batch"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        if section >= len(self._shape[3]):
            return None
        which, j = self.field(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._shape[3][section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{'input' if which == 'inputs' else 'target'} {j + 1}"
        if role == Qt.ItemDataRole.FontRole and which == "targets":
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if self.test or not index.isValid():
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if self.test or not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, column = index.row(), index.column()
        which, j = self.field(column)
        name = self._shape[3][column]
        try:
            number = parse_number(str(value), f"{name} of sample {row + 1}")
        except ValueError as exc:
            self.textRefused.emit(f"Sample {row + 1}, {name}: {exc}")
            return False
        self.textRefused.emit("")
        if number == self.value(row, column):
            return True
        return self.lab.set_sample_value(which, row, j, number)

    # --- following the model ---------------------------------------------------------------

    def refresh(self) -> None:
        """The data changed: repaint the cells, or reset the table if its shape changed."""
        shape = self._current_shape()
        if shape != self._shape:
            self.beginResetModel()
            self._shape = shape
            self.update_batch(notify=False)
            self.endResetModel()
            return
        self.update_batch(notify=False)
        self._all_changed()

    def repaint(self) -> None:
        """Only the formatting changed (digits)."""
        self._all_changed()

    def update_batch(self, notify: bool = True) -> None:
        """Follow the current batch and the sample the canvas shows."""
        if self.test:
            return
        n = self._shape[0]
        mask = np.zeros(n, dtype=bool)
        current = -1
        batch = np.asarray(self.lab.iteration.step.batch, dtype=int)
        mask[batch[(batch >= 0) & (batch < n)]] = True
        row = self.lab.shown_row
        if 0 <= row < n:
            current = row
        changed = (not np.array_equal(mask, self._in_batch)) or current != self._current_row
        self._in_batch = mask
        self._whole_batch = bool(mask.all()) and n > 1
        self._current_row = current
        if changed and notify:
            # Only the rows' tints, fonts and tooltips change: no header, no texts.
            self._all_changed(header=False, roles=_BATCH_ROLES)

    def _all_changed(self, header: bool = True, roles: list[int] | None = None) -> None:
        rows, cols = self.rowCount(), self.columnCount()
        if rows and cols:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, cols - 1),
                                  roles or [])
        if cols and header:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, cols - 1)

    @property
    def current_row(self) -> int:
        """The data row the canvas shows (-1 for the test table)."""
        return self._current_row

    @property
    def whole_batch(self) -> bool:
        """Whether every training sample is in the batch (then no row is tinted)."""
        return self._whole_batch


# --- the CSV columns dialog -------------------------------------------------------------------

class CsvColumnsDialog(QDialog):
    """Choose which CSV columns are inputs and which are targets (and a test split)."""

    ROLES = (("input", "Input"), ("target", "Target"), ("skip", "Not used"))

    def __init__(self, file_name: str, header: list[str], n_inputs: int, n_outputs: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import {file_name}")
        self.header = header
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Choose the input and target columns of {file_name}:"))
        form = QFormLayout()
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        # The network's widths when they account for every column, else the usual
        # convention: every column but the last is an input, the last is the target.
        width = len(header)
        n_targets = n_outputs if width == n_inputs + n_outputs else 1
        self.roles: list[QComboBox] = []
        for i, name in enumerate(header):
            combo = QComboBox()
            for key, text in self.ROLES:
                combo.addItem(text, key)
            combo.setCurrentIndex(1 if i >= width - n_targets else 0)
            combo.currentIndexChanged.connect(self._update)
            self.roles.append(combo)
            form.addRow(printable(name, 80) or f"column {i + 1}", combo)
        options = QFormLayout()
        self.test_fraction = QDoubleSpinBox()
        self.test_fraction.setRange(0.0, datasets.MAX_TEST_FRACTION)
        self.test_fraction.setSingleStep(0.05)
        self.test_fraction.setDecimals(2)
        self.test_fraction.setToolTip("The share of rows held out as a test split "
                                      "(rows are shuffled with the seed first)")
        options.addRow("Test fraction", self.test_fraction)
        self.seed = QSpinBox()
        self.seed.setRange(MIN_SEED, MAX_SEED)
        options.addRow("Shuffle seed", self.seed)
        layout.addLayout(options)
        self.summary = HintLabel()
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def columns(self, role: str) -> list[int]:
        """The indices of the columns chosen as ``role`` ("input" or "target")."""
        return [i for i, c in enumerate(self.roles) if c.currentData() == role]

    def _update(self) -> None:
        n_in, n_out = len(self.columns("input")), len(self.columns("target"))
        text = (f"{_count(n_in, 'input')} and {_count(n_out, 'target')} chosen; the network "
                f"has {_count(self.n_inputs, 'input')} and {_count(self.n_outputs, 'output')}.")
        self.summary.setText(text)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(n_in > 0 and n_out > 0)


# --- the panel --------------------------------------------------------------------------------

class DataPanel(QWidget):
    """Chooses the data set and shows and edits its samples."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.wheel_guard = WheelGuard(self)
        self._last_dir = ""
        self._pending: tuple[Dataset, dict[str, Any], str] | None = None
        self._values: dict[str, dict[str, Any]] = {k: kind_parameters(k)
                                                   for k in datasets.KINDS}
        self._dark = is_dark(self)
        self._data: Dataset | None = None
        self._size = 6
        self._shown_kind = ""
        self._followed_row = -1
        self._follower = Coalescer(self._scroll_to_current_row, self,
                                   interval_ms=FOLLOW_THROTTLE_MS,
                                   is_visible=lambda: in_view(self))

        # --- choosing a data set
        source_box = QGroupBox("Data set")
        source = QVBoxLayout(source_box)
        row = QHBoxLayout()
        self.kind = QComboBox()
        for kind in datasets.KINDS:
            self.kind.addItem(kind, kind)
        self.kind.addItem("CSV file...", CSV_KIND)
        self.kind.setToolTip("A built-in data set, or samples from a CSV file")
        self.kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind.setMinimumContentsLength(8)
        guard_wheel(self.kind, self.wheel_guard)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply)
        row.addWidget(self.kind, 1)
        row.addWidget(self.apply_button)
        source.addLayout(row)
        self.kind_hint = HintLabel()
        source.addWidget(self.kind_hint)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.n = QSpinBox()
        self.n.setRange(1, MAX_SAMPLES)
        self.n.setSingleStep(10)
        self.noise = QDoubleSpinBox()
        self.noise.setRange(0.0, MAX_NOISE)
        self.noise.setSingleStep(0.01)
        self.noise.setDecimals(3)
        self.seed = QSpinBox()
        self.seed.setRange(MIN_SEED, MAX_SEED)
        self.test_fraction = QDoubleSpinBox()
        self.test_fraction.setRange(0.0, datasets.MAX_TEST_FRACTION)
        self.test_fraction.setSingleStep(0.05)
        self.test_fraction.setDecimals(2)
        self.test_fraction.setToolTip("The share of samples held out as a test split: the "
                                      "loss plot shows their loss too")
        self.controls: dict[str, QSpinBox | QDoubleSpinBox] = {
            "n": self.n, "noise": self.noise, "seed": self.seed,
            "test_fraction": self.test_fraction}
        param_grid = QGridLayout()
        for i, (label, control) in enumerate((("Samples", self.n), ("Seed", self.seed),
                                              ("Noise", self.noise),
                                              ("Test", self.test_fraction))):
            param_grid.addWidget(QLabel(label), i // 2, 2 * (i % 2))
            param_grid.addWidget(control, i // 2, 2 * (i % 2) + 1)
            control.setMinimumWidth(56)  # may shrink below its hint in a narrow dock
        param_grid.setColumnStretch(1, 1)
        param_grid.setColumnStretch(3, 1)
        for control in self.controls.values():
            guard_wheel(control, self.wheel_guard)
        self.parameters_box = QWidget()
        self.parameters_box.setLayout(param_grid)
        param_grid.setContentsMargins(0, 0, 0, 0)
        source.addWidget(self.parameters_box)
        self.message = error_label()
        source.addWidget(self.message)
        self.fit_button = QPushButton()
        self.fit_button.hide()
        self.fit_button.clicked.connect(self.fit_network)
        source.addWidget(self.fit_button)
        self.data_tools = DataTools(model)  # noise slider, regenerate, fit (issue 12)
        source.addWidget(self.data_tools)

        # --- what there is
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.preview = pg.PlotWidget()
        self.preview.setMinimumHeight(140)
        self.preview.setMaximumHeight(220)
        self.preview.setMenuEnabled(False)
        self.preview.hideButtons()
        self.preview.setMouseEnabled(x=False, y=False)
        self.preview.getPlotItem().showGrid(x=True, y=True, alpha=0.15)
        self.train_points = pg.ScatterPlotItem(size=6, pen=None)
        self.test_points = pg.ScatterPlotItem(size=6, brush=None)
        self.preview.addItem(self.train_points)
        self.preview.addItem(self.test_points)
        self.preview_note = HintLabel()

        self.train_model = SampleTableModel(model, test=False, parent=self)
        self.test_model = SampleTableModel(model, test=True, parent=self)
        self.train_model.textRefused.connect(self._on_text_refused)
        self.train_table = self._table(self.train_model)
        self.test_table = self._table(self.test_model)
        self.test_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.train_table, "Training")
        self.tabs.addTab(self.test_table, "Test")

        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add sample")
        self.add_button.setToolTip("Append a copy of the last sample (then edit its values)")
        self.add_button.clicked.connect(self.add_sample)
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.setToolTip("Remove the selected training samples")
        self.remove_button.clicked.connect(self.remove_selected)
        self.legend = HintLabel()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.table_message = error_label()

        layout = QVBoxLayout(self)
        layout.addWidget(source_box)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 2)
        layout.addWidget(self.preview_note)
        layout.addWidget(self.tabs, 3)
        layout.addWidget(self.legend)
        layout.addWidget(self.table_message)
        layout.addLayout(buttons)

        model.structureChanged.connect(self._on_structure_changed)
        model.stepChanged.connect(self._on_step_changed)
        model.valuesChanged.connect(self._on_step_changed)
        model.settingsChanged.connect(self._on_settings_changed)
        self._shown_kind = self.current_kind()
        self._on_structure_changed()
        self._load_values()

    def _table(self, table_model: SampleTableModel) -> QTableView:
        view = QTableView()
        view.setModel(table_model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(view.fontMetrics().horizontalAdvance("-0.0000000") + 10)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        return view

    # --- model signals ---------------------------------------------------------------------

    def _on_structure_changed(self) -> None:
        self.train_model.refresh()
        self.test_model.refresh()
        data = self.model.document.data
        self.tabs.setTabText(0, f"Training ({data.n_samples})")
        self.tabs.setTabText(1, f"Test ({data.n_test})")
        self.tabs.setTabEnabled(1, data.has_test)
        if not data.has_test:
            self.tabs.setCurrentIndex(0)
        net = self.model.document.network
        src = self.model.document.data_source
        where = f" from {src['kind']}" if src.get("kind") else ""
        if src.get("kind") == CSV_KIND and src.get("path"):
            where = f" from {Path(str(src['path'])).name}"
        self.summary.setText(
            f"{_count(data.n_samples, 'training sample')}"
            + (f" and {data.n_test} test" if data.has_test else "") + where
            + f"; {_count(data.n_inputs, 'input')}, {_count(data.n_outputs, 'target')}"
            + f" (network {' - '.join(map(str, net.sizes))})")
        self.remove_button.setEnabled(data.n_samples > 1)
        if data is not self._data:
            self._data = data
            self._select_source_kind()
        self._update_hint()
        self._update_legend()
        self._update_preview()
        self._followed_row = -1
        self._follow_current_row()

    def _on_step_changed(self) -> None:
        self.train_model.update_batch()
        self._update_legend()
        self._follow_current_row()

    def is_throttled(self) -> bool:
        """Whether updates are spaced out (the main window says so while running)."""
        return self._follower.throttled

    def set_throttled(self, throttled: bool) -> None:
        """Scroll to the sample shown at most every :data:`FOLLOW_THROTTLE_MS` ms (while
        running), or at the next pass of the event loop."""
        self._follower.set_throttled(throttled)

    def flush(self) -> None:
        """Scroll to the sample shown now, if that is pending (normally the event loop
        does it)."""
        self._follower.force()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._follower.flush()  # caught up after a closed dock

    def _follow_current_row(self) -> None:
        """Keep the sample the canvas shows in view (unless the user is in the table)."""
        if self.train_model.current_row != self._followed_row:
            self._follower.request()

    def _scroll_to_current_row(self) -> None:
        row = self.train_model.current_row
        if row == self._followed_row:
            return
        self._followed_row = row
        if row >= 0 and not self.train_table.hasFocus():
            self.train_table.scrollTo(self.train_model.index(row, 0),
                                      QAbstractItemView.ScrollHint.EnsureVisible)

    def _update_legend(self) -> None:
        if self.model.document.data.n_samples == 1:
            text = "Bold: the sample the canvas shows"
        elif self.train_model.whole_batch:
            text = "Every sample is in the batch; bold: the sample the canvas shows"
        else:
            text = "Blue rows: the current batch; bold: the sample the canvas shows"
        self.legend.setText(text)

    def _on_settings_changed(self) -> None:
        self.train_model.update_batch()
        self.train_model.repaint()
        self.test_model.repaint()

    def set_dark(self, dark: bool) -> None:
        """Switch the preview between light and dark colours."""
        self._dark = dark
        self._update_preview()

    # --- choosing a data set ---------------------------------------------------------------

    def _select_source_kind(self) -> None:
        """Show the kind (and its settings) the document's data was made with."""
        doc = self.model.document
        src = doc.data_source
        kind = src.get("kind") or doc.data.name
        if kind in datasets.GENERATORS:
            values = self._values[kind]
            for key in values:
                if key in src and key != "one_hot":
                    values[key] = src[key]
            index = self.kind.findData(kind)
            if index == self.kind.currentIndex():
                self._load_values()
            else:
                self.kind.setCurrentIndex(index)
        elif kind == CSV_KIND:
            self.kind.setCurrentIndex(self.kind.findData(CSV_KIND))

    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def _on_kind_changed(self) -> None:
        self._remember_values(self._shown_kind)
        self._shown_kind = self.current_kind()
        self._load_values()

    def _load_values(self) -> None:
        """Show the current kind's settings (only the controls it takes are shown)."""
        kind = self.current_kind()
        is_csv = kind == CSV_KIND
        takes = {} if is_csv else self._values[kind]
        for key, control in self.controls.items():
            if key in takes:
                control.blockSignals(True)
                control.setValue(takes[key])
                control.blockSignals(False)
        self.parameters_box.setVisible(bool(takes))
        self.apply_button.setText("Choose file..." if is_csv else "Apply")
        show_message(self.message, "")
        self._pending = None
        self.fit_button.hide()
        self._update_hint()

    def _remember_values(self, kind: str) -> None:
        if kind in self._values:
            for key in self._values[kind]:
                if key in self.controls:
                    self._values[kind][key] = self.controls[key].value()

    def _update_hint(self) -> None:
        kind = self.current_kind()
        if kind == CSV_KIND:
            self.kind_hint.setText("Samples from a CSV file whose first line names the "
                                   "columns; you choose the input and target columns.")
            return
        text = KIND_TEXT.get(kind, "")
        if "one_hot" in self._values.get(kind, {}):
            outputs = self.model.document.network.output_size
            text += ("; targets one-hot (2 columns) to fit the network's 2 outputs"
                     if outputs == 2 else "; one target column (0 or 1)")
        self.kind_hint.setText(text)

    def generator_kwargs(self, kind: str) -> dict[str, Any]:
        """What ``datasets.make(kind, ...)`` gets from the controls: only what it takes,
        with one_hot chosen to fit the network (2 outputs: one-hot, else labels)."""
        kwargs: dict[str, Any] = {}
        for key in self._values[kind]:
            if key in self.controls:
                value = self.controls[key].value()
                kwargs[key] = int(value) if key in ("n", "seed") else float(value)
            elif key == "one_hot":
                kwargs[key] = self.model.document.network.output_size == 2
        return kwargs

    def apply(self) -> None:
        """Build the chosen data set and use it (or, for CSV, pick a file)."""
        kind = self.current_kind()
        if kind == CSV_KIND:
            self.import_csv()
            return
        self._remember_values(kind)
        kwargs = self.generator_kwargs(kind)
        try:
            data = datasets.make(kind, **kwargs)
        except DatasetError as exc:
            self._show_error(str(exc))
            return
        self.use(data, {"kind": kind, **kwargs}, f"the {kind} data set")

    def use(self, data: Dataset, source: dict[str, Any], what: str) -> bool:
        """Make ``data`` the document's data (one undo step); show why if it does not fit."""
        net = self.model.document.network
        mismatch = width_mismatch(data, net.input_size, net.output_size, what)
        if mismatch:
            self._pending = (data, source, what)
            self._show_error(mismatch)
            self.fit_button.setText(f"Change the network to {_count(data.n_inputs, 'input')} "
                                    f"and {_count(data.n_outputs, 'output')}, and use it")
            self.fit_button.show()
            return False
        self._show_error("")
        return self.model.edit(f"Use {what}", lambda d: edits.set_data(d, data, source))

    def fit_network(self) -> None:
        """Fit the network to the refused data set and use it: new input and output
        widths, a bias per neuron, fresh parameters (:func:`edits.fit_to_data`)."""
        if self._pending is None:
            return
        data, source, what = self._pending

        def build(doc: Document) -> Document:
            return edits.fit_to_data(doc, data, source)

        if self.model.edit(f"Use {what} (network resized)", build):
            self._show_error("")

    def _show_error(self, message: str) -> None:
        show_message(self.message, message)
        if not message:
            self._pending = None
        self.fit_button.hide()

    # --- CSV -------------------------------------------------------------------------------

    def import_csv(self) -> None:
        """Ask for a CSV file and its columns, then use its samples."""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import samples from a CSV file", self._last_dir,
            "CSV files (*.csv);;All files (*)")
        if not path:
            return
        self._last_dir = str(Path(path).parent)
        name = Path(path).name
        try:
            # Only the header is read, and a pipe, a folder or a too wide file is refused
            # before anything is read (never waited on).
            header = datasets.csv_columns(path)
        except DatasetError as exc:
            QMessageBox.warning(self, "Cannot import the CSV file", str(exc))
            return
        net = self.model.document.network
        choice: tuple[list[int] | None, list[int] | None, float, int] = (None, None, 0.0, 0)
        if len(header) >= 2:
            dialog = CsvColumnsDialog(name, header, net.input_size, net.output_size, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            choice = (dialog.columns("input"), dialog.columns("target"),
                      dialog.test_fraction.value(), dialog.seed.value())
        # else: let load_csv say what is wrong with the file
        inputs, targets, fraction, seed = choice
        try:
            data = datasets.load_csv(path, inputs, targets, test_fraction=fraction, seed=seed)
        except DatasetError as exc:
            QMessageBox.warning(self, "Cannot import the CSV file", str(exc))
            return
        source: dict[str, Any] = {"kind": CSV_KIND, "path": path, "test_fraction": fraction,
                                  "seed": seed}
        if inputs is not None:
            source["input_columns"] = list(inputs)
        if targets is not None:
            source["target_columns"] = list(targets)
        self.use(data, source, name)

    # --- samples ---------------------------------------------------------------------------

    def _on_text_refused(self, message: str) -> None:
        show_message(self.table_message, message)

    def add_sample(self) -> None:
        """Append a copy of the last training sample (one undo step)."""
        show_message(self.table_message, "")
        if not self.model.edit("Add a sample", edits.add_sample):
            return
        self.tabs.setCurrentIndex(0)
        last = self.train_model.index(self.train_model.rowCount() - 1, 0)
        self.train_table.setCurrentIndex(last)
        self.train_table.scrollTo(last)

    def selected_rows(self) -> list[int]:
        selection = self.train_table.selectionModel()
        return sorted({index.row() for index in selection.selectedIndexes()})

    def remove_selected(self) -> None:
        """Remove the selected training samples (one undo step)."""
        rows = self.selected_rows()
        if not rows:
            show_message(self.table_message, "Select the samples to remove first")
            return
        text = (f"Remove sample {rows[0] + 1}" if len(rows) == 1
                else f"Remove {len(rows)} samples")
        show_message(self.table_message, "")
        self.model.edit(text, lambda d: edits.remove_samples(d, rows))

    # --- preview ---------------------------------------------------------------------------

    def _update_preview(self) -> None:
        data = self.model.document.data
        one_d = data.n_inputs == 1
        if data.n_inputs not in (1, 2):
            self.preview.hide()
            self.preview_note.hide()
            return
        background = QColor("#1c1e21") if self._dark else QColor("#ffffff")
        foreground = QColor("#e6e8eb") if self._dark else QColor("#202124")
        self.preview.setBackground(background)
        plot = self.preview.getPlotItem()
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            plain_axis(axis)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
        names_in, names_t = data.column_names()
        plot.setLabel("bottom", names_in[0])
        plot.setLabel("left", names_t[0] if one_d else names_in[1])
        shown = min(data.n_samples, MAX_PREVIEW_POINTS)
        self._size = 10 if shown <= 50 else 6
        self._scatter(self.train_points, data.inputs[:shown], data.targets[:shown], one_d,
                      filled=True)
        n_test = min(data.n_test, MAX_PREVIEW_POINTS)
        if data.test_inputs is not None and data.test_targets is not None and n_test:
            self._scatter(self.test_points, data.test_inputs[:n_test],
                          data.test_targets[:n_test], one_d, filled=False)
        else:
            self.test_points.setData([], [])
        xs = [data.inputs[:shown]] + ([data.test_inputs[:n_test]]
                                      if data.test_inputs is not None and n_test else [])
        points = np.concatenate(xs)
        ys = (np.concatenate([data.targets[:shown, 0]] + (
            [data.test_targets[:n_test, 0]] if data.test_targets is not None and n_test
            else [])) if one_d else points[:, 1])
        plot.setAspectLocked(not one_d)  # a circle looks like a circle
        plot.setXRange(*_padded(points[:, 0]), padding=0)
        plot.setYRange(*_padded(ys), padding=0)
        notes = []
        if one_d:
            notes.append(f"{names_t[0]} against {names_in[0]}")
        else:
            notes.append("coloured by target: orange 0, blue 1")
        if data.has_test:
            notes.append("hollow: test samples")
        if data.n_samples > shown or data.n_test > n_test:
            notes.append(f"first {MAX_PREVIEW_POINTS} shown")
        self.preview_note.setText("; ".join(notes))
        self.preview.show()
        self.preview_note.show()

    def _scatter(self, item: pg.ScatterPlotItem, x: np.ndarray, t: np.ndarray,
                 one_d: bool, filled: bool) -> None:
        item.setSize(self._size)
        if one_d:
            colour = QColor(OKABE_ITO["sky_blue"] if self._dark else OKABE_ITO["blue"])
            if filled:
                item.setData(x=x[:, 0], y=t[:, 0], brush=pg.mkBrush(colour), pen=None)
            else:
                item.setData(x=x[:, 0], y=t[:, 0], brush=None,
                             pen=pg.mkPen(colour, width=1.5))
            return
        classes = _classes(t)
        colours = [QColor(c) for c in CLASS_COLOURS]
        if self._dark:
            colours[1] = QColor(OKABE_ITO["sky_blue"])
        if filled:
            brushes = [pg.mkBrush(c) for c in colours]
            item.setData(x=x[:, 0], y=x[:, 1], brush=[brushes[c] for c in classes], pen=None)
        else:
            pens = [pg.mkPen(c, width=1.5) for c in colours]
            item.setData(x=x[:, 0], y=x[:, 1], pen=[pens[c] for c in classes], brush=None)


def _padded(values: np.ndarray) -> tuple[float, float]:
    """A view range holding ``values`` with a margin (at least 0.5 wide)."""
    low, high = float(np.min(values)), float(np.max(values))
    span = max(high - low, 0.5)
    middle = (low + high) / 2
    return middle - 0.6 * span, middle + 0.6 * span


def _classes(t: np.ndarray) -> np.ndarray:
    """A colour index per sample: the arg-max of several targets, or a 0/1 threshold of
    one (values <= 0.5 are class 0)."""
    if t.shape[1] > 1:
        return np.minimum(np.argmax(t, axis=1), len(CLASS_COLOURS) - 1)
    return (t[:, 0] > 0.5).astype(int)
