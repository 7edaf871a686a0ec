"""Background jobs of the surface view: slice grids and optimizer comparisons.

Jobs run on a QThreadPool owned by the controller (one thread, so jobs run one after
another). A job holds only snapshots (a network copy, the data arrays); it never touches the
model or a widget. Results come back through :class:`JobSignals`, a QObject living on the
GUI thread, so its slots run there (queued connection).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, Signal

from ...engine.surface import CompareJob, SliceJob, run_compare, run_job


class JobSignals(QObject):
    """Carries results from the worker thread to the GUI thread."""

    sliceResult = Signal(object)  # SliceResult
    compareResult = Signal(object)  # CompareResult


class SliceRunnable(QRunnable):
    """Runs one :class:`~simulator.engine.surface.SliceJob`."""

    def __init__(self, job: SliceJob, signals: JobSignals) -> None:
        super().__init__()
        self._job = job
        self._signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        run_job(self._job, self._signals.sliceResult.emit)


class CompareRunnable(QRunnable):
    """Runs one :class:`~simulator.engine.surface.CompareJob`."""

    def __init__(self, job: CompareJob, signals: JobSignals) -> None:
        super().__init__()
        self._job = job
        self._signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        self._signals.compareResult.emit(run_compare(self._job))
