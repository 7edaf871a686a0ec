"""The command line: ``explain``, ``train`` and ``surface``, a thin layer over the engine.

Bad input of any kind exits with status 2 and one clear line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from .engine import document as doc_io
from .engine.backprop import backward
from .engine.explain import explain_iteration, format_number
from .engine.stepper import Iteration, plan_substeps
from .engine.training import Trainer

COMMANDS = ("explain", "train", "surface")


class UsageError(Exception):
    """Bad input: reported as one line on stderr with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _load(path: str) -> doc_io.Document:
    try:
        return doc_io.load(path)
    except doc_io.DocumentError as exc:
        raise UsageError(str(exc)) from None


def _trainer(doc: doc_io.Document) -> Trainer:
    return Trainer(doc.network, doc.data.inputs, doc.data.targets, doc.loss, doc.training)


# --- explain -------------------------------------------------------------------------------

def explain_json(doc: doc_io.Document) -> dict[str, Any]:
    """The whole data set's loss, gradients and one step's updated parameters, as JSON."""
    net = doc.network
    bp = backward(net, doc.data.inputs, doc.data.targets, doc.loss)
    trainer = _trainer(doc)
    step = trainer.step(trainer.initial_state())
    layers = []
    for k in range(len(net.layers)):
        layers.append({"name": _layer_name(net.sizes, k + 1),
                       "neurons": net.neurons[k + 1],
                       "net": bp.forward.nets[k].tolist(),
                       "out": bp.forward.outs[k + 1].tolist()})
    return {
        "loss": bp.loss,
        "parameters": net.as_dict(),
        "gradients": {n: float(g) for n, g in zip(net.names, bp.grad)},
        "updated": {n: float(v) for n, v in zip(net.names, step.after.params)},
        "layers": layers,
    }


def _layer_name(sizes: list[int], layer: int) -> str:
    if layer == len(sizes) - 1:
        return "output"
    return "hidden" if len(sizes) == 3 else f"hidden {layer}"


def explain_text(doc: doc_io.Document, markdown: bool = False, digits: int = 10) -> str:
    """The worked example of one training iteration, as the lesson writes it."""
    trainer = _trainer(doc)
    it = Iteration(trainer.step(trainer.initial_state()), tuple(plan_substeps(doc.network)))
    bp = it.backward
    out: list[str] = []
    title = f"{doc.name}: one training iteration"
    out += [f"# {title}" if markdown else title, ""]
    net = doc.network
    desc = (f"Network {'-'.join(map(str, net.sizes))}, loss {doc.loss}, optimizer "
            f"{doc.training.optimizer}, learning rate {format_number(doc.training.learning_rate)}"
            f", batch of {bp.n_samples} sample{'s' if bp.n_samples != 1 else ''}.")
    out += [desc, ""]
    if bp.n_samples > 1:
        out += ["The numbers in each formula are for the batch's first sample; the gradients "
                "are means over the batch.", ""]
    stage = None
    for sub, ex in zip(it.substeps, explain_iteration(it, doc.training, digits)):
        if sub.stage != stage:
            stage = sub.stage
            heading = {"forward": "Forward pass", "error": "Error",
                       "backward": "Backward pass (chain rule)", "update": "Update"}[stage]
            out += [f"## {heading}" if markdown else f"== {heading} ==", ""]
        if markdown:
            out += [f"### {ex.title}", "", "```", *ex.lines, "```", ""]
        else:
            out += [ex.title, *(f"  {line}" for line in ex.lines), ""]
    out.append(f"Loss before the step: {format_number(bp.loss, digits)}")
    after = trainer.dataset_loss(it.step.after.params)
    out.append(f"Loss after the step:  {format_number(after, digits)}")
    return "\n".join(out) + "\n"


def cmd_explain(args: argparse.Namespace) -> int:
    doc = _load(args.file)
    if args.json:
        print(json.dumps(explain_json(doc), indent=1))
    else:
        sys.stdout.write(explain_text(doc, markdown=args.format == "markdown",
                                      digits=args.digits))
    return 0


# --- train ---------------------------------------------------------------------------------

def cmd_train(args: argparse.Namespace) -> int:
    doc = _load(args.file)
    if args.steps < 0:
        raise UsageError("train: --steps must be 0 or more")
    trainer = _trainer(doc)
    result = trainer.run(trainer.initial_state(), args.steps)
    params = result.state.params
    names = doc.network.names
    if args.out:
        trained = doc.with_changes(network=doc.network.with_params(params))
        try:
            doc_io.save(trained, args.out)
        except doc_io.DocumentError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps({"losses": result.losses,
                          "parameters": {n: float(v) for n, v in zip(names, params)}}))
    else:
        losses = result.losses
        print(f"{result.steps} step{'s' if result.steps != 1 else ''} of "
              f"{doc.training.optimizer} (learning rate {format_number(doc.training.learning_rate)},"
              f" batch size {trainer.batch_size})")
        if losses:
            print(f"loss: first {format_number(losses[0], 10)}, last {format_number(losses[-1], 10)}"
                  f", lowest {format_number(min(losses), 10)}")
            print(f"loss over the whole data set now: "
                  f"{format_number(trainer.dataset_loss(params), 10)}")
        print("parameters:")
        for n, v in zip(names, params):
            print(f"  {n} = {format_number(v, 10)}")
        if args.out:
            print(f"saved to {args.out}")
    if result.divergence is not None:
        print(result.divergence.message, file=sys.stderr)
        return 1
    return 0


# --- surface -------------------------------------------------------------------------------

def cmd_surface(args: argparse.Namespace) -> int:
    from .engine import surface  # imported here: only this command needs it

    doc = _load(args.file)
    try:
        return surface.run_cli(doc, args)
    except surface.SurfaceError as exc:
        raise UsageError(f"surface: {exc}") from None


# --- entry ---------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The parser of the command-line tools."""
    parser = _Parser(prog="backprop-lab", description="Backprop Lab command-line tools.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("explain", help="print the worked example of one training iteration")
    p.add_argument("file")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument("--digits", type=int, default=10, help="significant digits (default 10)")
    p.set_defaults(func=cmd_explain)
    p = sub.add_parser("train", help="run optimizer steps and print the loss history")
    p.add_argument("file")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="save the trained document here")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("surface", help="the loss over a grid of two parameters")
    p.add_argument("file")
    p.add_argument("--axes", nargs=2, metavar=("P1", "P2"), required=True)
    p.add_argument("--grid", type=int, default=101)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--span", type=float, help="half-width of the range around each value")
    group.add_argument("--range", nargs=4, type=float, metavar=("XMIN", "XMAX", "YMIN", "YMAX"))
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", metavar="OUT")
    p.set_defaults(func=cmd_surface)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command-line tool; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        if getattr(args, "digits", 10) < 1 or getattr(args, "digits", 10) > 17:
            raise UsageError("explain: --digits must be from 1 to 17")
        with np.errstate(all="ignore"):
            return int(args.func(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
