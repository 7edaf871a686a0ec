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
#: The largest weight-penalty strengths l1 and l2 of a document's "training" (as TensorFlow
#: Playground's largest regularisation rate): beyond them the penalty swamps any data loss.
MAX_L1 = 10.0
MAX_L2 = 10.0
#: Significant digits a view may show.
MIN_DIGITS = 1
MAX_DIGITS = 15
#: Digits shown when nothing else is chosen (settings, model, ``explain``, handouts).
DEFAULT_DIGITS = 5

__all__ = ["DEFAULT_DIGITS", "MAX_ABS_VALUE", "MAX_DIGITS", "MAX_L1", "MAX_L2", "MAX_LAYERS",
           "MAX_NEURONS", "MAX_SAMPLES", "MIN_DIGITS"]
