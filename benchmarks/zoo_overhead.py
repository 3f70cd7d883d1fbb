"""The zoo's step against the hand-written loop, alternating in one process.

    PYTHONPATH=. KERAS_BACKEND=jax python benchmarks/zoo_overhead.py --batch-size 64
    PYTHONPATH=. KERAS_BACKEND=torch python benchmarks/zoo_overhead.py --batch-size 256 --steps 5

`train_step.py` runs each case in a round of its own; this script alternates, in one
process and on one backend (jax.jit, `tf.function` without XLA, eager torch), `dcgan`'s `fit` (`train_step.py`'s
`GanzooCase`), the same backend's hand-written loop (`JaxLoop`, `TFLoop` or
`TorchKerasLoop`) and, on JAX, the zoo's `train_step` jitted by hand (donated state) and
called directly on one device batch (what the zoo's compiled step costs without Keras'
`fit` around it), and the loop drawing its noise with `keras.random.normal` from a
plain Keras `SeedGenerator`, whose raw seed reaches `jax.random` (`keras-loop-keras-rng`:
the zoo's noise before `NoiseGenerator`), instead of from `jax.random` keys. The cases
run in a new shuffled order every round; a figure is the
median over rounds of the per-round median step time; one warm-up round is dropped. One
thread.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import (  # noqa: E402
    GanzooCase,
    JaxLoop,
    TFLoop,
    TorchKerasLoop,
    _batch,
    _ms,
    _set_threads_after_import,
    _set_threads_before_import,
)


class DirectJaxStep:
    """The zoo's `train_step(state, data)` under `jax.jit` (state donated), outside `fit`."""

    def __init__(self, batch_size):
        import jax
        import jax.numpy as jnp

        model = GanzooCase(batch_size, jit=True).model
        model.fit(_batch(batch_size), batch_size=batch_size, epochs=1, verbose=0)  # builds the optimizers
        self.state = tuple([v.value for v in variables] for variables in (
            model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
            model.metrics_variables))
        self.step = jax.jit(model.train_step, donate_argnums=0)
        self.x = jnp.asarray(_batch(batch_size))

    def run(self, steps):
        stamps = [time.perf_counter()]
        for _ in range(steps):
            logs, self.state = self.step(self.state, (self.x,))
            [float(v) for v in logs.values()]
            stamps.append(time.perf_counter())
        return _ms(stamps)[1:]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=10, help="steps per case per round")
    p.add_argument("--rounds", type=int, default=4, help="measured rounds (after one warm-up round)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    _set_threads_before_import(backend, args.threads)
    import keras

    _set_threads_after_import(backend, args.threads)
    if keras.config.backend() != backend:
        p.error(f"set KERAS_BACKEND (Keras picked {keras.config.backend()!r})")
    jit = backend == "jax"  # jax.jit; tf.function without XLA; eager torch: each backend's CPU default
    loop = {"jax": lambda: JaxLoop(args.batch_size, True), "tensorflow": lambda: TFLoop(args.batch_size, False),
            "torch": lambda: TorchKerasLoop(args.batch_size)}[backend]
    cases = {"fit": GanzooCase(args.batch_size, jit=jit), "keras-loop": loop()}
    if backend == "jax":
        cases["train_step-direct"] = DirectJaxStep(args.batch_size)
        cases["keras-loop-keras-rng"] = JaxLoop(args.batch_size, True, keras_rng=True)
    figures = {name: [] for name in cases}
    order = list(cases)
    for round_ in range(args.rounds + 1):
        random.Random(round_).shuffle(order)  # a new order every round: no case always follows another
        for name in order:
            ms = float(np.median(cases[name].run(args.steps)))
            if round_:
                figures[name].append(ms)
    print(f"{backend}, batch {args.batch_size}, {args.rounds} rounds of {args.steps} steps, "
          f"load average {os.getloadavg()[0]:.2f}")
    for name, values in figures.items():
        print(f"  {name:<18} {np.median(values):8.1f} ms   rounds: {', '.join(f'{v:.1f}' for v in values)}")
    base = np.median(figures["keras-loop"])
    for name in cases:
        if name != "keras-loop":
            print(f"  keras-loop / {name}: {base / np.median(figures[name]):.3f}")


if __name__ == "__main__":
    main()
