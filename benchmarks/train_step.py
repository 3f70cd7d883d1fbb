"""DCGAN train-step throughput: ganzoo on each backend vs hand-written loops.

Measures the `dcgan` default preset (28x28x1, latent 100, 64/128 filters: the
Fashion-MNIST shape) with one discriminator and one generator update per step:

- ``ganzoo``: `model.fit` on each Keras backend, jit on and off;
- ``keras-loop``: a hand-written loop in the same backend with the same Keras
  networks and Keras Adam but none of the zoo's machinery (TensorFlow:
  GradientTape in a `tf.function`; JAX: one `jax.jit`'d pure function over
  `stateless_call` / `stateless_apply`; torch: backward() + `optimizer.apply`);
- ``pytorch``: a native PyTorch loop (`nn.Module`s, `torch.optim.Adam`) of the
  identical architecture, initialisation, BatchNorm momentum/eps and Adam
  settings.
- ``data``: `fit` on real Fashion-MNIST arrays (shuffled) vs on one pre-made
  batch already converted to a backend tensor.

Every backend lives in its own worker process (KERAS_BACKEND is fixed per
process). The workers stay alive and the parent runs their rounds in turn
(TF, JAX, torch, TF, ...), so every figure comes from the same minutes of the
same machine. A step time is the time between two consecutive steps, each
ending with its losses on the host (a sync); the first round of each case is a
warm-up (compilation) and is dropped; a case's figure is the median over rounds
of the per-round median.

Run from the repository root:

    PYTHONPATH=. python benchmarks/train_step.py            # full: batch 64 and 256
    PYTHONPATH=. python benchmarks/train_step.py --quick    # batch 64, fewer steps
    PYTHONPATH=. python benchmarks/train_step.py --gpu      # on an NVIDIA GPU (benchmarks/gpu.sh)

With `--gpu` every case runs on the GPU (native PyTorch on `cuda`; the Keras
backends on their default device, which must be a GPU: the run stops otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("tensorflow", "jax", "torch")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


# --------------------------------------------------------------------------
# Worker side: one process per backend, answering JSON commands on stdin.
# --------------------------------------------------------------------------
def _set_threads_before_import(backend, threads):
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if backend == "jax" and threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (
            flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        ).strip()


def _set_threads_after_import(backend, threads):
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    if backend == "torch":
        import torch

        torch.set_num_threads(threads)


def _torch_device():
    """Where the torch cases put their tensors: `cuda` under `--gpu`, else the CPU."""
    return "cuda" if os.environ.get("GANZOO_BENCH_GPU") == "1" else "cpu"


def backend_device(backend):
    """The device this worker's backend computes on, in words (checked under `--gpu`)."""
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"gpu: {gpus[0].name}" if gpus else "cpu"
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return f"gpu: {device.device_kind}" if device.platform == "gpu" else "cpu"
    import torch

    if torch.cuda.is_available():
        return f"gpu: {torch.cuda.get_device_name(0)}"
    return "cpu"


def _dcgan(seed=0):
    import ganzoo

    return ganzoo.get("dcgan", seed=seed, compile=False)


def _batch(batch_size, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (batch_size, 28, 28, 1)).astype("float32")


class _StepTimer:
    """A Keras callback recording the end of each batch (logs pulled to host)."""

    def __new__(cls):
        import keras

        class Timer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.stamps = []

            def on_train_batch_end(self, batch, logs=None):
                # Not async-safe on purpose: Keras converts `logs` to Python
                # floats before calling it, so each step ends on the host.
                self.stamps.append(time.perf_counter())

        return Timer()


def _ms(stamps):
    return [1000 * (b - a) for a, b in zip(stamps, stamps[1:])]


class GanzooCase:
    """`model.fit` on a tensor built from one batch repeated (no shuffling)."""

    def __init__(self, batch_size, jit):
        self.model = _dcgan()
        self.model.compile(jit_compile=jit)
        self.batch_size = batch_size
        self.batch = _batch(batch_size)

    def run(self, steps):
        x = np.concatenate([self.batch] * steps)
        timer = _StepTimer()
        self.model.fit(x, batch_size=self.batch_size, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
        return _ms(timer.stamps)


class DataCase:
    """`fit` on real Fashion-MNIST (shuffled) or on a pre-made backend tensor."""

    def __init__(self, batch_size, real):
        import keras

        self.model = _dcgan()
        self.model.compile()
        self.batch_size = batch_size
        self.real = real
        if real:
            from ganzoo.data import load_fashion_mnist

            self.images, _ = load_fashion_mnist("train")
        else:
            self.tensor = keras.ops.convert_to_tensor(_batch(batch_size))

    def _premade(self, steps):
        if keras_backend() == "tensorflow":
            import tensorflow as tf

            return tf.data.Dataset.from_tensors(self.tensor).repeat(steps)

        def gen():
            for _ in range(steps):
                yield (self.tensor,)

        return gen()

    def run(self, steps):
        timer = _StepTimer()
        if self.real:
            x = self.images[: steps * self.batch_size]
            self.model.fit(x, batch_size=self.batch_size, epochs=1, shuffle=True, verbose=0, callbacks=[timer])
        else:
            self.model.fit(self._premade(steps), epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
        return _ms(timer.stamps)


def keras_backend():
    import keras

    return keras.config.backend()


def _adam():
    import keras

    return keras.optimizers.Adam(2e-4, beta_1=0.5)


class TFLoop:
    """GradientTape per player inside one tf.function (XLA when jit)."""

    def __init__(self, batch_size, jit):
        import keras
        import tensorflow as tf

        model = _dcgan()
        gen, disc = model.generator, model.discriminator
        d_opt, g_opt = _adam(), _adam()
        d_opt.build(disc.trainable_variables)
        g_opt.build(gen.trainable_variables)
        seed = keras.random.SeedGenerator(0)
        latent = model.latent_dim

        @tf.function(jit_compile=jit)
        def step(x):
            n = tf.shape(x)[0]
            z = keras.random.normal((n, latent), seed=seed)
            with tf.GradientTape() as tape:
                fake = tf.stop_gradient(gen(z, training=True))
                real_logits = disc(x, training=True)
                fake_logits = disc(fake, training=True)
                d_loss = tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))
            d_opt.apply(tape.gradient(d_loss, disc.trainable_variables), disc.trainable_variables)
            z = keras.random.normal((n, latent), seed=seed)
            with tf.GradientTape() as tape:
                g_loss = tf.reduce_mean(tf.nn.softplus(-disc(gen(z, training=True), training=True)))
            g_opt.apply(tape.gradient(g_loss, gen.trainable_variables), gen.trainable_variables)
            return d_loss, g_loss

        self.step = step
        self.x = tf.constant(_batch(batch_size))

    def run(self, steps):
        stamps = [time.perf_counter()]
        for _ in range(steps):
            d, g = self.step(self.x)
            float(d), float(g)
            stamps.append(time.perf_counter())
        return _ms(stamps)[1:]


class JaxLoop:
    """One pure function of all state: stateless_call + stateless_apply (jax.jit when jit).

    `keras_rng=True` draws the noise with `keras.random.normal` from a plain Keras
    `SeedGenerator` (its state threaded through; its raw seed reaches `jax.random`,
    as the zoo's did before `NoiseGenerator`) instead of `jax.random` keys
    (`zoo_overhead.py` times both).
    """

    def __init__(self, batch_size, jit, keras_rng=False):
        import jax
        import jax.numpy as jnp
        import keras

        model = _dcgan()
        gen, disc = model.generator, model.discriminator
        d_opt, g_opt = _adam(), _adam()
        d_opt.build(disc.trainable_variables)
        g_opt.build(gen.trainable_variables)
        latent = model.latent_dim
        softplus = jax.nn.softplus

        def d_loss_fn(dt, dnt, gt, gnt, z, x):
            fake, gnt = gen.stateless_call(gt, gnt, z, training=True)
            fake = jax.lax.stop_gradient(fake)
            real_logits, dnt = disc.stateless_call(dt, dnt, x, training=True)
            fake_logits, dnt = disc.stateless_call(dt, dnt, fake, training=True)
            loss = jnp.mean(softplus(-real_logits)) + jnp.mean(softplus(fake_logits))
            return loss, (dnt, gnt)

        def g_loss_fn(gt, gnt, dt, dnt, z):
            fake, gnt = gen.stateless_call(gt, gnt, z, training=True)
            logits, dnt = disc.stateless_call(dt, dnt, fake, training=True)
            return jnp.mean(softplus(-logits)), (dnt, gnt)

        seeds = keras.random.SeedGenerator(0)

        def noise(key, n):
            """`(z, new key)`: from `jax.random`, or from the Keras SeedGenerator whose state is `key`."""
            if keras_rng:
                with keras.StatelessScope(state_mapping=[(seeds.state, key)]) as scope:
                    z = keras.random.normal((n, latent), seed=seeds)
                return z, scope.get_current_value(seeds.state)
            key, k = jax.random.split(key)
            return jax.random.normal(k, (n, latent)), key

        def step(state, x):
            gt, gnt, dt, dnt, g_ov, d_ov, key = state
            z, key = noise(key, x.shape[0])
            (d_loss, (dnt, gnt)), grads = jax.value_and_grad(d_loss_fn, has_aux=True)(dt, dnt, gt, gnt, z, x)
            dt, d_ov = d_opt.stateless_apply(d_ov, grads, dt)
            z, key = noise(key, x.shape[0])
            (g_loss, (dnt, gnt)), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(gt, gnt, dt, dnt, z)
            gt, g_ov = g_opt.stateless_apply(g_ov, grads, gt)
            return (gt, gnt, dt, dnt, g_ov, d_ov, key), d_loss, g_loss

        def values(variables):
            return [v.value for v in variables]

        self.state = (
            values(gen.trainable_variables), values(gen.non_trainable_variables),
            values(disc.trainable_variables), values(disc.non_trainable_variables),
            values(g_opt.variables), values(d_opt.variables),
            seeds.state.value if keras_rng else jax.random.PRNGKey(0),
        )
        self.step = jax.jit(step, donate_argnums=0) if jit else step
        self.x = jnp.asarray(_batch(batch_size))

    def run(self, steps):
        stamps = [time.perf_counter()]
        for _ in range(steps):
            self.state, d, g = self.step(self.state, self.x)
            float(d), float(g)
            stamps.append(time.perf_counter())
        return _ms(stamps)[1:]


class TorchKerasLoop:
    """Keras networks as torch modules: backward() + Keras Adam under no_grad."""

    def __init__(self, batch_size):
        import keras
        import torch

        model = _dcgan()
        self.gen, self.disc = model.generator, model.discriminator
        self.d_opt, self.g_opt = _adam(), _adam()
        self.d_opt.build(self.disc.trainable_variables)
        self.g_opt.build(self.gen.trainable_variables)
        self.seed = keras.random.SeedGenerator(0)
        self.latent = model.latent_dim
        self.x = torch.as_tensor(_batch(batch_size), device=_torch_device())
        self.torch = torch

    def _update(self, optimizer, variables, loss):
        for v in variables:
            v.value.grad = None
        loss.backward()
        with self.torch.no_grad():
            optimizer.apply([v.value.grad for v in variables], variables)

    def step(self):
        import keras

        F = self.torch.nn.functional
        gen, disc, x = self.gen, self.disc, self.x
        z = keras.random.normal((x.shape[0], self.latent), seed=self.seed)
        with self.torch.no_grad():
            fake = gen(z, training=True)
        d_loss = F.softplus(-disc(x, training=True)).mean() + F.softplus(disc(fake, training=True)).mean()
        self._update(self.d_opt, self.disc.trainable_variables, d_loss)
        z = keras.random.normal((x.shape[0], self.latent), seed=self.seed)
        d_params = [v.value for v in disc.trainable_variables]
        for p in d_params:
            p.requires_grad_(False)
        g_loss = F.softplus(-disc(gen(z, training=True), training=True)).mean()
        self._update(self.g_opt, self.gen.trainable_variables, g_loss)
        for p in d_params:
            p.requires_grad_(True)
        return d_loss, g_loss

    def run(self, steps):
        stamps = [time.perf_counter()]
        for _ in range(steps):
            d, g = self.step()
            float(d), float(g)
            stamps.append(time.perf_counter())
        return _ms(stamps)[1:]


class PyTorchLoop:
    """Native PyTorch DCGAN with the zoo's architecture, init and optimizer.

    Keras BatchNormalization(momentum=0.9) is torch momentum 0.1; Keras Adam's
    epsilon is 1e-7 (torch's default is 1e-8); Keras "same" padding for a
    stride-2 kernel-4 (transposed) convolution is torch padding=1. Discriminator
    parameters are frozen (requires_grad False) during the generator update, as
    a careful hand-written loop does.
    """

    def __init__(self, batch_size, latent=100, filters=64):
        import torch
        from torch import nn

        torch.manual_seed(0)

        def bn(cls, n):
            layer = cls(n, momentum=0.1, eps=1e-5)
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)
            return layer

        self.gen = nn.Sequential(
            nn.Linear(latent, 7 * 7 * 2 * filters, bias=False), bn(nn.BatchNorm1d, 7 * 7 * 2 * filters), nn.ReLU(),
            nn.Unflatten(1, (2 * filters, 7, 7)),
            nn.ConvTranspose2d(2 * filters, filters, 4, 2, 1, bias=False), bn(nn.BatchNorm2d, filters), nn.ReLU(),
            nn.ConvTranspose2d(filters, 1, 4, 2, 1), nn.Tanh(),
        )
        self.disc = nn.Sequential(
            nn.Conv2d(1, filters, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(filters, 2 * filters, 4, 2, 1, bias=False), bn(nn.BatchNorm2d, 2 * filters), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(7 * 7 * 2 * filters, 1),
        )
        for module in list(self.gen) + list(self.disc):
            if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(module.weight, 0.0, 0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        self.gen.train()
        self.disc.train()
        self.device = _torch_device()
        self.gen.to(self.device)
        self.disc.to(self.device)
        self.d_opt = torch.optim.Adam(self.disc.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.g_opt = torch.optim.Adam(self.gen.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.latent = latent
        self.x = torch.as_tensor(_batch(batch_size), device=self.device).permute(0, 3, 1, 2).contiguous()
        self.torch = torch

    def step(self):
        torch = self.torch
        F = torch.nn.functional
        n = self.x.shape[0]
        with torch.no_grad():
            fake = self.gen(torch.randn(n, self.latent, device=self.device))
        d_loss = F.softplus(-self.disc(self.x)).mean() + F.softplus(self.disc(fake)).mean()
        self.d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_opt.step()
        self.disc.requires_grad_(False)
        g_loss = F.softplus(-self.disc(self.gen(torch.randn(n, self.latent, device=self.device)))).mean()
        self.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_opt.step()
        self.disc.requires_grad_(True)
        return d_loss, g_loss

    def run(self, steps):
        stamps = [time.perf_counter()]
        for _ in range(steps):
            d, g = self.step()
            float(d), float(g)
            stamps.append(time.perf_counter())
        return _ms(stamps)[1:]


def _make_case(backend, kind, jit, batch_size):
    if kind == "ganzoo":
        return GanzooCase(batch_size, jit)
    if kind == "data-real":
        return DataCase(batch_size, real=True)
    if kind == "data-premade":
        return DataCase(batch_size, real=False)
    if kind == "keras-loop":
        if backend == "tensorflow":
            return TFLoop(batch_size, jit)
        if backend == "jax":
            return JaxLoop(batch_size, jit)
        return TorchKerasLoop(batch_size)
    if kind == "pytorch":
        return PyTorchLoop(batch_size)
    raise ValueError(f"unknown case {kind!r}")


def worker(backend, threads):
    """Answer `{"kind", "jit", "batch", "steps"}` lines with `{"ms": [...]}` lines."""
    reply = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # library prints go to stderr
    _set_threads_before_import(backend, threads)
    os.environ["KERAS_BACKEND"] = backend
    import keras

    _set_threads_after_import(backend, threads)
    keras.config.disable_interactive_logging()
    cases = {}
    reply.write(json.dumps({"ready": backend, "device": backend_device(backend)}) + "\n")
    reply.flush()
    for line in sys.stdin:
        cmd = json.loads(line)
        key = (cmd["kind"], cmd["jit"], cmd["batch"])
        if key not in cases:
            cases[key] = _make_case(backend, cmd["kind"], cmd["jit"], cmd["batch"])
        start = time.perf_counter()
        ms = cases[key].run(cmd["steps"])
        reply.write(json.dumps({"ms": ms, "wall": time.perf_counter() - start}) + "\n")
        reply.flush()


# --------------------------------------------------------------------------
# Parent side: start workers, alternate rounds, print the table.
# --------------------------------------------------------------------------
class Worker:
    def __init__(self, backend, threads):
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.backend = backend
        self.log = os.path.join(tempfile.gettempdir(), f"ganzoo-bench-{backend}.log")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", backend, "--threads", str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(self.log, "w"), text=True, env=env,
        )
        self.device = self._read()["device"]

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            with open(self.log) as f:
                tail = f.read()[-3000:]
            raise RuntimeError(f"{self.backend} worker died; the end of {self.log}:\n{tail}")
        return json.loads(line)

    def run(self, kind, jit, batch, steps):
        self.proc.stdin.write(json.dumps({"kind": kind, "jit": jit, "batch": batch, "steps": steps}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def cases_for(backend, args):
    jits = {"tensorflow": [True, False], "jax": [True, False], "torch": [False] + ([True] if args.torch_compile else [])}
    out = []
    for batch in args.batch_sizes:
        for jit in jits[backend]:
            out.append(("ganzoo", jit, batch))
            if not (backend == "torch" and jit):
                out.append(("keras-loop", jit, batch))
        if backend == "torch":
            out.append(("pytorch", False, batch))
        if args.data and batch == args.batch_sizes[0]:
            out += [("data-real", None, batch), ("data-premade", None, batch)]
    return out


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = f"{names[0]} x{len(names)} logical" if names else cpu
    except OSError:
        pass
    return f"{cpu}; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def versions():
    out = {}
    for dist in ("keras", "tensorflow-cpu", "tensorflow", "jax", "jaxlib", "torch"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="batch 64 only, 3 rounds of 8 steps")
    p.add_argument("--batch-sizes", default="64,256")
    p.add_argument("--rounds", type=int, default=3, help="measured rounds per case (plus one warm-up)")
    p.add_argument("--steps", type=int, default=10, help="steps per round (the first is dropped)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for every backend")
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument("--torch-compile", action="store_true", help="also time jit_compile=True on torch (slow to compile)")
    p.add_argument("--no-data", dest="data", action="store_false", help="skip the data-input check")
    p.add_argument("--gpu", action="store_true", help="run every case on the GPU (stops if a backend has none)")
    p.add_argument("--json", help="write all timings here")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.threads)
    if args.quick:
        args.batch_sizes, args.rounds, args.steps = "64", 3, 8
    args.batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    backends = args.backends.split(",")
    if args.gpu:
        os.environ["GANZOO_BENCH_GPU"] = "1"  # read by the workers' torch cases
        # Three processes share one GPU: none may reserve all of its memory up front.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")

    print(f"machine: {machine()}")
    print(f"versions: {versions()}")
    print(f"threads: {args.threads} per backend (torch.set_num_threads, TF intra/inter-op, "
          f"XLA eigen {'off' if args.threads == 1 else 'on'}); load average {os.getloadavg()}")
    t0 = time.perf_counter()
    workers = {b: Worker(b, args.threads) for b in backends}
    for b, w in workers.items():
        print(f"  {b}: {w.device}")
    if args.gpu:
        missing = [b for b, w in workers.items() if not w.device.startswith("gpu")]
        if missing:
            for w in workers.values():
                w.close()
            sys.exit(f"--gpu: no GPU visible to {', '.join(missing)} (each needs its CUDA build: tensorflow[and-cuda], "
                     f"jax[cuda12], torch from the CUDA index); rerun with --backends set to the others")
    plan = [(b, c) for b in backends for c in cases_for(b, args)]
    results = {(b, *c): [] for b, c in plan}
    rng = random.Random(0)
    for r in range(args.rounds + 1):
        order = plan[:]
        rng.shuffle(order)  # alternate backends and cases in a new order every round
        for backend, (kind, jit, batch) in order:
            out = workers[backend].run(kind, jit, batch, args.steps)
            if r > 0:
                results[(backend, kind, jit, batch)].append(statistics.median(out["ms"]))
        print(f"  round {r}{' (warm-up)' if r == 0 else ''} done at {time.perf_counter() - t0:.0f} s", flush=True)
    for w in workers.values():
        w.close()
    print_table(results, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "versions": versions(), "threads": args.threads,
                       "devices": {b: w.device for b, w in workers.items()},
                       "results": [[*k, v] for k, v in results.items()]}, f, indent=1)
    print(f"total {time.perf_counter() - t0:.0f} s")


def print_table(results, args):
    med = {k: statistics.median(v) for k, v in results.items() if v}

    def get(*key):
        return med.get(key)

    print("\nspeed ratio = other ms / ganzoo ms (above 1: ganzoo faster)")
    print(f"{'backend':<11}{'case':<14}{'jit':<6}{'batch':>6}{'ms/step':>10}{'img/s':>9}"
          f"{'vs same-backend loop':>22}{'vs PyTorch':>12}")
    for (backend, kind, jit, batch), ms in sorted(med.items(), key=lambda kv: (kv[0][3], kv[0][0], kv[0][1], str(kv[0][2]))):
        if kind.startswith("data"):
            continue
        loop = get(backend, "keras-loop", jit, batch) if kind == "ganzoo" else None
        native = get("torch", "pytorch", False, batch)
        vs_loop = f"{loop / ms:.2f}" if loop else ""
        vs_native = f"{native / ms:.2f}" if native and kind != "pytorch" else ""
        print(f"{backend:<11}{kind:<14}{str(jit):<6}{batch:>6}{ms:>10.1f}{1000 * batch / ms:>9.0f}"
              f"{vs_loop:>22}{vs_native:>12}")
    if args.data:
        print("\ndata input (fit, default jit): real Fashion-MNIST batches vs a pre-made backend tensor")
        for backend in args.backends.split(","):
            real = get(backend, "data-real", None, args.batch_sizes[0])
            pre = get(backend, "data-premade", None, args.batch_sizes[0])
            if real and pre:
                print(f"  {backend:<11} real {real:7.1f} ms  pre-made {pre:7.1f} ms  real/pre-made rate {pre / real:.3f}")


if __name__ == "__main__":
    sys.exit(main())
