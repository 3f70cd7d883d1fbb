"""PyTorch backend: the zoo's channels-first networks against the same networks channels-last.

    PYTHONPATH=. KERAS_BACKEND=torch python benchmarks/channels_first.py            # ~5 min here
    PYTHONPATH=. KERAS_BACKEND=torch python benchmarks/channels_first.py --rounds 1 --n 512

On PyTorch the DCGAN-family networks and the domain classifier run channels-first
inside (`ganzoo.backend.DATA_FORMAT`): one `Permute` after the input, one before the
output. This script builds the same networks both ways in one process, by setting
that switch before each build:

- `channels-last`: Keras' layers on NHWC tensors (the networks before this change);
  Keras' torch layers copy each input to a contiguous NCHW tensor and back;
- `channels-first`: the default on PyTorch;
- `channels-first-contiguous` (with `--contiguous`): channels-first with every
  `Permute` output made contiguous, i.e. plain NCHW memory, to tell the layout from
  the memory format (the zoo's `Permute` leaves NCHW-shaped tensors in channels-last
  memory, `torch.channels_last`);

and times, per layout, `dcgan`'s train step (`fit` on one repeated batch, median
ms per step), `generate(n)` and the `fashion_mnist` extractor on `n` test images
(images per second). Every case runs once per round, in a shuffled order; the first
round is dropped; figures are medians over rounds. One thread.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import GanzooCase, _set_threads_after_import, _set_threads_before_import  # noqa: E402

LAYOUTS = {"channels-last": "channels_last", "channels-first": "channels_first",
           "channels-first-contiguous": "channels_first"}


def _build(layout, batch_size, n):
    import keras

    import ganzoo
    import ganzoo.backend as backend
    import ganzoo.data
    from ganzoo.metrics.extractors import domain_classifier

    saved = backend.DATA_FORMAT, keras.layers.Permute

    class ContiguousPermute(saved[1]):
        """keras.layers.Permute whose output is a contiguous tensor (plain NCHW memory)."""

        def call(self, inputs):
            return super().call(inputs).contiguous()

    backend.DATA_FORMAT = LAYOUTS[layout]
    if layout.endswith("contiguous"):
        keras.layers.Permute = ContiguousPermute
    try:
        step = GanzooCase(batch_size, jit=False)
        generator = ganzoo.get("dcgan", seed=0)
        extractor = domain_classifier("fashion_mnist")  # feature_extractor() caches one per process
    finally:
        backend.DATA_FORMAT, keras.layers.Permute = saved
    images = ganzoo.data.load("fashion_mnist", "test")[0][:n]
    return {
        "train_step_ms": lambda steps: float(np.median(step.run(steps))),
        "generate": lambda _: n / _seconds(lambda: generator.generate(n, seed=0, batch_size=256)),
        "extractor": lambda _: n / _seconds(lambda: extractor.raw_outputs(images)),
    }


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=64, help="train-step batch")
    parser.add_argument("--steps", type=int, default=8, help="train steps per round")
    parser.add_argument("--n", type=int, default=2048, help="images generated / extracted per round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (after one warm-up round)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--contiguous", action="store_true", help="also time channels-first-contiguous")
    args = parser.parse_args(argv)
    _set_threads_before_import("torch", args.threads)
    import keras

    if keras.config.backend() != "torch":
        parser.error("this benchmark is for the PyTorch backend: set KERAS_BACKEND=torch")
    _set_threads_after_import("torch", args.threads)
    layouts = [name for name in LAYOUTS if args.contiguous or not name.endswith("contiguous")]
    cases = {(layout, what): fn for layout in layouts
             for what, fn in _build(layout, args.batch_size, args.n).items()}
    figures = {key: [] for key in cases}
    order = list(cases)
    for round_ in range(args.rounds + 1):
        random.Random(round_).shuffle(order)
        for key in order:
            value = cases[key](args.steps)
            if round_:
                figures[key].append(value)
    table = {layout: {what: round(float(np.median(figures[layout, what])), 1) for what in
                      ("train_step_ms", "generate", "extractor")} for layout in layouts}
    base = table["channels-last"]
    result = {
        "batch_size": args.batch_size, "n": args.n, "rounds": args.rounds, "threads": args.threads,
        "train_step_ms": {k: v["train_step_ms"] for k, v in table.items()},
        "generate_images_per_s": {k: v["generate"] for k, v in table.items()},
        "extractor_images_per_s": {k: v["extractor"] for k, v in table.items()},
        "speedup_vs_channels_last": {k: {"train_step": round(base["train_step_ms"] / v["train_step_ms"], 3),
                                 "generate": round(v["generate"] / base["generate"], 3),
                                 "extractor": round(v["extractor"] / base["extractor"], 3)}
                             for k, v in table.items()},
    }
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
