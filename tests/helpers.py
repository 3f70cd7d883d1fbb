"""Small helpers shared by the tests (the only shared test module)."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np

import ganzoo
from ganzoo.models import is_conditional
from ganzoo.registry import task_of

BACKENDS = ("tensorflow", "jax", "torch")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def next_backend(backend: str) -> str:
    """The backend after `backend` in the cycle tensorflow -> jax -> torch -> tensorflow: a
    cross-backend test that meets only this one still pairs every backend with both others
    over the suite's three runs."""
    return BACKENDS[(BACKENDS.index(backend) + 1) % len(BACKENDS)]


def decaying_adam(learning_rate: float, steps: int) -> keras.optimizers.Adam:
    """Adam(beta_1=0.5) whose rate decays to 0 along a cosine over `steps`: the short real-data
    trainings use 10x the paper's rate and need their last steps calm (see test_pix2pix)."""
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps),
                                 beta_1=0.5)


def tiny(name: str, **kwargs) -> keras.Model:
    """A registered model at its tiny preset, compiled."""
    return ganzoo.get(name, preset="tiny", **kwargs)


GENERATIVE = ganzoo.list_models(task="generation")


def fake_data(model, n: int = 32, seed: int = 0):
    """Random `fit(x, y)` data matching a model: images in [-1, 1] and None, class labels
    (conditional models), or target images (translation models: x are the inputs)."""
    rng = np.random.default_rng(seed)
    if task_of(model) == "translation":
        inputs = rng.uniform(-1, 1, (n, *model.input_image_shape)).astype("float32")
        return inputs, rng.uniform(-1, 1, (n, *model.image_shape)).astype("float32")
    images = rng.uniform(-1, 1, (n, *model.image_shape)).astype("float32")
    if is_conditional(model):
        return images, rng.integers(0, model.num_classes, n).astype("int32")
    return images, None


def outputs(model, n: int, seed: int) -> np.ndarray:
    """What a model makes from a seed: `generate(n, seed=seed)`, or for a translation model
    `translate` of `n` seeded random inputs."""
    if task_of(model) == "translation":
        return model.translate(fake_data(model, n, seed)[0])
    return model.generate(n, seed=seed)


def values(variables) -> list[np.ndarray]:
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


def run_python(code: str, backend: str, cwd: str | None = None, timeout: int = 600) -> str:
    """Run `code` in a fresh interpreter on another Keras backend; return stdout."""
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd or ROOT,
        capture_output=True, text=True, timeout=timeout,
    )
    if proc.returncode != 0:
        raise AssertionError(f"subprocess on {backend} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return proc.stdout
