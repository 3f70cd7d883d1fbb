"""The generators' stride-2 transposed convolution: Keras' op against its sub-pixel form.

For each backend (one process each, one thread) and each transposed convolution of
the DCGAN generators (default preset and 32x32x3), times one compiled forward and
backward pass (gradients with respect to the input and the kernel) of

- ``plain``: `keras.ops.conv_transpose(x, k, 2, padding="same")`, Keras' layer;
- ``subpixel``: the same function as a 3x3 convolution to 4x the filters plus
  depth-to-space (`ganzoo.models.networks.subpixel_conv_transpose`), which
  `ganzoo.models.networks.Conv2DTranspose` uses where `ganzoo.backend.SUBPIXEL_UPSAMPLING`
  is set.

Compiled means `jax.jit` on JAX, `tf.function` on TensorFlow, eager autograd on
PyTorch (as `fit` runs them by default). Both forms run in alternation within each
round, so a ratio comes from the same minutes of the same machine; a figure is the
median over rounds (the first round, compilation, is dropped).

    PYTHONPATH=. python benchmarks/conv_transpose.py                # all three backends, ~2 min
    PYTHONPATH=. python benchmarks/conv_transpose.py --backends jax
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("tensorflow", "jax", "torch")
# (input shape, filters): the generators' upsamplings at batch 64.
LAYERS = (((64, 7, 7, 128), 64), ((64, 14, 14, 64), 1), ((64, 4, 4, 256), 128), ((64, 16, 16, 64), 3))


def _compiled_value_and_grads(fn):
    """`(x, k) -> (loss, (dx, dk))` for loss = sum(fn(x, k)^2), compiled the backend's way."""
    import keras
    from keras import ops

    backend = keras.config.backend()
    if backend == "jax":
        import jax

        return jax.jit(jax.value_and_grad(lambda x, k: ops.sum(ops.square(fn(x, k))), argnums=(0, 1)))
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def step(x, k):
            with tf.GradientTape() as tape:
                tape.watch([x, k])
                loss = tf.reduce_sum(tf.square(fn(x, k)))
            return loss, tape.gradient(loss, [x, k])

        return step

    def step(x, k):
        x, k = x.detach().requires_grad_(True), k.detach().requires_grad_(True)
        loss = (fn(x, k) ** 2).sum()
        loss.backward()
        return loss, (x.grad, k.grad)

    return step


def worker(threads, rounds, reps):
    sys.path.insert(0, ROOT)
    from train_step import _set_threads_after_import, _set_threads_before_import

    backend = os.environ["KERAS_BACKEND"]
    _set_threads_before_import(backend, threads)
    import numpy as np
    from keras import ops

    _set_threads_after_import(backend, threads)
    from ganzoo.models.networks import subpixel_conv_transpose

    forms = {
        "plain": lambda x, k: ops.conv_transpose(x, k, 2, padding="same"),
        "subpixel": subpixel_conv_transpose,
    }
    rng = np.random.default_rng(0)
    results = []
    for shape, filters in LAYERS:
        x = ops.convert_to_tensor(rng.standard_normal(shape).astype("float32"))
        k = ops.convert_to_tensor((rng.standard_normal((4, 4, filters, shape[-1])) * 0.05).astype("float32"))
        steps = {name: _compiled_value_and_grads(fn) for name, fn in forms.items()}
        times = {name: [] for name in forms}
        for r in range(rounds + 1):
            for name, step in steps.items():
                start = time.perf_counter()
                for _ in range(reps):
                    _, grads = step(x, k)
                    ops.convert_to_numpy(grads[1])  # on the host: the step is done
                if r:  # round 0 compiles
                    times[name].append(1000 * (time.perf_counter() - start) / reps)
        ms = {name: float(np.median(v)) for name, v in times.items()}
        results.append({"backend": backend, "input": list(shape), "filters": filters, **ms,
                        "speedup": ms["plain"] / ms["subpixel"]})
    print(json.dumps(results))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=5, help="measured rounds (plus one for compilation)")
    p.add_argument("--reps", type=int, default=3, help="passes per round")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.threads, args.rounds, args.reps)
    here = os.path.dirname(os.path.abspath(__file__))
    rows = []
    for backend in args.backends.split(","):
        env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=os.pathsep.join([ROOT, here]))
        out = subprocess.run([sys.executable, __file__, "--worker", "--threads", str(args.threads),
                              "--rounds", str(args.rounds), "--reps", str(args.reps)],
                             env=env, check=True, capture_output=True, text=True).stdout
        rows += json.loads(out.strip().splitlines()[-1])
    print(f"threads {args.threads}, load average {os.getloadavg()[0]:.1f} at the end")
    print("| backend | input | filters | plain ms | sub-pixel ms | plain / sub-pixel |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['backend']} | {'x'.join(map(str, r['input']))} | {r['filters']} | {r['plain']:.1f} "
              f"| {r['subpixel']:.1f} | {r['speedup']:.2f} |")


if __name__ == "__main__":
    main()
