"""Make the README's pictures of what the network learned (issue 12), at a projector's
1024x768, with the app's own ``--screenshot`` option under Xvfb:

    .venv/bin/python docs/make_learned_screenshots.py

- ``docs/learned-xor.png``: the default new network (2-3-1 sigmoid, learning rate 2) after
  3000 iterations on XOR: solved (100 % accuracy), its decision boundary, and each neuron's
  picture on the canvas;
- ``docs/learned-spiral.png``: a 2-10-10-2 tanh network with Adam on a noisy spiral with a
  test split, trained past its best test loss, the loss plot in front: the train and test
  curves part, and the lowest test loss is marked (early stopping would have stopped
  there);
- ``docs/learned-health.png``: the reference lesson at learning rate 100: every sigmoid
  saturates; the canvas rings the culprits and says so in its banner, and the Training
  health panel says what to try.

Each runs in its own process: ``xvfb-run -a -s "-screen 0 1024x768x24"`` with
``QT_QPA_PLATFORM=xcb`` and ``python -m simulator FILE --screenshot OUT --size 1024x768
--train N --show VIEW``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCREEN = "1024x768x24"


def documents(folder: Path) -> list[tuple[str, Path, int, tuple[str, ...]]]:
    """(picture name, document, iterations to train, views in front) for each picture."""
    from simulator.engine import datasets, edits
    from simulator.engine import document as doc_io
    from simulator.resources import example_path

    xor = edits.set_name(edits.new_document(), "XOR")
    source = {"kind": "spiral", "n": 400, "noise": 0.08, "test_fraction": 0.5,
              "one_hot": True, "seed": 0}
    data = datasets.make("spiral", n=400, noise=0.08, test_fraction=0.5, one_hot=True)
    spiral = edits.fit_to_data(edits.new_document((2, 10, 10, 2), "tanh"), data, source)
    spiral = edits.set_training(spiral, optimizer="adam", learning_rate=0.02, batch_size=400)
    spiral = edits.set_name(spiral, "Spiral")
    reference = doc_io.load(example_path("reference.json"))
    saturated = edits.set_training(reference, learning_rate=100.0)
    out = []
    for name, doc, iterations, shown in (("learned-xor", xor, 3000, ("boundary",)),
                                         ("learned-spiral", spiral, 2500, ("loss",)),
                                         ("learned-health", saturated, 1000, ("health",))):
        path = folder / f"{name}.json"
        doc_io.save(doc, path)
        out.append((name, path, iterations, shown))
    return out


def main() -> int:
    if shutil.which("xvfb-run") is None:
        print("xvfb-run is needed (the pictures are taken on a 1024x768 X screen)")
        return 1
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, iterations, shown in documents(Path(tmp)):
            target = ROOT / "docs" / f"{name}.png"
            show = [a for key in shown for a in ("--show", key)]
            subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}", sys.executable,
                            "-m", "simulator", str(path), "--screenshot", str(target),
                            "--size", "1024x768", "--train", str(iterations), *show],
                           check=True, env=env, cwd=ROOT)
            print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
