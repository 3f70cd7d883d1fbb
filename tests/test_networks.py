"""The networks' faster formulations compute the same functions as Keras' layers.

- `ganzoo.models.networks.Conv2DTranspose` computes a stride-2, kernel-4, "same"
  transposed convolution as a 3x3 convolution plus depth-to-space on JAX. These tests
  check the rewrite on every backend (not only where it is used): outputs, the kernel
  gradient and the input gradient against Keras' `ops.conv_transpose`, and that the
  layer saves and loads with Keras' variables.
- The channels-first layout PyTorch's networks use inside (`ganzoo.backend.DATA_FORMAT`):
  the same weights give the same outputs and the same training step as channels-last.
"""

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import fake_data
from keras import ops

import ganzoo
import ganzoo.backend
from ganzoo.backend import SUBPIXEL_UPSAMPLING, input_gradients
from ganzoo.models.networks import Conv2DTranspose, subpixel_conv_transpose

SHAPES = [((2, 7, 7, 16), 8), ((3, 5, 6, 3), 4), ((2, 4, 4, 6), 1)]


def _plain(x, k):
    return ops.conv_transpose(x, k, 2, padding="same")


def _arrays(shape, filters, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype("float32")
    k = (rng.standard_normal((4, 4, filters, shape[-1])) * 0.1).astype("float32")
    # A fixed weighting of the outputs, so the gradients below are not of a plain sum.
    w = rng.standard_normal((shape[0], 2 * shape[1], 2 * shape[2], filters)).astype("float32")
    return x, k, w


@pytest.mark.parametrize("shape,filters", SHAPES)
def test_subpixel_form_equals_the_transposed_convolution(shape, filters):
    x, k, _ = _arrays(shape, filters)
    want = ops.convert_to_numpy(_plain(x, k))
    got = ops.convert_to_numpy(subpixel_conv_transpose(x, k))
    assert got.shape == want.shape == (shape[0], 2 * shape[1], 2 * shape[2], filters)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape,filters", SHAPES)
def test_subpixel_form_has_the_same_gradients(shape, filters):
    x, k, w = _arrays(shape, filters, seed=1)
    w = ops.convert_to_tensor(w)

    def gradient(form, wrt):
        if wrt == "input":
            return input_gradients(lambda t: ops.multiply(form(t, k), w), ops.convert_to_tensor(x))
        return input_gradients(lambda t: ops.multiply(form(x, t), w), ops.convert_to_tensor(k))

    for wrt in ("input", "kernel"):
        want, got = (ops.convert_to_numpy(ops.stop_gradient(gradient(form, wrt))) for form in (_plain, subpixel_conv_transpose))
        assert np.abs(want).max() > 0
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4, err_msg=f"gradient w.r.t. the {wrt}")


def test_layer_equals_keras_layer_and_keeps_its_variables(tmp_path):
    x, k, _ = _arrays((2, 7, 7, 16), 8, seed=2)
    ours = Conv2DTranspose(8, 4, strides=2, padding="same", activation="relu")
    theirs = keras.layers.Conv2DTranspose(8, 4, strides=2, padding="same", activation="relu")
    ours.build(x.shape)
    theirs.build(x.shape)
    assert [v.shape for v in ours.weights] == [v.shape for v in theirs.weights]
    theirs.set_weights([k, np.linspace(-1, 1, 8).astype("float32")])
    ours.set_weights(theirs.get_weights())
    assert ours.subpixel == SUBPIXEL_UPSAMPLING == (BACKEND == "jax")
    np.testing.assert_allclose(ops.convert_to_numpy(ours(x)), ops.convert_to_numpy(theirs(x)),
                               rtol=1e-5, atol=1e-5)
    assert ours.name.startswith("conv2d_transpose")  # the class name keeps checkpoint paths

    model = keras.Sequential([keras.Input(x.shape[1:]), ours])
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    assert type(restored.layers[0]) is Conv2DTranspose
    np.testing.assert_array_equal(ops.convert_to_numpy(restored(x)), ops.convert_to_numpy(model(x)))


def test_other_configurations_use_keras_call():
    for kwargs in ({"strides": 1}, {"padding": "valid"}, {"kernel_size": 3}):
        args = {"filters": 8, "kernel_size": 4, "strides": 2, "padding": "same", **kwargs}
        layer = Conv2DTranspose(**args)
        layer.build((None, 5, 5, 4))
        assert layer.subpixel is False, args
    few = Conv2DTranspose(3, 4, strides=2, padding="same")  # image channels: the plain op is faster
    few.build((None, 5, 5, 4))
    assert few.subpixel is False


# ---- the channels-first layout -----------------------------------------------------
def _model_in(layout, monkeypatch, name="dcgan", seed=0):
    monkeypatch.setattr(ganzoo.backend, "DATA_FORMAT", layout)
    return ganzoo.get(name, preset="tiny", seed=seed)


def _networks(model):
    return [layer for layer in model.layers if isinstance(layer, keras.Model)]


@pytest.mark.skipif(BACKEND == "tensorflow", reason="TensorFlow's CPU convolutions take channels-last only")
@pytest.mark.parametrize("name", ["dcgan", "sngan", "vae"])  # BatchNorm; spectral norm with biases; encoder
def test_channels_first_networks_equal_channels_last(monkeypatch, name):
    last = _model_in("channels_last", monkeypatch, name)
    first = _model_in("channels_first", monkeypatch, name)
    assert len(_networks(first)) >= 2
    for a, b in zip(_networks(last), _networks(first)):
        assert any(isinstance(layer, keras.layers.Permute) for layer in b.layers), b.name
        assert not any(isinstance(layer, keras.layers.Permute) for layer in a.layers), a.name
    first.set_weights(last.get_weights())  # the same variables, in the same order
    rng = np.random.default_rng(5)
    for a, b in zip(_networks(last), _networks(first)):
        x = rng.uniform(-1, 1, (4, *a.inputs[0].shape[1:])).astype("float32")
        for training in (False, True):
            want, got = (keras.tree.map_structure(ops.convert_to_numpy, net(x, training=training))
                         for net in (a, b))
            for w, g in zip(keras.tree.flatten(want), keras.tree.flatten(got)):
                assert g.shape == w.shape
                np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=f"{a.name}, training={training}")
    if name == "dcgan":  # the discriminator's "features" are ordered channels-last in both layouts
        images = rng.uniform(-1, 1, (4, *last.image_shape)).astype("float32")
        f_last, f_first = (ops.convert_to_numpy(keras.Model(m.discriminator.inputs, m.discriminator.get_layer(
            "features").output)(images)) for m in (last, first))
        np.testing.assert_allclose(f_first, f_last, rtol=1e-4, atol=1e-5)
    # One training step from the same state gives the same weights.
    x, y = fake_data(last, n=4, seed=6)
    for m in (last, first):
        m.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(last.weights, first.weights):
        np.testing.assert_allclose(ops.convert_to_numpy(b), ops.convert_to_numpy(a), rtol=1e-3, atol=1e-4,
                                   err_msg=a.path)


def test_weights_move_between_layouts(monkeypatch, tmp_path):
    # This backend's layout and channels-last (on PyTorch: channels-first and channels-last)
    # read each other's weight files: Permute layers hold no variables.
    native = ganzoo.backend.DATA_FORMAT
    ours = ganzoo.get("dcgan", preset="tiny", seed=1)
    ours.save_weights(tmp_path / "ours.weights.h5")
    plain = _model_in("channels_last", monkeypatch)
    plain.load_weights(tmp_path / "ours.weights.h5")
    z = np.random.default_rng(6).standard_normal((4, ours.latent_dim)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(plain.generator(z)), ops.convert_to_numpy(ours.generator(z)),
                               rtol=1e-5, atol=1e-6)
    plain.save_weights(tmp_path / "plain.weights.h5")
    monkeypatch.setattr(ganzoo.backend, "DATA_FORMAT", native)
    again = ganzoo.get("dcgan", preset="tiny", seed=2)
    again.load_weights(tmp_path / "plain.weights.h5")
    np.testing.assert_allclose(ops.convert_to_numpy(again.generator(z)), ops.convert_to_numpy(ours.generator(z)),
                               rtol=1e-5, atol=1e-6)
