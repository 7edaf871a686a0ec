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

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .backprop import BackwardPass, _backward, forward, loss_value
from .features import network_inputs
from .limits import MAX_ABS_INTERMEDIATE, MAX_ABS_VALUE
from .metrics import accuracy as accuracy_of
from .network import Network
from .numbers import format_number
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
    """Training stopped because a step would leave the finite, saveable range: a parameter
    would pass :data:`~simulator.engine.limits.MAX_ABS_VALUE`, or a number the step computes
    (a neuron's net input, the loss, a derivative, a gradient) would pass
    :data:`~simulator.engine.limits.MAX_ABS_INTERMEDIATE` or stop being finite."""

    iteration: int  # the step (1-based) that would have produced the value
    parameter: str  # the parameter or neuron it belongs to, or "loss"
    message: str
    kind: str = "parameter"  # "parameter", "gradient", "neuron" or "loss"


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
        """A :class:`Divergence` if the step leaves the range: its pass (see
        :meth:`check_pass`) or its new parameters (see :meth:`check_update`)."""
        return self.check_pass(result.backward, result.after.iteration) or \
            self.check_update(result)

    def check_pass(self, bp: BackwardPass, iteration: int) -> Divergence | None:
        """A :class:`Divergence` if a number of the forward and backward pass ``bp`` (of
        step ``iteration``) is not finite or passes
        :data:`~simulator.engine.limits.MAX_ABS_INTERMEDIATE`.

        Checked: every neuron's net input, the loss of every sample, dE/dout of every
        neuron, the output layer's dE/dnet and the gradient. That bounds every number a
        sub-step shows: an output is at most its net input (or 1), dout/dnet is at most 1,
        a hidden dE/dnet is at most its dE/dout, and a product of three checked numbers is
        finite.
        """
        watched = [*bp.forward.nets, *(g for g in bp.d_out if g is not None), bp.delta[-1],
                   bp.per_sample_loss, bp.grad]
        if abs(bp.loss) <= MAX_ABS_INTERMEDIATE and _within(watched, MAX_ABS_INTERMEDIATE):
            return None
        return self._find_culprit(bp, iteration)

    def _find_culprit(self, bp: BackwardPass, it: int) -> Divergence:
        """Which number of the pass left the range first, in the order it was computed."""
        net = self.network
        lim = MAX_ABS_INTERMEDIATE

        def first(arr: np.ndarray) -> tuple[int, int, float] | None:
            bad = ~(np.abs(arr) <= lim)
            if not bad.any():
                return None
            sample, j = (int(i) for i in np.argwhere(bad.reshape(arr.shape[0], -1))[0])
            return sample, j, float(arr.reshape(arr.shape[0], -1)[sample, j])

        for k, a in enumerate(bp.forward.nets):
            hit = first(a)
            if hit is not None:
                neuron = net.neurons[k + 1][hit[1]]
                return _diverged(it, neuron, "neuron", f"the net input of {neuron}"
                                 f"{_for_sample(bp, hit[0])}", hit[2], lim)
        hit = first(bp.per_sample_loss.reshape(-1, 1))
        if hit is not None:
            return _diverged(it, "loss", "loss", f"the loss{_for_sample(bp, hit[0])}", hit[2],
                             lim)
        if not abs(bp.loss) <= lim:
            return _diverged(it, "loss", "loss", "the loss", bp.loss, lim)
        for k in range(len(net.layers) - 1, -1, -1):
            for what, arr in (("dE/dout", bp.d_out[k]), ("dE/dnet", bp.delta[k])):
                hit = first(arr) if arr is not None else None
                if hit is not None:
                    neuron = net.neurons[k + 1][hit[1]]
                    return _diverged(it, neuron, "neuron", f"{what} of {neuron}"
                                     f"{_for_sample(bp, hit[0])}", hit[2], lim)
        hit = first(bp.grad[None, :])
        assert hit is not None, "a number passed the limit, so one of them is out of range"
        name = net.names[hit[1]]
        return _diverged(it, name, "gradient", f"the gradient dE/d{name}", hit[2], lim)

    def check_update(self, result: StepResult) -> Divergence | None:
        """A :class:`Divergence` if a parameter after the step is not finite or passes
        :data:`~simulator.engine.limits.MAX_ABS_VALUE` (a document could not hold it)."""
        params = result.after.params
        if np.abs(params).max() <= MAX_ABS_VALUE:
            return None
        bad = ~(np.abs(params) <= MAX_ABS_VALUE)
        i = int(np.argmax(bad))
        name = self.network.names[i]
        return _diverged(result.after.iteration, name, "parameter", name, float(params[i]),
                         MAX_ABS_VALUE)

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
        with np.errstate(all="ignore"):  # an overflow shows as inf, never as a warning
            return loss_value(self._scratch, X, T, self.loss, self.penalty)

    def data_loss(self, params: np.ndarray, inputs: np.ndarray | None = None,
                  targets: np.ndarray | None = None) -> float:
        """The data loss alone (without the weight penalty) over a whole data set."""
        X = self.inputs if inputs is None else network_inputs(self.network, inputs)
        T = self.targets if targets is None else targets
        self._scratch.params[:] = params
        with np.errstate(all="ignore"):  # an overflow shows as inf, never as a warning
            return loss_value(self._scratch, X, T, self.loss)

    def test_loss(self, params: np.ndarray) -> float | None:
        """E over the test split (its data loss plus the weight penalty, as the training
        curve's losses are), or None without a test split."""
        if self.test_inputs is None or self.test_targets is None:
            return None
        self._scratch.params[:] = params
        with np.errstate(all="ignore"):  # an overflow shows as inf, never as a warning
            return loss_value(self._scratch, self.test_inputs, self.test_targets, self.loss,
                              self.penalty)

    def outputs(self, params: np.ndarray, test: bool = False) -> np.ndarray | None:
        """The network's outputs on every training sample (or test sample with ``test``;
        None when there is no test split)."""
        X = self.test_inputs if test else self.inputs
        if X is None:
            return None
        self._scratch.params[:] = params
        with np.errstate(all="ignore"):
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


def _within(arrays: list[np.ndarray], limit: float) -> bool:
    """Whether every number of ``arrays`` is finite and at most ``limit`` in magnitude.
    Small arrays (a lesson's network) are checked in one go; large ones one by one, with
    no copy (NaN fails every comparison)."""
    # No np.errstate here (entering one costs more than the check): abs, min, max and
    # comparisons never warn, not even on NaN or inf.
    if sum(a.size for a in arrays) <= 4096:
        return bool(np.abs(np.concatenate(arrays, axis=None)).max() <= limit)
    return all(a.min() >= -limit and a.max() <= limit for a in arrays)


def _for_sample(bp: BackwardPass, sample: int) -> str:
    return f" for sample {sample + 1} of the batch" if bp.n_samples > 1 else ""


def _diverged(iteration: int, name: str, kind: str, what: str, value: float,
              limit: float) -> Divergence:
    if math.isfinite(value):
        verdict = f"would be {format_number(value)}, past the limit of {format_number(limit)}"
    else:
        verdict = "would no longer be a finite number"
    return Divergence(iteration, name, f"Training diverged at step {iteration}: {what} "
                      f"{verdict}. Stopped at the last state inside the limits.", kind)

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
