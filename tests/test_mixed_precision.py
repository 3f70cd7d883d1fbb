"""Mixed precision: `mixed_float16` (dynamic loss scaling) and `mixed_bfloat16`.

Keras' `compile` would wrap the model's single optimizer (the OptimizerGroup)
in a LossScaleOptimizer under `mixed_float16`; the zoo instead wraps each
player's optimizer, so each has its own dynamic scale. What can silently go
wrong: NaN losses, float16 weights, a loss scale that is read once at trace
time on JAX (then it never moves), a step skipped forever.
"""

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import fake_data, tiny, values

POLICIES = ["mixed_float16", "mixed_bfloat16"]
JIT = [False, True] if BACKEND != "torch" else [False]


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("jit", JIT, ids=lambda j: f"jit={j}")
@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_dcgan_trains_without_nans(policy, jit):
    model = tiny("dcgan", seed=1)
    model.compile(jit_compile=jit)
    x, _ = fake_data(model, n=64)
    before = values(model.trainable_variables)
    history = model.fit(x, epochs=2, batch_size=16, verbose=0)

    assert model.generator.layers[1].compute_dtype == policy.split("_")[1]
    assert all(v.dtype == "float32" for v in model.trainable_variables)  # master weights
    for key, series in history.history.items():
        assert np.all(np.isfinite(series)), f"{key}: {series}"
    after = values(model.trainable_variables)
    assert all(np.all(np.isfinite(a)) for a in after)
    assert not any(np.array_equal(a, b) for a, b in zip(before, after))

    for opt in (model.d_optimizer, model.g_optimizer):
        if policy == "mixed_float16":
            assert isinstance(opt, keras.optimizers.LossScaleOptimizer)
            scale = float(keras.ops.convert_to_numpy(opt.dynamic_scale))
            assert np.isfinite(scale) and scale >= 1.0
            # A skipped step (non-finite scaled gradients) halves the scale;
            # most of the 8 steps must still be applied.
            assert 4 <= int(opt.iterations) <= 8
        else:
            assert not isinstance(opt, keras.optimizers.LossScaleOptimizer)
            assert int(opt.iterations) == 8

    images = model.generate(4, seed=0)
    assert images.dtype == np.float32 and np.all(np.isfinite(images))


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_loss_scale_follows_skipped_steps(policy):
    # Start from a scale that overflows float16 gradients: every backend
    # (jitted JAX included) must halve the live scale, not a traced constant.
    model = tiny("dcgan", seed=1, compile=False)
    model.compile(
        d_optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(2e-4, beta_1=0.5), initial_scale=2.0**40),
        g_optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(2e-4, beta_1=0.5), initial_scale=2.0**40),
    )
    x, _ = fake_data(model, n=64)
    model.fit(x, epochs=1, batch_size=16, verbose=0)
    scales = [float(keras.ops.convert_to_numpy(o.dynamic_scale)) for o in (model.d_optimizer, model.g_optimizer)]
    assert all(s < 2.0**40 for s in scales), scales
    assert all(np.all(np.isfinite(v)) for v in values(model.trainable_variables))
