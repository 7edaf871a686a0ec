"""The one Qt-side model: it owns the document, the undo stack and the stepper.

Views observe it through its signals and never change engine state themselves. Every edit
goes through :meth:`LabModel.edit`: it applies a pure edit function of
:mod:`simulator.engine.edits` as one undo command (:mod:`simulator.app.commands`) and, if
the engine refuses it, changes nothing, returns False and emits ``editRefused`` once (the
main window shows it). Training moves through :meth:`step`, :meth:`step_back`,
:meth:`finish_iteration`, :meth:`run_epoch` and the :class:`~simulator.app.runner.Runner`.

Signals (each emitted once per change, never once per value):

- ``structureChanged``: layers, sizes, activations, bias modes, loss or data changed;
  views rebuild their items.
- ``valuesChanged``: parameter values (or the forward values shown) changed; views update
  their labels in place.
- ``stepChanged``: the stepper's position (sub-step, stage, iteration) changed.
- ``historyChanged``: the loss history changed (grew, shrank or was reset).
- ``trainingConfigChanged``: optimizer, learning rate, batch size or seed changed.
- ``selectionChanged(object)``: the selected element, a
  :data:`~simulator.app.selection.Selection` (None for nothing).
- ``diverged(str)``: training stopped at the last finite state; the message says why.
- ``fileChanged``: the file path or the modified flag changed.
- ``settingsChanged``: display settings (digits, sample) changed.
- ``editRefused(str)``: an edit was refused and nothing changed; the message says what and
  why ("Set w5 to nan: w5 must be a finite number").
- ``earlyStoppingChanged``: the early-stopping settings changed (:meth:`set_early_stopping`).
- ``stoppedEarly(str)``: a run stopped because the test loss had not improved for the
  patience (and, when asked, went back to the best iteration); the message says so.

What the network learned (issue 12) is read from the model, never computed by a view:
:meth:`accuracy` (train and test), :attr:`test_history` (the test loss at every sampled
iteration) and :meth:`best_iteration`, :meth:`health` (the training-health warnings and the
per-layer gradient sizes) and :meth:`plane_values` (every neuron's output over the input
plane, for the decision boundary and the neurons' pictures). Each is computed on first use
for the position training is at and kept until the position changes, so however many views
read it in one redraw it is computed at most once (the figures are in
``benchmarks/bench_learned.py``). They change with ``valuesChanged`` (and
``historyChanged``), the signals a view already redraws on.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..engine import document as doc_io
from ..engine import edits
from ..engine.backprop import BackwardPass, ForwardPass, backward
from ..engine.boundary import (
    DEFAULT_RESOLUTION,
    Plane,
    PlaneValues,
    curve_applies,
    fitted_curve,
    line_for,
    plane_applies,
    plane_for,
)
from ..engine.boundary import plane_values as compute_plane_values
from ..engine.document import Document, DocumentError
from ..engine.explain import explain_neuron, explain_parameter, explain_substep
from ..engine.explanation import Explanation, Text
from ..engine.health import HealthReport, check_stepper
from ..engine.limits import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from ..engine.network import Network
from ..engine.numbers import format_number
from ..engine.optimizers import TrainingConfig
from ..engine.stepper import Iteration, Stepper, SubStep
from ..engine.surface.spec import check_data
from ..engine.training import Divergence, RunResult, Trainer
from ..engine.validation import Best, EarlyStopping, TestLossHistory
from ..resources import example_path
from .commands import DocumentCommand, Snapshot
from .selection import Selection, carry_over, parse_selection


@dataclass(frozen=True)
class Accuracy:
    """The share of samples classified right, training and test (None where it does not
    apply: regression targets, or no test split)."""

    train: float | None
    test: float | None

    @property
    def applies(self) -> bool:
        """Whether the data is classification data (so there is an accuracy)."""
        return self.train is not None


class _Position:
    """Results kept for one position of one stepper (recomputed when either changes)."""

    __slots__ = ("key", "values")

    def __init__(self) -> None:
        self.key: tuple[object, ...] | None = None
        self.values: dict[str, object] = {}

    def get(self, key: tuple[object, ...], name: str, make: Callable[[], object]) -> object:
        if key != self.key:
            self.key = key
            self.values = {}
        if name not in self.values:
            self.values[name] = make()
        return self.values[name]


class LabModel(QObject):
    """Owns the document, the undo stack and the stepper; emits what changed."""

    structureChanged = Signal()
    valuesChanged = Signal()
    stepChanged = Signal()
    historyChanged = Signal()
    trainingConfigChanged = Signal()
    selectionChanged = Signal(object)
    diverged = Signal(str)
    fileChanged = Signal()
    settingsChanged = Signal()
    editRefused = Signal(str)
    earlyStoppingChanged = Signal()
    stoppedEarly = Signal(str)

    def __init__(self, document: Document | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        # A bound method, not a lambda: Qt drops the connection when the model goes, so the
        # stack's last cleanChanged (emitted while it is destroyed) cannot reach a dead model.
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.path: Path | None = None
        self.digits = DEFAULT_DIGITS
        self.sample = 0
        self.selection: Selection | None = None
        self.divergence_message = ""
        self.last_run_seconds = 0.0  # engine time of the last run_iterations (no views)
        #: Stop runs when the test loss has not improved for a while (None: never); a
        #: setting of the session, not of the document, applied to every stepper.
        self.early_stopping: EarlyStopping | None = None
        #: Whether a run stopped early goes back to the iteration of the lowest test loss.
        self.restore_best = True
        #: Why the last run stopped early ("" if it did not), with where it went back to.
        self.early_stop_message = ""
        self._position = _Position()
        self._planes: tuple[object, int, Plane] | None = None
        if document is None:
            document = doc_io.load(example_path("reference.json"))
        self._document = document
        self._stepper = self._make_stepper(document)
        self._saved_params = document.network.params.copy()
        self._saved_marker = object()
        self._advance: tuple[object, Divergence | None] = (None, None)
        # True while a snapshot or a new document is made current and the views follow
        # it: an edit a view asks for then is refused (it would land in the middle of an
        # undo, a redo or an open, and cut the redo history).
        self._replacing = False

    def _on_clean_changed(self, _clean: bool) -> None:
        self.fileChanged.emit()

    # --- reading -------------------------------------------------------------------------

    @property
    def document(self) -> Document:
        """The document as it was last edited (its parameters are the training start)."""
        return self._document

    @property
    def stepper(self) -> Stepper:
        """The stepper training the current document."""
        return self._stepper

    @property
    def trainer(self) -> Trainer:
        """The trainer behind the stepper."""
        return self._stepper.trainer

    @property
    def params(self) -> np.ndarray:
        """The parameters as they stand now (after any training)."""
        return self._stepper.params

    @property
    def network(self) -> Network:
        """The network with the current parameters (a copy: do not mutate)."""
        return self._document.network.with_params(self.params)

    @property
    def iteration(self) -> Iteration:
        """The current iteration (forward/backward pass of the current batch)."""
        return self._stepper.iteration

    @property
    def backward(self) -> BackwardPass:
        """The current iteration's forward and backward pass (computed at its start)."""
        return self._stepper.iteration.backward

    @property
    def forward(self) -> ForwardPass:
        """The forward pass the canvas shows: the current iteration's batch."""
        return self.backward.forward

    @property
    def shown_sample(self) -> int:
        """Which sample of the current batch the views show (0-based; :attr:`sample` is the
        choice, this is the choice kept inside a batch that may be smaller)."""
        return min(max(0, self.sample), self.backward.n_samples - 1)

    @property
    def shown_row(self) -> int:
        """The data-set row of the sample the views show (the one a typed input or target
        changes)."""
        return int(self._stepper.iteration.step.batch[self.shown_sample])

    @property
    def current_substep(self) -> SubStep | None:
        """The last sub-step taken (None before the first)."""
        return self._stepper.current

    @property
    def config(self) -> TrainingConfig:
        """The training configuration."""
        return self._document.training

    @property
    def losses(self) -> list[float]:
        """The batch loss of every completed iteration."""
        return self._stepper.losses

    @property
    def modified(self) -> bool:
        """Whether there are unsaved changes (edits or training)."""
        return (not self.undo_stack.isClean()
                or not np.array_equal(self.params, self._saved_params))

    @property
    def title(self) -> str:
        """What the window title shows: the file name and a modified marker."""
        name = self.path.name if self.path else (self._document.name or "Untitled")
        return f"{name}[*]"

    def current_document(self) -> Document:
        """The document with the current (trained) parameters: what Save writes."""
        return self._document.with_changes(network=self.network)

    def explanation(self) -> Explanation | None:
        """What the last sub-step computed, in the lesson's words (None before the first)."""
        sub = self.current_substep
        if sub is None:
            return None
        return explain_substep(self.iteration, sub, self.config, self.shown_sample)

    def advance_divergence(self) -> Divergence | None:
        """Why the current iteration's numbers cannot be shown ahead of its sub-steps (a
        number of its forward or backward pass is not finite or passes the limit: the first
        iteration of a document whose training cannot start), or None. Views that show
        numbers of sub-steps not taken yet (a selected parameter's gradient) ask this."""
        iteration = self._stepper.iteration
        if self._advance[0] is not iteration:
            self._advance = (iteration, self._stepper.check_iteration())
        return self._advance[1]

    def parameter_explanation(self, name: str) -> Explanation:
        """The derivation and update of one parameter in the current iteration (or why its
        numbers cannot be shown)."""
        div = self.advance_divergence()
        if div is not None:
            return _out_of_range(f"{name}: derivation and update", div)
        return explain_parameter(self.iteration, name, self.config, self.shown_sample)

    def neuron_explanation(self, name: str) -> Explanation | None:
        """A hidden or output neuron's weighted sum and activation (and an output's error)
        in the current iteration (or why its numbers cannot be shown); None for an input or
        an unknown name."""
        explanation = explain_neuron(self.iteration, name, self.shown_sample)
        div = self.advance_divergence()
        if explanation is not None and div is not None:
            return _out_of_range(explanation.title, div)
        return explanation

    def computed(self) -> set[tuple[str, str]]:
        """(stage, target) of every sub-step taken so far in the current iteration."""
        subs = self._stepper.substeps[: self._stepper.cursor + 1]
        return {(s.stage, s.target) for s in subs}

    def test_loss(self) -> float | None:
        """The loss on the held-out test split at the current parameters, if there is one."""
        data = self._document.data
        if data.test_inputs is None or data.test_targets is None:
            return None
        return self.trainer.dataset_loss(self.params, data.test_inputs, data.test_targets)

    # --- what the network learned ----------------------------------------------------------

    def _position_key(self) -> tuple[object, ...]:
        st = self._stepper
        # The stepper itself (not its id): an edit or an undo brings another one.
        return (st, st.completed_iterations, st.divergence)

    def accuracy(self) -> Accuracy:
        """Training and test accuracy at the current parameters (see
        :mod:`simulator.engine.metrics`); None parts where accuracy does not apply."""
        def make() -> Accuracy:
            trainer, params = self.trainer, self.params
            return Accuracy(trainer.accuracy(params), trainer.test_accuracy(params))
        result = self._position.get(self._position_key(), "accuracy", make)
        assert isinstance(result, Accuracy)
        return result

    @property
    def test_history(self) -> TestLossHistory:
        """The test loss at every sampled iteration of the current stepper (empty without
        a test split): every iteration stepped through, every ``stepper.test_every``
        iterations of a run and the end of every run."""
        return self._stepper.test_history

    def best_iteration(self) -> Best | None:
        """The iteration of the lowest test loss so far (None without a test split)."""
        return self._stepper.test_history.best

    def health(self) -> HealthReport:
        """The training-health check where training stands (warnings in words, each with
        the neurons to point at, and the per-layer gradient sizes)."""
        result = self._position.get(self._position_key(), "health",
                                    lambda: check_stepper(self._stepper))
        assert isinstance(result, HealthReport)
        return result

    def plane_applies(self) -> bool:
        """Whether the network's outputs can be drawn over the data's input plane (two data
        inputs and more than one sample; off for the reference lesson's single sample)."""
        return plane_applies(self._document.network, self._document.data)

    def curve_applies(self) -> bool:
        """Whether the network's output can be drawn as a curve over the data's one input."""
        return curve_applies(self._document.network, self._document.data)

    def plane(self, resolution: int = DEFAULT_RESOLUTION) -> Plane:
        """The grid over the data's two inputs the pictures are drawn on (kept while the
        data stays the same). PlaneError when :meth:`plane_applies` is False."""
        data = self._document.data
        kept = self._planes
        if kept is None or kept[0] is not data or kept[1] != resolution:
            kept = self._planes = (data, resolution, plane_for(data, resolution))
        return kept[2]

    def plane_values(self, resolution: int = DEFAULT_RESOLUTION) -> PlaneValues:
        """Every neuron's output over :meth:`plane` at the current parameters: the
        engine's forward pass over all its points, shared by the decision boundary and the
        neurons' pictures."""
        result = self._position.get(
            self._position_key(), f"plane{resolution}",
            lambda: _plane_values_in_blocks(self.network, self.plane(resolution)))
        assert isinstance(result, PlaneValues)
        return result

    def whole_data_gradient(self) -> BackwardPass:
        """The backward pass over the whole training set at the current parameters (its
        input features and weight penalty included): the loss the cost surface draws and
        its gradient, once per training position. Raises the engine's SurfaceError when
        the data does not fit the network."""
        def compute() -> BackwardPass:
            doc, net = self.document, self.network
            x, t = check_data(net, doc.data.inputs, doc.data.targets, doc.loss)
            with np.errstate(all="ignore"):
                return backward(net, x, t, doc.loss, penalty=doc.training.penalty)

        result = self._position.get(self._position_key(), "whole_data_gradient", compute)
        assert isinstance(result, BackwardPass)
        return result

    def curve_values(self, points: int = 300) -> tuple[np.ndarray, np.ndarray]:
        """For one input: ``points`` inputs across the data's range and the network's
        outputs there at the current parameters, ``(xs, ys)`` with ys (points, outputs);
        computed once per training position, like :meth:`plane_values`."""
        def compute() -> tuple[np.ndarray, np.ndarray]:
            xs = line_for(self.document.data, points)
            return xs, fitted_curve(self.network, xs)

        result = self._position.get(self._position_key(), f"curve{points}", compute)
        assert isinstance(result, tuple)
        return result

    def set_early_stopping(self, patience: int | None, restore_best: bool = True,
                           min_delta: float = 0.0) -> None:
        """Stop runs once the test loss has not improved for ``patience`` iterations (None:
        never), going back to the best iteration when ``restore_best``. EarlyStoppingError
        for a bad patience."""
        rule = None if patience is None else EarlyStopping(int(patience), float(min_delta))
        if rule == self.early_stopping and restore_best == self.restore_best:
            return
        self.early_stopping = rule
        self.restore_best = bool(restore_best)
        self._stepper.early_stopping = rule
        self.earlyStoppingChanged.emit()

    def go_to_best(self) -> bool:
        """Go back to the iteration of the lowest test loss, exactly as it was. Returns
        False when there is none (no test split)."""
        before = self._stepper.completed_iterations
        if not self._stepper.go_to_best():
            return False
        self.divergence_message = ""
        self._after_move(before, force=True)
        return True

    # --- files ---------------------------------------------------------------------------

    def load(self, path: str | Path) -> None:
        """Open a document file. Raises DocumentError (the current document is kept)."""
        doc = doc_io.load(path)
        self.set_document(doc, Path(path))

    def set_document(self, doc: Document, path: Path | None = None, *,
                     modified: bool = False) -> None:
        """Replace the document (not undoable: New and Open clear the undo stack). With
        ``modified`` it counts as unsaved until it is saved (a restored autosave)."""
        with self._replacing_document():
            self._set_document(doc, path, modified)

    def _set_document(self, doc: Document, path: Path | None, modified: bool) -> None:
        self._document = doc
        self._stepper = self._make_stepper(doc)
        self.early_stop_message = ""
        self.path = path
        self.undo_stack.clear()
        self.undo_stack.setClean()
        if modified:
            self.undo_stack.resetClean()  # no state of the stack is the saved one
        self._saved_params = doc.network.params.copy()
        self.divergence_message = ""
        self.selection = None
        self._emit_all()
        self.selectionChanged.emit(None)
        self.fileChanged.emit()

    def save(self, path: str | Path | None = None) -> None:
        """Save the current document (with trained parameters). Raises DocumentError."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise DocumentError("no file name to save to")
        doc_io.save(self.current_document(), target)
        self.path = target
        self._saved_params = self.params.copy()
        self.undo_stack.setClean()
        self.fileChanged.emit()

    # --- display settings ----------------------------------------------------------------

    def set_digits(self, digits: int) -> None:
        """Significant digits shown in numbers (1 to 15)."""
        digits = max(MIN_DIGITS, min(MAX_DIGITS, int(digits)))
        if digits != self.digits:
            self.digits = digits
            self.settingsChanged.emit()

    def set_sample(self, sample: int) -> None:
        """Which sample of the batch the canvas and derivations show."""
        sample = max(0, min(int(sample), self.backward.n_samples - 1))
        if sample != self.sample:
            self.sample = sample
            self.settingsChanged.emit()
            self.valuesChanged.emit()

    def select(self, element: Selection | str | None) -> None:
        """Select an element: a :data:`~simulator.app.selection.Selection`, or its name as
        the lesson writes it ("w5", "H1", "input:0"); None, "" or an element the network
        does not have clears the selection."""
        net = self._document.network
        if isinstance(element, str):
            element = parse_selection(net, element)
        elif element is not None and not element.exists(net):
            element = None
        if element != self.selection:
            self.selection = element
            self.selectionChanged.emit(element)

    # --- stepping ------------------------------------------------------------------------

    def step(self) -> bool:
        """Take one sub-step. Returns False if it diverged or there is nothing to do."""
        before = self._stepper.completed_iterations
        sub = self._stepper.step()
        if sub is None:
            self._report_divergence()
            return False
        self._after_move(before)
        return True

    def step_back(self) -> bool:
        """Undo one sub-step exactly. Returns False at the very start."""
        if not self._stepper.can_step_back:
            return False
        before = self._stepper.completed_iterations
        self._stepper.step_back()
        self.divergence_message = ""
        self._after_move(before)
        return True

    def finish_iteration(self) -> bool:
        """Complete the current iteration (or take a whole one)."""
        before = self._stepper.completed_iterations
        ok = self._stepper.finish_iteration()
        self._after_move(before)
        if not ok:
            self._report_divergence()
        return ok

    def run_iterations(self, count: int, stop_at_epoch_end: bool = False) -> RunResult:
        """Take ``count`` whole iterations at once (the runner calls this in slices). A
        run that early stopping halts (``result.halted``) goes back to the best iteration
        when :attr:`restore_best` is set, and ``stoppedEarly`` says so."""
        stepper = self._stepper
        before = stepper.completed_iterations
        t0 = time.perf_counter()
        result = stepper.run(count, stop_at_epoch_end)
        message = stepper.early_stop_message if result.halted else ""
        if message and self.restore_best:
            best = stepper.test_history.best
            if best is not None and best.iteration != stepper.completed_iterations \
                    and stepper.go_to_best():
                message += f" Went back to iteration {best.iteration}."
        self.last_run_seconds = time.perf_counter() - t0
        self.early_stop_message = message
        self._after_move(before, force=bool(message))
        if result.divergence is not None:
            self._report_divergence()
        if message:
            self.stoppedEarly.emit(message)
        return result

    def run_epoch(self) -> RunResult:
        """Run to the end of the current epoch."""
        return self.run_iterations(self.trainer.batches_per_epoch, stop_at_epoch_end=True)

    def reset_training(self) -> None:
        """Back to the document's parameters, with no step taken."""
        self._stepper.reset()
        self.divergence_message = ""
        self.early_stop_message = ""
        self.stepChanged.emit()
        self.valuesChanged.emit()
        self.historyChanged.emit()
        self.fileChanged.emit()

    def _after_move(self, completed_before: int, force: bool = False) -> None:
        self.stepChanged.emit()
        if force or self._stepper.completed_iterations != completed_before:
            self.valuesChanged.emit()
            self.historyChanged.emit()
            self.fileChanged.emit()

    def _report_divergence(self) -> None:
        div = self._stepper.divergence
        if div is not None:
            self.divergence_message = div.message
            self.diverged.emit(div.message)

    # --- editing -------------------------------------------------------------------------

    def edit(self, text: str, build: Callable[[Document], Document],
             merge_key: Hashable | None = None) -> bool:
        """Apply ``build`` (an edit of :mod:`simulator.engine.edits`) to the current document,
        with its current parameters, as one undo step named ``text``; returns whether it
        was applied.

        If ``build`` raises ValueError (the engine refuses the edit), nothing changes and
        ``editRefused`` carries "``text``: the reason" (the one report of a refusal).
        Commands with the same ``merge_key`` merge into one (one drag is one undo step).
        """
        if self._replacing:
            self.editRefused.emit(f"{text}: not applied, the document changed meanwhile "
                                  "(undo, redo or open)")
            return False
        try:
            new_doc = build(self.current_document())
        except ValueError as exc:
            reason = str(exc) or "that change is not possible"
            self.editRefused.emit(f"{text}: {reason}")
            return False
        after = Snapshot(new_doc, self._make_stepper(new_doc))
        before = Snapshot(self._document, self._stepper)
        self.undo_stack.push(DocumentCommand(text, before, after, self._restore, merge_key))
        return True

    def set_parameter(self, name: str, value: float, merge_key: Hashable | None = None) -> bool:
        """Set one weight or bias (an :meth:`edit`, worded the same from every view)."""
        return self.edit(f"Set {name} to {format_number(value, self.digits)}",
                         lambda d: edits.set_parameter(d, name, value), merge_key)

    def set_sample_value(self, which: str, row: int, column: int, value: float,
                         merge_key: Hashable | None = None) -> bool:
        """Set input (``which`` "inputs") or target ("targets") ``column`` of data-set row
        ``row`` (an :meth:`edit`, worded the same from every view: "Set T1 of sample 3 to
        0.5")."""
        symbol = f"{'x' if which == 'inputs' else 'T'}{column + 1}"
        return self.edit(f"Set {symbol} of sample {row + 1} to "
                         f"{format_number(value, self.digits)}",
                         lambda d: edits.set_sample_value(d, which, row, column, value),
                         merge_key)

    @contextlib.contextmanager
    def _replacing_document(self) -> Iterator[None]:
        self._replacing = True
        try:
            yield
        finally:
            self._replacing = False

    def _restore(self, snap: Snapshot) -> None:
        """Make ``snap`` current and tell the views (the undo commands call this)."""
        with self._replacing_document():
            self._restore_snapshot(snap)

    def _restore_snapshot(self, snap: Snapshot) -> None:
        old = self._document
        self._document = snap.document
        self._stepper = snap.stepper
        if snap.stepper.early_stopping != self.early_stopping:
            snap.stepper.early_stopping = self.early_stopping  # a setting of the session
        self.divergence_message = ""
        self.early_stop_message = ""
        if self.sample >= self.backward.n_samples:
            self.sample = 0
        structural = _structure_key(old) != _structure_key(snap.document)
        if structural:
            self._emit_all()
            kept = carry_over(self.selection, old.network, snap.document.network)
            if kept != self.selection:
                self.selection = kept
                self.selectionChanged.emit(kept)
        else:
            if old.training != snap.document.training:
                self.trainingConfigChanged.emit()
            self.valuesChanged.emit()
            self.stepChanged.emit()
            self.historyChanged.emit()
        self.fileChanged.emit()

    def _emit_all(self) -> None:
        self.structureChanged.emit()
        self.trainingConfigChanged.emit()
        self.valuesChanged.emit()
        self.stepChanged.emit()
        self.historyChanged.emit()

    def _make_stepper(self, doc: Document) -> Stepper:
        # The document's data with its test split, loss and training settings (penalty
        # included); the trainer applies the input features.
        stepper = Stepper(Trainer.for_document(doc))
        stepper.early_stopping = self.early_stopping
        return stepper


#: Plane points per forward pass: a product of 10^4 points by a layer's weights is past the
#: size at which OpenBLAS starts threads of its own, which on a busy machine made one
#: 100x100 plane of a 2-8-8-2 network take 10 ms; blocks of 2000 points take 1.
PLANE_BLOCK_POINTS = 2000


def _plane_values_in_blocks(network: Network, plane: Plane) -> PlaneValues:
    """:func:`~simulator.engine.boundary.plane_values`, a block of the plane's rows at a
    time (the same forward pass, so the same numbers)."""
    rows = max(1, PLANE_BLOCK_POINTS // max(1, plane.xs.size))
    if rows >= plane.ys.size:
        return compute_plane_values(network, plane)
    parts = [compute_plane_values(network, Plane(plane.xs, plane.ys[start:start + rows]))
             for start in range(0, plane.ys.size, rows)]
    layers = tuple(np.concatenate([p.layers[k] for p in parts], axis=0)
                   for k in range(len(parts[0].layers)))
    return PlaneValues(plane, layers)


def _out_of_range(title: str, div: Divergence) -> Explanation:
    """What a view shows instead of numbers that leave the finite, saveable range."""
    return Explanation(title, (
        Text("The numbers of this iteration cannot be shown: they leave the range the app "
             "computes in."),
        Text(div.message),
        Text("Change the parameters, the data or the learning rate, or re-initialise."),
    ))


def _structure_key(doc: Document) -> tuple[object, ...]:
    net = doc.network
    data = doc.data
    # Features count: X1^2 in place of X1 is another input neuron, with another name.
    return (net.input_size, net.features, net.layers, net.frozen, doc.loss, id(data),
            data.inputs.shape, data.targets.shape)


__all__ = ["Accuracy", "LabModel"]
