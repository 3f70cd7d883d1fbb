"""DiffAugment (`ganzoo.augment`, the GANs' `augment=`), on every backend.

The transforms are checked against their definitions; the gradient through them
against the exact adjoint; the models for where the augmentation is applied
(every discriminator input, real and generated, in both players), for training
through it, for determinism, and for the config.
"""

import os

import keras
import numpy as np
import pytest
from helpers import fake_data, tiny, values

import ganzoo
from ganzoo import augment as aug
from ganzoo.augment import POLICIES, diff_augment, parse_policy
from ganzoo.backend import input_gradients
from ganzoo.models import AdversarialModel
from ganzoo.registry import spec

ADVERSARIAL = [n for n in ganzoo.list_models() if issubclass(spec(n).cls, AdversarialModel)]
ALL = "color,translation,cutout"


def _images(n=6, shape=(28, 28, 1), seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype("float32")


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


# ---- policies ----------------------------------------------------------------
def test_policy_parsing():
    assert parse_policy(None) == parse_policy("") == parse_policy(" , ") == ()
    assert parse_policy("Translation, color") == ("translation", "color")
    assert set(POLICIES) == {"color", "translation", "cutout"}
    with pytest.raises(ValueError, match=r"Unknown augmentation policy 'colour'\. Did you mean 'color'\?.*"
                                         r"Valid policies: color, translation, cutout.*Received: augment="):
        parse_policy("colour,translation")
    with pytest.raises(ValueError, match="'cutout' is listed twice"):
        parse_policy("cutout,color,cutout")
    with pytest.raises(ValueError, match="comma-separated string.*Received: augment=\\['color'\\]"):
        parse_policy(["color"])


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_every_gan_validates_and_saves_its_policy(name):
    with pytest.raises(ValueError, match="Unknown augmentation policy 'flip'.*Received: augment='flip'"):
        ganzoo.get(name, preset="tiny", compile=False, augment="flip")
    model = ganzoo.get(name, preset="tiny", compile=False, augment="cutout, color")
    assert model.get_config()["augment"] == "cutout,color"
    assert ganzoo.get(name, preset="tiny", compile=False).get_config()["augment"] is None


# ---- the transforms, against their definitions ---------------------------------
def test_brightness_saturation_contrast_draw_one_factor_per_image():
    x = _images(8, (6, 5, 3))
    seed = keras.random.SeedGenerator(1)
    added = _np(aug.brightness(x, seed)) - x
    per_image = added.reshape(8, -1)
    np.testing.assert_allclose(per_image, per_image[:, :1].repeat(per_image.shape[1], 1), atol=1e-6)
    assert np.all(np.abs(per_image) <= 0.5) and per_image[:, 0].std() > 0

    mean = x.mean(axis=-1, keepdims=True)
    ratio = (_np(aug.saturation(x, seed)) - mean) / (x - mean)
    assert np.all((ratio >= -1e-3) & (ratio <= 2.0 + 1e-3))
    np.testing.assert_allclose(ratio, ratio[:, :1, :1, :1] * np.ones_like(ratio), rtol=1e-3, atol=1e-3)
    grey = x[..., :1]
    np.testing.assert_allclose(_np(aug.saturation(grey, seed)), grey, atol=1e-6)  # no colour to scale

    image_mean = x.mean(axis=(1, 2, 3), keepdims=True)
    out = _np(aug.contrast(x, seed))
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3), keepdims=True), image_mean, atol=1e-5)
    ratio = (out - image_mean) / (x - image_mean)
    assert np.all((ratio >= 0.5 - 1e-3) & (ratio <= 1.5 + 1e-3))


def _shifted(image, dh, dw):
    """`image` read at (i + dh, j + dw), zero outside: the definition of a translation."""
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    for i in range(h):
        for j in range(w):
            if 0 <= i + dh < h and 0 <= j + dw < w:
                out[i, j] = image[i + dh, j + dw]
    return out


def test_translation_is_a_zero_padded_shift_of_at_most_an_eighth():
    x = _images(12, (16, 24, 1), seed=2)
    out = _np(aug.translation(x, keras.random.SeedGenerator(0)))
    shifts = set()
    for image, result in zip(x, out):
        found = [(dh, dw) for dh in range(-2, 3) for dw in range(-3, 4)
                 if np.allclose(result, _shifted(image, dh, dw), atol=1e-6)]
        assert len(found) == 1, "not a shift by at most (2, 3) = (16/8, 24/8) pixels"
        shifts.add(found[0])
    assert len(shifts) > 1  # each image draws its own shift


def test_cutout_zeroes_one_clipped_square_of_half_the_size():
    x = _images(16, (28, 28, 1), seed=3) * 0.5 + 0.6  # no zero pixels to start with
    out = _np(aug.cutout(x, keras.random.SeedGenerator(0)))
    for image, result in zip(x, out):
        zero = result[..., 0] == 0
        rows, cols = np.where(zero.any(axis=1))[0], np.where(zero.any(axis=0))[0]
        # One axis-aligned rectangle, 14 pixels per side unless clipped at the border (>= 7).
        assert zero.sum() == len(rows) * len(cols)
        assert np.array_equal(rows, np.arange(rows[0], rows[-1] + 1))
        assert all(7 <= len(r) <= 14 for r in (rows, cols))
        assert all(len(r) == 14 or r[0] == 0 or r[-1] == 27 for r in (rows, cols))
        np.testing.assert_array_equal(result[~zero], image[~zero])


def test_deterministic_given_the_seed():
    x = _images(4)
    a = _np(diff_augment(x, ALL, seed=keras.random.SeedGenerator(7)))
    np.testing.assert_array_equal(a, _np(diff_augment(x, ALL, seed=keras.random.SeedGenerator(7))))
    assert not np.array_equal(a, _np(diff_augment(x, ALL, seed=keras.random.SeedGenerator(8))))
    assert diff_augment(x, None) is x


# ---- gradients -----------------------------------------------------------------
def test_gradient_through_translation_and_cutout_is_the_exact_adjoint():
    # T is linear: the gradient of <w, T(x)> with respect to x is T^T w, so
    # <grad, v> = <w, T(v)> for every v (the same draws: an integer seed).
    rng = np.random.default_rng(4)
    x, v = _images(3, seed=5), _images(3, seed=6)
    w = rng.normal(size=x.shape).astype("float32")

    def augmented(t):
        return diff_augment(t, "translation,cutout", seed=11)

    weights = keras.ops.convert_to_tensor(w)
    grad = _np(input_gradients(lambda t: keras.ops.multiply(augmented(t), weights), keras.ops.convert_to_tensor(x)))
    assert np.all(np.isfinite(grad)) and np.any(grad != 0) and np.any(grad == 0)
    np.testing.assert_allclose(np.sum(grad * v), np.sum(w * _np(augmented(v))), rtol=1e-4)


def test_generator_output_gets_finite_nonzero_gradients_through_the_augmentation():
    model = tiny("dcgan", augment=ALL, seed=0)
    fake = model.generator(keras.ops.convert_to_tensor(model.latent_numpy(4, np.random.default_rng(0))))

    def critic_of_augmented(images):
        return model.critic(model.augment_images(images, training=True), None, training=True)[0]

    grad = _np(input_gradients(critic_of_augmented, fake))
    assert np.all(np.isfinite(grad))
    assert np.all(np.abs(grad).reshape(4, -1).sum(axis=1) > 0), "an image got no gradient"


# ---- where the models apply it ---------------------------------------------------
@pytest.mark.parametrize("name", ["dcgan", "cgan", "acgan"])
@pytest.mark.parametrize("augment", [None, "cutout"])
def test_every_discriminator_input_is_augmented_in_both_players(name, augment):
    # With cutout, every image the critic sees (real or generated, in the
    # discriminator's and in the generator's loss) has a zeroed square of at
    # least 7 x 7 pixels; data and tanh outputs are never exactly 0 otherwise.
    model = tiny(name, augment=augment, seed=0)
    x, y = (None if a is None else keras.ops.convert_to_tensor(a) for a in fake_data(model, n=4))
    seen = []
    critic = model.critic

    def spy(images, labels, training=True):
        seen.append(_np(images))
        return critic(images, labels, training)

    model.critic = spy
    model.discriminator_loss(x, y, training=True)
    model.generator_loss(x, y, training=True)
    assert len(seen) == 3  # real and fake for D, fake for G
    zeros = [int((images == 0).reshape(len(images), -1).sum(axis=1).min()) for images in seen]
    if augment:
        assert min(zeros) >= 49, zeros
        kept = seen[0] != 0
        np.testing.assert_array_equal(seen[0][kept], _np(x)[kept])  # the real batch, cut
    else:
        assert max(zeros) == 0 and np.array_equal(seen[0], _np(x))


def _same_start(augment, start):
    """A tiny dcgan with the initial weights of `start` (initializers are not seeded by `seed`)."""
    model = tiny("dcgan", augment=augment, seed=0)
    model.set_weights(start.get_weights())
    return model


def test_augment_none_leaves_training_unchanged():
    # Off, the augmentation draws nothing: a model trains exactly as without it.
    start = tiny("dcgan")
    x, _ = fake_data(start, n=32)
    trained = {}
    for augment in (None, "", "translation"):
        model = _same_start(augment, start)
        if not augment:
            state = values([model.seed_generator.state])[0]
            assert model.augment_images(x) is x
            np.testing.assert_array_equal(values([model.seed_generator.state])[0], state)
        model.fit(x, epochs=1, batch_size=16, shuffle=False, verbose=0)
        trained[augment] = values(model.trainable_variables)
    for a, b in zip(trained[None], trained[""]):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(trained[None], trained["translation"]))


def test_training_with_augment_is_deterministic_given_the_seed():
    start = tiny("dcgan")
    x, _ = fake_data(start, n=32)
    runs = []
    for _ in range(2):
        model = _same_start(ALL, start)
        model.fit(x, epochs=1, batch_size=16, shuffle=False, verbose=0)
        runs.append(values(model.trainable_variables))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_every_gan_trains_through_the_augmentation(name):
    model = tiny(name, augment=ALL, seed=1)
    model.compile(jit_compile=False)  # the jitted step is covered above; this is about every hook
    x, y = fake_data(model, n=16)
    before = values(model.generator.trainable_variables)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values()), history.history
    after = values(model.generator.trainable_variables)
    assert all(np.all(np.isfinite(a)) for a in after)
    unchanged = [v.path for v, a, b in zip(model.generator.trainable_variables, before, after)
                 if np.array_equal(a, b)]
    assert not unchanged, f"no gradient reached {unchanged}"


def test_config_round_trips_and_old_files_load_without_it(tmp_path):
    model = tiny("wgan_gp", augment="translation, color", seed=0)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    assert restored.get_config() == model.get_config()
    assert restored.augment == "translation,color" and restored.augment_policy == ("translation", "color")
    # A ganzoo 0.1.0 file has no `augment` in its config: it loads with augmentation off.
    old = keras.saving.load_model(os.path.join(os.path.dirname(__file__), "fixtures", "v0_1_0", "dcgan.keras"))
    assert old.augment is None and old.augment_policy == ()
