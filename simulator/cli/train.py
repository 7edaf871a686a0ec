"""``train``: run optimizer steps and print (or save) the result."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..engine import document as doc_io
from ..engine.limits import MAX_ABS_INTERMEDIATE
from ..engine.numbers import format_number
from .common import UsageError, load_document, make_trainer


def cmd_train(args: argparse.Namespace) -> int:
    """Run ``train``."""
    if args.out is not None and not args.out:
        raise UsageError("train: --out needs a file name")
    if args.steps < 0:
        raise UsageError("train: --steps must be 0 or more")
    doc = load_document(args.file)
    trainer = make_trainer(doc)
    result = trainer.run(trainer.initial_state(), args.steps)
    params = result.state.params
    names = doc.network.names
    problem = result.divergence.message if result.divergence is not None else None
    if args.out:
        try:
            trained = doc.with_changes(network=doc.network.with_params(params))
            doc_io.save(trained, args.out)
        except doc_io.DocumentError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps({"losses": result.losses,
                          "parameters": {n: float(v) for n, v in zip(names, params)}}))
    else:
        losses = result.losses
        lr = format_number(doc.training.learning_rate)
        print(f"{result.steps} step{'s' if result.steps != 1 else ''} of "
              f"{doc.training.optimizer} (learning rate {lr}, batch size {trainer.batch_size})")
        if losses:
            print(f"loss: first {format_number(losses[0], 10)}, "
                  f"last {format_number(losses[-1], 10)}, lowest {format_number(min(losses), 10)}")
            whole = trainer.dataset_loss(params)
            if abs(whole) <= MAX_ABS_INTERMEDIATE:
                print(f"loss over the whole data set now: {format_number(whole, 10)}")
            else:  # a mini-batch stayed inside the limits, the whole data set does not
                print("loss over the whole data set now: out of range")
                problem = problem or ("The loss over the whole data set is not a finite "
                                      f"number below {format_number(MAX_ABS_INTERMEDIATE)} "
                                      "at the trained parameters.")
        print("parameters:")
        for n, v in zip(names, params):
            print(f"  {n} = {format_number(v, 10)}")
        if args.out:
            print(f"saved to {args.out}")
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


def add_parser(sub: Any) -> None:
    """Register ``train`` on the sub-command parsers."""
    p = sub.add_parser("train", help="run optimizer steps and print the loss history")
    p.add_argument("file")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", metavar="FILE", help="save the trained document here")
    p.set_defaults(func=cmd_train)
