"""Every limit on what a document, an edit, a typed value or a command may hold.

The loader, the edits, every input widget and the command line read their bounds from
here, so a value the interface accepts is a value that saves and reopens.
"""

from __future__ import annotations

#: Layers of a network, the input layer included.
MAX_LAYERS = 12
#: Neurons in one layer: beyond this the canvas and the derivations stop being a lesson.
MAX_NEURONS = 64
#: Samples in a data set (training and test split each).
MAX_SAMPLES = 100_000
#: The largest magnitude of any number in a document (parameters, data, settings).
MAX_ABS_VALUE = 1e12
#: Significant digits a view may show.
MIN_DIGITS = 1
MAX_DIGITS = 15
#: Digits shown when nothing else is chosen (settings, model, ``explain``, handouts).
DEFAULT_DIGITS = 5

#: Characters in a typed expression (function lab): longer text is refused before parsing.
MAX_EXPRESSION_LENGTH = 4000
#: Nesting of a typed expression: parentheses, function calls, unary signs and powers.
MAX_EXPRESSION_DEPTH = 200

__all__ = ["DEFAULT_DIGITS", "MAX_ABS_VALUE", "MAX_DIGITS", "MAX_EXPRESSION_DEPTH",
           "MAX_EXPRESSION_LENGTH", "MAX_LAYERS", "MAX_NEURONS", "MAX_SAMPLES", "MIN_DIGITS"]
