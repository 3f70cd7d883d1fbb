"""Resumed training continues the uninterrupted run exactly.

A saved model carries the state of its own SeedGenerators (the training noise,
and the evaluation noise of `evaluate` / `validation_data`), so train k steps +
save + load + train N - k steps gives the weights of N steps in one run, with
or without validation. Validation draws its own noise: it does not change the
training run. Files saved before the state was stored still load.
"""

import warnings

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import fake_data, tiny, values

from ganzoo.models import PlayerModel
from ganzoo.models.persistence import seed_state_as as _seed_state_as
from ganzoo.models.player import NoiseGenerator

BATCH = 16
N = 32  # two steps per epoch

# The same computation on the same machine: on CPU every backend reproduces
# it bit for bit, so the tolerance is zero.
ATOL = 0.0
# Except TensorFlow's CPU kernels for WGAN-GP's double backward (the penalty's gradient of a
# gradient), which are not bit-reproducible from one compilation to the next: a correct resume
# differed by 0, 9.2e-5 and 1.7e-4 in three runs, one resumed with the wrong noise (seed state
# advanced by one) by 0.014 and 0.015. 1e-3 tells the two apart.
TF_WGAN_GP_ATOL = 1e-3


def _atol(name):
    return TF_WGAN_GP_ATOL if BACKEND == "tensorflow" and name == "wgan_gp" else ATOL


def _seed_states(model):
    return values(sg.state for sg in model._seed_generators)


def _fit(model, x, y, epochs, validation=False):
    # shuffle=False: the same batches in the same order in both runs.
    validation_data = ((x[:BATCH], y[:BATCH]) if y is not None else x[:BATCH]) if validation else None
    model.fit(x, y, epochs=epochs, batch_size=BATCH, shuffle=False, verbose=0, validation_data=validation_data)


def test_fit_advances_the_seed_state():
    # On JAX the train step is pure; the state must come back to the variable.
    model = tiny("dcgan", seed=3)
    # The training noise, then the evaluation noise.
    assert model._seed_generators == [model.seed_generator, model.eval_seed_generator]
    before, eval_before = _seed_states(model)
    x, y = fake_data(model, n=N)
    _fit(model, x, y, epochs=1, validation=True)
    after, eval_after = _seed_states(model)
    assert after[0] == before[0] == 3
    # Two steps, each drawing noise for the discriminator and the generator.
    assert int(after[1]) == int(before[1]) + 4
    # One validation batch, drawing noise for both losses, from its own generator.
    assert eval_after[0] == eval_before[0] != 3
    assert int(eval_after[1]) == int(eval_before[1]) + 2


def test_seed_state_round_trips(tmp_path):
    model = tiny("dcgan", seed=3)
    x, y = fake_data(model, n=N)
    _fit(model, x, y, epochs=1)
    path = tmp_path / "m.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    saved, loaded = _seed_states(model), _seed_states(restored)
    assert len(saved) == len(loaded) == 2
    for a, b in zip(saved, loaded):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    # The next noise drawn is the same.
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.sample_latent(4)),
        keras.ops.convert_to_numpy(restored.sample_latent(4)),
    )


def _resume_difference(name, tmp_path, interrupt, validation=False):
    """Max |difference| of every weight between N steps in one run and a resumed run."""
    model = tiny(name, seed=0)
    x, y = fake_data(model, n=N, seed=1)
    # Both runs start from the same file (the initializers are unseeded).
    model.save(tmp_path / "start.keras")
    resumed = keras.saving.load_model(tmp_path / "start.keras")

    _fit(model, x, y, epochs=2, validation=validation)  # 4 steps in one run

    _fit(resumed, x, y, epochs=1, validation=validation)  # 2 steps, then interrupted
    resumed.save(tmp_path / "last.keras")
    del resumed
    keras.backend.clear_session()
    resumed = interrupt(tmp_path / "last.keras")
    _fit(resumed, x, y, epochs=1, validation=validation)  # 2 more steps

    a, b = values(model.weights), values(resumed.weights)
    assert len(a) == len(b) > 0
    difference = max(float(np.max(np.abs(u - v))) if u.size else 0.0 for u, v in zip(a, b))
    return difference, _seed_states(model), _seed_states(resumed)


# dcgan: noise in both losses; wgan_gp: and the penalty's interpolation
# weights; infogan: and its latent codes; vae: the reparameterisation noise.
@pytest.mark.parametrize("name", ["dcgan", "wgan_gp", "infogan", "vae"])
def test_resume_continues_the_uninterrupted_run(name, tmp_path):
    difference, expected, got = _resume_difference(name, tmp_path, keras.saving.load_model)
    print(f"{BACKEND} {name}: max |uninterrupted - resumed| = {difference:g}")
    np.testing.assert_array_equal(got, expected)
    assert difference <= _atol(name)


# Validation after every epoch: its noise comes from the evaluation generator,
# saved too; cvae: a conditional model validated on labelled data.
@pytest.mark.parametrize("name", ["dcgan", "infogan", "cvae"])
def test_resume_with_validation_data_continues_the_uninterrupted_run(name, tmp_path):
    difference, expected, got = _resume_difference(name, tmp_path, keras.saving.load_model, validation=True)
    np.testing.assert_array_equal(got, expected)
    assert difference <= ATOL


@pytest.mark.parametrize("name", ["wgan_gp", "vae"])
def test_validation_does_not_change_the_training_run(name, tmp_path):
    model = tiny(name, seed=0)
    x, y = fake_data(model, n=N, seed=1)
    model.save(tmp_path / "start.keras")
    # Two copies of one file, so the runs differ only in the validation.
    model, validated = (keras.saving.load_model(tmp_path / "start.keras") for _ in range(2))
    _fit(model, x, y, epochs=2)
    _fit(validated, x, y, epochs=2, validation=True)
    assert "val_" + validated.metric_names[0] in validated.history.history
    for a, b in zip(values(model.trainable_weights), values(validated.trainable_weights)):
        np.testing.assert_allclose(a, b, rtol=0, atol=_atol(name))
    np.testing.assert_array_equal(_seed_states(model)[0], _seed_states(validated)[0])


def _save_without_seed_state(monkeypatch):
    # The behaviour before the seed state was stored: Keras' own method.
    monkeypatch.setattr(PlayerModel, "save_own_variables", keras.Model.save_own_variables)


def _load_quietly(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.saving.load_model(path)
    loading = [str(w.message) for w in caught
               if "Skipping variable loading" in str(w.message) or "could not be loaded" in str(w.message)]
    assert not loading, loading
    return model


def test_file_without_seed_state_still_loads(tmp_path, monkeypatch):
    model = tiny("wgan_gp", seed=5)
    x, y = fake_data(model, n=N)
    _fit(model, x, y, epochs=1)
    with monkeypatch.context() as patch:
        _save_without_seed_state(patch)
        model.save(tmp_path / "old.keras")
    restored = _load_quietly(tmp_path / "old.keras")
    for a, b in zip(values(model.weights), values(restored.weights)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(values(model.optimizer.variables), values(restored.optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    # No state in the file: the generator starts again from its seed.
    np.testing.assert_array_equal(_seed_states(restored)[0], [5, 0])
    _fit(restored, x, y, epochs=1)  # and it trains


def test_resume_from_file_without_seed_state_differs(tmp_path, monkeypatch):
    # The check above is not vacuous: without the state the noise repeats and
    # the resumed run leaves the uninterrupted one.
    def load_old(path):
        model = keras.saving.load_model(path)
        with monkeypatch.context() as patch:
            _save_without_seed_state(patch)
            model.save(path.with_name("old.keras"))
        return _load_quietly(path.with_name("old.keras"))

    difference, expected, got = _resume_difference("dcgan", tmp_path, load_old)
    assert not np.array_equal(got, expected)
    assert difference > 1e-4


def test_mismatched_seed_state_is_an_error(tmp_path, monkeypatch):
    model = tiny("dcgan", seed=0)
    extra = keras.random.SeedGenerator(1)

    def save_three(self, store):
        keras.Model.save_own_variables(self, store)
        store["seed_generator_0_state"] = self.seed_generator.state
        store["seed_generator_1_state"] = self.eval_seed_generator.state
        store["seed_generator_2_state"] = extra.state

    with monkeypatch.context() as patch:
        patch.setattr(PlayerModel, "save_own_variables", save_three)
        model.save(tmp_path / "three.keras")
    with pytest.raises(ValueError, match="seed generator"):
        keras.saving.load_model(tmp_path / "three.keras")


def test_seed_state_converts_between_backend_dtypes():
    # TensorFlow int64, JAX uint32, PyTorch int32 (the uint32 bit pattern).
    big = 3_000_000_000
    as_int32 = np.array([big, 7], "uint32").view("int32")
    np.testing.assert_array_equal(_seed_state_as(np.array([big, 7], "int64"), "int32"), as_int32)
    np.testing.assert_array_equal(_seed_state_as(as_int32, "uint32"), [big, 7])
    np.testing.assert_array_equal(_seed_state_as(as_int32, "int64"), [big, 7])
    assert _seed_state_as(np.array([1, 2], "uint32"), "int64").dtype == np.int64


def test_noise_generator_is_a_seed_generator_hashed_on_jax_only():
    # The zoo's noise generators advance and save exactly like Keras' own; only the
    # seed they hand to keras.random differs, and only on JAX (a faster XLA step).
    ours, keras_own = NoiseGenerator(3), keras.random.SeedGenerator(3)
    for _ in range(2):
        seed, raw = values([ours.next(), keras_own.next()])
        if BACKEND == "jax":
            import jax

            np.testing.assert_array_equal(seed, jax.random.fold_in(raw, 0))
            assert not np.array_equal(seed, raw)
        else:
            np.testing.assert_array_equal(seed, raw)
    np.testing.assert_array_equal(*values([ours.state, keras_own.state]))
    z = keras.ops.convert_to_numpy(keras.random.normal((20_000,), seed=ours))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    model = tiny("dcgan", seed=3)
    assert all(isinstance(g, NoiseGenerator) for g in model._seed_generators)
