"""Save and load: weights, both optimizers' state, and cross-backend files.

Each backend's run of the suite loads files saved by the other two backends,
so the three runs together cover all six directions.
"""

import glob
import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import BACKENDS, fake_data, next_backend, outputs, run_python, tiny, values

import ganzoo

MODELS = ganzoo.list_models()


def _train(model, epochs=1):
    x, y = fake_data(model, n=32)
    model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)


def _optimizer_state(model):
    return values(model.optimizer.variables)


@pytest.mark.parametrize("name", MODELS)
def test_round_trip_restores_weights_and_optimizers(name, tmp_path):
    model = tiny(name, seed=0)
    _train(model)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    restored = keras.saving.load_model(path)

    assert type(restored) is type(model)
    np.testing.assert_array_equal(outputs(model, 4, seed=5), outputs(restored, 4, seed=5))
    before, after = _optimizer_state(model), _optimizer_state(restored)
    assert len(before) == len(after) > 0
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)

    # The noise streams are restored too: every seed generator's state, exactly.
    seeds = [values([g.state])[0] for g in model._seed_generators]
    assert len(seeds) > 0
    for a, b in zip(seeds, [values([g.state])[0] for g in restored._seed_generators]):
        np.testing.assert_array_equal(a, b)

    # Training continues from where it stopped: the same next steps (same data
    # in the same order, same noise, same Adam moments) give the same state. "The
    # same" up to float round-off and what GAN updates make of it: two compiled
    # copies of one step may sum in a different order, and a LeakyReLU input within
    # round-off of zero flips its slope, which a gradient penalty's double backprop
    # turns into a jump in the gradient. Seen in full-suite runs for wgan_gp: an
    # Adam moment off by 1% (CI) and by 11.5% of how far training moved it (here).
    # A state that was not restored misses by 110-250% (zeroed moments, advanced
    # noise; measured for dcgan, wgan_gp and vae), so each variable must match to
    # 30% of how far the continued training moved it.
    start = values(model.optimizer.variables) + values(model.weights)
    x, y = fake_data(model, n=32, seed=3)
    for m in (model, restored):
        m.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) > 0
    assert len(model.weights) == len(restored.weights)
    paths = [v.path for v in model.optimizer.variables + model.weights]
    ours = values(model.optimizer.variables) + values(model.weights)
    theirs = values(restored.optimizer.variables) + values(restored.weights)
    for path, s0, a, b in zip(paths, start, ours, theirs):
        moved = np.linalg.norm(a - s0)
        assert np.linalg.norm(a - b) <= 0.3 * moved + 1e-6, (path, np.linalg.norm(a - b), moved)


def test_round_trip_keeps_constructor_config(tmp_path):
    model = tiny("dcgan", image_shape=(32, 32, 3), loss="hinge", d_steps=2, seed=4)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    assert restored.get_config() == model.get_config()
    assert restored.d_optimizer.beta_1 == pytest.approx(0.5)


SAVE_ALL = """
import json, os, sys
sys.path.insert(0, "tests")
import numpy as np, keras, ganzoo
from helpers import fake_data, outputs
out = sys.argv[1] if len(sys.argv) > 1 else {out!r}
meta = {{}}
for name in ganzoo.list_models():
    model = ganzoo.get(name, preset="tiny", seed=0)
    x, y = fake_data(model, n=32)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(os.path.join(out, name + ".keras"))
    np.save(os.path.join(out, name + ".npy"), outputs(model, 4, seed=11))
    meta[name] = [int(v) for v in model.optimizer.variables if len(v.shape) == 0 and "int" in str(v.dtype)]
    meta["seed_state_" + name] = [[int(s) for s in keras.ops.convert_to_numpy(g.state)] for g in model._seed_generators]
# One model with a generator EMA: the averaged weights travel too.
model = ganzoo.get("dcgan", preset="tiny", seed=0, ema=0.9)
x, y = fake_data(model, n=32)
model.fit(x, y, epochs=1, batch_size=16, verbose=0)
model.save(os.path.join(out, "dcgan_ema.keras"))
np.save(os.path.join(out, "dcgan_ema.npy"), model.generate(4, seed=11))
np.savez(os.path.join(out, "dcgan_ema_weights.npz"),
         *[keras.ops.convert_to_numpy(v) for v in model.ema_generator.weights])
json.dump(meta, open(os.path.join(out, "meta.json"), "w"))
"""


def _files_key(backend: str) -> str:
    """A hash of everything that shapes SAVE_ALL's files on `backend`: the script, ganzoo's
    sources, the test helpers and the installed versions of the libraries."""
    digest = hashlib.sha256(f"{backend}\n{SAVE_ALL}".encode())
    for dist in ("keras", "jax", "jaxlib", "tensorflow-cpu", "tensorflow", "torch", "numpy", "h5py"):
        try:
            digest.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    package = os.path.dirname(ganzoo.__file__)
    sources = sorted(glob.glob(os.path.join(package, "**", "*.py"), recursive=True))
    for path in [*sources, os.path.join(os.path.dirname(__file__), "helpers.py")]:
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module", params=[b for b in BACKENDS if b != BACKEND])
def saved_elsewhere(request, tmp_path_factory):
    # The suite's three backend runs each need the other two backends' files, so each set
    # would be made twice (a subprocess of 70-150 s). It is made once per code version,
    # into a folder named by `_files_key`, and the later runs load it from there.
    cache = os.environ.get("GANZOO_TEST_CACHE") or os.path.join(tempfile.gettempdir(), "ganzoo-tests")
    out = os.path.join(cache, f"saved_on_{request.param}-{_files_key(request.param)}")
    if not os.path.exists(os.path.join(out, "meta.json")):
        fresh = str(tmp_path_factory.mktemp(f"saved_on_{request.param}"))
        run_python(SAVE_ALL.format(out=fresh), backend=request.param)
        os.makedirs(cache, exist_ok=True)
        partial = f"{out}.{os.getpid()}"
        shutil.copytree(fresh, partial)
        try:
            os.rename(partial, out)  # whole or not at all
        except OSError:  # another process got there first
            shutil.rmtree(partial)
    with open(os.path.join(out, "meta.json")) as f:
        return request.param, out, json.load(f)


@pytest.mark.subprocess
@pytest.mark.parametrize("name", MODELS)
def test_load_file_saved_on_another_backend(name, saved_elsewhere):
    source, folder, meta = saved_elsewhere
    model = keras.saving.load_model(os.path.join(folder, name + ".keras"))
    expected = np.load(os.path.join(folder, name + ".npy"))
    # Same weights, same NumPy noise: the images agree up to float round-off.
    np.testing.assert_allclose(outputs(model, 4, seed=11), expected, atol=1e-4,
                               err_msg=f"{name} saved on {source}, loaded on {BACKEND}")
    iterations = [int(v) for v in values(model.optimizer.variables) if v.ndim == 0 and v.dtype.kind == "i"]
    assert iterations == meta[name]
    # The training-noise state travels too (as its uint32 bit pattern).
    seed_state = [[int(s) & 0xFFFFFFFF for s in values([g.state])[0]] for g in model._seed_generators]
    assert seed_state == [[s & 0xFFFFFFFF for s in state] for state in meta["seed_state_" + name]]
    # And it keeps training here: checked on the next backend's files only, so over the three
    # runs every backend's files train on another, at half the cost of training both sources'.
    if source == next_backend(BACKEND):
        _train(model)
        after = [int(v) for v in values(model.optimizer.variables) if v.ndim == 0 and v.dtype.kind == "i"]
        assert all(a > b for a, b in zip(after, iterations))


@pytest.mark.subprocess
def test_load_ema_model_saved_on_another_backend(saved_elsewhere):
    source, folder, _ = saved_elsewhere
    model = keras.saving.load_model(os.path.join(folder, "dcgan_ema.keras"))
    assert model.ema == 0.9 and model.sample_generator is model.ema_generator
    saved = np.load(os.path.join(folder, "dcgan_ema_weights.npz"))
    for i, (v, value) in enumerate(zip(model.ema_generator.weights, values(model.ema_generator.weights))):
        np.testing.assert_array_equal(value, saved[f"arr_{i}"], err_msg=f"{v.path} saved on {source}")
    np.testing.assert_allclose(model.generate(4, seed=11), np.load(os.path.join(folder, "dcgan_ema.npy")),
                               atol=1e-4)
