"""`mixed_bfloat16` against float32 on each backend: step time, and FID after the same steps.

    PYTHONPATH=. python benchmarks/mixed_precision.py                   # 3 backends, ~25 min here
    PYTHONPATH=. python benchmarks/mixed_precision.py --steps 100 --backends torch   # a quick look

For each backend and policy, in its own process (the policy is global): `dcgan`
(default preset, seed 0, default jit) trains `--steps` steps of batch 64 on the first
Fashion-MNIST training images, in the same order for both policies; the step time is the
median time between consecutive steps after the first `--warmup` (compilation), each
ending with its losses on the host. Then FID, KID and IS on `--samples` generated
images against as many test images, under the `fashion_mnist` extractor
(`ganzoo.evaluate`, float32 samples: `generate` returns float32 under either policy).
The runs go one after another, float32 and bfloat16 of one backend in turn, so each
pair shares the same minutes of the machine. One thread per backend by default.

Under `mixed_bfloat16` the layers compute in bfloat16 and keep float32 weights; the
losses are float32 (`ganzoo.losses.float32_logits`). One training run per cell: FID
differences smaller than the run-to-run spread of the same policy (not measured here)
say nothing about precision.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import (  # noqa: E402
    ROOT,
    _ms,
    _set_threads_after_import,
    _set_threads_before_import,
    _StepTimer,
    machine,
    versions,
)

POLICIES = ("float32", "mixed_bfloat16")


def run_one(backend, policy, steps, warmup, samples, threads):
    _set_threads_before_import(backend, threads)
    os.environ["KERAS_BACKEND"] = backend
    import keras

    _set_threads_after_import(backend, threads)
    keras.mixed_precision.set_global_policy(policy)
    import ganzoo
    import ganzoo.data

    images, _ = ganzoo.data.load("fashion_mnist", "train")
    x = images[: 64 * steps]
    model = ganzoo.get("dcgan", seed=0)
    timer = _StepTimer()
    start = time.perf_counter()
    history = model.fit(x, batch_size=64, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    train_s = time.perf_counter() - start
    ms = _ms(timer.stamps)[warmup:]
    result = ganzoo.evaluate(model, "fashion_mnist", metrics=("fid", "kid", "is"), num_samples=samples)
    return {
        "backend": backend, "policy": policy, "steps": steps, "ms_per_step": float(np.median(ms)),
        "train_seconds": round(train_s, 1), "compute_dtype": model.generator.layers[1].compute_dtype,
        "final_losses": {k: float(v[-1]) for k, v in history.history.items()},
        "fid": result["fid"], "kid": result["kid"], "is": result["is"],
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backends", default="tensorflow,jax,torch")
    p.add_argument("--steps", type=int, default=400, help="training steps (batch 64) per run")
    p.add_argument("--warmup", type=int, default=20, help="first steps left out of the step time")
    p.add_argument("--samples", type=int, default=2000, help="generated images for FID / KID / IS")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", help="write the results here")
    p.add_argument("--worker", nargs=2, metavar=("BACKEND", "POLICY"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        out = run_one(*args.worker, args.steps, args.warmup, args.samples, args.threads)
        print("RESULT " + json.dumps(out), flush=True)
        return 0
    print(f"machine: {machine()}\nversions: {versions()}\nload average at start: {os.getloadavg()}", flush=True)
    rows = []
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for backend in args.backends.split(","):
        for policy in POLICIES:
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", backend, policy, "--steps", str(args.steps),
                   "--warmup", str(args.warmup), "--samples", str(args.samples), "--threads", str(args.threads)]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if proc.returncode or not lines:
                sys.exit(f"{backend} / {policy} failed:\n{proc.stderr[-3000:]}")
            rows.append(json.loads(lines[-1][len("RESULT "):]))
            r = rows[-1]
            print(f"  {backend:<11}{policy:<16}{r['ms_per_step']:8.1f} ms/step  FID {r['fid']:7.2f}  "
                  f"KID {r['kid']:.4f}  IS {r['is']:.2f}", flush=True)
    print(f"\nload average at end: {os.getloadavg()}")
    print("| backend | float32 ms/step | bfloat16 ms/step | bfloat16 speed-up | FID float32 | FID bfloat16 |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        f32, bf16 = (next(r for r in rows if r["backend"] == backend and r["policy"] == pol) for pol in POLICIES)
        print(f"| {backend} | {f32['ms_per_step']:.1f} | {bf16['ms_per_step']:.1f} | "
              f"{f32['ms_per_step'] / bf16['ms_per_step']:.2f} | {f32['fid']:.2f} | {bf16['fid']:.2f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "versions": versions(), "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
