"""Accuracy: the fraction of samples a classifier gets right.

Accuracy applies to classification data only, recognised from the targets:

- one-hot targets (two or more columns, each row all 0 except one 1): a sample is right when
  the output with the largest value is the target's 1 (argmax; the first of equal outputs);
- one target column of 0s and 1s: a sample is right when the output is >= 0.5 exactly where
  the target is 1.

Anything else (regression targets such as the reference lesson's 0.05 and 0.82, several 0/1
columns that are not one-hot) has no accuracy: :func:`accuracy_applies` says so and
:func:`accuracy` returns None.
"""

from __future__ import annotations

import numpy as np

#: The output at or above which a single 0/1 output counts as class 1.
THRESHOLD = 0.5


def target_kind(targets: np.ndarray) -> str | None:
    """"one_hot", "binary" (one 0/1 column) or None (not classification data)."""
    t = np.asarray(targets)
    if t.ndim != 2 or t.shape[0] == 0:
        return None
    zero_one = np.all((t == 0.0) | (t == 1.0))
    if not zero_one:
        return None
    if t.shape[1] == 1:
        return "binary"
    if np.all(t.sum(axis=1) == 1.0):
        return "one_hot"
    return None


def accuracy_applies(targets: np.ndarray) -> bool:
    """Whether these targets are classification targets that accuracy is defined for."""
    return target_kind(targets) is not None


def correct(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray | None:
    """Per sample, whether the network's output gets the class right (a bool array), or None
    when accuracy does not apply to ``targets``."""
    kind = target_kind(targets)
    if kind is None:
        return None
    out = np.asarray(outputs, dtype=np.float64)
    t = np.asarray(targets)
    if out.shape != t.shape:
        raise ValueError(f"outputs have shape {out.shape} but targets {t.shape}")
    # A sample with a NaN output (a diverged network) is never counted right.
    valid = ~np.isnan(out).any(axis=1)
    if kind == "binary":
        return valid & ((out[:, 0] >= THRESHOLD) == (t[:, 0] == 1.0))
    return valid & (np.argmax(np.where(valid[:, None], out, 0.0), axis=1) == np.argmax(t, axis=1))


def accuracy(outputs: np.ndarray, targets: np.ndarray) -> float | None:
    """The fraction of samples classified right (0 to 1), or None when accuracy does not
    apply to ``targets``."""
    right = correct(outputs, targets)
    if right is None:
        return None
    return float(right.mean())


def predicted_class(outputs: np.ndarray) -> np.ndarray:
    """The class each output row stands for: output >= 0.5 for one output, else argmax."""
    out = np.asarray(outputs, dtype=np.float64)
    if out.shape[1] == 1:
        return (out[:, 0] >= THRESHOLD).astype(np.int64)
    return np.argmax(np.where(np.isnan(out), -np.inf, out), axis=1)
