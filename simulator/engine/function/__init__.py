"""The function lab's engine: gradient descent on a function the student types.

Modules, from text to lesson:

- :mod:`.parse` (with :mod:`.tree`, :mod:`.errors`, :mod:`.functions`): the hand-written
  parser, a security boundary: text is parsed, never evaluated;
- :mod:`.graph`: the computational graph, values forward and gradients backward
  (micrograd's way, flat and iterative, vectorised with NumPy);
- :mod:`.analysis`: :func:`parse_function` and :class:`Function` (values, gradients, grids,
  curves, the graph's trace, the symbolic derivatives);
- :mod:`.symbolic`, :mod:`.derivative`, :mod:`.printer`: derivatives simplified as a
  textbook writes them, in the expression syntax;
- :mod:`.descent`: gradient descent, momentum and Adam (the network optimizers' rules),
  stepped, with each step's arithmetic;
- :mod:`.pirate`: the random walker beside the descent;
- :mod:`.nudge`: the nudge probe (central differences beside the analytic derivative), for
  a function and for a network parameter;
- :mod:`.examples`: the built-in examples (resources/functions/examples.json).

Nothing here imports Qt.
"""

from __future__ import annotations

from .analysis import Function, Point, PointError, parse_function
from .derivative import Derivative
from .descent import (
                      DESCENT_OPTIMIZERS,
                      MAX_DESCENT_STEPS,
                      Descent,
                      DescentStep,
                      DescentStop,
                      PathPoint,
                      descent_config,
)
from .errors import ExpressionError
from .examples import Check, ExampleError, FunctionExample, Slip, load_examples, quantity_value
from .functions import FUNCTION_NAMES, FUNCTIONS
from .graph import ComputationGraph, Edge, GraphNode, GraphTrace
from .nudge import EPSILONS, NudgeProbe, NudgeRow, nudge_document, nudge_function, nudge_network
from .pirate import (
                      DEFAULT_TOLERANCE,
                      DOWNHILL_ONLY,
                      PirateStep,
                      PirateWalk,
                      Race,
                      pirate_for,
                      pirate_walk,
                      race,
                      steps_to_within,
)
from .tree import CONSTANTS

__all__ = [
    "CONSTANTS", "DEFAULT_TOLERANCE", "DESCENT_OPTIMIZERS", "DOWNHILL_ONLY", "EPSILONS",
    "FUNCTIONS", "FUNCTION_NAMES", "MAX_DESCENT_STEPS", "Check", "ComputationGraph",
    "Derivative", "Descent", "DescentStep", "DescentStop", "Edge", "ExampleError",
    "ExpressionError", "Function", "FunctionExample", "GraphNode", "GraphTrace", "NudgeProbe",
    "NudgeRow", "PathPoint", "PirateStep", "PirateWalk", "Point", "PointError", "Race", "Slip",
    "descent_config", "load_examples", "nudge_document", "nudge_function", "nudge_network",
    "parse_function", "pirate_for", "pirate_walk", "quantity_value", "race", "steps_to_within",
]
