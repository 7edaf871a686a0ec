"""Running several optimizers from the same start, so that their paths can be drawn on one
surface (:func:`compare_optimizers`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from ..network import Network
from ..optimizers import OPTIMIZER_NAMES, OptimizerError, TrainingConfig
from ..training import Trainer
from .spec import SurfaceError, check_data


def compare_optimizers(network: Network, inputs: ArrayLike, targets: ArrayLike, loss: str,
                       base_config: TrainingConfig, steps: int,
                       optimizers: Iterable[str] = OPTIMIZER_NAMES,
                       configs: Mapping[str, TrainingConfig] | None = None
                       ) -> dict[str, np.ndarray]:
    """Run each optimizer from the network's current parameters for ``steps`` steps.

    Each uses ``base_config`` with its optimizer swapped in (its learning rate, batch size,
    seed, weight penalty and hyper-parameters otherwise), unless ``configs`` gives one for
    it. ``inputs`` are the data's inputs (the trainers apply the network's features).
    Returns, per optimizer, the parameters before and after every step, (steps + 1, P),
    starting with the current ones; a run that diverges stops at its last finite state, so
    its array is shorter. The steps are :class:`~simulator.engine.training.Trainer` steps exactly.
    """
    if (not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0):
        raise SurfaceError(f"the number of steps must be a whole number of at least 0, "
                           f"not {steps!r}")
    check_data(network, inputs, targets, loss)  # one message for data that does not fit
    paths: dict[str, np.ndarray] = {}
    for name in optimizers:
        if name not in OPTIMIZER_NAMES:
            raise SurfaceError(f"unknown optimizer '{name}' (known: "
                               f"{', '.join(OPTIMIZER_NAMES)})")
        try:
            config = (configs or {}).get(name) or base_config.with_changes(optimizer=name)
        except OptimizerError as exc:
            raise SurfaceError(str(exc)) from None
        if config.optimizer != name:
            raise SurfaceError(f"the configuration given for {name} uses {config.optimizer}")
        # The trainer gets the data's inputs: it applies the input features itself.
        paths[name] = _run(Trainer(network, np.asarray(inputs, dtype=np.float64),
                                   np.asarray(targets, dtype=np.float64), loss, config),
                           int(steps))
    return paths


def _run(trainer: Trainer, steps: int) -> np.ndarray:
    """The parameters before and after each of ``steps`` steps, (steps + 1, P) (fewer rows
    when the run diverges)."""
    state = trainer.initial_state()
    rows = [state.params.copy()]
    trainer.run(state, steps, record=lambda s: rows.append(s.params.copy()))
    return np.array(rows)
