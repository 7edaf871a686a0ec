"""The grids' thread pool: the grid is cut into blocks of grid points and the blocks are
spread over a few threads (NumPy releases the GIL in its loops), each with its own
:class:`~.kernels.Workspace`.

Whether threads help is measured as they run (:class:`ThreadCheck`): on a machine whose
cores are kept busy by other processes, threads only wait for each other, and one thread is
used until it is time to try again.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from .kernels import Workspace

#: Elements (float64) in the widest array of one chunk when one thread does the work:
#: ~1.3 MB, so that a chunk's working set stays in a core's L2 cache. With several threads
#: chunks are 4x larger: fewer NumPy calls, so less waiting for the GIL between them, which
#: costs more than the cache misses (measured on the 2-core benchmark machine). Memory use
#: is a few such arrays per thread.
CHUNK_ELEMENTS = 160_000
CHUNK_ELEMENTS_THREADED = 640_000
MAX_WORKERS = 4
#: A thread keeps its scratch arrays for the next call up to this many elements.
KEEP_WORKSPACE_ELEMENTS = 1 << 22


class Block(NamedTuple):
    """Rows ``r0 .. r1 - 1`` and columns ``c0 .. c1 - 1`` of a grid."""

    r0: int
    r1: int
    c0: int
    c1: int

    @property
    def rows(self) -> slice:
        """The block's rows."""
        return slice(self.r0, self.r1)

    @property
    def cols(self) -> slice:
        """The block's columns."""
        return slice(self.c0, self.c1)


#: The work done on one block, with the running thread's scratch arrays.
BlockWork = Callable[[Block, Workspace], None]


class ThreadCheck:
    """Whether the worker threads lately had CPUs to themselves.

    After each threaded run of at least MIN_CHECK_SECONDS, the process's CPU time is
    compared with the wall time: threads that really ran side by side used well over one
    CPU-second per second. When they did not (other processes keep the CPUs busy), the
    threads only wait for each other (each NumPy call takes the GIL back, and a thread
    holding it may be descheduled): on the 2-core benchmark machine, with both cores kept
    busy by other processes, two threads have taken up to 30% longer than one, while with a
    core free they take about 35% less. So after a run without parallelism the default is
    one thread, and threads are tried again after RETRY_SECONDS."""

    MIN_CHECK_SECONDS = 0.005
    RETRY_SECONDS = 2.0
    MIN_SPEEDUP = 1.25  # CPU seconds per wall second that count as running side by side

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parallel = True
        self.checked_at = -math.inf

    def threads_help(self) -> bool:
        """Whether to use several threads now."""
        with self.lock:
            return self.parallel or time.monotonic() - self.checked_at >= self.RETRY_SECONDS

    def record(self, wall: float, cpu: float) -> None:
        """Note how a threaded run went: its wall time and the CPU time it used."""
        if wall < self.MIN_CHECK_SECONDS:
            return
        with self.lock:
            self.parallel = cpu >= self.MIN_SPEEDUP * wall
            self.checked_at = time.monotonic()


thread_check = ThreadCheck()
_local = threading.local()  # each thread's workspace, kept from call to call
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def worker_count() -> int:
    """Threads the grid computations use by default: the CPUs this process may run on (at
    most MAX_WORKERS), or 1 while the last threaded run showed that the threads did not
    get CPUs of their own (see :class:`ThreadCheck`)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    n = max(1, min(MAX_WORKERS, cpus))
    if n > 1 and not thread_check.threads_help():
        return 1
    return n


def threads(workers: int | None) -> int:
    """The number of threads to use: ``workers``, or :func:`worker_count` when None."""
    return worker_count() if workers is None else max(1, int(workers))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="surface")
        return _pool


def run_blocks(blocks: list[Block], work: BlockWork, workers: int) -> None:
    """Run ``work`` on every block, over ``workers`` threads (the calling one and pool
    threads) that each take the next block not yet taken, so that a thread slowed down by
    another process simply takes fewer. Floating-point warnings are silenced (a loss that
    overflows is reported as +inf by the callers)."""
    n = min(workers, len(blocks))
    lock = threading.Lock()
    next_index = [0]

    def task() -> None:
        ws = getattr(_local, "workspace", None)
        if ws is None:
            ws = _local.workspace = Workspace()
        try:
            with np.errstate(all="ignore"):
                while True:
                    with lock:
                        i = next_index[0]
                        next_index[0] += 1
                    if i >= len(blocks):
                        return
                    work(blocks[i], ws)
        finally:
            if ws.size > KEEP_WORKSPACE_ELEMENTS:  # do not hold on to a huge chunk's arrays
                _local.workspace = None

    wall, cpu = time.perf_counter(), time.process_time()
    futures = [_executor().submit(task) for _ in range(n - 1)]  # the caller is one more
    try:
        task()
    finally:
        for f in futures:
            f.result()
    if n > 1:
        thread_check.record(time.perf_counter() - wall, time.process_time() - cpu)


def chunks(nx: int, ny: int, per_point: int, workers: int = 1) -> list[Block]:
    """Cut an (nx, ny) grid into blocks of about CHUNK_ELEMENTS elements
    (CHUNK_ELEMENTS_THREADED for several threads, but at least 4 blocks per thread when the
    grid allows), given ``per_point`` elements per grid point: whole rows when a row
    fits."""
    per_point = max(1, per_point)
    target = CHUNK_ELEMENTS if workers <= 1 else \
        max(CHUNK_ELEMENTS, min(CHUNK_ELEMENTS_THREADED, nx * ny * per_point // (4 * workers)))
    cols = max(1, min(ny, target // per_point))
    if cols < ny:  # a row is too big: cut it into equal column blocks
        blocks = -(-ny // cols)
        cols = -(-ny // blocks)
        return [Block(r, r + 1, c, min(ny, c + cols))
                for r in range(nx) for c in range(0, ny, cols)]
    rows = max(1, min(nx, target // (per_point * ny)))
    blocks = -(-nx // rows)
    rows = -(-nx // blocks)
    return [Block(r, min(nx, r + rows), 0, ny) for r in range(0, nx, rows)]
