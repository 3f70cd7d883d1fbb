"""Every registered model trains in fit() on this backend, with jit on and off.

Parametrized over `ganzoo.list_models()`: a new variant is tested here with no
new test code. What can silently go wrong is checked: losses finite, every
optimizer advanced exactly as often as its player is updated (on JAX a second
optimizer that is not threaded through the jitted step stays at 0 without any
error), every trainable weight changed, optimizer moments non-zero.
"""

import numpy as np
import pytest
from conftest import BACKEND
from helpers import BACKENDS, GENERATIVE, fake_data, tiny, values

import ganzoo
from ganzoo.optimizers import OptimizerGroup

MODELS = ganzoo.list_models()


def optimizer_schedule(model):
    """(optimizer, updates per train step) for each optimizer of the model."""
    if isinstance(model.optimizer, OptimizerGroup):
        return [(model.optimizer[p.name], p.steps) for p in model.players()]
    return [(model.optimizer, 1)]


# torch.compile takes ~1 min per model on 2 CPU cores: it is tested once, below.
JIT = [False, True] if BACKEND != "torch" else [False]


@pytest.mark.parametrize("jit", JIT, ids=lambda j: f"jit={j}")
@pytest.mark.parametrize("name", MODELS)
def test_fit_updates_every_player(name, jit):
    model = tiny(name, seed=1)
    model.compile(jit_compile=jit)
    x, y = fake_data(model, n=32)
    before = values(model.trainable_variables)
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    steps = 2 * 2

    for key, series in history.history.items():
        assert np.all(np.isfinite(series)), f"{key} not finite: {series}"
    for optimizer, updates in optimizer_schedule(model):
        assert int(optimizer.iterations) == steps * updates
        moments = [v for v in optimizer.variables if "momentum" in v.path or "velocity" in v.path]
        assert moments and all(np.any(m != 0) for m in values(moments)), "optimizer moments all zero"
    after = values(model.trainable_variables)
    unchanged = [v.path for v, a, b in zip(model.trainable_variables, before, after) if np.array_equal(a, b)]
    assert not unchanged, f"weights never updated: {unchanged}"


@pytest.mark.parametrize("name", GENERATIVE)
def test_generate_shape_range_and_seed(name):
    model = tiny(name)
    a = model.generate(5, seed=7)
    assert a.shape == (5, *model.image_shape) and a.dtype == np.float32
    assert a.min() >= -1.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, model.generate(5, seed=7))
    assert not np.array_equal(a, model.generate(5, seed=8))


@pytest.mark.parametrize("name", ["gan", "dcgan"])
@pytest.mark.parametrize("shape", [(32, 32, 3), (64, 64, 3)])
def test_color_shapes(name, shape):
    model = tiny(name, image_shape=shape)
    x, _ = fake_data(model, n=8)
    model.fit(x, epochs=1, batch_size=8, verbose=0)
    assert model.generate(2, seed=0).shape == (2, *shape)


def test_d_steps_counts_discriminator_updates():
    model = tiny("dcgan", d_steps=3)
    x, _ = fake_data(model, n=32)
    model.fit(x, epochs=1, batch_size=16, verbose=0)
    assert int(model.d_optimizer.iterations) == 6
    assert int(model.g_optimizer.iterations) == 2


def test_training_noise_differs_between_steps():
    # The SeedGenerator state must be threaded through the (jitted) step.
    model = tiny("dcgan", seed=3)
    x, _ = fake_data(model, n=32)
    start = values([model.seed_generator.state])[0]
    model.fit(x, epochs=1, batch_size=16, verbose=0)
    assert not np.array_equal(start, values([model.seed_generator.state])[0])


def test_batchnorm_statistics_are_updated():
    model = tiny("dcgan")
    stats = [v for v in model.non_trainable_variables if "moving" in v.path]
    before = values(stats)
    x, _ = fake_data(model, n=32)
    model.fit(x, epochs=1, batch_size=16, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, values(stats)))


def test_partial_last_batch():
    model = tiny("dcgan")
    x, _ = fake_data(model, n=20)
    history = model.fit(x, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


@pytest.mark.skipif(BACKEND != "torch", reason="torch.compile is the torch backend's jit")
def test_torch_compile_does_not_break_training():
    model = tiny("dcgan")
    model.compile(jit_compile=True)
    x, _ = fake_data(model, n=32)
    history = model.fit(x, epochs=1, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["g_loss"]))
    assert int(model.g_optimizer.iterations) == 2


def test_compile_rejects_keras_losses():
    model = tiny("dcgan", compile=False)
    with pytest.raises(ValueError, match="constructor"):
        model.compile(loss="mse")


def test_same_optimizer_instance_twice_is_rejected():
    import keras

    model = tiny("dcgan", compile=False)
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="own optimizer"):
        model.compile(d_optimizer=opt, g_optimizer=opt)


def test_backends_constant():
    assert BACKEND in BACKENDS
