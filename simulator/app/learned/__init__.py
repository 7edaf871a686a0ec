"""What the network learned (issue 12), as the app shows it.

- :mod:`.boundary_view`: the decision boundary over the input plane (or the fitted curve
  for one input), and any neuron's own picture shown large;
- :mod:`.thumbnails`: each hidden and output neuron's picture on the canvas;
- :mod:`.health_view` and :mod:`.health_overlay`: the training-health warnings in words,
  the per-layer gradient sizes, and the culprits marked on the canvas;
- :mod:`.early_stopping`: the early-stopping options under the loss plot;
- :mod:`.inputs_box` and :mod:`.data_tools`: the input-features chooser, the noise slider,
  regenerating the data and fitting the network to it;
- :mod:`.colours`: the colour maps every picture uses (no Qt widgets);
- :mod:`.views`: builds the views and wires them to one another for the main window.

This package module imports nothing: the loss plot imports :mod:`.early_stopping` and the
main window :mod:`.views`, and neither must pull in the other.
"""
