"""Generator EMA: updated inside the (jitted) train step, used by generate, saved.

On JAX the EMA weights and the step counter are non-trainable state threaded
through the jitted step: a copy that is not threaded silently stays at its
initial value (and a copy sharing a buffer with the generator makes the donated
step fail), so the values are checked against the recursion
`ema <- d_t * ema + (1 - d_t) * w` with the warm-up decay
`d_t = min(ema, (1 + t) / (10 + t))` at step t = 0, 1, ...
"""

import os

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import fake_data, tiny, values

import ganzoo
from ganzoo.models import AdversarialModel
from ganzoo.registry import spec

ADVERSARIAL = [n for n in ganzoo.list_models() if issubclass(spec(n).cls, AdversarialModel)]

# torch.compile costs about a minute per model on 2 CPU cores; torch runs eager.
JIT = [False, True] if BACKEND != "torch" else [False]


def _decay(ema, t):
    return min(ema, (1.0 + t) / (10.0 + t))


def _expected(model, previous_ema, raw, t):
    decay = _decay(model.ema, t)
    trainable = {id(v) for v in model.generator.trainable_weights}
    return [
        decay * e + (1.0 - decay) * r if id(v) in trainable else r
        for v, e, r in zip(model.generator.weights, previous_ema, raw)
    ]


@pytest.mark.parametrize("jit", JIT, ids=lambda j: f"jit={j}")
def test_ema_follows_the_running_average_step_by_step(jit):
    model = tiny("dcgan", ema=0.75, seed=0)
    model.compile(jit_compile=jit)
    x, _ = fake_data(model, n=16)
    ema = values(model.ema_generator.weights)
    for a, b in zip(ema, values(model.generator.weights)):
        np.testing.assert_array_equal(a, b)  # starts as a copy of the generator
    for step in (1, 2):
        model.fit(x, epochs=1, batch_size=16, verbose=0)  # one train step
        assert int(model.g_optimizer.iterations) == step
        assert int(model.ema_step) == step  # threaded through the step
        expected = _expected(model, ema, values(model.generator.weights), t=step - 1)
        ema = values(model.ema_generator.weights)
        for v, a, b in zip(model.ema_generator.weights, ema, expected):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"step {step}: {v.path}")
    moving = [v for v in model.ema_generator.non_trainable_weights if "moving" in v.path]
    assert moving, "the EMA copy should carry the generator's BatchNorm statistics"


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_every_gan_keeps_saves_and_resumes_its_ema(name, tmp_path):
    model = tiny(name, ema=0.5, seed=0)
    initial = values(model.ema_generator.weights)
    x, y = fake_data(model, n=16)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert model.sample_generator is model.ema_generator
    raw = values(model.generator.weights)
    ema = values(model.ema_generator.weights)
    moved = [not np.array_equal(a, b) for a, b in zip(initial, ema)]
    assert any(moved), "the EMA weights never changed during fit"
    assert any(not np.allclose(a, b) for a, b in zip(raw, ema)), "EMA equals the raw generator"

    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.ema == 0.5 and int(restored.ema_step) == int(model.ema_step) == 1
    for a, b in zip(ema, values(restored.ema_generator.weights)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.generate(3, seed=1), restored.generate(3, seed=1))

    # Training resumes and keeps averaging from the restored EMA.
    restored.fit(x, y, epochs=1, batch_size=16, verbose=0)
    expected = _expected(restored, ema, values(restored.generator.weights), t=1)
    for a, b in zip(values(restored.ema_generator.weights), expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_ema_off_by_default_and_generate_uses_the_raw_generator():
    model = tiny("dcgan")
    assert model.ema is None and model.ema_generator is None
    assert model.sample_generator is model.generator
    assert "ema" in model.get_config()


def test_warm_up_forgets_the_initial_weights():
    # With 0.999 and no warm-up, 1000 steps would keep 37% of the initial weights.
    assert _decay(0.999, 0) == pytest.approx(0.1) and _decay(0.999, 90) == pytest.approx(0.91)
    assert _decay(0.999, 9000) == 0.999
    model = tiny("dcgan", ema=0.999, seed=0)
    initial = values(model.ema_generator.weights)
    x, _ = fake_data(model, n=16)
    model.fit(x, epochs=1, batch_size=16, verbose=0)  # one step: decay 0.1, not 0.999
    expected = _expected(model, initial, values(model.generator.weights), t=0)
    for v, a, b in zip(model.ema_generator.weights, values(model.ema_generator.weights), expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=v.path)


def test_a_0_1_0_file_without_the_counter_keeps_the_decay_it_was_trained_with():
    # tests/fixtures/v0_1_0/dcgan.keras: ema=0.9, saved before the counter existed.
    model = keras.saving.load_model(os.path.join(os.path.dirname(__file__), "fixtures", "v0_1_0", "dcgan.keras"))
    assert model.ema == 0.9
    # The counter is set where the warm-up no longer binds (t = 80 for 0.9), not to 0.
    assert _decay(0.9, int(model.ema_step)) == 0.9 and 80 <= int(model.ema_step) <= 82
