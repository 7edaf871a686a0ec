"""``train``: run optimizer steps and print (or save) the result."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..engine import document as doc_io
from ..engine.health import check_health, health_pass
from ..engine.limits import MAX_ABS_INTERMEDIATE
from ..engine.numbers import format_number
from ..engine.training import RunResult, Trainer, TrainState
from .common import UsageError, load_document, make_trainer


def cmd_train(args: argparse.Namespace) -> int:
    """Run ``train``."""
    if args.out is not None and not args.out:
        raise UsageError("train: --out needs a file name")
    if args.steps < 0:
        raise UsageError("train: --steps must be 0 or more")
    doc = load_document(args.file)
    trainer = make_trainer(doc)
    start = trainer.initial_state()
    # The test loss at the parameters of each step's loss (before its update).
    test_losses: list[float] = []

    def record_test_loss(state: TrainState) -> None:
        loss = trainer.test_loss(state.params)
        if loss is not None:
            test_losses.append(loss)

    record_test_loss(start)
    result = trainer.run(start, args.steps,
                         record=record_test_loss if trainer.has_test else None)
    del test_losses[result.steps:]
    params = result.state.params
    learned = _what_it_learned(trainer, result, test_losses)
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
                          "parameters": {n: float(v) for n, v in zip(names, params)},
                          **learned}))
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
        for key, what in (("accuracy", "training"), ("test_accuracy", "test")):
            if key in learned:
                print(f"{what} accuracy: {format_number(100 * learned[key], 4)} %")
        if "test_losses" in learned and test_losses:
            print(f"test loss: first {format_number(test_losses[0], 10)}, "
                  f"lowest {format_number(min(test_losses), 10)}")
        for warning in learned["health"]:
            print(f"warning ({warning['kind']}, {warning['where']}): {warning['message']}")
        print("parameters:")
        for n, v in zip(names, params):
            print(f"  {n} = {format_number(v, 10)}")
        if args.out:
            print(f"saved to {args.out}")
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


def _what_it_learned(trainer: Trainer, result: RunResult,
                     test_losses: list[float]) -> dict[str, Any]:
    """Accuracy (train and test, when it applies), the test losses (with a test split) and
    the training-health warnings at the end of the run."""
    params = result.state.params
    learned: dict[str, Any] = {}
    accuracy = trainer.accuracy(params)
    if accuracy is not None:
        learned["accuracy"] = accuracy
    if trainer.has_test:
        learned["test_losses"] = test_losses
        test_accuracy = trainer.test_accuracy(params)
        if test_accuracy is not None:
            learned["test_accuracy"] = test_accuracy
    report = check_health(health_pass(trainer, params), result.losses, result.state.iteration,
                          result.divergence, trainer.batch_size >= trainer.n_samples)
    learned["health"] = [w.as_dict() for w in report.warnings]
    return learned


def add_parser(sub: Any) -> None:
    """Register ``train`` on the sub-command parsers."""
    p = sub.add_parser("train", help="run optimizer steps and print the loss history")
    p.add_argument("file")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", metavar="FILE", help="save the trained document here")
    p.set_defaults(func=cmd_train)
