"""Tests for simulator.engine.datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.engine import datasets as ds
from simulator.engine.datasets import Dataset, DatasetError

CLASS_KINDS = ("circle", "quadrants", "gaussian", "spiral", "moons")


def _all_inputs(d: Dataset) -> np.ndarray:
    if d.test_inputs is None:
        return d.inputs
    return np.concatenate([d.inputs, d.test_inputs])


def _all_targets(d: Dataset) -> np.ndarray:
    if d.test_targets is None:
        return d.targets
    return np.concatenate([d.targets, d.test_targets])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- fixed sets


def test_reference_sample_values() -> None:
    d = ds.reference_sample()
    np.testing.assert_array_equal(d.inputs, [[0.95, 0.06]])
    np.testing.assert_array_equal(d.targets, [[0.05, 0.82]])
    assert d.inputs.dtype == np.float64 and d.targets.dtype == np.float64
    assert d.test_inputs is None and d.test_targets is None


def test_xor_truth_table() -> None:
    d = ds.xor()
    assert d.inputs.shape == (4, 2) and d.targets.shape == (4, 1)
    for (a, b), (t,) in zip(d.inputs, d.targets, strict=True):
        assert t == float(int(a) ^ int(b))
    assert {tuple(row) for row in d.inputs} == {(0, 0), (0, 1), (1, 0), (1, 1)}


# --------------------------------------------------------------------------- Dataset validation


def test_dataset_arrays_are_float64_readonly_copies() -> None:
    source = np.array([[1, 2], [3, 4]])
    d = Dataset(inputs=source, targets=np.array([[0], [1]]))
    assert d.inputs.dtype == np.float64
    source[0, 0] = 99
    assert d.inputs[0, 0] == 1.0
    with pytest.raises(ValueError):
        d.inputs[0, 0] = 5.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"inputs": [1.0, 2.0], "targets": [[1.0], [2.0]]}, "2-D"),
        ({"inputs": np.zeros((0, 2)), "targets": np.zeros((0, 1))}, "at least one sample"),
        ({"inputs": np.zeros((3, 2)), "targets": np.zeros((2, 1))}, "3 samples"),
        ({"inputs": [[1.0, np.nan]], "targets": [[0.0]]}, "non-finite"),
        ({"inputs": [[1.0]], "targets": [[np.inf]]}, "non-finite"),
        ({"inputs": [["a"]], "targets": [[0.0]]}, "only numbers"),
        ({"inputs": [[1.0]], "targets": [[0.0]], "test_inputs": [[1.0]]}, "together"),
        (
            {
                "inputs": [[1.0]],
                "targets": [[0.0]],
                "test_inputs": [[1.0, 2.0]],
                "test_targets": [[0.0]],
            },
            "columns",
        ),
        ({"inputs": [[1.0, 2.0]], "targets": [[0.0]], "input_names": ("a",)}, "names"),
    ],
)
def test_dataset_rejects_bad_shapes(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(DatasetError, match=fragment):
        Dataset(**kwargs)  # type: ignore[arg-type]


def test_dataset_error_is_value_error() -> None:
    assert issubclass(DatasetError, ValueError)


# --------------------------------------------------------------------------- generators


@pytest.mark.parametrize("kind", [*CLASS_KINDS, "sine"])
def test_deterministic_by_seed_and_different_across_seeds(kind: str) -> None:
    a = ds.make(kind, n=50, seed=7, test_fraction=0.2)
    b = ds.make(kind, n=50, seed=7, test_fraction=0.2)
    c = ds.make(kind, n=50, seed=8, test_fraction=0.2)
    for name in ("inputs", "targets", "test_inputs", "test_targets"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.inputs, c.inputs)


@pytest.mark.parametrize("kind", CLASS_KINDS)
@pytest.mark.parametrize("n", [1, 2, 7, 200])
def test_classification_shapes_and_balance(kind: str, n: int) -> None:
    d = ds.make(kind, n=n, seed=1)
    assert d.inputs.shape == (n, 2)
    assert d.targets.shape == (n, 1)
    labels = d.targets[:, 0]
    assert set(np.unique(labels)) <= {0.0, 1.0}
    assert int(np.sum(labels == 0)) == n // 2
    assert int(np.sum(labels == 1)) == n - n // 2


@pytest.mark.parametrize("kind", CLASS_KINDS)
def test_classification_one_hot(kind: str) -> None:
    labels = ds.make(kind, n=31, seed=3).targets[:, 0]
    hot = ds.make(kind, n=31, seed=3, one_hot=True)
    assert hot.targets.shape == (31, 2)
    np.testing.assert_array_equal(hot.targets.sum(axis=1), np.ones(31))
    np.testing.assert_array_equal(hot.targets[:, 1], labels)
    np.testing.assert_array_equal(hot.targets.argmax(axis=1), labels)


def test_classification_samples_are_shuffled() -> None:
    labels = ds.make("circle", n=100, seed=0).targets[:, 0]
    # Not all class 0 followed by all class 1.
    assert not np.array_equal(labels, np.sort(labels))


@pytest.mark.parametrize("kind", CLASS_KINDS)
def test_classification_inputs_in_sensible_range(kind: str) -> None:
    clean = ds.make(kind, n=500, noise=0.0, seed=2).inputs
    assert np.all(np.abs(clean) <= 1.0 + 1e-12) or kind == "gaussian"
    noisy = ds.make(kind, n=500, noise=0.1, seed=2).inputs
    assert np.all(np.abs(noisy) <= 1.6)
    # Uses the square, not a tiny corner of it.
    assert np.ptp(clean[:, 0]) > 1.0


def test_circle_exact_radii_without_noise() -> None:
    d = ds.make("circle", n=400, noise=0.0, seed=5)
    radius = np.hypot(d.inputs[:, 0], d.inputs[:, 1])
    inner = d.targets[:, 0] == 0
    assert np.all(radius[inner] <= ds.CIRCLE_DISC_RADIUS + 1e-12)
    assert np.all(radius[~inner] >= ds.CIRCLE_RING_INNER - 1e-12)
    assert np.all(radius[~inner] <= ds.CIRCLE_RING_OUTER + 1e-12)
    # The gap between the two classes is really there.
    assert radius[inner].max() < radius[~inner].min()


def test_noise_moves_points_off_the_geometry() -> None:
    clean = ds.make("circle", n=400, noise=0.0, seed=5)
    noisy = ds.make("circle", n=400, noise=0.2, seed=5)
    radius = np.hypot(noisy.inputs[:, 0], noisy.inputs[:, 1])
    outer = noisy.targets[:, 0] == 1
    assert np.any(radius[outer] < ds.CIRCLE_RING_INNER) or np.any(
        radius[outer] > ds.CIRCLE_RING_OUTER
    )
    assert not np.allclose(clean.inputs, noisy.inputs)


def test_quadrants_labels_are_sign_xor_without_noise() -> None:
    d = ds.make("quadrants", n=300, noise=0.0, seed=4)
    x, y = d.inputs[:, 0], d.inputs[:, 1]
    expected = (np.sign(x) * np.sign(y) < 0).astype(float)
    np.testing.assert_array_equal(d.targets[:, 0], expected)
    assert np.all(np.abs(d.inputs) >= ds.QUADRANT_MIN - 1e-12)
    # All four quadrants are used.
    assert len({(sx, sy) for sx, sy in np.sign(d.inputs)}) == 4


def test_classification_accepts_xor_as_quadrants() -> None:
    a = ds.classification("xor", n=40, seed=9)
    b = ds.make("quadrants", n=40, seed=9)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.targets, b.targets)


def test_gaussian_blobs_are_centred_on_opposite_corners() -> None:
    d = ds.make("gaussian", n=2000, noise=0.0, seed=1)
    labels = d.targets[:, 0]
    c = ds.GAUSSIAN_CENTER
    np.testing.assert_allclose(d.inputs[labels == 0].mean(axis=0), [-c, -c], atol=0.03)
    np.testing.assert_allclose(d.inputs[labels == 1].mean(axis=0), [c, c], atol=0.03)
    np.testing.assert_allclose(d.inputs[labels == 0].std(axis=0), ds.GAUSSIAN_STD, atol=0.02)


def test_spiral_points_lie_on_their_spiral_without_noise() -> None:
    d = ds.make("spiral", n=300, noise=0.0, seed=6)
    x, y = d.inputs[:, 0], d.inputs[:, 1]
    radius = np.hypot(x, y)
    t = radius / ds.SPIRAL_MAX_RADIUS
    assert np.all(t <= 1.0 + 1e-12)
    phase = np.pi * d.targets[:, 0]
    expected = 2 * np.pi * ds.SPIRAL_TURNS * t + phase
    np.testing.assert_allclose(x, radius * np.cos(expected), atol=1e-9)
    np.testing.assert_allclose(y, radius * np.sin(expected), atol=1e-9)


def test_moons_points_lie_on_the_arcs_without_noise() -> None:
    d = ds.make("moons", n=300, noise=0.0, seed=3)
    # Undo the scaling back to sklearn's coordinates.
    raw = d.inputs * ds.MOONS_SCALE + np.array(ds.MOONS_SHIFT)
    labels = d.targets[:, 0]
    upper, lower = raw[labels == 0], raw[labels == 1]
    # Upper moon: unit circle around (0, 0), y >= 0.
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    # Lower moon: unit circle around (1, 0.5), y <= 0.5.
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    # Scaled into [-1, 1] x [-0.5, 0.5].
    assert np.all(np.abs(d.inputs[:, 0]) <= 1.0 + 1e-12)
    assert np.all(np.abs(d.inputs[:, 1]) <= 0.5 + 1e-12)


def test_sine_targets_exact_without_noise() -> None:
    d = ds.regression_sine(n=120, noise=0.0, seed=2)
    assert d.inputs.shape == (120, 1) and d.targets.shape == (120, 1)
    assert np.all((d.inputs >= -1.0) & (d.inputs <= 1.0))
    np.testing.assert_allclose(d.targets, np.sin(np.pi * d.inputs), atol=0, rtol=0)


def test_sine_noise_has_requested_std() -> None:
    d = ds.regression_sine(n=5000, noise=0.2, seed=2)
    residual = d.targets - np.sin(np.pi * d.inputs)
    assert abs(float(residual.std()) - 0.2) < 0.01
    assert abs(float(residual.mean())) < 0.02


@pytest.mark.parametrize("kind", [*CLASS_KINDS, "sine"])
@pytest.mark.parametrize(("n", "fraction", "n_test"), [(100, 0.25, 25), (10, 0.3, 3), (7, 0.5, 3)])
def test_test_split_sizes_and_disjointness(kind: str, n: int, fraction: float, n_test: int) -> None:
    whole = ds.make(kind, n=n, seed=11)
    split = ds.make(kind, n=n, seed=11, test_fraction=fraction)
    assert split.test_inputs is not None and split.test_targets is not None
    assert split.test_inputs.shape[0] == n_test == split.test_targets.shape[0]
    assert split.inputs.shape[0] == n - n_test
    train_rows = {tuple(r) for r in np.hstack([split.inputs, split.targets])}
    test_rows = {tuple(r) for r in np.hstack([split.test_inputs, split.test_targets])}
    assert train_rows.isdisjoint(test_rows)
    # Together they are exactly the samples of the unsplit set (same seed).
    all_rows = {tuple(r) for r in np.hstack([_all_inputs(whole), _all_targets(whole)])}
    assert train_rows | test_rows == all_rows


def test_no_test_split_by_default_and_for_tiny_fraction() -> None:
    assert ds.make("moons", n=50).test_inputs is None
    d = ds.make("moons", n=5, test_fraction=0.1)  # 0.5 samples rounds down to none
    assert d.test_inputs is None and d.inputs.shape[0] == 5


def test_test_split_never_takes_every_sample() -> None:
    d = ds.make("circle", n=1, test_fraction=0.9)
    assert d.inputs.shape[0] == 1


def test_make_unknown_kind_lists_known_kinds() -> None:
    with pytest.raises(DatasetError) as info:
        ds.make("donut")
    message = str(info.value)
    assert "'donut'" in message
    for kind in ("reference", "xor", "circle", "gaussian", "spiral", "moons", "sine", "quadrants"):
        assert kind in message
    assert "\n" not in message


def test_make_covers_exact_kind_names() -> None:
    assert set(ds.KINDS) == {
        "reference",
        "xor",
        "circle",
        "gaussian",
        "spiral",
        "moons",
        "sine",
        "quadrants",
    }
    assert ds.make("reference").inputs.shape == (1, 2)
    assert ds.make("xor").inputs.shape == (4, 2)
    assert ds.make("sine", n=9).inputs.shape == (9, 1)


def test_make_rejects_unknown_parameters() -> None:
    with pytest.raises(DatasetError, match="seed"):
        ds.make("reference", seed=1)
    with pytest.raises(DatasetError, match="one_hot"):
        ds.make("sine", one_hot=True)


def test_classification_unknown_kind() -> None:
    with pytest.raises(DatasetError, match="known kinds: circle, xor, gaussian, spiral, moons"):
        ds.classification("square")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"n": 0}, "between 1 and 100000"),
        ({"n": 100_001}, "between 1 and 100000"),
        ({"n": 2.5}, "whole number"),
        ({"n": True}, "whole number"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": float("inf")}, "noise"),
        ({"test_fraction": 0.95}, "test fraction"),
        ({"test_fraction": -0.1}, "test fraction"),
        ({"seed": -1}, "seed"),
    ],
)
@pytest.mark.parametrize("kind", ["circle", "sine"])
def test_generator_parameter_validation(
    kind: str, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(DatasetError, match=fragment):
        ds.make(kind, **kwargs)


def test_generator_limits_are_inclusive() -> None:
    assert ds.make("sine", n=1).inputs.shape == (1, 1)
    assert ds.make("sine", n=100_000, test_fraction=0.9).n_test == 90_000


# --------------------------------------------------------------------------- CSV round trip


def test_csv_round_trip_exact(tmp_path: Path) -> None:
    original = ds.make("spiral", n=60, noise=0.3, seed=1)
    path = tmp_path / "spiral.csv"
    ds.to_csv(original, path)
    loaded = ds.load_csv(path)
    np.testing.assert_array_equal(loaded.inputs, original.inputs)
    np.testing.assert_array_equal(loaded.targets, original.targets)
    assert loaded.input_names == ("x1", "x2")
    assert loaded.target_names == ("class",)
    assert loaded.name == "spiral"


def test_csv_round_trip_multi_target_and_default_names(tmp_path: Path) -> None:
    original = Dataset(
        inputs=np.array([[0.1, -2.5e-17, 3.0], [1e12, 4.0, -5.0]]),  # 1e12: the limit
        targets=np.array([[0.25, 1.0 / 3.0], [2.0, -0.0]]),
    )
    path = tmp_path / "multi.csv"
    ds.to_csv(original, path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "x1,x2,x3,t1,t2"
    loaded = ds.load_csv(path, target_columns=["t1", "t2"])
    np.testing.assert_array_equal(loaded.inputs, original.inputs)
    np.testing.assert_array_equal(loaded.targets, original.targets)
    assert loaded.input_names == ("x1", "x2", "x3")


def test_csv_round_trip_keeps_test_rows(tmp_path: Path) -> None:
    original = ds.make("sine", n=20, seed=3, test_fraction=0.25)
    path = tmp_path / "sine.csv"
    ds.to_csv(original, path)
    loaded = ds.load_csv(path)
    np.testing.assert_array_equal(loaded.inputs, _all_inputs(original))
    np.testing.assert_array_equal(loaded.targets, _all_targets(original))


def test_csv_names_with_commas_round_trip(tmp_path: Path) -> None:
    original = Dataset(
        inputs=np.array([[1.0, 2.0]]),
        targets=np.array([[3.0]]),
        input_names=("a, b", 'q"uote'),
        target_names=("y",),
    )
    path = tmp_path / "names.csv"
    ds.to_csv(original, path)
    loaded = ds.load_csv(path)
    assert loaded.input_names == ("a, b", 'q"uote')
    np.testing.assert_array_equal(loaded.inputs, [[1.0, 2.0]])


# --------------------------------------------------------------------------- CSV reading


def test_load_csv_column_selection_by_name_and_index(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "id,a,b,c\nfoo,1,2,3\nbar,4,5,6\n")
    by_name = ds.load_csv(path, input_columns=["c", "a"], target_columns=["b"])
    np.testing.assert_array_equal(by_name.inputs, [[3, 1], [6, 4]])
    np.testing.assert_array_equal(by_name.targets, [[2], [5]])
    assert by_name.input_names == ("c", "a") and by_name.target_names == ("b",)
    by_index = ds.load_csv(path, input_columns=[3, 1], target_columns=[2])
    np.testing.assert_array_equal(by_index.inputs, by_name.inputs)
    np.testing.assert_array_equal(by_index.targets, by_name.targets)
    # The unused text column "id" is never parsed.
    only_inputs = ds.load_csv(path, input_columns=["a", "b"], target_columns=[3])
    np.testing.assert_array_equal(only_inputs.targets, [[3], [6]])


def test_load_csv_complement_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "a,b,c\n1,2,3\n")
    d = ds.load_csv(path, target_columns=["a"])
    assert d.input_names == ("b", "c") and d.target_names == ("a",)
    d = ds.load_csv(path, input_columns=["a"])
    assert d.input_names == ("a",) and d.target_names == ("b", "c")


def test_load_csv_defaults_skip_blank_lines_and_keep_order(tmp_path: Path) -> None:
    text = "x,y,t\n\n1,2,3\n   \n4, 5 ,6\r\n\n7,8,9\n\n"
    d = ds.load_csv(_write(tmp_path / "data.csv", text))
    np.testing.assert_array_equal(d.inputs, [[1, 2], [4, 5], [7, 8]])
    np.testing.assert_array_equal(d.targets, [[3], [6], [9]])
    assert d.test_inputs is None


def test_load_csv_accepts_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffx,t\n1,2\n".encode())
    assert ds.load_csv(path).input_names == ("x",)


def test_load_csv_test_split(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i * 2}" for i in range(20))
    path = _write(tmp_path / "data.csv", f"x,t\n{rows}\n")
    d = ds.load_csv(path, test_fraction=0.25, seed=4)
    assert d.test_inputs is not None
    assert d.inputs.shape == (15, 1) and d.test_inputs.shape == (5, 1)
    combined = np.concatenate([d.inputs, d.test_inputs])[:, 0]
    assert sorted(combined.tolist()) == list(range(20))
    again = ds.load_csv(path, test_fraction=0.25, seed=4)
    np.testing.assert_array_equal(again.test_inputs, d.test_inputs)
    np.testing.assert_array_equal(d.targets, 2 * d.inputs)


# --------------------------------------------------------------------------- CSV errors


def _csv_error(path: Path, **kwargs: object) -> str:
    with pytest.raises(DatasetError) as info:
        ds.load_csv(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    assert "Traceback" not in message and "Errno" not in message
    return message


def test_csv_non_numeric_value_names_line_and_column(tmp_path: Path) -> None:
    text = "x1,x2,t\n1,2,3\n\n4,5,6\n7,8,9\n1,2,3\n1,abc,3\n1,xyz,3\n"
    message = _csv_error(_write(tmp_path / "data.csv", text))
    assert message == "data.csv, line 7, column 'x2': 'abc' is not a number"


def test_csv_first_bad_row_wins_over_later_ones(tmp_path: Path) -> None:
    text = "a,b,t\n1,2,3\n1,2,oops\n1,2\n"
    message = _csv_error(_write(tmp_path / "data.csv", text))
    assert message.startswith("data.csv, line 3, column 't':")


def test_csv_wrong_field_count_names_line(tmp_path: Path) -> None:
    text = "a,b,t\n1,2,3\n4,5,6,7\n"
    message = _csv_error(_write(tmp_path / "data.csv", text))
    assert "line 3" in message and "expected 3" in message and "found 4" in message
    text = "a,b,t\n1,2,3\n\n1,2\n"
    message = _csv_error(_write(tmp_path / "short.csv", text))
    assert message.startswith("short.csv, line 4:") and "found 2" in message


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity", "1e999"])
def test_csv_non_finite_value(tmp_path: Path, bad: str) -> None:
    text = f"a,t\n1,2\n3,{bad}\n"
    message = _csv_error(_write(tmp_path / "data.csv", text))
    assert message.startswith("data.csv, line 3, column 't':")
    assert "finite" in message


def test_csv_empty_value(tmp_path: Path) -> None:
    message = _csv_error(_write(tmp_path / "data.csv", "a,b,t\n1,,3\n"))
    assert message == "data.csv, line 2, column 'b' is empty"


def test_csv_line_numbers_count_quoted_multiline_fields(tmp_path: Path) -> None:
    text = 'note,a,t\n"two\nlines",1,2\nz,q,3\n'
    message = _csv_error(
        _write(tmp_path / "data.csv", text), input_columns=["a"], target_columns=["t"]
    )
    assert message == "data.csv, line 4, column 'a': 'q' is not a number"


def test_csv_file_not_found(tmp_path: Path) -> None:
    message = _csv_error(tmp_path / "missing.csv")
    assert message == "missing.csv: no such file"


def test_csv_directory_is_not_readable(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "folder.csv" in _csv_error(folder)


def test_csv_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    assert "blob.csv" in _csv_error(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_csv_empty_file(tmp_path: Path, text: str) -> None:
    assert _csv_error(_write(tmp_path / "empty.csv", text)) == "empty.csv is empty"


def test_csv_header_only(tmp_path: Path) -> None:
    message = _csv_error(_write(tmp_path / "data.csv", "a,t\n"))
    assert "no data rows" in message


def test_csv_no_header(tmp_path: Path) -> None:
    message = _csv_error(_write(tmp_path / "data.csv", "1,2,3\n4,5,6\n"))
    assert "line 1" in message and "header" in message


def test_csv_header_with_empty_name(tmp_path: Path) -> None:
    message = _csv_error(_write(tmp_path / "data.csv", "a,,t\n1,2,3\n"))
    assert "line 1" in message and "column 2" in message


def test_csv_unknown_column_lists_available(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "x1,x2,t\n1,2,3\n")
    message = _csv_error(path, input_columns=["x1", "x3"])
    assert "'x3'" in message
    assert "available columns: 'x1', 'x2', 't'" in message


def test_csv_index_out_of_range(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "x1,x2,t\n1,2,3\n")
    assert "out of range" in _csv_error(path, target_columns=[3])
    assert "out of range" in _csv_error(path, target_columns=[-1])


def test_csv_overlapping_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "x1,x2,t\n1,2,3\n")
    message = _csv_error(path, input_columns=["x1", "x2"], target_columns=[1])
    assert "'x2'" in message and "both" in message


def test_csv_single_column_needs_explicit_choice(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "t\n1\n")
    assert "at least two columns" in _csv_error(path)


def test_csv_column_selection_errors(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "a,b,t\n1,2,3\n")
    assert "empty" in _csv_error(path, input_columns=[])
    assert "twice" in _csv_error(path, input_columns=["a", 0])
    assert "no target columns" in _csv_error(path, input_columns=["a", "b", "t"])
    assert "not a string" in _csv_error(path, input_columns="a")


def test_csv_duplicate_header_names_need_index(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.csv", "a,a,t\n1,2,3\n")
    assert "by its index" in _csv_error(path, input_columns=["a"], target_columns=["t"])
    d = ds.load_csv(path, input_columns=[1], target_columns=[2])
    np.testing.assert_array_equal(d.inputs, [[2]])


def test_to_csv_unwritable_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot be written"):
        ds.to_csv(ds.xor(), tmp_path / "no" / "such" / "dir.csv")
