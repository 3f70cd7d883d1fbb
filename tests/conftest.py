"""Shared test setup. The suite runs once per backend: KERAS_BACKEND=tensorflow|jax|torch."""

import os
import sys
import tempfile

import pytest

# Keep the 2-core CI machine responsive and timings stable.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The suite builds the same small models many times, in many processes (pytest-xdist
# workers, the CLI and example subprocesses). On JAX each build compiles its train step
# with XLA again; a compilation cache on disk, shared by every process of the run, compiles
# each distinct program once (a repeated tiny DCGAN fit: 8.0 s -> 1.2 s). Keys are hashes
# of the program and the jax version, so a stale entry is never used.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", os.path.join(tempfile.gettempdir(), "ganzoo-tests-jax-cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

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
