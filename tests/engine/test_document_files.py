"""Issue 13, findings 6 and 7: inputs are checked before they are read, and killed saves
leave nothing behind for long.

Documents and CSV files are refused by ``stat`` (size, not a regular file) before a byte is
read; a pipe is never opened in a way that blocks; CSV is streamed with its limits checked
as it goes; the hidden temporary files of killed saves are removed.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from simulator.engine import datasets, document, files, limits
from simulator.engine.datasets import DatasetError
from simulator.engine.document import DocumentError

from . import _reference as ref

POSIX = sys.platform != "win32"


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _finishes(call: Callable[[], object], seconds: float = 10.0) -> object:
    """Run ``call`` in a thread; fail (instead of hanging the test run) if it blocks."""
    box: list[object] = []

    def target() -> None:
        try:
            box.append(call())
        except BaseException as exc:  # handed to the test
            box.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    return box[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    yield path
    # Unblock a reader the code under test might have left waiting (only if it failed).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass


# --- documents -------------------------------------------------------------------------------

def test_a_huge_sparse_file_is_refused_by_its_size_before_reading(tmp_path: Path) -> None:
    # Before: read whole (4.2 GB of memory) and only then refused, or a MemoryError.
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(4 * 1024**3)
    before = _max_rss_mb()
    started = time.perf_counter()
    with pytest.raises(DocumentError, match=r"^huge\.json: too large \(4\.3 GB; the limit is "
                                            r"80\.0 MB\)$"):
        document.load(path)
    assert time.perf_counter() - started < 1.0
    assert _max_rss_mb() - before < 50


def test_a_file_just_over_the_limit_is_refused_and_one_at_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:
        fh.truncate(limits.MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(DocumentError, match="too large"):
        document.load(path)
    with open(path, "wb") as fh:
        fh.write(b" " * (limits.MAX_DOCUMENT_BYTES - 1) + b"[")
    with pytest.raises(DocumentError, match="not valid JSON"):  # read, then parsed
        document.load(path)


def test_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    # Before: open() on a pipe nobody writes to blocks forever (File > Open hung).
    result = _finishes(lambda: document.load(fifo))
    assert isinstance(result, DocumentError)
    assert str(result) == "pipe.json: is not a regular file (a pipe)"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_without_reading_it() -> None:
    # Before: /dev/zero was read until a MemoryError.
    result = _finishes(lambda: document.load("/dev/zero"))
    assert isinstance(result, DocumentError)
    assert str(result) == "zero: is not a regular file (a device)"


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"^folder: is a folder, not a file$"):
        (tmp_path / "folder").mkdir()
        document.load(tmp_path / "folder")
    with pytest.raises(DocumentError, match=r"^nope\.json: no such file$"):
        document.load(tmp_path / "nope.json")
    with pytest.raises(DocumentError, match=r"^x\.json: no such file$"):
        document.load(tmp_path / "nope.json" / "x.json")


def test_a_pipe_that_replaces_the_file_after_the_check_is_refused_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The handle is checked again after opening, and opening never blocks."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = tmp_path / "swap.json"
    path.write_text("{}", encoding="utf-8")
    real_stat = os.stat
    swapped: list[bool] = []

    def stat_then_swap(p: object, *args: object, **kwargs: object) -> os.stat_result:
        result = real_stat(p, *args, **kwargs)  # type: ignore[arg-type]
        if Path(str(p)) == path and not swapped:
            swapped.append(True)
            path.unlink()
            os.mkfifo(path)
        return result

    monkeypatch.setattr(os, "stat", stat_then_swap)
    result = _finishes(lambda: document.load(path))
    assert isinstance(result, DocumentError), result
    assert "not a regular file (a pipe)" in str(result)


@pytest.mark.skipif(not POSIX, reason="named pipes")
def test_the_command_line_refuses_a_fifo_at_once(fifo: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "simulator", "explain", str(fifo)],
                          capture_output=True, text=True, timeout=60, cwd=ref.REPO)
    assert proc.returncode == 2
    assert proc.stderr == "error: pipe.json: is not a regular file (a pipe)\n"


# --- CSV -------------------------------------------------------------------------------------

def _csv_error(path: Path, **kwargs: object) -> str:
    result = _finishes(lambda: datasets.load_csv(path, **kwargs))  # type: ignore[arg-type]
    assert isinstance(result, DatasetError), result
    message = str(result)
    assert message.isprintable()
    return message


def test_csv_refused_by_size_type_before_reading(tmp_path: Path, fifo: Path) -> None:
    sparse = tmp_path / "huge.csv"
    with open(sparse, "wb") as fh:
        fh.truncate(2 * 1024**3)
    assert _csv_error(sparse) == "huge.csv: too large (2.1 GB; the limit is 256.0 MB)"
    assert _csv_error(fifo) == "pipe.json: is not a regular file (a pipe)"
    if Path("/dev/zero").exists():
        assert _csv_error(Path("/dev/zero")) == "zero: is not a regular file (a device)"


def test_a_one_gigabyte_line_is_refused_after_reading_a_megabyte(tmp_path: Path) -> None:
    # Before: a 1 GB line ended in a MemoryError after it was all read. Here the file is
    # sparse (a line of NUL characters): only the first megabyte or so is ever read.
    path = tmp_path / "line.csv"
    with open(path, "wb") as fh:
        fh.write(b"a,b\n1,")
        fh.truncate(200 * 1000**2)
    before = _max_rss_mb()
    started = time.perf_counter()
    message = _csv_error(path)
    assert message == "line.csv, line 2: longer than 1,048,576 characters; not a table of samples"
    assert time.perf_counter() - started < 2.0
    assert _max_rss_mb() - before < 60


def test_too_many_rows_are_refused_as_they_are_read(tmp_path: Path) -> None:
    # Before: 83 million rows were all read, then a MemoryError (the sample limit came last).
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("x,t\n" + "1,2\n" * (limits.MAX_CSV_ROWS + 500))
    message = _csv_error(path)
    assert message == (f"rows.csv, line {limits.MAX_CSV_ROWS + 2}: more than 100,000 data rows;"
                       " this is as far as a data set goes")
    # and exactly the limit loads
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("x,t\n" + "1,2\n" * limits.MAX_CSV_ROWS)
    assert datasets.load_csv(path).n_samples == limits.MAX_CSV_ROWS


def test_too_many_chosen_numbers_are_refused_as_they_are_read(tmp_path: Path) -> None:
    width = 40  # 100,000 rows of 40 numbers would be 4,000,000 > MAX_DATA_VALUES
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(width))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header + "\n" + (",".join(["1"] * width) + "\n") * 60_000)
    message = _csv_error(path)
    assert message.startswith("wide.csv, line 50002: more than 50,000 rows of 40 chosen columns")


@pytest.mark.parametrize("columns", [limits.MAX_CSV_COLUMNS + 1, 20_000, 1_000_000])
def test_a_wide_header_is_refused_quickly(tmp_path: Path, columns: int) -> None:
    # Before: 20,000 columns took 12 s to build the column dialog; 1,000,000 hung the window.
    path = tmp_path / "wide.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        fh.write(",".join("1" for _ in range(columns)) + "\n")
    started = time.perf_counter()
    for read in (datasets.csv_columns, datasets.load_csv):
        result = _finishes(lambda read=read: read(path))  # type: ignore[misc]
        assert isinstance(result, DatasetError)
        assert "wide.csv, line 1: " in str(result)
        assert "columns" in str(result) or "longer than" in str(result)
    assert time.perf_counter() - started < 1.0


def test_the_column_list_of_a_wide_file_is_cheap(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    names = [f"column {i}" for i in range(limits.MAX_CSV_COLUMNS)]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n \n" + ",".join(f" {n} " for n in names) + "\n")
        for _ in range(5_000):
            fh.write(",".join("1" for _ in names) + "\n")
    started = time.perf_counter()
    assert datasets.csv_columns(path) == names
    assert time.perf_counter() - started < 0.2  # reads the header only


def test_csv_values_past_the_document_limit_are_refused_by_line(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("x,t\n1,2\n1e13,3\n", encoding="utf-8")
    assert _csv_error(path) == "big.csv, line 3, column 'x': '1e13' is too large (the limit " \
                               "is 1e+12)"


def test_csv_column_names_are_shown_escaped_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text('"a\nb",t\n1,x\n', encoding="utf-8")
    assert _csv_error(path, input_columns=[0], target_columns=["t"]).startswith(
        "names.csv, line 1: the name of column 1 holds a control character (\\n)")
    path.write_text("x" * 300 + ",t\n1,2\n", encoding="utf-8")
    assert "longer than 256 characters" in _csv_error(path)


def test_a_quoted_field_that_never_ends_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('x,t\n"1,' + "2\n" * 200_000, encoding="utf-8")
    assert "malformed CSV" in _csv_error(path)


# --- finding 7: leftovers of killed saves ----------------------------------------------------

def _leftover(folder: Path, name: str, random: str = "ab12cd34", age: float = 0.0) -> Path:
    path = folder / f".{name}.{random}.tmp"
    path.write_text("half a document", encoding="utf-8")
    if age:
        old = time.time() - age
        os.utime(path, (old, old))
    return path


def test_the_next_save_removes_what_killed_saves_of_the_same_file_left(tmp_path: Path) -> None:
    # Before: hidden .NAME.xxxxxxxx.tmp files stayed beside the document for ever.
    doc = document.load(ref.REFERENCE_JSON)
    mine = [_leftover(tmp_path, "net.json", r) for r in ("ab12cd34", "zz_9x0yq")]
    others = [_leftover(tmp_path, "other.json"), _leftover(tmp_path, "net.json", "short"),
              tmp_path / ".net.json.ab12cd34.tmp.keep"]
    others[-1].write_text("", encoding="utf-8")
    document.save(doc, tmp_path / "net.json")
    assert not any(p.exists() for p in mine)
    assert all(p.exists() for p in others)
    assert document.load(tmp_path / "net.json").to_json() == doc.to_json()


@pytest.mark.skipif(not POSIX, reason="advisory locks (fcntl)")
def test_a_save_in_progress_is_never_disturbed(tmp_path: Path) -> None:
    import fcntl

    running = _leftover(tmp_path, "net.json")
    with open(running, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as atomic_write holds it while writing
        document.save(document.load(ref.REFERENCE_JSON), tmp_path / "net.json")
        assert running.exists()
        assert files.tidy_folder(tmp_path, min_age=0) == []
    assert files.remove_stale_temp_files(tmp_path / "net.json") == [running]


@pytest.mark.skipif(not POSIX, reason="symbolic links and pipes")
def test_only_regular_files_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep", encoding="utf-8")
    link = tmp_path / ".net.json.ab12cd34.tmp"
    link.symlink_to(target)
    pipe = tmp_path / ".net.json.zz12cd34.tmp"
    os.mkfifo(pipe)
    assert _finishes(lambda: files.remove_stale_temp_files(tmp_path / "net.json")) == []
    assert target.read_text(encoding="utf-8") == "keep" and link.is_symlink() and pipe.exists()


def test_tidy_folder_removes_old_leftovers_of_documents_only(tmp_path: Path) -> None:
    old = [_leftover(tmp_path, "a.json", age=120), _leftover(tmp_path, "b c.json", age=3600)]
    young = _leftover(tmp_path, "d.json", age=5)
    not_ours = [_leftover(tmp_path, "notes.txt", age=3600),
                _leftover(tmp_path, "a.json", "TOOLONG123", age=3600)]
    assert sorted(files.tidy_folder(tmp_path)) == sorted(old)
    assert young.exists() and all(p.exists() for p in not_ours)
    assert files.tidy_folder(tmp_path, min_age=0) == [young]
    assert files.tidy_folder(tmp_path / "missing") == []


def test_a_killed_save_leaves_the_old_document_and_a_temp_file_the_next_save_removes(
        tmp_path: Path) -> None:
    """Kill a real save half-way (a child process stopped inside its write), then save."""
    path = tmp_path / "net.json"
    document.save(document.load(ref.REFERENCE_JSON), path)
    old_text = path.read_text(encoding="utf-8")
    child = (
        "import os, sys, signal\n"
        "from simulator.engine import files\n"
        "real_fsync = os.fsync\n"
        "def stop(fd):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.fsync = stop\n"
        "files.atomic_write(sys.argv[1], b'{\"half\": ')\n"
    )
    proc = subprocess.run([sys.executable, "-c", child, str(path)], cwd=ref.REPO,
                          capture_output=True, timeout=60)
    assert proc.returncode != 0
    leftovers = [p for p in tmp_path.iterdir() if p.name != "net.json"]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".net.json.")
    assert path.read_text(encoding="utf-8") == old_text
    document.save(document.load(path).with_changes(name="Again"), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]
