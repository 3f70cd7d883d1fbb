"""Conditional VAE (Sohn, Lee & Yan 2015): the VAE with labels on both sides.

    ELBO(x | y) = E_{q(z|x,y)}[log p(x | z, y)] - KL(q(z | x, y) || N(0, I))

The encoder sees the image with one-hot label maps joined to its channels;
the decoder sees z joined with the one-hot label. The prior stays N(0, I)
(the paper also learns a prior network p(z | y); we keep the simpler
"CVAE with a fixed prior" that most baselines use). Bernoulli likelihood, as
in `vae`.

Reference: Sohn et al., "Learning Structured Output Representation using
Deep Conditional Generative Models", NeurIPS 2015.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from ganzoo.models.conditional import Conditional
from ganzoo.models.vae import VAE
from ganzoo.registry import register


@register(
    "cvae",
    description="Conditional VAE with labels in encoder and decoder (Sohn et al. 2015)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 8}},
)
class CVAE(Conditional, VAE):
    """Conditional VAE with labels in encoder and decoder (Sohn et al. 2015).

    Objective: maximise `E_q[log p(x|z,y)] - KL(q(z|x,y) || N(0, I))`.

    Reference:
        Sohn et al., "Learning Structured Output Representation using Deep
        Conditional Generative Models", NeurIPS 2015.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        num_classes: int. Number of classes. Defaults to 10.
        latent_dim: int. Size of z. Defaults to 32.
        base_filters: int. Width of the first encoder convolution. Defaults to 64.
        seed: int or None. Seed of the reparameterisation noise. Defaults to None.

    Example:
    ```python
    import ganzoo
    images, labels = ganzoo.data.load("fashion_mnist", "train")  # [-1, 1], NHWC
    model = ganzoo.get("cvae")
    model.fit(images, labels, epochs=5, batch_size=64)
    boots = model.generate(8, labels=[9] * 8, seed=0)
    ```
    """

    def condition_inputs(self):
        return [keras.Input((), dtype="int32", name="labels")]

    def encoder_input(self, images, extra):
        height, width, _ = self.image_shape
        maps = layers.Reshape((1, 1, self.num_classes))(ops.one_hot(extra[0], self.num_classes))
        return layers.Concatenate()([images, layers.UpSampling2D((height, width))(maps)])

    def decoder_input(self, z, extra):
        return layers.Concatenate()([z, ops.one_hot(extra[0], self.num_classes)])
