"""Training data for Backprop Lab: built-in toy datasets and CSV import/export.

Everything here is pure NumPy plus the standard library.  All generators are
deterministic given their ``seed`` (they use ``np.random.default_rng(seed)``).

Problems with user input (bad parameters, broken CSV files) are reported as a
:class:`DatasetError` whose message is one clear, user-facing line.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from .files import UnreadableFile, open_regular
from .limits import (
    MAX_ABS_VALUE,
    MAX_CSV_BYTES,
    MAX_CSV_COLUMNS,
    MAX_CSV_LINE_LENGTH,
    MAX_CSV_ROWS,
    MAX_DATA_VALUES,
    MAX_NAME_LENGTH,
    MAX_NOISE,
    MAX_SAMPLES,
    MAX_SEED,
    MAX_TEST_FRACTION,
)
from .text import printable

__all__ = [
    "CLASSIFICATION_KINDS",
    "GENERATORS",
    "KINDS",
    "MAX_SAMPLES",
    "MAX_TEST_FRACTION",
    "Dataset",
    "DatasetError",
    "classification",
    "csv_columns",
    "load_csv",
    "make",
    "reference_sample",
    "regenerate",
    "regression_sine",
    "to_csv",
    "xor",
]

FloatArray = npt.NDArray[np.float64]

# MAX_SAMPLES (the most samples a generator produces) and MAX_TEST_FRACTION (the largest
# fraction of samples held out as a test split) live in limits.py with every other bound.

# Geometry of the generated 2-D classification sets (all inside [-1, 1] before jitter).
CIRCLE_DISC_RADIUS = 0.4  # class 0: uniform over the disc of this radius
CIRCLE_RING_INNER = 0.6  # class 1: uniform over the ring between these radii
CIRCLE_RING_OUTER = 0.9
QUADRANT_MIN = 0.1  # quadrants: |x| and |y| uniform in [QUADRANT_MIN, QUADRANT_MAX]
QUADRANT_MAX = 0.9
GAUSSIAN_CENTER = 0.5  # class 0 centred at (-c, -c), class 1 at (+c, +c)
GAUSSIAN_STD = 0.18  # intrinsic spread of each blob (noise is added on top)
SPIRAL_MAX_RADIUS = 0.9  # radius grows linearly with the curve parameter t in [0, 1]
SPIRAL_TURNS = 1.75  # full turns made by each spiral
# The arms of the two spirals are SPIRAL_MAX_RADIUS / SPIRAL_TURNS / 2 = 0.26 apart, so a
# jitter of 0.1 (the other kinds' default) blurs them into one cloud (a point's nearest
# neighbour is of the other class 28 % of the time); 0.03 keeps the spiral visible (under 2 %).
SPIRAL_NOISE = 0.03
#: The noise each generated kind gets when none is given.
DEFAULT_NOISE: dict[str, float] = {"circle": 0.1, "xor": 0.1, "quadrants": 0.1, "gaussian": 0.1,
                                   "spiral": SPIRAL_NOISE, "moons": 0.1, "sine": 0.05}
MOONS_SCALE = 1.5  # sklearn-style moons divided by this after centring ...
MOONS_SHIFT = (0.5, 0.25)  # ... by this, so that x spans [-1, 1] and y [-0.5, 0.5]


class DatasetError(ValueError):
    """A dataset could not be built or loaded; the message is meant for the user."""


# --------------------------------------------------------------------------- Dataset


def _as_matrix(value: object, what: str) -> FloatArray:
    """Convert ``value`` to a read-only, finite, 2-D float64 array or raise DatasetError."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{what} must be a 2-D table of numbers ({exc})") from None
    if raw.dtype.kind == "c":
        raise DatasetError(f"{what} must contain real numbers, not complex ones")
    if raw.dtype.kind not in "biuf":
        try:
            raw = raw.astype(np.float64)
        except (TypeError, ValueError):
            raise DatasetError(f"{what} must contain only numbers") from None
    if raw.ndim != 2:
        raise DatasetError(
            f"{what} must be 2-D (samples x columns), but has shape {tuple(raw.shape)}"
        )
    if raw.shape[0] < 1:
        raise DatasetError(f"{what} must contain at least one sample")
    if raw.shape[1] < 1:
        raise DatasetError(f"{what} must have at least one column")
    array = np.array(raw, dtype=np.float64, copy=True)
    if not np.all(np.isfinite(array)):
        row, col = (int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise DatasetError(
            f"{what} contains a non-finite value ({array[row, col]}) "
            f"at sample {row + 1}, column {col + 1}"
        )
    array.setflags(write=False)
    return array


def _as_names(value: object, what: str, width: int) -> tuple[str, ...]:
    """Validate a tuple of column names: empty, or one string per column."""
    if isinstance(value, str):
        raise DatasetError(f"{what} must be a sequence of strings, not a single string")
    if not isinstance(value, Iterable):
        raise DatasetError(f"{what} must be a sequence of strings")
    names: tuple[object, ...] = tuple(value)
    strings = tuple(name for name in names if isinstance(name, str))
    if len(strings) != len(names):
        raise DatasetError(f"{what} must contain only strings")
    if strings and len(strings) != width:
        raise DatasetError(f"{what} has {len(strings)} names but there are {width} columns")
    return strings


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs (n, d_in) and targets (n, d_out), float64, with optional held-out test split.

    The arrays are converted to float64 copies and made read-only, so a Dataset
    really is immutable.  ``input_names``/``target_names`` are either empty or
    give one name per column.  Equality is identity (arrays have no sensible ``==``).
    """

    inputs: FloatArray
    targets: FloatArray
    test_inputs: FloatArray | None = None
    test_targets: FloatArray | None = None
    name: str = ""
    input_names: tuple[str, ...] = ()  # e.g. ("x1", "x2") or CSV column names
    target_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        inputs = _as_matrix(self.inputs, "inputs")
        targets = _as_matrix(self.targets, "targets")
        if inputs.shape[0] != targets.shape[0]:
            raise DatasetError(
                f"inputs have {inputs.shape[0]} samples but targets have {targets.shape[0]}"
            )
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "targets", targets)

        if (self.test_inputs is None) != (self.test_targets is None):
            raise DatasetError("test_inputs and test_targets must be given together")
        if self.test_inputs is not None:
            test_inputs = _as_matrix(self.test_inputs, "test inputs")
            test_targets = _as_matrix(self.test_targets, "test targets")
            if test_inputs.shape[0] != test_targets.shape[0]:
                raise DatasetError(
                    f"test inputs have {test_inputs.shape[0]} samples "
                    f"but test targets have {test_targets.shape[0]}"
                )
            if test_inputs.shape[1] != inputs.shape[1]:
                raise DatasetError(
                    f"test inputs have {test_inputs.shape[1]} columns "
                    f"but inputs have {inputs.shape[1]}"
                )
            if test_targets.shape[1] != targets.shape[1]:
                raise DatasetError(
                    f"test targets have {test_targets.shape[1]} columns "
                    f"but targets have {targets.shape[1]}"
                )
            object.__setattr__(self, "test_inputs", test_inputs)
            object.__setattr__(self, "test_targets", test_targets)

        if not isinstance(self.name, str):
            raise DatasetError("the dataset name must be a string")
        object.__setattr__(
            self, "input_names", _as_names(self.input_names, "input_names", inputs.shape[1])
        )
        object.__setattr__(
            self, "target_names", _as_names(self.target_names, "target_names", targets.shape[1])
        )

    @property
    def n_samples(self) -> int:
        """Number of training samples."""
        return int(self.inputs.shape[0])

    @property
    def n_inputs(self) -> int:
        """Number of input columns (d_in)."""
        return int(self.inputs.shape[1])

    @property
    def n_outputs(self) -> int:
        """Number of target columns (d_out)."""
        return int(self.targets.shape[1])

    @property
    def has_test(self) -> bool:
        """True when a held-out test split is present."""
        return self.test_inputs is not None

    @property
    def n_test(self) -> int:
        """Number of held-out test samples (0 when there is no test split)."""
        return 0 if self.test_inputs is None else int(self.test_inputs.shape[0])

    def column_names(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Input and target names, falling back to x1, x2, ... and t1, t2, ... when unset."""
        inputs = self.input_names or tuple(f"x{i + 1}" for i in range(self.n_inputs))
        targets = self.target_names or tuple(f"t{i + 1}" for i in range(self.n_outputs))
        return inputs, targets


# --------------------------------------------------------------------------- validation


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise DatasetError(f"the number of samples must be a whole number, not {n!r}")
    value = int(n)
    if not 1 <= value <= MAX_SAMPLES:
        raise DatasetError(
            f"the number of samples must be between 1 and {MAX_SAMPLES}, not {value}"
        )
    return value


def _check_real(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DatasetError(f"{what} must be a number, not {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise DatasetError(f"{what} must be a finite number, not {result}")
    return result


def _check_noise(noise: object) -> float:
    value = _check_real(noise, "noise")
    if not 0 <= value <= MAX_NOISE:
        raise DatasetError(f"noise must be between 0 and {MAX_NOISE:g}, not {value}")
    return value


def _check_test_fraction(test_fraction: object) -> float:
    value = _check_real(test_fraction, "the test fraction")
    if not 0.0 <= value <= MAX_TEST_FRACTION:
        raise DatasetError(
            f"the test fraction must be between 0 and {MAX_TEST_FRACTION}, not {value}"
        )
    return value


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or \
            not 0 <= int(seed) <= MAX_SEED:
        raise DatasetError(f"the seed must be a whole number from 0 to {MAX_SEED}, not "
                           f"{printable(repr(seed), 40)}")
    return int(seed)


def _test_count(n: int, test_fraction: float) -> int:
    """How many of ``n`` samples go to the test split (always leaves >= 1 for training)."""
    count = math.floor(n * test_fraction + 1e-9)
    return min(count, n - 1)


def _split(
    inputs: FloatArray,
    targets: FloatArray,
    test_fraction: float,
    rng: np.random.Generator,
    *,
    shuffle: bool,
) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray | None]:
    """Optionally shuffle, then move the last ``test_fraction`` of the rows to a test split."""
    n = inputs.shape[0]
    if shuffle:
        order = rng.permutation(n)
        inputs, targets = inputs[order], targets[order]
    n_test = _test_count(n, test_fraction)
    if n_test == 0:
        return inputs, targets, None, None
    cut = n - n_test
    return inputs[:cut], targets[:cut], inputs[cut:], targets[cut:]


# --------------------------------------------------------------------------- fixed sets


def reference_sample() -> Dataset:
    """The single worked-example sample: inputs [[0.95, 0.06]], targets [[0.05, 0.82]]."""
    return Dataset(
        inputs=np.array([[0.95, 0.06]]),
        targets=np.array([[0.05, 0.82]]),
        name="reference",
        input_names=("x1", "x2"),
        target_names=("t1", "t2"),
    )


def xor() -> Dataset:
    """The four points of boolean XOR: inputs (4, 2) in {0, 1}, targets (4, 1)."""
    return Dataset(
        inputs=np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
        targets=np.array([[0.0], [1.0], [1.0], [0.0]]),
        name="xor",
        input_names=("x1", "x2"),
        target_names=("y",),
    )


# --------------------------------------------------------------------------- 2-D classification


def _circle(rng: np.random.Generator, n0: int, n1: int) -> tuple[FloatArray, FloatArray]:
    # Uniform over area: r = sqrt(uniform(r_lo^2, r_hi^2)).
    r0 = CIRCLE_DISC_RADIUS * np.sqrt(rng.uniform(0.0, 1.0, n0))
    r1 = np.sqrt(rng.uniform(CIRCLE_RING_INNER**2, CIRCLE_RING_OUTER**2, n1))
    a0 = rng.uniform(0.0, 2.0 * np.pi, n0)
    a1 = rng.uniform(0.0, 2.0 * np.pi, n1)
    points0 = np.column_stack([r0 * np.cos(a0), r0 * np.sin(a0)])
    points1 = np.column_stack([r1 * np.cos(a1), r1 * np.sin(a1)])
    return points0, points1


def _quadrants(rng: np.random.Generator, n0: int, n1: int) -> tuple[FloatArray, FloatArray]:
    # Class 0: x and y have the same sign (quadrants I, III); class 1: opposite signs.
    def draw(count: int, same_sign: bool) -> FloatArray:
        magnitude = rng.uniform(QUADRANT_MIN, QUADRANT_MAX, (count, 2))
        sx: FloatArray = np.where(rng.random(count) < 0.5, -1.0, 1.0)
        sy = sx if same_sign else -sx
        return magnitude * np.column_stack([sx, sy])

    return draw(n0, True), draw(n1, False)


def _gaussian(rng: np.random.Generator, n0: int, n1: int) -> tuple[FloatArray, FloatArray]:
    c = GAUSSIAN_CENTER
    points0 = rng.normal(-c, GAUSSIAN_STD, (n0, 2))
    points1 = rng.normal(c, GAUSSIAN_STD, (n1, 2))
    return points0, points1


def _spiral(rng: np.random.Generator, n0: int, n1: int) -> tuple[FloatArray, FloatArray]:
    # Radius r = SPIRAL_MAX_RADIUS * t, angle = 2 pi SPIRAL_TURNS t (+ pi for class 1).
    # t = sqrt(u) for uniform u spreads the points evenly along each arm (the arm's length
    # grows like t^2), instead of crowding them into the centre where the arms meet.
    def draw(count: int, phase: float) -> FloatArray:
        t = np.sqrt(rng.uniform(0.0, 1.0, count))
        radius = SPIRAL_MAX_RADIUS * t
        angle = 2.0 * np.pi * SPIRAL_TURNS * t + phase
        return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])

    return draw(n0, 0.0), draw(n1, np.pi)


def _moons(rng: np.random.Generator, n0: int, n1: int) -> tuple[FloatArray, FloatArray]:
    # As sklearn.datasets.make_moons, then centred and scaled into [-1, 1] x [-0.5, 0.5].
    a0 = rng.uniform(0.0, np.pi, n0)
    a1 = rng.uniform(0.0, np.pi, n1)
    outer = np.column_stack([np.cos(a0), np.sin(a0)])
    inner = np.column_stack([1.0 - np.cos(a1), 0.5 - np.sin(a1)])
    shift = np.array(MOONS_SHIFT)
    return (outer - shift) / MOONS_SCALE, (inner - shift) / MOONS_SCALE


_SHAPES: dict[str, Callable[[np.random.Generator, int, int], tuple[FloatArray, FloatArray]]] = {
    "circle": _circle,
    "xor": _quadrants,
    "gaussian": _gaussian,
    "spiral": _spiral,
    "moons": _moons,
}
_SHAPE_ALIASES = {"quadrants": "xor"}

#: Kinds accepted by :func:`classification` ("quadrants" is also accepted as a synonym of "xor").
CLASSIFICATION_KINDS: tuple[str, ...] = tuple(_SHAPES)


def classification(
    kind: str,
    n: int = 200,
    noise: float | None = None,
    seed: int = 0,
    test_fraction: float = 0.0,
    one_hot: bool = False,
) -> Dataset:
    """Generate a two-class problem in the plane.

    ``kind`` is one of:

    * ``"circle"``: class 0 fills a disc of radius 0.4, class 1 a ring with radii 0.6-0.9;
    * ``"xor"`` (or ``"quadrants"``): class 0 where x and y have the same sign,
      class 1 where they differ (|x|, |y| in [0.1, 0.9]);
    * ``"gaussian"``: two blobs (std 0.18) centred at (-0.5, -0.5) and (0.5, 0.5);
    * ``"spiral"``: two interleaved spirals (radius up to 0.9, 1.75 turns, points spread
      evenly along the arms);
    * ``"moons"``: two interleaving half-moons (sklearn's ``make_moons``, scaled into
      [-1, 1] x [-0.5, 0.5]).

    Class 0 gets ``n // 2`` samples and class 1 the rest.  ``noise`` is the standard
    deviation of Gaussian jitter added to every input coordinate (labels are not
    changed); by default the kind's own (:data:`DEFAULT_NOISE`: 0.1, and 0.03 for the
    spiral, whose arms are closer together).  Samples are shuffled; ``test_fraction``
    of them (rounded down) are held out as ``test_inputs``/``test_targets``.  Targets
    are labels 0/1 of shape (n, 1), or one-hot of shape (n, 2) (column k is 1 for class
    k) when ``one_hot``.
    """
    if not isinstance(kind, str) or _SHAPE_ALIASES.get(kind, kind) not in _SHAPES:
        known = ", ".join(CLASSIFICATION_KINDS)
        raise DatasetError(f"unknown classification kind {kind!r}; known kinds: {known}")
    shape = _SHAPES[_SHAPE_ALIASES.get(kind, kind)]
    count = _check_n(n)
    jitter = _check_noise(DEFAULT_NOISE[kind] if noise is None else noise)
    fraction = _check_test_fraction(test_fraction)
    rng = np.random.default_rng(_check_seed(seed))

    n0 = count // 2
    n1 = count - n0
    points0, points1 = shape(rng, n0, n1)
    inputs = np.concatenate([points0, points1]).astype(np.float64)
    if jitter > 0:
        inputs = inputs + rng.normal(0.0, jitter, inputs.shape)
    labels = np.concatenate([np.zeros(n0), np.ones(n1)])
    if one_hot:
        targets = np.column_stack([1.0 - labels, labels])
        target_names: tuple[str, ...] = ("class 0", "class 1")
    else:
        targets = labels[:, None]
        target_names = ("class",)

    train_x, train_t, test_x, test_t = _split(inputs, targets, fraction, rng, shuffle=True)
    return Dataset(
        inputs=train_x,
        targets=train_t,
        test_inputs=test_x,
        test_targets=test_t,
        name=kind,
        input_names=("x1", "x2"),
        target_names=target_names,
    )


# --------------------------------------------------------------------------- regression


def regression_sine(
    n: int = 100, noise: float = 0.05, seed: int = 0, test_fraction: float = 0.0
) -> Dataset:
    """Noisy sine: x uniform in [-1, 1] with shape (n, 1), target sin(pi x) + N(0, noise^2).

    ``test_fraction`` of the samples (rounded down) are held out as a test split.
    """
    count = _check_n(n)
    jitter = _check_noise(noise)
    fraction = _check_test_fraction(test_fraction)
    rng = np.random.default_rng(_check_seed(seed))

    x = rng.uniform(-1.0, 1.0, (count, 1))
    y = np.sin(np.pi * x)
    if jitter > 0:
        y = y + rng.normal(0.0, jitter, y.shape)
    train_x, train_t, test_x, test_t = _split(x, y, fraction, rng, shuffle=False)
    return Dataset(
        inputs=train_x,
        targets=train_t,
        test_inputs=test_x,
        test_targets=test_t,
        name="sine",
        input_names=("x",),
        target_names=("y",),
    )


# --------------------------------------------------------------------------- registry


def _classification_maker(kind: str) -> Callable[..., Dataset]:
    default_noise = DEFAULT_NOISE[kind]

    def generate(
        n: int = 200,
        noise: float = default_noise,
        seed: int = 0,
        test_fraction: float = 0.0,
        one_hot: bool = False,
    ) -> Dataset:
        return classification(
            kind, n=n, noise=noise, seed=seed, test_fraction=test_fraction, one_hot=one_hot
        )

    generate.__name__ = f"classification_{kind}"
    generate.__doc__ = f'``classification("{kind}", ...)``.'
    return generate


#: Every built-in dataset by the kind name used in the UI and by :func:`make`.
GENERATORS: dict[str, Callable[..., Dataset]] = {
    "reference": reference_sample,
    "xor": xor,
    "circle": _classification_maker("circle"),
    "quadrants": _classification_maker("quadrants"),
    "gaussian": _classification_maker("gaussian"),
    "spiral": _classification_maker("spiral"),
    "moons": _classification_maker("moons"),
    "sine": regression_sine,
}

#: The kind names accepted by :func:`make`.
KINDS: tuple[str, ...] = tuple(GENERATORS)

_PARAMETERS: dict[str, frozenset[str]] = {
    "reference": frozenset(),
    "xor": frozenset(),
    "sine": frozenset({"n", "noise", "seed", "test_fraction"}),
}
_CLASSIFICATION_PARAMETERS = frozenset({"n", "noise", "seed", "test_fraction", "one_hot"})


def make(kind: str, **kwargs: Any) -> Dataset:
    """Build the built-in dataset called ``kind`` (one of :data:`KINDS`).

    "reference" and "xor" take no parameters; "sine" takes ``n``, ``noise``, ``seed``,
    ``test_fraction``; the 2-D classification kinds ("circle", "quadrants",
    "gaussian", "spiral", "moons") additionally take ``one_hot``.
    """
    if not isinstance(kind, str) or kind not in GENERATORS:
        raise DatasetError(f"unknown dataset kind {kind!r}; known kinds: {', '.join(KINDS)}")
    allowed = _PARAMETERS.get(kind, _CLASSIFICATION_PARAMETERS)
    unexpected = sorted(set(kwargs) - allowed)
    if unexpected:
        accepted = ", ".join(sorted(allowed)) if allowed else "none"
        raise DatasetError(
            f"dataset {kind!r} does not take {', '.join(unexpected)} "
            f"(accepted parameters: {accepted})"
        )
    return GENERATORS[kind](**kwargs)


def regenerate(source: dict[str, Any], **changes: Any) -> tuple[Dataset, dict[str, Any]]:
    """Make a generated data set again from the ``source`` it was made with (a document's
    ``data.source``: ``{"kind": ..., plus the parameters given to make}``), with some
    parameters changed (e.g. ``noise=0.2`` or a new ``seed``). Returns the data and its new
    source. DatasetError if the source is not a generator's (a CSV file, or none)."""
    if not isinstance(source, dict):
        raise DatasetError("the data set's source must be an object")
    kind = source.get("kind")
    if not isinstance(kind, str) or kind not in GENERATORS:
        raise DatasetError("this data set was not made by a generator, so it cannot be "
                           "made again (choose a generated kind first)")
    allowed = _PARAMETERS.get(kind, _CLASSIFICATION_PARAMETERS)
    params = {key: value for key, value in source.items() if key in allowed}
    params.update(changes)
    data = make(kind, **params)
    return data, {"kind": kind, **params}


# --------------------------------------------------------------------------- CSV


def _parse_number(text: str) -> float | None:
    """``float(text)`` for plain decimal/scientific numbers, else None."""
    stripped = text.strip()
    if not stripped or "_" in stripped:
        return None
    try:
        return float(stripped)
    except ValueError:
        return None


def _quote(name: str) -> str:
    """A column name as messages show it: quoted, escaped, short."""
    return f"'{printable(name, 40)}'"


def _available(header: list[str], shown: int = 12) -> str:
    names = ", ".join(_quote(name) for name in header[:shown])
    return names + (f", ... ({len(header)} columns)" if len(header) > shown else "")


def _resolve_columns(
    spec: Sequence[str | int],
    header: list[str],
    label: str,
    where: str,
) -> list[int]:
    """Turn a list of column names / 0-based indices into indices into ``header``."""
    if isinstance(spec, (str, bytes)):
        raise DatasetError(f"{label} must be a list of column names or indices, not a string")
    indices: list[int] = []
    for item in spec:
        if isinstance(item, str):
            matches = [i for i, name in enumerate(header) if name == item.strip()]
            if not matches:
                raise DatasetError(
                    f"{where} has no column named {_quote(item)}; "
                    f"available columns: {_available(header)}"
                )
            if len(matches) > 1:
                raise DatasetError(
                    f"{where} has {len(matches)} columns named {_quote(item)}; "
                    "choose the column by its index instead"
                )
            index = matches[0]
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
            index = int(item)
            if not 0 <= index < len(header):
                raise DatasetError(
                    f"{where}: column index {index} is out of range "
                    f"(the file has columns 0 to {len(header) - 1})"
                )
        else:
            raise DatasetError(
                f"{label} must contain column names or indices, not {printable(repr(item), 40)}"
            )
        if index in indices:
            raise DatasetError(f"{label} lists column {_quote(header[index])} twice")
        indices.append(index)
    if not indices:
        raise DatasetError(f"{label} is empty; choose at least one column")
    return indices


def _choose_columns(
    header: list[str],
    input_columns: Sequence[str | int] | None,
    target_columns: Sequence[str | int] | None,
    where: str,
) -> tuple[list[int], list[int]]:
    width = len(header)
    if input_columns is None and target_columns is None:
        if width < 2:
            raise DatasetError(
                f"{where} needs at least two columns (inputs, then the target), "
                f"but the header has {width}"
            )
        return list(range(width - 1)), [width - 1]
    inputs = (
        None
        if input_columns is None
        else _resolve_columns(input_columns, header, "input_columns", where)
    )
    targets = (
        None
        if target_columns is None
        else _resolve_columns(target_columns, header, "target_columns", where)
    )
    if inputs is not None and targets is not None:
        overlap = [i for i in inputs if i in targets]
        if overlap:
            raise DatasetError(
                f"column {_quote(header[overlap[0]])} is chosen as both an input and a target"
            )
    elif inputs is None:
        assert targets is not None
        inputs = [i for i in range(width) if i not in targets]
        if not inputs:
            raise DatasetError(f"{where}: every column is a target, so no input columns are left")
    else:
        targets = [i for i in range(width) if i not in inputs]
        if not targets:
            raise DatasetError(f"{where}: every column is an input, so no target columns are left")
    return inputs, targets


class _Records:
    """The non-blank records of a CSV file, read as they are needed, each with the file
    line it starts on. Lines are read at most :data:`MAX_CSV_LINE_LENGTH` characters at a
    time, so a huge line is refused without being held in memory."""

    def __init__(self, handle: TextIO, where: str) -> None:
        self.where = where
        self._handle = handle
        self._lines = 0
        self._reader = csv.reader(self._read_lines(), strict=True)
        self._previous_end = 0

    def _read_lines(self) -> Iterator[str]:
        while True:
            line = self._handle.readline(MAX_CSV_LINE_LENGTH + 1)
            if not line:
                return
            self._lines += 1
            if len(line) > MAX_CSV_LINE_LENGTH and not line.endswith("\n"):
                raise DatasetError(
                    f"{self.where}, line {self._lines}: longer than "
                    f"{MAX_CSV_LINE_LENGTH:,} characters; not a table of samples"
                )
            yield line

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self

    def __next__(self) -> tuple[int, list[str]]:
        while True:
            start = self._previous_end + 1
            try:
                row = next(self._reader)
            except csv.Error as exc:
                raise DatasetError(
                    f"{self.where}, line {start}: malformed CSV ({printable(str(exc), 80)})"
                ) from None
            self._previous_end = self._reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            return start, row


def _open_csv(file: Path, where: str) -> TextIO:
    """Open a CSV file for reading as text, after checking that it is a regular file of at
    most :data:`MAX_CSV_BYTES` (a pipe or a device is refused, never waited on)."""
    try:
        binary = open_regular(file, MAX_CSV_BYTES)
    except UnreadableFile as exc:
        raise DatasetError(f"{where}: {exc}") from None
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def _read_header(records: _Records, where: str) -> tuple[int, list[str]]:
    try:
        line, header = next(records)
    except StopIteration:
        raise DatasetError(f"{where} is empty") from None
    if len(header) > MAX_CSV_COLUMNS:
        raise DatasetError(
            f"{where}, line {line}: the header has {len(header):,} columns; "
            f"at most {MAX_CSV_COLUMNS:,} can be read"
        )
    return line, [name.strip() for name in header]


def _guarded(where: str, read: Callable[[], Any]) -> Any:
    """Run ``read`` and turn any problem with the file into one DatasetError."""
    try:
        return read()
    except UnicodeDecodeError:
        raise DatasetError(f"{where} is not a UTF-8 text file") from None
    except MemoryError:
        raise DatasetError(f"{where} is too large to read") from None
    except OSError as exc:
        raise DatasetError(
            f"{where} cannot be read: {printable(str(exc.strerror or exc), 80)}"
        ) from None


def csv_columns(path: str | os.PathLike[str]) -> list[str]:
    """The column names on the header (first non-blank line) of a CSV file, quickly: only
    the header is read, a file that is not a regular file or is too large is refused first,
    and a header of more than :data:`MAX_CSV_COLUMNS` columns is refused. Names are
    stripped of surrounding spaces (show them with :func:`simulator.engine.text.printable`).
    Raises :class:`DatasetError`.
    """
    file = Path(path)
    where = printable(file.name or str(file), 80)

    def read() -> list[str]:
        with _open_csv(file, where) as handle:
            return _read_header(_Records(handle, where), where)[1]

    result: list[str] = _guarded(where, read)
    return result


def load_csv(
    path: str | os.PathLike[str],
    input_columns: Sequence[str | int] | None = None,
    target_columns: Sequence[str | int] | None = None,
    test_fraction: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """Load a dataset from a CSV file whose first line is a header of column names.

    Columns are chosen by header name or 0-based index.  By default every column but
    the last is an input and the last is the target; if only one of
    ``input_columns``/``target_columns`` is given, the other gets all remaining
    columns.  Columns that are not chosen may hold anything (e.g. text ids).  Fully
    blank lines are skipped.  Rows keep their file order unless ``test_fraction`` > 0,
    in which case they are shuffled with ``seed`` and that fraction (rounded down)
    is held out as the test split.

    The file is read as a stream and refused as soon as it breaks a limit (see
    :mod:`simulator.engine.limits`): it must be a regular file of at most
    ``MAX_CSV_BYTES``, with at most ``MAX_CSV_COLUMNS`` columns, ``MAX_CSV_ROWS`` data
    rows, ``MAX_DATA_VALUES`` chosen numbers and lines of at most ``MAX_CSV_LINE_LENGTH``
    characters; chosen values must be finite and at most ``MAX_ABS_VALUE``.

    Any problem raises :class:`DatasetError` with one line naming the file and, for
    bad data, the first offending line (1-based; the header is line 1) and column.
    """
    fraction = _check_test_fraction(test_fraction)
    rng = np.random.default_rng(_check_seed(seed))
    file = Path(path)
    where = printable(file.name or str(file), 80)

    def read() -> tuple[list[str], list[int], list[int], FloatArray]:
        with _open_csv(file, where) as handle:
            records = _Records(handle, where)
            header_line, header = _read_header(records, where)
            for position, name in enumerate(header):
                if not name:
                    raise DatasetError(
                        f"{where}, line {header_line}: column {position + 1} of the header "
                        "has no name"
                    )
            if all(_parse_number(name) is not None for name in header):
                raise DatasetError(
                    f"{where}, line {header_line}: the first line must be a header of column "
                    "names, but it contains only numbers"
                )
            input_idx, target_idx = _choose_columns(header, input_columns, target_columns, where)
            for index in input_idx + target_idx:
                _check_column_name(header[index], index, header_line, where)
            table = _read_table(records, header, input_idx + target_idx, where)
        return header, input_idx, target_idx, table

    header, input_idx, target_idx, table = _guarded(where, read)
    inputs = table[:, : len(input_idx)]
    targets = table[:, len(input_idx) :]
    train_x, train_t, test_x, test_t = _split(inputs, targets, fraction, rng, shuffle=fraction > 0)
    return Dataset(
        inputs=train_x,
        targets=train_t,
        test_inputs=test_x,
        test_targets=test_t,
        name=file.stem,
        input_names=tuple(header[i] for i in input_idx),
        target_names=tuple(header[i] for i in target_idx),
    )


def _check_column_name(name: str, index: int, line: int, where: str) -> None:
    """A chosen column's name becomes a name in the document: it must fit its limits."""
    if len(name) > MAX_NAME_LENGTH:
        raise DatasetError(
            f"{where}, line {line}: the name of column {index + 1} is longer than "
            f"{MAX_NAME_LENGTH} characters"
        )
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cs"):
            raise DatasetError(
                f"{where}, line {line}: the name of column {index + 1} holds a control "
                f"character ({printable(ch)})"
            )


_CHUNK_ROWS = 4096


def _read_table(records: _Records, header: list[str], used: list[int],
                where: str) -> FloatArray:
    """The chosen columns of every data row, parsed and checked as each row is read."""
    width = len(used)
    max_rows = min(MAX_CSV_ROWS, MAX_DATA_VALUES // width)
    chunks: list[FloatArray] = []
    chunk = np.empty((_CHUNK_ROWS, width), dtype=np.float64)
    filled = rows = 0
    for line, fields in records:
        if rows >= max_rows:
            what = (f"more than {MAX_CSV_ROWS:,} data rows" if max_rows == MAX_CSV_ROWS else
                    f"more than {max_rows:,} rows of {width} chosen columns (at most "
                    f"{MAX_DATA_VALUES:,} numbers)")
            raise DatasetError(f"{where}, line {line}: {what}; this is as far as a data set goes")
        if len(fields) != len(header):
            raise DatasetError(
                f"{where}, line {line}: expected {len(header)} fields like the header, "
                f"but found {len(fields)}"
            )
        if filled == _CHUNK_ROWS:
            chunks.append(chunk)
            chunk = np.empty((_CHUNK_ROWS, width), dtype=np.float64)
            filled = 0
        for out, index in enumerate(used):
            chunk[filled, out] = _cell(fields[index], header[index], line, where)
        filled += 1
        rows += 1
    if rows == 0:
        raise DatasetError(f"{where} has a header but no data rows")
    chunks.append(chunk[:filled])
    return np.concatenate(chunks) if len(chunks) > 1 else chunks[0].copy()


def _cell(text: str, column: str, line: int, where: str) -> float:
    value = _parse_number(text)
    if value is None:
        shown = text.strip()
        if not shown:
            raise DatasetError(f"{where}, line {line}, column {_quote(column)} is empty")
        raise DatasetError(
            f"{where}, line {line}, column {_quote(column)}: {_quote(shown)} is not a number"
        )
    if not math.isfinite(value):
        raise DatasetError(
            f"{where}, line {line}, column {_quote(column)}: "
            f"{_quote(text.strip())} is not a finite number"
        )
    if abs(value) > MAX_ABS_VALUE:
        raise DatasetError(
            f"{where}, line {line}, column {_quote(column)}: {_quote(text.strip())} is too "
            f"large (the limit is {MAX_ABS_VALUE:g})"
        )
    return value


def to_csv(dataset: Dataset, path: str | os.PathLike[str]) -> None:
    """Write ``dataset`` as CSV in the format :func:`load_csv` reads back.

    The header is the input names followed by the target names (x1, x2, ... and
    t1, t2, ... when the dataset has none).  Values are written with full
    precision, so ``load_csv(path)`` reproduces the arrays exactly when there is a
    single target column (otherwise pass ``target_columns``).  Test rows, if any,
    are written after the training rows; the split itself is not recorded.
    """
    input_names, target_names = dataset.column_names()
    header = [*input_names, *target_names]
    if all(_parse_number(name) is not None for name in header):
        raise DatasetError("cannot write a CSV whose column names are all numbers")
    inputs, targets = dataset.inputs, dataset.targets
    if dataset.test_inputs is not None and dataset.test_targets is not None:
        inputs = np.concatenate([inputs, dataset.test_inputs])
        targets = np.concatenate([targets, dataset.test_targets])
    rows = np.concatenate([inputs, targets], axis=1)
    file = Path(path)
    try:
        with file.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow([repr(float(value)) for value in row])
    except OSError as exc:
        where = file.name or str(file)
        raise DatasetError(f"{where} cannot be written: {exc.strerror or exc}") from None
