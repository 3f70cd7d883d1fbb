"""pix2pix: the U-Net, the conditioned PatchGAN, the L1 term, `translate`, data checks, and
a short training on real edge maps. (Fit, save/load, cross-backend files and the docstring
example are checked with every model in the registry-wide tests.)"""

import os

import keras
import numpy as np
import pytest
from helpers import FASHION_DIR, decaying_adam, fake_data, tiny

import ganzoo


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize("shape, channels, depth", [((28, 28, 1), 1, 2), ((32, 32, 3), 1, 3), ((16, 24, 3), 3, 2)])
def test_unet_shapes_range_and_depth(shape, channels, depth):
    model = tiny("pix2pix", image_shape=shape, input_channels=channels, seed=0)
    assert model.depth == depth
    assert model.generator.input_shape == (None, *shape[:2], channels)
    assert model.generator.output_shape == (None, *shape)
    # The PatchGAN sees input and image joined along the channels; one logit per patch.
    assert model.discriminator.input_shape == (None, *shape[:2], channels + shape[2])
    strides = min(3, depth)
    assert model.discriminator.output_shape == (None, shape[0] >> strides, shape[1] >> strides, 1)
    x, _ = fake_data(model, n=5)
    out = _numpy(model.generator(x, training=False))
    assert out.shape == (5, *shape) and -1.0 <= out.min() and out.max() <= 1.0
    # Skip connections: the decoder joins every encoder stage but the last.
    assert sum(isinstance(layer, keras.layers.Concatenate) for layer in model.generator.layers) == depth - 1


def test_depth_is_validated_with_the_valid_choices():
    with pytest.raises(ValueError, match=r"valid depths are \[1, 2\]"):
        tiny("pix2pix", depth=3)  # 28 = 4 * 7
    with pytest.raises(ValueError, match="even and larger than 4"):
        tiny("pix2pix", image_shape=(7, 7, 1))
    for kwargs, match in (({"l1_weight": -1}, "l1_weight"), ({"dropout": 1.0}, "dropout"),
                          ({"input_channels": 0}, "input_channels"), ({"loss": "hinj"}, "Did you mean 'hinge'")):
        with pytest.raises(ValueError, match=match):
            tiny("pix2pix", **kwargs)
    assert tiny("pix2pix", depth=1).depth == 1


def test_l1_term_is_in_the_generator_loss_with_its_weight():
    a = tiny("pix2pix", seed=0, l1_weight=100.0)
    b = tiny("pix2pix", seed=0, l1_weight=0.0)
    b.set_weights(a.get_weights())
    x, y = fake_data(a, n=8)
    # training=False: no dropout, BatchNorm running statistics, so both see the same G(x).
    loss_a, logs_a = a.generator_loss(x, y, training=False)
    loss_b, logs_b = b.generator_loss(x, y, training=False)
    l1 = float(np.abs(a.translate(x) - y).mean())
    assert float(_numpy(logs_a["l1"])) == pytest.approx(l1, rel=1e-4)
    assert float(_numpy(loss_a)) - float(_numpy(loss_b)) == pytest.approx(100.0 * l1, rel=1e-4)
    # With l1_weight=0 only the adversarial term remains.
    fake = a.generator(x, training=False)
    adversarial = a.adversarial_loss.generator(a.critic(keras.ops.convert_to_tensor(x), fake, training=False))
    assert float(_numpy(loss_b)) == pytest.approx(float(_numpy(adversarial)), rel=1e-4)


def test_discriminator_is_conditioned_on_the_input():
    model = tiny("pix2pix", seed=0)
    x, y = fake_data(model, n=4)
    x, y = keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)
    same = _numpy(model.critic(x, y, training=False))
    other_input = _numpy(model.critic(-x, y, training=False))
    assert np.abs(same - other_input).max() > 1e-4, "D's logits ignore the input image"
    # The discriminator loss therefore depends on the input, not only on the target.
    d1 = float(_numpy(model.discriminator_loss(x, y, training=False)[0]))
    d2 = float(_numpy(model.discriminator_loss(-x, y, training=False)[0]))
    assert d1 != d2


def test_translate_matches_the_generator_and_follows_its_weights():
    model = tiny("pix2pix", seed=0)
    x, _ = fake_data(model, n=7)
    eager = np.clip(_numpy(model.generator(x, training=False)), -1, 1)
    np.testing.assert_allclose(model.translate(x, batch_size=3), eager, atol=1e-5)
    for variable in model.generator.trainable_weights:
        variable.assign(variable * 1.5)
    np.testing.assert_allclose(model.translate(x, batch_size=3),
                               np.clip(_numpy(model.generator(x, training=False)), -1, 1), atol=1e-5)
    assert model.translate(x[:0]).shape == (0, 28, 28, 1)


def test_bad_data_is_refused_with_the_fix():
    model = tiny("pix2pix", seed=0)
    x, y = fake_data(model, n=16)
    cases = [((x, None), "Received: y=None"),
             ((x, y[:8]), "16 inputs and 8 targets"),
             ((x, y[..., :0]), "targets.shape=(16, 28, 28, 0)"),
             ((x[:, :14], y), "inputs.shape=(16, 14, 28, 1)"),
             ((x, (y + 1) * 127.5), "images / 127.5 - 1"),
             (((x + 1) / 2, y), "looks like images in [0, 1]")]
    for (inputs, targets), message in cases:
        with pytest.raises(ValueError) as info:
            model.fit(inputs, targets, epochs=1, batch_size=8, verbose=0)
        assert message in str(info.value), str(info.value)
    with pytest.raises(ValueError, match=r"translate takes input images of shape \(n, 28, 28, 1\)"):
        model.translate(x[0])
    with pytest.raises(ValueError, match="images / 127.5 - 1"):
        model.translate((x + 1) * 127.5)
    with pytest.raises(TypeError, match="translate"):
        model.generate(4)
    with pytest.raises(ValueError, match="translates images"):
        ganzoo.evaluate(model, (y, None), metrics=("kid",), num_samples=8)


def test_noise_is_dropout_and_saved_with_the_model(tmp_path):
    model = tiny("pix2pix", seed=3)
    assert len(model.dropout_noise) == 1  # depth 2: one inner decoder layer
    assert model._seed_generators[2] is model.dropout_noise[0]
    x, y = fake_data(model, n=16)
    before = _numpy(model.dropout_noise[0].state)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    state = _numpy(model.dropout_noise[0].state)
    assert not np.array_equal(before, state), "the dropout noise did not advance during fit"
    model.save(tmp_path / "p.keras")
    np.testing.assert_array_equal(_numpy(keras.saving.load_model(tmp_path / "p.keras").dropout_noise[0].state),
                                  state)


@pytest.mark.skipif(not os.path.exists(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")),
                    reason="Fashion-MNIST not installed (make data)")
def test_short_training_on_real_edge_maps_reduces_the_l1_of_translations():
    edges, images = ganzoo.data.load("fashion_mnist_edges", "train")
    test_edges, test_images = ganzoo.data.load("fashion_mnist_edges", "test")
    test_edges, test_images = test_edges[:256], test_images[:256]
    model = tiny("pix2pix", seed=0)
    # 10x the paper's learning rate, decayed to 0 along a cosine: 64 steps here, not 200 epochs.
    # The decay matters: translate uses BatchNorm's running statistics, and at a constant 2e-3 the
    # weights move so fast that the statistics of the last ~10 steps no longer fit them. At a
    # constant 2e-3, 3 of 52 runs (global seeds 1000 + 0..11 and 1000 + 20..59, TensorFlow)
    # ended above 0.58 of the L1 before (CI failed at 0.81). In the worst, 0.87, the generator in
    # training mode (batch statistics) had L1 0.357 against translate's 0.619. With the decay,
    # 15 runs including the 4 worst (0.55-0.87 at the constant rate): 0.44-0.50 (L1 0.768 before).
    model.compile(d_optimizer=decaying_adam(2e-3, 64), g_optimizer=decaying_adam(2e-3, 64))
    before = float(np.abs(model.translate(test_edges) - test_images).mean())
    model.fit(edges[:2048], images[:2048], epochs=1, batch_size=32, verbose=0)  # 64 steps
    after = float(np.abs(model.translate(test_edges) - test_images).mean())
    assert after < 0.6 * before, (before, after)
