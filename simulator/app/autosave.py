"""Autosave and crash recovery: the open document is copied to a recovery folder a few
seconds after each change, and a start after a crash offers to restore it.

Where: :func:`recovery_folder` (``QStandardPaths.AppDataLocation/recovery``, or the
folder named by the environment variable :data:`RECOVERY_ENV`). Never beside, or over,
the user's own file.

One running window owns one *slot* in that folder (:class:`RecoverySlot`), named by its
process id and a random part, ``KEY.json`` (the document, exactly as File > Save writes
it, so it also opens with File > Open) and ``KEY.info.json`` (its name, the file it was
opened from and when it was written), held by a lock file ``KEY.lock``
(:class:`~PySide6.QtCore.QLockFile`): two windows, or two instances of the app, never
write to the same files, and a start takes over only the slots whose process is gone
(:meth:`RecoveryStore.orphans`).

When: :class:`Autosaver` watches the model's ``fileChanged`` (every edit, undo, finished
iteration, reset, open and save). While the document has unsaved changes it is written
:data:`AUTOSAVE_DELAY_S` seconds after a change (a run that keeps changing it is written
every few seconds, not never); once there is nothing unsaved (saved, reverted, or a file
just opened) the slot is emptied, and a clean exit removes it.

Without blocking: the window only takes a snapshot (a reference to the immutable
document and a copy of the current parameters, microseconds); a worker thread builds
the JSON text with the pure-Python encoder (which lets the window's thread run every few
milliseconds, where ``json.dumps``'s C encoder would hold the interpreter for a second
on the largest document) and writes it with the engine's
:func:`~simulator.engine.files.atomic_write`. A document that takes long to write is
written less often (:data:`SLOWDOWN`).

Restoring is :mod:`simulator.app.recovery`'s dialog; its ``start_autosave`` sets it all
up for the app's window and tidies the folders of recent files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from ..engine import files
from ..engine.document import Document
from ..engine.limits import MAX_NAME_LENGTH, MAX_PATH_LENGTH
from ..engine.text import printable
from .model import LabModel

log = logging.getLogger("backprop_lab")

#: The environment variable that names another recovery folder (tests, portable use).
RECOVERY_ENV = "BACKPROP_RECOVERY_DIR"
#: Seconds between a change and its autosave.
AUTOSAVE_DELAY_S = 3.0
#: The next autosave waits at least this many times as long as the last one took, so that
#: a document that takes seconds to write costs a run at most a tenth of its time.
SLOWDOWN = 10.0
#: Seconds before an autosave that failed (a full disk, a folder gone) is tried again.
RETRY_AFTER_FAILURE_S = 30.0
#: What the info file of a slot says it is.
INFO_FORMAT = "backprop-lab-recovery"
INFO_VERSION = 1
#: The largest info file read (it holds a name, a path and a time).
MAX_INFO_BYTES = 64_000
#: Encoded pieces joined at a time (about 100 kB of text; the cancel request is looked at
#: between two batches).
_BATCH = 16_384

_DOCUMENT_SUFFIX = ".json"
_INFO_SUFFIX = ".info.json"
_LOCK_SUFFIX = ".lock"


def recovery_folder() -> Path:
    """The folder of autosaved documents: ``$BACKPROP_RECOVERY_DIR`` if set, else
    ``recovery`` in the app's data folder (QStandardPaths.AppDataLocation)."""
    override = os.environ.get(RECOVERY_ENV, "").strip()
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery" if base else Path.home() / ".backprop-lab" / "recovery"


def _lock_for(path: Path) -> QLockFile:
    lock = QLockFile(str(path))
    # A slot is given up only when its process is gone, never for its age: a window may
    # hold one for days.
    lock.setStaleLockTime(0)
    return lock


# --- the folder ------------------------------------------------------------------------------

@dataclass
class RecoveryEntry:
    """An autosaved document whose window is gone (a crash, a kill, a power cut).

    While it exists, this process holds its lock (no other start offers it too);
    :meth:`RecoveryStore.release` lets the next start offer it again (Later),
    :meth:`RecoveryStore.discard` removes it, :meth:`Autosaver.adopt` takes it over
    (Restore).
    """

    key: str
    document_path: Path
    info_path: Path
    lock: QLockFile
    name: str
    original: str | None
    saved_at: float

    @property
    def shown_name(self) -> str:
        """The document's name as a message shows it (control characters escaped)."""
        return printable(self.name, 80) or "Untitled"


class RecoverySlot:
    """This window's files in the recovery folder (locked while it runs)."""

    def __init__(self, folder: Path, key: str, lock: QLockFile) -> None:
        self.folder = folder
        self.key = key
        self.lock = lock
        self.document_path = folder / f"{key}{_DOCUMENT_SUFFIX}"
        self.info_path = folder / f"{key}{_INFO_SUFFIX}"

    def write(self, data: bytes, info: dict[str, Any]) -> None:
        """Write the info and then the document's bytes, each atomically (raises OSError).
        In this order an autosaved document always has its info beside it (this write's,
        or the one before when a crash cuts in between), so a recovery offer can name it."""
        files.atomic_write(self.info_path, json.dumps(info).encode("utf-8"))
        files.atomic_write(self.document_path, data)

    def clear(self) -> None:
        """Remove the document and its info (the lock stays)."""
        for path in (self.info_path, self.document_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def has_document(self) -> bool:
        """Whether an autosaved document is in the slot."""
        return self.document_path.exists()

    def close(self) -> None:
        """Empty the slot and give it up (a clean exit)."""
        with contextlib.suppress(OSError):
            self.clear()
        self.lock.unlock()


class RecoveryStore:
    """The recovery folder: one slot per running window, and what crashed ones left."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else recovery_folder()

    def claim(self) -> RecoverySlot:
        """A new slot for this window, locked (raises OSError if the folder cannot be
        made or written)."""
        # Private to the user: the copies are their work (a school computer is shared).
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for _ in range(8):
            key = f"{os.getpid()}-{secrets.token_hex(4)}"
            lock = _lock_for(self.folder / f"{key}{_LOCK_SUFFIX}")
            if lock.tryLock(0):
                return RecoverySlot(self.folder, key, lock)
            if lock.error() != QLockFile.LockError.LockFailedError:
                break
        raise OSError(f"cannot write to the recovery folder {self.folder}")

    def orphans(self, skip: Iterable[str] = ()) -> list[RecoveryEntry]:
        """The autosaved documents whose process is gone, newest first. Each is locked by
        this process until released, discarded or adopted; one a running window holds is
        left alone. Reads only the small info files."""
        skipped = set(skip)
        try:
            names = os.listdir(self.folder)
        except OSError:
            return []
        keys = set()
        for name in names:
            for suffix in (_INFO_SUFFIX, _DOCUMENT_SUFFIX, _LOCK_SUFFIX):
                if name.endswith(suffix) and not name.startswith("."):
                    keys.add(name[: -len(suffix)])
                    break
        entries = []
        for key in sorted(keys - skipped):
            lock = _lock_for(self.folder / f"{key}{_LOCK_SUFFIX}")
            if not lock.tryLock(0):
                continue  # a running window's slot
            entry = self._entry(key, lock)
            if entry is None:  # a lock or an info file without a document: tidy it
                with contextlib.suppress(OSError):
                    (self.folder / f"{key}{_INFO_SUFFIX}").unlink(missing_ok=True)
                lock.unlock()
                continue
            entries.append(entry)
        entries.sort(key=lambda e: e.saved_at, reverse=True)
        return entries

    def _entry(self, key: str, lock: QLockFile) -> RecoveryEntry | None:
        document_path = self.folder / f"{key}{_DOCUMENT_SUFFIX}"
        info_path = self.folder / f"{key}{_INFO_SUFFIX}"
        try:
            saved_at = document_path.stat().st_mtime
        except OSError:
            return None  # gone meanwhile
        name, original = "", None
        info = _read_info(info_path)
        if info is not None:
            if isinstance(info.get("name"), str):
                name = info["name"][:MAX_NAME_LENGTH]
            if isinstance(info.get("file"), str) and info["file"]:
                original = info["file"][:MAX_PATH_LENGTH]
        return RecoveryEntry(key, document_path, info_path, lock, name, original, saved_at)

    def release(self, entry: RecoveryEntry) -> None:
        """Keep ``entry`` for a later start (Later)."""
        entry.lock.unlock()

    def discard(self, entry: RecoveryEntry) -> None:
        """Remove ``entry`` (Discard)."""
        for path in (entry.info_path, entry.document_path):
            with contextlib.suppress(OSError):
                path.unlink()
        entry.lock.unlock()


def _read_info(path: Path) -> dict[str, Any] | None:
    """A slot's info file, or None when it is missing or unreadable (never raises)."""
    try:
        raw = json.loads(files.read_regular(path, MAX_INFO_BYTES).decode("utf-8"))
    except (files.UnreadableFile, ValueError, RecursionError):
        return None
    if not isinstance(raw, dict) or raw.get("format") != INFO_FORMAT:
        return None
    return raw


# --- writing in the background ---------------------------------------------------------------

class _Cancelled(Exception):
    """An autosave given up because the window is closing."""


@dataclass(frozen=True)
class _Snapshot:
    """What the window hands the worker: cheap to take, never changed afterwards."""

    generation: int
    document: Document
    params: np.ndarray
    name: str
    original: str | None


def encode_document(doc: Document, cancel: threading.Event | None = None) -> bytes:
    """``doc.to_json()`` encoded in UTF-8, built piece by piece with the pure-Python
    encoder so that a worker thread lets the window's thread run in between (``json.dumps``
    runs in C and holds the interpreter for the whole document; so would one join of its
    millions of pieces). Raises :class:`_Cancelled` soon after ``cancel`` is set."""
    encoder = json.JSONEncoder(indent=1, allow_nan=False)
    chunks: list[bytes] = []
    batch: list[str] = []
    for part in encoder.iterencode(doc.to_dict()):
        batch.append(part)
        if len(batch) == _BATCH:
            chunks.append("".join(batch).encode("utf-8"))
            batch.clear()
            if cancel is not None and cancel.is_set():
                raise _Cancelled
    batch.append("\n")
    chunks.append("".join(batch).encode("utf-8"))
    return b"".join(chunks)


class _Relay(QObject):
    """Carries a worker's result to the window's thread (a queued signal)."""

    done = Signal(object)


class Autosaver(QObject):
    """Keeps an autosaved copy of ``model``'s document in a slot of ``store`` while it
    has unsaved changes.

    Signals: ``saved(str)`` the path written; ``cleared()`` the slot was emptied (nothing
    unsaved); ``failed(str)`` a one-line message (the slot could not be written; the
    window says so once).
    """

    saved = Signal(str)
    cleared = Signal()
    failed = Signal(str)

    def __init__(self, model: LabModel, store: RecoveryStore, delay_s: float = AUTOSAVE_DELAY_S,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.store = store
        self.slot = store.claim()
        self.delay_s = delay_s
        self._generation = 0  # bumped on every change of the model
        self._written_generation = -1
        self._jobs = 0  # submitted to the worker and not yet done
        self._closed = False
        self._last_seconds = 0.0
        self._last_error = ""
        self._failing = False
        self._cancel = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._pending: Future[object] | None = None
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.save_now)
        model.fileChanged.connect(self._on_changed)
        self._on_changed()

    # --- state -----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """Where this window's document is autosaved."""
        return self.slot.document_path

    @property
    def busy(self) -> bool:
        """Whether the worker has a write (or a removal) to finish."""
        return self._jobs > 0

    @property
    def pending(self) -> bool:
        """Whether an autosave is waiting for its time (or for a running write)."""
        return self._timer.isActive()

    @property
    def up_to_date(self) -> bool:
        """Whether the slot holds the document as it is now (or nothing, when nothing is
        unsaved) and no write is running or waiting."""
        if self.busy or self._timer.isActive():
            return False
        if self.model.modified:
            return self._written_generation == self._generation
        return self._written_generation < 0

    @property
    def last_seconds(self) -> float:
        """How long the worker took for the last autosave."""
        return self._last_seconds

    # --- following the model ---------------------------------------------------------------

    def _on_changed(self) -> None:
        if self._closed:
            return
        self._generation += 1
        if not self.model.modified:
            self._timer.stop()
            self._submit(None)  # empty the slot, after any write still running
            return
        if not self._timer.isActive() and not self.busy:
            self._timer.start(int(self._delay() * 1000))

    def _delay(self) -> float:
        delay = max(self.delay_s, SLOWDOWN * self._last_seconds)
        return max(delay, RETRY_AFTER_FAILURE_S) if self._failing else delay

    def save_now(self) -> None:
        """Autosave now (in the background), if there is anything unsaved."""
        self._timer.stop()
        if self._closed or not self.model.modified:
            return
        if self.busy:
            return  # _on_done starts the timer again: the change is not lost
        model = self.model
        snapshot = _Snapshot(self._generation, model.document, model.params.copy(),
                             model.document.name, str(model.path) if model.path else None)
        self._submit(snapshot)

    def _submit(self, snapshot: _Snapshot | None) -> None:
        if snapshot is None and self._written_generation < 0 and not self.busy:
            return  # nothing was written: nothing to remove
        self._jobs += 1
        self._pending = self._executor.submit(self._work, snapshot)

    # --- the worker ------------------------------------------------------------------------

    def _work(self, snapshot: _Snapshot | None) -> None:
        started = time.perf_counter()
        result: tuple[str, object, float]
        try:
            if snapshot is None:
                self.slot.clear()
                result = ("cleared", None, 0.0)
            else:
                doc = snapshot.document.with_changes(
                    network=snapshot.document.network.with_params(snapshot.params))
                data = encode_document(doc, self._cancel)
                info = {"format": INFO_FORMAT, "version": INFO_VERSION, "name": snapshot.name,
                        "file": snapshot.original, "saved": time.time(), "pid": os.getpid()}
                self.slot.write(data, info)
                result = ("saved", snapshot.generation, time.perf_counter() - started)
        except _Cancelled:
            result = ("cancelled", None, 0.0)
        except Exception as exc:  # a worker's exception would vanish into its Future
            if not isinstance(exc, (OSError, ValueError)):
                log.exception("Autosave failed")
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            result = ("failed", printable(str(reason) or type(exc).__name__, 200), 0.0)
        if not self._cancel.is_set():
            with contextlib.suppress(RuntimeError):  # the window went without close()
                self._relay.done.emit(result)

    def _on_done(self, result: tuple[str, object, float]) -> None:
        kind, value, seconds = result
        self._jobs -= 1
        if self._closed:
            return
        if kind == "saved":
            assert isinstance(value, int)
            self._written_generation = value
            self._last_seconds = seconds
            self._last_error = ""
            self._failing = False
            self.saved.emit(str(self.slot.document_path))
        elif kind == "cleared":
            self._written_generation = -1
            self.cleared.emit()
        elif kind == "failed":
            self._failing = True
            message = f"Autosave failed: {value} (in {self.store.folder})"
            if message != self._last_error:
                self._last_error = message
                log.warning("%s", message)
                self.failed.emit(message)
        if self.busy:
            return  # the next job reports in its turn
        # A change that came in while the worker ran is saved (or cleared) now.
        if self.model.modified:
            if self._generation != self._written_generation and not self._timer.isActive():
                self._timer.start(int(self._delay() * 1000))
        elif self._written_generation >= 0:
            self._submit(None)

    # --- taking over, waiting and closing --------------------------------------------------

    def adopt(self, entry: RecoveryEntry) -> None:
        """Make ``entry``'s autosaved document this window's (after restoring it): its
        files move into this slot, so it stays recoverable until the next autosave."""
        self.wait()
        os.replace(entry.document_path, self.slot.document_path)
        with contextlib.suppress(OSError):
            os.replace(entry.info_path, self.slot.info_path)
        entry.lock.unlock()
        self._written_generation = self._generation

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for a running write (tests, and before a restore); True if none runs.
        The result reaches the window through its event loop."""
        pending = self._pending
        if pending is None:
            return True
        try:
            pending.result(timeout=timeout_s)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        """A clean exit: stop, give up a running write and remove the slot."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._cancel.set()
        with contextlib.suppress(RuntimeError, TypeError):
            self.model.fileChanged.disconnect(self._on_changed)
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.slot.close()


# --- the app's set-up -------------------------------------------------------------------------

def tidy_folders(folders: Iterable[str | os.PathLike[str]]) -> None:
    """Remove the stale temporary files of killed saves from ``folders`` (each folder
    once; a folder that cannot be read is skipped). Meant for a background thread: a
    folder on a slow network drive may take a while to list."""
    seen: set[str] = set()
    for folder in folders:
        key = os.path.normcase(os.path.abspath(folder))
        if key in seen:
            continue
        seen.add(key)
        with contextlib.suppress(OSError):
            files.tidy_folder(folder)


def tidy_in_background(folders: Iterable[str | os.PathLike[str]]) -> threading.Thread:
    """:func:`tidy_folders` in a daemon thread (an exit never waits for it)."""
    thread = threading.Thread(target=tidy_folders, args=(list(folders),),
                              name="tidy-folders", daemon=True)
    thread.start()
    return thread


__all__ = [
    "AUTOSAVE_DELAY_S",
    "RECOVERY_ENV",
    "RETRY_AFTER_FAILURE_S",
    "SLOWDOWN",
    "Autosaver",
    "RecoveryEntry",
    "RecoverySlot",
    "RecoveryStore",
    "encode_document",
    "recovery_folder",
    "tidy_folders",
    "tidy_in_background",
]
