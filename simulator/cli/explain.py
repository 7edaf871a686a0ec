"""``explain``: the worked example of one training iteration (text, Markdown or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..engine import document as doc_io
from ..engine.backprop import backward
from ..engine.explain import explain_iteration
from ..engine.explanation_render import MarkdownRenderer, TextRenderer
from ..engine.features import network_inputs
from ..engine.metrics import accuracy
from ..engine.numbers import format_number
from ..engine.stepper import Iteration, plan_substeps
from .common import UsageError, first_step_problem, load_document, make_trainer

#: The section headings of the worked example, by stage.
STAGE_HEADINGS: dict[str, str] = {"forward": "Forward pass", "error": "Error",
                                  "backward": "Backward pass (chain rule)", "update": "Update"}


def explain_json(doc: doc_io.Document) -> dict[str, Any]:
    """The whole data set's loss, gradients and one step's updated parameters, as JSON."""
    net = doc.network
    bp = backward(net, network_inputs(net, doc.data.inputs), doc.data.targets, doc.loss,
                  doc.training.penalty)
    trainer = make_trainer(doc)
    step = trainer.step(trainer.initial_state())
    layers = []
    for k in range(len(net.layers)):
        layers.append({"name": _layer_name(net.sizes, k + 1),
                       "neurons": net.neurons[k + 1],
                       "net": bp.forward.nets[k].tolist(),
                       "out": bp.forward.outs[k + 1].tolist()})
    result: dict[str, Any] = {
        "loss": bp.loss,
        "parameters": net.as_dict(),
        "gradients": {n: float(g) for n, g in zip(net.names, bp.grad)},
        "updated": {n: float(v) for n, v in zip(net.names, step.after.params)},
        "layers": layers,
    }
    if bp.penalty is not None:  # E = data loss + penalty
        result["data_loss"] = bp.data_loss
        result["penalty"] = bp.penalty_loss
    right = accuracy(bp.forward.output, doc.data.targets)
    if right is not None:
        result["accuracy"] = right
    return result


def _layer_name(sizes: list[int], layer: int) -> str:
    if layer == len(sizes) - 1:
        return "output"
    return "hidden" if len(sizes) == 3 else f"hidden {layer}"


def explain_text(doc: doc_io.Document, markdown: bool = False, digits: int = 10) -> str:
    """The worked example of one training iteration, as the lesson writes it: every
    sub-step's explanation, rendered as plain text or Markdown."""
    trainer = make_trainer(doc)
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
    renderer = MarkdownRenderer(digits) if markdown else TextRenderer(digits)
    stage = None
    for sub, ex in zip(it.substeps, explain_iteration(it, doc.training)):
        if sub.stage != stage:
            stage = sub.stage
            heading = STAGE_HEADINGS[stage]
            out += [f"## {heading}" if markdown else f"== {heading} ==", ""]
        if markdown:
            out += [renderer.render(ex), ""]
        else:
            out += [ex.title, *(f"  {line.text}" for line in renderer.lines(ex)), ""]
    out.append(f"Loss before the step: {format_number(bp.loss, digits)}")
    after = trainer.dataset_loss(it.step.after.params)
    out.append(f"Loss after the step:  {format_number(after, digits)}")
    return "\n".join(out) + "\n"


def cmd_explain(args: argparse.Namespace) -> int:
    """Run ``explain``."""
    if not 1 <= args.digits <= 17:
        raise UsageError("explain: --digits must be from 1 to 17")
    doc = load_document(args.file)
    if (problem := first_step_problem(doc)) is not None:
        print(problem, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(explain_json(doc), indent=1))
    else:
        sys.stdout.write(explain_text(doc, markdown=args.format == "markdown",
                                      digits=args.digits))
    return 0


def add_parser(sub: Any) -> None:
    """Register ``explain`` on the sub-command parsers."""
    p = sub.add_parser("explain", help="print the worked example of one training iteration")
    p.add_argument("file")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument("--digits", type=int, default=10, help="significant digits (default 10)")
    p.set_defaults(func=cmd_explain)
