"""What every command shares: the one-line usage error, the parser that raises it,
loading a document as a usage error, and the check that an iteration can be shown."""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from ..engine import document as doc_io
from ..engine.text import printable
from ..engine.training import Trainer


class UsageError(Exception):
    """Bad input: reported as one line on stderr with exit status 2. Control characters in
    the message are shown escaped and long quoted values (a 5,000-digit ``--steps``) are
    shortened."""

    def __init__(self, message: str) -> None:
        short = re.sub(r"'([^']{60})[^']+'", r"'\1...'", str(message))
        super().__init__(printable(short, 1000))


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def load_document(path: str) -> doc_io.Document:
    """The document at ``path``, or a :class:`UsageError` with the loader's message."""
    try:
        return doc_io.load(path)
    except doc_io.DocumentError as exc:
        raise UsageError(str(exc)) from None


def make_trainer(doc: doc_io.Document) -> Trainer:
    """A trainer for ``doc``'s network, data (with its test split), loss and training
    settings."""
    return Trainer.for_document(doc)


def first_step_problem(doc: doc_io.Document) -> str | None:
    """Why the first training iteration of ``doc`` cannot be shown (a number of it would
    not be finite or would pass the limits), or None. A command that prints an iteration
    says this instead (exit status 1), as the app refuses to step into it."""
    trainer = make_trainer(doc)
    divergence = trainer.check(trainer.step(trainer.initial_state(), keep=False))
    return divergence.message if divergence is not None else None
