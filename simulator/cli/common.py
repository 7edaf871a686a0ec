"""What every command shares: the one-line usage error, the parser that raises it, and
loading a document as a usage error."""

from __future__ import annotations

import argparse
from typing import NoReturn

from ..engine import document as doc_io
from ..engine.training import Trainer


class UsageError(Exception):
    """Bad input: reported as one line on stderr with exit status 2."""


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
