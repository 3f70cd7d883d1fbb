"""WGAN-GP's penalty: per-sample input gradients, and double backprop in the real step."""

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import fake_data, tiny, values

from ganzoo.backend import input_gradients
from ganzoo.losses import gradient_penalty


def _quadratic_critic(scale):
    # f(x_i) = scale / 2 * ||x_i||^2 per sample: its input gradient is scale * x_i.
    def critic(t):
        flat = keras.ops.reshape(t, (keras.ops.shape(t)[0], -1))
        return 0.5 * scale * keras.ops.sum(keras.ops.square(flat), axis=1, keepdims=True)

    return critic


def _points(seed=0):
    # Per-sample norms spread around 1 / scale, so a wrong norm axis shows.
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 3, 2, 2)).astype("float32")
    x *= rng.uniform(0.2, 2.0, (6, 1, 1, 1)).astype("float32") / np.sqrt(12)
    return x


def test_input_gradients_are_per_sample_for_a_quadratic_critic():
    x = _points()
    grads = keras.ops.convert_to_numpy(input_gradients(_quadratic_critic(3.0), keras.ops.convert_to_tensor(x)))
    np.testing.assert_allclose(grads, 3.0 * x, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_gradient_penalty_matches_numpy(scale):
    x = _points(1)
    x[2] = 0.0  # a vanishing gradient: the epsilon inside the sqrt keeps it finite
    penalty = gradient_penalty(_quadratic_critic(scale), keras.ops.convert_to_tensor(x))
    norms = np.sqrt(np.sum((scale * x.reshape(6, -1)) ** 2, axis=1) + 1e-12)
    expected = np.mean((norms - 1.0) ** 2)
    assert float(keras.ops.convert_to_numpy(penalty)) == pytest.approx(expected, rel=1e-5)
    # Sanity of the hand computation: flattening per sample matters here.
    whole_batch = (np.sqrt(np.sum((scale * x) ** 2)) - 1.0) ** 2
    assert abs(whole_batch - expected) > 1e-3


JIT = [False, True] if BACKEND != "torch" else [False]


@pytest.mark.parametrize("jit", JIT, ids=lambda j: f"jit={j}")
def test_penalty_reaches_the_critic_weights_through_the_train_step(jit):
    # Two identical critics, one critic update each, with lambda = 0 and 10.
    # Without double backprop the penalty would be a constant in the critic's
    # loss and both updates would be the same. SGD, because Adam's first step
    # is nearly sign(gradient) and would hide a change of magnitude.
    models = [tiny("wgan_gp", gp_weight=w, d_steps=1, seed=0) for w in (0.0, 10.0)]
    models[1].set_weights(models[0].get_weights())
    x, _ = fake_data(models[0], n=8)
    for model in models:
        model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), jit_compile=jit)
        history = model.fit(x, epochs=1, batch_size=8, verbose=0)
        assert history.history["gradient_penalty"][0] > 0
        assert int(model.d_optimizer.iterations) == 1
    without, with_gp = (values(m.discriminator.trainable_variables) for m in models)
    assert any(not np.allclose(a, b, atol=1e-6) for a, b in zip(without, with_gp))


@pytest.mark.skipif(BACKEND != "torch", reason="torch.compile is the torch backend's jit")
def test_wgan_gp_trains_under_torch_compile():
    # AOTAutograd has no double backward; the backend runs the penalty eagerly.
    model = tiny("wgan_gp", d_steps=1, seed=1)
    model.compile(jit_compile=True)
    x, _ = fake_data(model, n=32)
    before = values(model.trainable_variables)
    history = model.fit(x, epochs=1, batch_size=16, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert history.history["gradient_penalty"][0] > 0
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 2
    after = values(model.trainable_variables)
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))
