"""DCGAN on real Fashion-MNIST: 300 steps must not collapse or saturate.

Thresholds. Across 64 real Fashion-MNIST images the mean per-pixel standard
deviation is about 0.54 on the [-1, 1] scale; a collapsed generator (one image
for every z) gives 0, and an untrained DCGAN gives about 0.01 (its tanh
outputs hover near zero). We require at least 0.2, under
half the real figure: well clear of both failure modes. A saturated discriminator gives
sigmoid(D(real)) -> 1 and sigmoid(D(fake)) -> 0; we require both mean
probabilities to stay inside (0.05, 0.95).
"""

import os

import keras
import numpy as np
import pytest
from helpers import FASHION_DIR

import ganzoo

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")),
    reason="needs the Debian package dataset-fashion-mnist (make data installs it)",
)

STEPS, BATCH = 300, 64


def test_dcgan_fashion_mnist_300_steps():
    images, _ = ganzoo.data.load("fashion_mnist", "train")
    images = images[: STEPS * BATCH]
    model = ganzoo.get("dcgan", seed=0)
    untrained_std = model.generate(64, seed=1).std(axis=0).mean()
    history = model.fit(images, epochs=1, batch_size=BATCH, verbose=0)
    assert int(model.g_optimizer.iterations) == STEPS
    assert np.isfinite(history.history["d_loss"]).all()

    samples = model.generate(64, seed=1)
    real_std = images[:64].std(axis=0).mean()
    fake_std = samples.std(axis=0).mean()
    print(f"per-pixel std: real {real_std:.3f}, samples {fake_std:.3f}, untrained {untrained_std:.3f}")
    assert fake_std > 0.2, f"samples collapsed: per-pixel std {fake_std:.3f} (real {real_std:.3f})"

    p_real = keras.ops.convert_to_numpy(keras.ops.sigmoid(model.discriminator(images[-256:], training=False))).mean()
    p_fake = keras.ops.convert_to_numpy(keras.ops.sigmoid(model.discriminator(samples, training=False))).mean()
    print(f"D(real) {p_real:.3f}, D(fake) {p_fake:.3f}")
    assert 0.05 < p_real < 0.95 and 0.05 < p_fake < 0.95, (p_real, p_fake)
