"""Generator EMA: updated inside the (jitted) train step, used by generate, saved.

On JAX the EMA weights are non-trainable state threaded through the jitted
step: a copy that is not threaded silently stays at its initial value (and a
copy sharing a buffer with the generator makes the donated step fail), so the
values are checked against the recursion `ema <- d * ema + (1 - d) * w`.
"""

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


def _expected(model, previous_ema, raw):
    trainable = {id(v) for v in model.generator.trainable_weights}
    return [
        model.ema * e + (1.0 - model.ema) * r if id(v) in trainable else r
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
        expected = _expected(model, ema, values(model.generator.weights))
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
    assert restored.ema == 0.5
    for a, b in zip(ema, values(restored.ema_generator.weights)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.generate(3, seed=1), restored.generate(3, seed=1))

    # Training resumes and keeps averaging from the restored EMA.
    restored.fit(x, y, epochs=1, batch_size=16, verbose=0)
    expected = _expected(restored, ema, values(restored.generator.weights))
    for a, b in zip(values(restored.ema_generator.weights), expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_ema_off_by_default_and_generate_uses_the_raw_generator():
    model = tiny("dcgan")
    assert model.ema is None and model.ema_generator is None
    assert model.sample_generator is model.generator
    assert "ema" in model.get_config()
