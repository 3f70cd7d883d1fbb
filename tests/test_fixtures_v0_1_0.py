"""Files saved by ganzoo 0.1.0 still load, on every backend, and sample the same.

`tests/fixtures/v0_1_0/` holds one `.keras` file per model registered in 0.1.0,
made with that release's code by `tests/fixtures/make_v0_1_0.py` (on JAX), and
the samples and per-network weights it recorded. Trained weights are also
shipped network by network (`model.generator.weights`, ...), so a fresh model
of the same configuration must keep each network's weight list in the same
order, count and shapes.
"""

import json
import os
import warnings

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import ROOT

import ganzoo

HERE = os.path.join(ROOT, "tests", "fixtures", "v0_1_0")
with open(os.path.join(HERE, "index.json")) as f:
    INDEX = json.load(f)
NETWORKS = ("generator", "discriminator", "ema_generator", "q_network", "encoder", "decoder")
# The file was written on INDEX["backend"]; other backends differ in the last bits.
ATOL = 1e-5 if BACKEND == INDEX["backend"] else 1e-4


def _recorded(name):
    with np.load(os.path.join(HERE, f"{name}.npz")) as f:
        return {k: f[k] for k in f.files}


def _networks(recorded):
    found = {}
    for key in recorded:
        if "/" in key:
            network, i = key.split("/")
            found.setdefault(network, {})[int(i)] = recorded[key]
    return {n: [w[i] for i in range(len(w))] for n, w in found.items()}


def _load(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.saving.load_model(os.path.join(HERE, f"{name}.keras"))
    lost = [str(w.message) for w in caught
            if "Skipping variable loading" in str(w.message) or "could not be loaded" in str(w.message)]
    assert not lost, lost
    return model


def _generate(model, name):
    kwargs = {"labels": np.array(INDEX["labels"], "int32")} if INDEX["models"][name]["conditional"] else {}
    return model.generate(INDEX["n"], seed=INDEX["seed"], **kwargs)


def test_every_0_1_0_model_has_a_fixture():
    assert set(INDEX["models"]) <= set(ganzoo.list_models())
    assert len(INDEX["models"]) == 10


@pytest.mark.parametrize("name", sorted(INDEX["models"]))
def test_0_1_0_file_loads_and_samples_the_same(name):
    recorded = _recorded(name)
    model = _load(name)
    np.testing.assert_allclose(_generate(model, name), recorded["generate"], atol=ATOL, rtol=0)
    for network, weights in _networks(recorded).items():
        loaded = getattr(model, network).weights
        assert [w.shape for w in weights] == [tuple(v.shape) for v in loaded], network
        for i, (expected, variable) in enumerate(zip(weights, loaded)):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable), expected, f"{network}/{i}")
    # A reloaded 0.1.0 file keeps training.
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, *model.image_shape)).astype("float32")
    labels = rng.integers(0, 10, 8).astype("int32") if INDEX["models"][name]["conditional"] else None
    history = model.fit(images, labels, epochs=1, batch_size=8, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


@pytest.mark.parametrize("name", sorted(INDEX["models"]))
def test_networks_load_one_by_one_into_a_fresh_model(name):
    # How the shipped trained weights are loaded: network by network, by position.
    recorded = _recorded(name)
    config = INDEX["models"][name]["config"]
    model = ganzoo.get(name, preset="tiny", compile=False, seed=1,
                       **{**config, "image_shape": tuple(config["image_shape"])})
    networks = _networks(recorded)
    expected_networks = {n for n in NETWORKS if getattr(model, n, None) is not None}
    assert set(networks) == expected_networks
    for network, weights in networks.items():
        getattr(model, network).set_weights(weights)
    np.testing.assert_allclose(_generate(model, name), recorded["generate"], atol=ATOL, rtol=0)
