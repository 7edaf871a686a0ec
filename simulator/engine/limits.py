"""Every limit on what a document, an edit, a typed value or a command may hold.

The loader, the edits, every input widget and the command line read their bounds from
here, so a value the interface accepts is a value that saves and reopens. Ranges are
inclusive at both ends unless a name says otherwise, and every bound fits the widget
that shows it (whole numbers fit a Qt spin box: at most 2^31 - 1).

The document limits also bound the size of a saved file: the largest document the
limits allow is smaller than :data:`MAX_DOCUMENT_BYTES`, so whatever saves, loads
(``tests/engine/test_document_limits.py`` checks it).
"""

from __future__ import annotations

# --- the network ------------------------------------------------------------------------------

#: Layers of a network, the input layer included.
MAX_LAYERS = 12
#: Neurons in one layer: beyond this the canvas and the derivations stop being a lesson.
MAX_NEURONS = 64

# --- numbers ----------------------------------------------------------------------------------

#: The largest magnitude of any number in a document (parameters, data, settings).
#: Training stops before a parameter would pass it (see :data:`MAX_ABS_INTERMEDIATE`).
MAX_ABS_VALUE = 1e12
#: The largest magnitude of a number computed during a training iteration (a neuron's net
#: input or output, the loss, a derivative, a gradient). Training stops before one would
#: pass it, so every formula a sub-step shows stays finite: the square of such a number
#: (1e200) and a product of three of them (1e300) are still finite doubles.
MAX_ABS_INTERMEDIATE = 1e100
#: Digits of a whole number written in a document: longer ones are refused by name
#: (Python refuses to read integers of more than 4,300 digits at all).
MAX_INT_DIGITS = 30

# --- training settings ------------------------------------------------------------------------

#: The learning rate: from MIN_LEARNING_RATE to MAX_LEARNING_RATE.
MIN_LEARNING_RATE = 1e-8
MAX_LEARNING_RATE = 1e6
#: Momentum, Adam's beta1 and beta2: from MIN_DECAY to MAX_DECAY (1 itself never decays,
#: so it is out; MAX_DECAY needs 6 decimals in a spin box).
MIN_DECAY = 0.0
MAX_DECAY = 0.999999
#: Adam's eps: from MIN_EPS to MAX_EPS.
MIN_EPS = 1e-12
MAX_EPS = 1.0
#: Samples per batch (a larger batch than the data set means the whole data set).
MIN_BATCH_SIZE = 1
MAX_BATCH_SIZE = 100_000
#: Seeds (the shuffle seed, an initialiser's seed, a generated data set's seed): from
#: MIN_SEED to MAX_SEED, the largest value a Qt spin box holds.
MIN_SEED = 0
MAX_SEED = 2**31 - 1

#: Early stopping's patience: from 1 to MAX_PATIENCE iterations without a better test loss.
MAX_PATIENCE = 10_000_000

# --- data -------------------------------------------------------------------------------------

#: Samples in a data set (training and test split each).
MAX_SAMPLES = 100_000
#: Numbers in a document's data, training and test split together (samples x (inputs +
#: targets)): 100,000 samples of up to 20 numbers, and what bounds the size of a file.
MAX_DATA_VALUES = 2_000_000
#: The noise of a generated data set (a standard deviation): from 0 to MAX_NOISE.
MAX_NOISE = 10.0
#: The largest fraction of samples that may be held out as a test split.
MAX_TEST_FRACTION = 0.9

# --- text -------------------------------------------------------------------------------------

#: Characters in a document's name, a column name, or any text in a data set's source.
MAX_NAME_LENGTH = 256
#: Characters in a file path kept in a document (where its data came from).
MAX_PATH_LENGTH = 4096

# --- a data set's source (how it was made: ``data.source`` in a document) ---------------------

#: How deeply objects and lists may nest inside ``data.source``.
MAX_SOURCE_DEPTH = 8
#: Values (objects, lists, numbers, texts, ...) inside ``data.source``, all levels together.
MAX_SOURCE_ITEMS = 200

# --- files ------------------------------------------------------------------------------------

#: The largest document file read (checked before reading). The largest document the other
#: limits allow is smaller (75.6 MB): about 62 MB of samples (MAX_DATA_VALUES numbers of at
#: most 30 bytes each, with their brackets), 1.4 MB of parameters and 12 MB of texts (the
#: longest JSON writes: astral characters as two \uXXXX escapes).
MAX_DOCUMENT_BYTES = 80_000_000
#: The largest CSV file read (checked before reading).
MAX_CSV_BYTES = 256_000_000
#: Data rows in a CSV file (blank lines are not counted); checked as the file is read.
MAX_CSV_ROWS = MAX_SAMPLES
#: Columns of a CSV file (up to MAX_NEURONS inputs and MAX_NEURONS targets can be chosen
#: from them; MNIST's 785 fit); checked on the header before any data row is read, which
#: keeps a column chooser quick.
MAX_CSV_COLUMNS = 1_024
#: Characters in one line of a CSV file; a longer one ("a 1 GB line") is refused once
#: this much of it has been read.
MAX_CSV_LINE_LENGTH = 1_048_576
#: Seconds after which a hidden temporary file of a save (``.NAME.xxxxxxxx.tmp``) that no
#: running save holds is removed when a folder is tidied (a save of the same document
#: removes its own leftovers at once).
STALE_TEMP_SECONDS = 60.0

#: The largest weight-penalty strengths l1 and l2 of a document's "training" (as TensorFlow
#: Playground's largest regularisation rate): beyond them the penalty swamps any data loss.
MAX_L1 = 10.0
MAX_L2 = 10.0

# --- display ----------------------------------------------------------------------------------

#: Significant digits a view may show.
MIN_DIGITS = 1
MAX_DIGITS = 15
#: Digits shown when nothing else is chosen (settings, model, ``explain``, handouts).
DEFAULT_DIGITS = 5

#: Parameters of a network a handout works by hand (one derivation each): beyond this a
#: handout stops being an exercise and becomes a book.
MAX_HANDOUT_PARAMETERS = 1_000

# --- lessons (resources/lessons/, see engine/lesson.py) -----------------------------------------

#: The largest lesson file read (checked before reading): inline documents may hold data.
MAX_LESSON_BYTES = 20_000_000
#: Steps of one lesson.
MAX_LESSON_STEPS = 200
#: Characters of a step's text, its teacher notes, a question's prompt or explanation
#: (a projected step is read in a minute: these bound mistakes, not style).
MAX_LESSON_TEXT = 4_000
#: Iterations a step may ask the stepper to have run before it is shown.
MAX_LESSON_ITERATIONS = 100_000
#: Options of a multiple-choice question.
MAX_LESSON_CHOICES = 8

#: Characters in a typed expression (function lab): longer text is refused before parsing.
MAX_EXPRESSION_LENGTH = 4000
#: Nesting of a typed expression: parentheses, function calls, unary signs and powers.
MAX_EXPRESSION_DEPTH = 200

__all__ = [
    "DEFAULT_DIGITS", "MAX_ABS_INTERMEDIATE", "MAX_ABS_VALUE", "MAX_BATCH_SIZE",
    "MAX_CSV_BYTES", "MAX_CSV_COLUMNS", "MAX_CSV_LINE_LENGTH", "MAX_CSV_ROWS",
    "MAX_DATA_VALUES", "MAX_DECAY", "MAX_DIGITS", "MAX_DOCUMENT_BYTES", "MAX_EPS",
    "MAX_EXPRESSION_DEPTH", "MAX_EXPRESSION_LENGTH", "MAX_HANDOUT_PARAMETERS",
    "MAX_INT_DIGITS", "MAX_L1", "MAX_L2", "MAX_LAYERS", "MAX_LEARNING_RATE",
    "MAX_LESSON_BYTES", "MAX_LESSON_CHOICES", "MAX_LESSON_ITERATIONS", "MAX_LESSON_STEPS",
    "MAX_LESSON_TEXT", "MAX_NAME_LENGTH",
    "MAX_NEURONS",
    "MAX_NOISE", "MAX_PATH_LENGTH", "MAX_PATIENCE", "MAX_SAMPLES", "MAX_SEED", "MAX_SOURCE_DEPTH",
    "MAX_SOURCE_ITEMS", "MAX_TEST_FRACTION", "MIN_BATCH_SIZE", "MIN_DECAY", "MIN_DIGITS",
    "MIN_EPS", "MIN_LEARNING_RATE", "MIN_SEED", "STALE_TEMP_SECONDS",
]
