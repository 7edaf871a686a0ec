"""Background jobs of the surface view: slice grids and optimizer comparisons.

Jobs run on a QThreadPool owned by the controller (one thread, so jobs run one after
another). A job holds only snapshots (a network copy, the data arrays); it never touches the
model or a widget. Results come back through :class:`JobSignals`, a QObject living on the
GUI thread, so its slots run there (queued connection).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Signal

from ...engine import surface as engine_surface
from ...engine.network import Network
from ...engine.optimizers import TrainingConfig
from ...engine.training import CancelFlag
from .slicing import SliceJob, SliceSpec, run_job, slice_heights


class JobSignals(QObject):
    """Carries results from the worker thread to the GUI thread."""

    sliceResult = Signal(object)  # SliceResult
    compareResult = Signal(object)  # CompareResult


class SliceRunnable(QRunnable):
    """Runs one :class:`~simulator.app.surface.slicing.SliceJob`."""

    def __init__(self, job: SliceJob, signals: JobSignals) -> None:
        super().__init__()
        self._job = job
        self._signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        run_job(self._job, self._signals.sliceResult.emit)


@dataclass(frozen=True, eq=False)
class CompareJob:
    """Run GD, SGD, momentum and Adam from the same start (a snapshot)."""

    epoch: int
    network: Network
    inputs: np.ndarray
    targets: np.ndarray
    loss: str
    config: TrainingConfig
    steps: int
    spec: SliceSpec | None = None  # the drawn slice: the paths' heights are computed on it
    cancel: CancelFlag = field(default_factory=CancelFlag)


@dataclass(frozen=True, eq=False)
class CompareResult:
    """Per optimizer, the parameters before and after every step, (steps + 1, P), and
    their heights on ``spec`` (keys = step numbers)."""

    epoch: int
    paths: dict[str, np.ndarray]
    spec: SliceSpec | None = None
    point_z: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""
    cancelled: bool = False


class CompareRunnable(QRunnable):
    """Runs one :class:`CompareJob` with :func:`simulator.engine.surface.compare_optimizers`."""

    def __init__(self, job: CompareJob, signals: JobSignals) -> None:
        super().__init__()
        self._job = job
        self._signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        job = self._job
        start = time.perf_counter()
        if job.cancel.is_set():
            self._signals.compareResult.emit(CompareResult(job.epoch, {}, cancelled=True))
            return
        try:
            paths = engine_surface.compare_optimizers(job.network, job.inputs, job.targets,
                                                      job.loss, job.config, job.steps)
            heights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            if job.spec is not None and job.spec.centre.size == job.network.params.size:
                sets = {name: (np.arange(rows.shape[0]), rows) for name, rows in paths.items()}
                heights = slice_heights(SliceJob(0, job.epoch, job.spec,
                                                 job.network.with_params(job.spec.centre),
                                                 job.inputs, job.targets, job.loss, sets,
                                                 cancel=job.cancel))
            result = CompareResult(job.epoch, paths, job.spec, heights,
                                   time.perf_counter() - start,
                                   cancelled=job.cancel.is_set())
        except Exception as exc:  # reported to the user, never raised in the worker thread
            message = str(exc) if isinstance(exc, ValueError) else \
                f"{type(exc).__name__}: {exc}"
            result = CompareResult(job.epoch, {}, time.perf_counter() - start, error=message)
        self._signals.compareResult.emit(result)
