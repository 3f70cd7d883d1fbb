"""Compiled, gradient-free inference (`generate`, `predict_codes`, `encode`/`decode`,
feature extractors): the same numbers as the eager networks, one trace per batch shape,
and the current weights at every call (after `fit`, after `set_weights`)."""

import sys

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import GENERATIVE, fake_data, run_python, tiny

import ganzoo
from ganzoo.backend import inference_function
from ganzoo.models import is_conditional

ATOL = 1e-5


def eager_samples(model, n, seed):
    """What `generate(n, seed=seed)` computes, by calling the networks eagerly."""
    latent = model.latent_numpy(n, np.random.default_rng(seed))
    inputs = [latent, model.check_labels(None, n)] if is_conditional(model) else latent
    images = model.to_image_range(model.sample_generator(inputs, training=False))
    return np.clip(keras.ops.convert_to_numpy(images), -1.0, 1.0)


@pytest.mark.parametrize("name", GENERATIVE)  # translate: tests/test_pix2pix.py
def test_generate_matches_eager_networks_and_follows_weights(name):
    model = tiny(name, seed=0)
    # 10 images in batches of 4: two batch shapes (4 and the last 2).
    before = model.generate(10, seed=1, batch_size=4)
    np.testing.assert_allclose(before, eager_samples(model, 10, 1), atol=ATOL)
    for variable in model.sample_generator.trainable_weights:
        variable.assign(variable * 1.5)
    after = model.generate(10, seed=1, batch_size=4)
    assert np.abs(after - before).max() > 1e-4, "generate still samples from the old weights"
    np.testing.assert_allclose(after, eager_samples(model, 10, 1), atol=ATOL)


@pytest.mark.parametrize("name, kwargs", [("dcgan", {"ema": 0.9}), ("vae", {})])
def test_generate_follows_fit(name, kwargs):
    # The EMA generator is written by the (jitted) train step itself.
    model = tiny(name, seed=0, **kwargs)
    before = model.generate(10, seed=1, batch_size=4)
    x, y = fake_data(model, n=8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    after = model.generate(10, seed=1, batch_size=4)
    assert np.abs(after - before).max() > 1e-4, "generate still samples from the weights before fit"
    np.testing.assert_allclose(after, eager_samples(model, 10, 1), atol=ATOL)


def test_generate_follows_assigned_weights_and_run_eagerly():
    model = tiny("dcgan", seed=0)
    first = model.generate(6, seed=2)
    source = tiny("dcgan", seed=5)
    model.set_weights(source.get_weights())
    np.testing.assert_allclose(model.generate(6, seed=2), source.generate(6, seed=2), atol=ATOL)
    assert np.abs(model.generate(6, seed=2) - first).max() > 1e-4
    model.compile(run_eagerly=True)
    np.testing.assert_allclose(model.generate(6, seed=2), source.generate(6, seed=2), atol=ATOL)


def test_predict_codes_and_vae_calls_match_eager_networks():
    infogan = tiny("infogan", seed=0)
    images = infogan.generate(7, seed=0)
    probabilities, continuous = infogan.predict_codes(images, batch_size=4)
    logits, eager_continuous = infogan.q_network(images, training=False)
    np.testing.assert_allclose(probabilities, keras.ops.convert_to_numpy(keras.ops.softmax(logits)), atol=ATOL)
    np.testing.assert_allclose(continuous, keras.ops.convert_to_numpy(eager_continuous), atol=ATOL)

    vae = tiny("vae", seed=0)
    x, _ = fake_data(vae, n=5)
    mean, log_var = vae.encode(x)
    stats = keras.ops.convert_to_numpy(vae.encoder(x, training=False))
    np.testing.assert_allclose(mean, stats[:, :vae.latent_dim], atol=ATOL)
    np.testing.assert_allclose(log_var, stats[:, vae.latent_dim:], atol=ATOL)
    decoded = keras.ops.convert_to_numpy(vae.to_image_range(vae.decoder(mean, training=False)))
    np.testing.assert_allclose(vae.reconstruct(x), np.clip(decoded, -1, 1), atol=ATOL)


def test_extractor_matches_eager_network():
    extractor = ganzoo.metrics.feature_extractor("fashion_mnist", batch_size=4)
    images = np.random.default_rng(0).uniform(-1, 1, (6, 28, 28, 1)).astype("float32")
    features, logits = extractor.raw_outputs(images)
    eager_features, eager_logits = extractor.model(images, training=False)
    np.testing.assert_allclose(features, keras.ops.convert_to_numpy(eager_features), atol=ATOL)
    np.testing.assert_allclose(logits, keras.ops.convert_to_numpy(eager_logits), atol=ATOL)


def test_inference_function_traces_once_per_shape_and_records_no_gradients():
    model = tiny("dcgan", seed=0)
    calls = []

    def fn(z):
        if BACKEND == "torch":
            import torch

            calls.append(torch.is_grad_enabled())
        else:  # TF and JAX record gradients only inside a tape / jax.grad, never here
            calls.append(False)
        return model.generator(z, training=False)

    run = inference_function(fn, model.variables, jit_compile=True)
    z = np.random.default_rng(0).standard_normal((3, model.latent_dim)).astype("float32")
    first = keras.ops.convert_to_numpy(run(z))
    for _ in range(3):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(run(z)), first)
    run(z[:2])
    # TF and JAX trace once per input shape (2 shapes); PyTorch runs fn at every call.
    assert len(calls) == (5 if BACKEND == "torch" else 2)
    assert not any(calls), "the inference path records gradients"


@pytest.mark.parametrize("setting, applied", [(None, sys.platform.startswith("linux")), ("0", False)])
def test_torch_backend_keeps_freed_memory_unless_told_not_to(monkeypatch, setting, applied):
    # glibc's allocator keeps freed memory (mallopt) when the torch backend loads:
    # PyTorch's CPU tensors come from malloc (2.4x on the extractor, benchmarks/README.md).
    # Checked in a torch process from every backend's suite; GANZOO_TORCH_MALLOPT=0 opts out.
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    if setting is None:
        monkeypatch.delenv("GANZOO_TORCH_MALLOPT", raising=False)
    else:
        monkeypatch.setenv("GANZOO_TORCH_MALLOPT", setting)
    out = run_python("import ganzoo.backend.torch as t; print(t.MALLOPT_APPLIED)", "torch")
    assert out.split()[-1] == str(applied)
