"""Shared test setup. The suite runs once per backend: KERAS_BACKEND=tensorflow|jax|torch."""

import os
import sys

import pytest

# Keep the 2-core CI machine responsive and timings stable.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, os.path.dirname(__file__))

# tests/reference/ compares the FID Inception port with pytorch-fid, which needs its own
# environment (`make reference` sets GANZOO_REFERENCE=1 there); the main suite skips it.
if not os.environ.get("GANZOO_REFERENCE"):
    collect_ignore = ["reference"]

import keras  # noqa: E402

BACKEND = keras.config.backend()

if BACKEND == "torch":
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _clear_session():
    yield
    keras.backend.clear_session()
