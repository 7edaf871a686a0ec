"""Training: batches, one optimizer step, runs of many steps, and divergence.

A :class:`TrainState` is an immutable snapshot (parameters, optimizer state, position in the
data). :class:`Trainer` turns one state into the next, deterministically: the shuffle of
epoch e is drawn from ``default_rng([seed, e])``, so any state can be recomputed exactly.

The trainer is given the data's inputs and applies the network's input features to them
once (see :mod:`simulator.engine.features`); its ``inputs`` are the network's inputs. The
loss it minimises is E = data loss + the weight penalty of its configuration (see
:mod:`simulator.engine.regularisation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .backprop import BackwardPass, _backward, forward, loss_value
from .features import network_inputs
from .metrics import accuracy as accuracy_of
from .network import Network
from .optimizers import OptimizerState, TrainingConfig, update
from .regularisation import Penalty

if TYPE_CHECKING:
    from .document import Document


@dataclass(frozen=True)
class TrainState:
    """Where training stands: parameters, optimizer state, and the next batch's place.

    ``iteration`` counts the optimizer steps taken; ``epoch`` and ``batch`` say which batch
    of which epoch comes next.
    """

    params: np.ndarray
    optimizer: OptimizerState
    iteration: int = 0
    epoch: int = 0
    batch: int = 0


@dataclass(frozen=True)
class Divergence:
    """Training stopped because a number stopped being finite."""

    iteration: int  # the step (1-based) that would have produced the non-finite value
    parameter: str  # the first parameter that became non-finite, or "loss"
    message: str


@dataclass(frozen=True)
class StepResult:
    """One optimizer step: the pass it was computed from and the state it leads to."""

    before: TrainState
    after: TrainState
    batch: np.ndarray  # indices of the samples in the batch
    backward: BackwardPass
    loss: float  # the batch loss before the step


@dataclass
class RunResult:
    """The outcome of several steps."""

    state: TrainState
    losses: list[float] = field(default_factory=list)
    divergence: Divergence | None = None
    steps: int = 0
    previous: TrainState | None = None  # the state before the last step taken
    halted: bool = False  # stopped because ``until`` said so (e.g. early stopping)


class Trainer:
    """Computes training steps for one network shape, data set, loss and configuration.

    ``inputs`` (and ``test_inputs``) are the data's inputs; the trainer's ``inputs`` and
    ``test_inputs`` attributes hold the network's inputs made from them (the same arrays
    when the network has no input features). The optional test split is used for
    :meth:`test_loss` and :meth:`test_accuracy` only, never for training.
    """

    def __init__(self, network: Network, inputs: np.ndarray, targets: np.ndarray, loss: str,
                 config: TrainingConfig, test_inputs: np.ndarray | None = None,
                 test_targets: np.ndarray | None = None) -> None:
        network.check_loss(loss)
        self.network = network
        self.inputs = np.ascontiguousarray(network_inputs(network, inputs), dtype=np.float64)
        self.targets = np.ascontiguousarray(targets, dtype=np.float64)
        self.loss = loss
        self.config = config
        penalty = config.penalty
        #: The weight penalty, or None when there is none (the step's fast path).
        self.penalty: Penalty | None = penalty if penalty.active else None
        self.test_inputs: np.ndarray | None = None
        self.test_targets: np.ndarray | None = None
        if test_inputs is not None and test_targets is not None:
            self.test_inputs = np.ascontiguousarray(network_inputs(network, test_inputs),
                                                    dtype=np.float64)
            self.test_targets = np.ascontiguousarray(test_targets, dtype=np.float64)
        self.mask = network.trainable_mask()
        # The mask the optimizer applies: None when nothing is frozen (nothing to mask).
        self._update_mask = self.mask if network.frozen else None
        self._order_cache: dict[int, np.ndarray] = {}
        self._scratch = network.copy()
        self._all = np.arange(self.inputs.shape[0])

    @classmethod
    def for_document(cls, doc: Document) -> Trainer:
        """A trainer for a document's network, data (with its test split), loss and
        training settings."""
        data = doc.data
        return cls(doc.network, data.inputs, data.targets, doc.loss, doc.training,
                   data.test_inputs, data.test_targets)

    @property
    def n_samples(self) -> int:
        """How many training samples there are."""
        return int(self.inputs.shape[0])

    @property
    def has_test(self) -> bool:
        """Whether the trainer has a test split."""
        return self.test_inputs is not None

    @property
    def batch_size(self) -> int:
        """Samples per batch: all of them for gd, else the configured size (capped)."""
        n = self.inputs.shape[0]
        if self.config.optimizer == "gd":
            return n
        return min(self.config.batch_size, n)

    @property
    def batches_per_epoch(self) -> int:
        """How many batches make an epoch (a last partial batch is one of its own)."""
        return -(-self.n_samples // self.batch_size)

    def initial_state(self, params: np.ndarray | None = None) -> TrainState:
        """The state before any training."""
        p = self.network.params if params is None else params
        return TrainState(np.array(p, dtype=np.float64), OptimizerState())

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The sample order of an epoch: shuffled from (seed, epoch) unless full-batch."""
        if self.batch_size >= self.n_samples:
            return self._all.copy()
        order = self._order_cache.get(epoch)
        if order is None:
            order = np.random.default_rng([self.config.seed, epoch]).permutation(self.n_samples)
            if len(self._order_cache) > 64:
                self._order_cache.clear()
            self._order_cache[epoch] = order
        return order

    def network_at(self, params: np.ndarray) -> Network:
        """A network holding ``params`` (a fresh copy)."""
        return self.network.with_params(params)

    def step(self, state: TrainState, keep: bool = True) -> StepResult:
        """Compute one optimizer step from ``state`` (which is left unchanged).

        With ``keep`` the result's backward pass owns its network, so its derivations stay
        valid; without it (fast runs) the network is a scratch copy reused by the next step.
        """
        size = self.batch_size
        n = self.inputs.shape[0]
        if keep:
            net = self.network.with_params(state.params)
        else:
            net = self._scratch
            net.params[:] = state.params
        if size >= n:  # the whole data set, in order
            idx = self._all.copy()
            X, T = self.inputs, self.targets
            batches = 1
        else:
            idx = self.epoch_order(state.epoch)[state.batch * size:(state.batch + 1) * size]
            X, T = self.inputs[idx], self.targets[idx]
            batches = -(-n // size)
        with np.errstate(all="ignore"):  # divergence is reported by check(), not warned
            bp = _backward(net, X, T, self.loss, self.penalty)
            params, opt = update(state.params, bp.grad, self._update_mask, self.config,
                                 state.optimizer)
        batch = state.batch + 1
        epoch = state.epoch
        if batch >= batches:
            batch, epoch = 0, epoch + 1
        after = TrainState(params, opt, state.iteration + 1, epoch, batch)
        return StepResult(state, after, idx, bp, bp.loss)

    def check(self, result: StepResult) -> Divergence | None:
        """A :class:`Divergence` if the step's loss, gradient or new parameters are not finite."""
        it = result.after.iteration
        if not np.isfinite(result.loss):
            return Divergence(it, "loss", f"Training diverged at step {it}: the loss is not a "
                              "finite number. Stopped at the last finite state.")
        bad = ~np.isfinite(result.after.params) | ~np.isfinite(result.backward.grad)
        if bad.any():
            name = self.network.names[int(np.argmax(bad))]
            return Divergence(it, name, f"Training diverged at step {it}: {name} is no longer "
                              "a finite number. Stopped at the last finite state.")
        return None

    def run(self, state: TrainState, steps: int, stop_at_epoch_end: bool = False,
            cancel: CancelFlag | None = None,
            record: Callable[[TrainState], None] | None = None,
            until: Callable[[TrainState], bool] | None = None) -> RunResult:
        """Take up to ``steps`` steps, stopping at divergence (keeping the last finite state),
        at an epoch's end when asked, when ``cancel`` is set, or when ``until`` returns True
        for a new state (after ``record``; the result is then ``halted``). ``record`` is
        called with every new state."""
        result = RunResult(state)
        for _ in range(steps):
            if cancel is not None and cancel.is_set():
                break
            res = self.step(result.state, keep=False)
            div = self.check(res)
            if div is not None:
                result.divergence = div
                break
            result.previous = result.state
            result.state = res.after
            result.losses.append(res.loss)
            if record is not None:
                record(res.after)
            result.steps += 1
            if until is not None and until(res.after):
                result.halted = True
                break
            if stop_at_epoch_end and res.after.batch == 0:
                break
        return result

    def dataset_loss(self, params: np.ndarray, inputs: np.ndarray | None = None,
                     targets: np.ndarray | None = None) -> float:
        """E over a whole data set (the training set by default; ``inputs`` are the data's
        inputs): its data loss plus the weight penalty."""
        X = self.inputs if inputs is None else network_inputs(self.network, inputs)
        T = self.targets if targets is None else targets
        self._scratch.params[:] = params
        return loss_value(self._scratch, X, T, self.loss, self.penalty)

    def data_loss(self, params: np.ndarray, inputs: np.ndarray | None = None,
                  targets: np.ndarray | None = None) -> float:
        """The data loss alone (without the weight penalty) over a whole data set."""
        X = self.inputs if inputs is None else network_inputs(self.network, inputs)
        T = self.targets if targets is None else targets
        self._scratch.params[:] = params
        return loss_value(self._scratch, X, T, self.loss)

    def test_loss(self, params: np.ndarray) -> float | None:
        """E over the test split (its data loss plus the weight penalty, as the training
        curve's losses are), or None without a test split."""
        if self.test_inputs is None or self.test_targets is None:
            return None
        self._scratch.params[:] = params
        return loss_value(self._scratch, self.test_inputs, self.test_targets, self.loss,
                          self.penalty)

    def outputs(self, params: np.ndarray, test: bool = False) -> np.ndarray | None:
        """The network's outputs on every training sample (or test sample with ``test``;
        None when there is no test split)."""
        X = self.test_inputs if test else self.inputs
        if X is None:
            return None
        self._scratch.params[:] = params
        return forward(self._scratch, X).output

    def accuracy(self, params: np.ndarray) -> float | None:
        """Training accuracy (see :mod:`~simulator.engine.metrics`), None when it does not
        apply to the targets."""
        out = self.outputs(params)
        return None if out is None else accuracy_of(out, self.targets)

    def test_accuracy(self, params: np.ndarray) -> float | None:
        """Test accuracy, None without a test split or when accuracy does not apply."""
        out = self.outputs(params, test=True)
        if out is None or self.test_targets is None:
            return None
        return accuracy_of(out, self.test_targets)


class CancelFlag:
    """A flag a long run checks between steps; set it from anywhere to stop the run."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        """Ask the run to stop."""
        self._set = True

    def is_set(self) -> bool:
        """Whether a stop was asked."""
        return self._set
