"""Benchmark of the CSV column chooser on the widest file the engine reads.

Run it as a script (it is not a test)::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_csv_columns.py [--rows 20000]

For headers of 16, 256 and MAX_CSV_COLUMNS (1,024) columns (a file of ``--rows`` rows
behind each header), it measures what happens between choosing the file and seeing the
dialog: reading the header (``datasets.csv_columns``, which reads only the first line),
building the dialog (a role chooser per column) and showing it (layout and first paint);
then one change of a column's role. A header one column wider than the limit is refused
by ``csv_columns`` before any data row is read: its time is shown too.

Target: the dialog for 1,024 columns is up within 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from simulator.app.data_panel import CsvColumnsDialog
from simulator.engine import datasets, limits

TARGET_S = 0.5


def write_csv(path: Path, columns: int, rows: int) -> None:
    row = ",".join("0.5" for _ in range(columns)) + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(f"column {i}" for i in range(columns)) + "\n")
        for _ in range(rows):
            fh.write(row)


def run(rows: int) -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as folder:
        for columns in (16, 256, limits.MAX_CSV_COLUMNS):
            path = Path(folder) / f"wide{columns}.csv"
            write_csv(path, columns, rows)
            t0 = time.perf_counter()
            header = datasets.csv_columns(path)
            t1 = time.perf_counter()
            dialog = CsvColumnsDialog(path.name, header, 2, 1)
            t2 = time.perf_counter()
            dialog.show()
            app.processEvents()
            t3 = time.perf_counter()
            dialog.roles[len(header) // 2].setCurrentIndex(2)
            t4 = time.perf_counter()
            total = t3 - t0
            print(f"{columns:5d} columns ({path.stat().st_size / 1e6:.1f} MB): header "
                  f"{(t1 - t0) * 1e3:.1f} ms, dialog built {(t2 - t1) * 1e3:.0f} ms, shown "
                  f"{(t3 - t2) * 1e3:.0f} ms, total {total * 1e3:.0f} ms "
                  f"({'ok' if total <= TARGET_S else 'over'}); a role changed in "
                  f"{(t4 - t3) * 1e3:.1f} ms")
            dialog.close()
            dialog.deleteLater()
            app.processEvents()
        path = Path(folder) / "too-wide.csv"
        write_csv(path, limits.MAX_CSV_COLUMNS + 1, rows)
        t0 = time.perf_counter()
        try:
            datasets.csv_columns(path)
        except datasets.DatasetError as exc:
            print(f"{limits.MAX_CSV_COLUMNS + 1} columns refused in "
                  f"{(time.perf_counter() - t0) * 1e3:.1f} ms: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    run(parser.parse_args().rows)


if __name__ == "__main__":
    main()
