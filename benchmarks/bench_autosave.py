"""Benchmark of autosave: does writing the largest document block the window?

Run it as a script (it is not a test)::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_autosave.py [--samples 100000]

It builds the largest document the limits allow in values (MAX_DATA_VALUES numbers of
data: a training and a test split of ``--samples`` rows of 9 inputs and 1 target, random
doubles written with 17 digits; 12 layers of 64 neurons) and autosaves it with
:class:`simulator.app.autosave.Autosaver` into a temporary folder while a 5 ms QTimer
ticks on the GUI thread, and measures:

- the GUI thread's share: the snapshot (``save_now``) and the largest gap between two
  ticks while the worker writes (a gap is time the window could not answer);
- the worker's time to encode and write the document, and the file's size;
- for comparison, the same with ``Document.to_json()`` (``json.dumps``, the C encoder) in
  a plain thread, which holds the interpreter for the whole encoding.

Target: no gap longer than 100 ms (the window keeps answering).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from simulator.app.autosave import Autosaver, RecoveryStore
from simulator.app.model import LabModel
from simulator.engine import limits
from simulator.engine.datasets import Dataset
from simulator.engine.document import Document
from simulator.engine.network import LayerSpec, Network
from simulator.engine.optimizers import TrainingConfig

TARGET_GAP_S = 0.100


def largest_document(samples: int) -> Document:
    rng = np.random.default_rng(0)
    inputs = 9
    hidden = [LayerSpec(limits.MAX_NEURONS, "sigmoid", "neuron")] * (limits.MAX_LAYERS - 2)
    layers = [*hidden, LayerSpec(1, "linear", "neuron")]
    net = Network.create(inputs, layers,
                         rng.normal(size=Network.count_parameters(inputs, layers)))
    x, t = rng.normal(size=(samples, inputs)), rng.normal(size=(samples, 1))
    return Document(net, "mse", TrainingConfig("sgd", batch_size=16), Dataset(x, t, x, t),
                    "Largest")


class GapProbe:
    """Ticks every 5 ms on the GUI thread and keeps the largest gap between ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.gap = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.gap = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gap = max(self.gap, now - self.last)
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        return self.gap


def run(samples: int) -> None:
    app = QApplication.instance() or QApplication([])
    doc = largest_document(samples)
    model = LabModel(doc)
    model.set_parameter(model.document.network.names[0], 0.5)  # something unsaved
    probe = GapProbe()
    with tempfile.TemporaryDirectory() as folder:
        saver = Autosaver(model, RecoveryStore(folder), delay_s=3600)
        done = threading.Event()
        saver.saved.connect(lambda _path: done.set())
        probe.start()
        t0 = time.perf_counter()
        saver.save_now()
        snapshot = time.perf_counter() - t0
        while not done.is_set():
            app.processEvents()
            time.sleep(0.001)
        gap = probe.stop()
        size = saver.path.stat().st_size
        print(f"Autosaver: snapshot on the GUI thread {snapshot * 1e3:.2f} ms; worker "
              f"{saver.last_seconds:.2f} s for {size / 1e6:.1f} MB; longest gap between "
              f"5 ms ticks while it wrote: {gap * 1e3:.0f} ms "
              f"({'ok' if gap <= TARGET_GAP_S else 'over'} the {TARGET_GAP_S * 1e3:.0f} ms "
              "target)")
        saver.close()

    finished = threading.Event()
    current = model.current_document()

    def naive() -> None:
        current.to_json()
        finished.set()

    probe.start()
    t0 = time.perf_counter()
    threading.Thread(target=naive).start()
    while not finished.is_set():
        app.processEvents()
        time.sleep(0.001)
    gap = probe.stop()
    print(f"For comparison, Document.to_json() in a thread: {time.perf_counter() - t0:.2f} s, "
          f"longest gap {gap * 1e3:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=limits.MAX_SAMPLES)
    args = parser.parse_args()
    run(args.samples)


if __name__ == "__main__":
    main()
