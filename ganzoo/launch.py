"""Process set-up for programs that use ganzoo (the `ganzoo` command, the examples).

Imports nothing heavy, so it can run before Keras is imported: that is the only
moment the Keras backend can still be chosen. The library itself never calls
it (`import ganzoo` leaves the environment alone).

Example:
```python
from ganzoo import launch
backend, ms_per_step = launch.choose_demo_backend(None)   # $KERAS_BACKEND, else the fastest here
import ganzoo                                              # Keras now loads with that backend
```
"""

from __future__ import annotations

import os
import sys

# Whether the user set TF_ENABLE_ONEDNN_OPTS (prepare() may set it on JAX and torch).
_USER_ONEDNN_SETTING = "TF_ENABLE_ONEDNN_OPTS" in os.environ

BACKENDS = ("tensorflow", "jax", "torch")


def prepare(backend: str | None = None) -> str:
    """Choose the Keras backend and silence TensorFlow's start-up lines.

    Must run before Keras is imported. TensorFlow prints oneDNN and CPU-feature
    lines when it loads (under JAX and torch too: Keras' saving code imports it
    when installed); `TF_CPP_MIN_LOG_LEVEL=3` hides most of them unless the user
    set another level. TensorFlow 2.21 logs one more, "oneDNN custom operations are
    on" (on CPUs where oneDNN is on by default), through absl before that setting
    applies. On the TensorFlow backend, which Keras imports at once anyway,
    TensorFlow is therefore imported here with those start-up lines filtered out of
    stderr (any other line passes through); on JAX and torch, where TensorFlow only
    reads and writes files for Keras, its oneDNN operations are switched off
    (`TF_ENABLE_ONEDNN_OPTS=0`, unless the user set it), which removes the line.

    Args:
        backend: str or None. `"tensorflow"`, `"jax"` or `"torch"`; None keeps
            `$KERAS_BACKEND` (Keras' default, tensorflow, when unset).

    Returns:
        The backend Keras will use.

    Raises:
        ValueError: for an unknown backend, or when Keras is already loaded with
            another backend in this process.
    """
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}. Received: backend={backend!r}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    loaded = sys.modules.get("keras")
    if loaded is not None:
        current = loaded.config.backend()
        if backend is not None and backend != current:
            raise ValueError(
                f"Keras was already imported with the {current!r} backend in this process, so the "
                f"{backend!r} backend cannot take effect. Start a fresh process (or set "
                f"KERAS_BACKEND={backend} before importing keras). Received: backend={backend!r}"
            )
        return current
    if backend is not None:
        os.environ["KERAS_BACKEND"] = backend
    chosen = os.environ.get("KERAS_BACKEND") or "tensorflow"
    if chosen == "tensorflow":
        _import_tensorflow_quietly()
    else:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    return chosen


# TensorFlow's start-up lines that TF_CPP_MIN_LOG_LEVEL does not reach (TensorFlow 2.21).
_TF_STARTUP_LINES = ("All log messages before absl::InitializeLog() is called",
                     "oneDNN custom operations are on")


def _import_tensorflow_quietly():
    """`import tensorflow` (when installed and not loaded) with its start-up lines dropped from stderr."""
    import importlib
    import importlib.util
    import tempfile

    if "tensorflow" in sys.modules or importlib.util.find_spec("tensorflow") is None:
        return
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") not in ("2", "3"):
        importlib.import_module("tensorflow")  # the user asked for TensorFlow's messages
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)  # the C++ logging writes to file descriptor 2 itself
        try:
            importlib.import_module("tensorflow")
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode(errors="replace")
    kept = [line for line in text.splitlines(keepends=True) if not any(s in line for s in _TF_STARTUP_LINES)]
    if kept:
        sys.stderr.write("".join(kept))


# ---- the fastest backend on this machine, measured once -------------------------
# One probe per installed backend, each in its own process (a process has one
# backend): the default DCGAN on 28x28x1 images at batch 64, `warmup` steps to
# compile, then `steps` timed steps of `fit`.
_PROBE = """
import json, sys, time
import numpy as np
import ganzoo
steps, warmup = int(sys.argv[1]), int(sys.argv[2])
model = ganzoo.get("dcgan", image_shape=(28, 28, 1), seed=0)
x = np.random.default_rng(0).uniform(-1, 1, (64 * (steps + warmup), 28, 28, 1)).astype("float32")
model.fit(x[: 64 * warmup], batch_size=64, epochs=1, verbose=0)
start = time.perf_counter()
model.fit(x[64 * warmup:], batch_size=64, epochs=1, verbose=0)
print(json.dumps({"ms_per_step": 1000 * (time.perf_counter() - start) / steps}))
"""


def installed_backends() -> list[str]:
    import importlib.util

    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def machine_key() -> str:
    """What the measurement depends on: CPU, core count, visible GPUs, package versions."""
    import importlib.metadata
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    versions = []
    for dist in ("keras", "tensorflow", "tensorflow-cpu", "jax", "jaxlib", "torch"):
        try:
            versions.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    gpus = os.environ.get("CUDA_VISIBLE_DEVICES", "all") if os.path.exists("/dev/nvidia0") else "none"
    return f"{cpu} x{os.cpu_count()}; gpus {gpus}; " + " ".join(versions)


def probe(backend: str, steps: int = 10, warmup: int = 3, timeout: float = 600) -> float | None:
    """Milliseconds per DCGAN training step on `backend`, measured in a fresh process (None: failed)."""
    import json
    import subprocess

    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    if backend == "tensorflow" and env.get("TF_ENABLE_ONEDNN_OPTS") == "0" and not _USER_ONEDNN_SETTING:
        del env["TF_ENABLE_ONEDNN_OPTS"]  # prepare() turned it off for another backend; time TF as users run it
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE, str(steps), str(warmup)], env=env,
                              capture_output=True, text=True, timeout=timeout)
        return float(json.loads(proc.stdout.strip().splitlines()[-1])["ms_per_step"])
    except (subprocess.TimeoutExpired, ValueError, IndexError, KeyError):
        return None


def cache_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ganzoo", "backend_speed.json")


def fastest_backend(measure=probe, path: str | None = None, log=print) -> tuple[str, dict[str, float]]:
    """The backend with the fastest measured DCGAN step here, and every measurement (ms/step).

    Measured once per machine (see `machine_key`) by `measure(backend)` for each
    installed backend, and cached in `~/.cache/ganzoo/backend_speed.json`
    (`$XDG_CACHE_HOME` is honoured); delete the file to measure again.
    """
    import json

    path = path or cache_path()
    key = machine_key()
    try:
        with open(path) as f:
            cached = json.load(f)
    except (OSError, ValueError):
        cached = {}
    timings = cached.get(key)
    if not timings:
        log("ganzoo: measuring the training speed of each installed Keras backend on this machine "
            "(once; cached in " + path + ")", flush=True)
        timings = {}
        for backend in installed_backends():
            ms = measure(backend)
            if ms is not None:
                timings[backend] = ms
                log(f"ganzoo:   {backend}: {ms:.0f} ms per DCGAN step", flush=True)
        if not timings:
            return "tensorflow", {}
        cached[key] = timings
        try:
            from ganzoo._files import atomic_write

            os.makedirs(os.path.dirname(path), exist_ok=True)
            atomic_write(path, lambda tmp: _dump(tmp, cached))
        except OSError:
            pass  # a read-only home: measure again next time
    return min(timings, key=timings.get), timings


def _dump(path, data):
    import json

    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def choose_demo_backend(requested: str | None) -> tuple[str, float | None]:
    """For the examples: `requested`, else `$KERAS_BACKEND`, else the fastest measured here.

    Returns:
        `(backend, measured ms per default-DCGAN step or None)`; call before Keras is imported.
    """
    if requested is None and not os.environ.get("KERAS_BACKEND") and "keras" not in sys.modules:
        backend, timings = fastest_backend()
        prepare(backend)
        print(f"ganzoo: using {backend}, the fastest backend measured on this machine "
              f"({', '.join(f'{b} {ms:.0f} ms' for b, ms in sorted(timings.items(), key=lambda t: t[1]))} "
              f"per DCGAN step); choose another with --backend", flush=True)
        return backend, timings.get(backend)
    backend = prepare(requested)
    try:
        import json

        with open(cache_path()) as f:
            ms = json.load(f).get(machine_key(), {}).get(backend)
    except (OSError, ValueError):
        ms = None
    return backend, ms
