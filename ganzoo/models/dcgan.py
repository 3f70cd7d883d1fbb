"""Deep convolutional GAN (Radford, Metz & Chintala 2015).

Same game as the vanilla GAN (non-saturating loss by default), with the
paper's architecture guidelines: strided (transposed) convolutions instead of
pooling, BatchNorm in both networks except the generator output and the
discriminator input, ReLU in the generator with a tanh output, LeakyReLU(0.2)
in the discriminator, weights from N(0, 0.02), Adam(2e-4, beta_1=0.5).

Depth follows `image_shape`: the image is halved while both sides are even
and larger than 4 (28 -> 14 -> 7: two stages; 32 -> 16 -> 8 -> 4: three;
64: four). The generator mirrors the discriminator.

Reference: Radford et al., "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016 (arXiv:1511.06434).

Deviations: kernel size 4 (the paper used 5; 4 with stride 2 avoids
checkerboard overlap and is the PyTorch reference example's choice);
BatchNorm momentum 0.9 and epsilon 1e-5 (PyTorch's defaults, which the
reference implementations use); the discriminator's last layer is a Dense
logit on the flattened feature map.
"""

from __future__ import annotations

import keras
from keras import layers

from ganzoo.models.base import AdversarialModel
from ganzoo.registry import register


def init():
    """A fresh N(0, 0.02) initializer for each layer.

    One shared unseeded Keras initializer instance returns the same values on
    every call, so layers of equal shape would start identical.
    """
    return keras.initializers.RandomNormal(stddev=0.02)


def batch_norm():
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02))


def upsampling_network(inputs, image_shape, base_filters, stages, activation="tanh"):
    """DCGAN generator body: Dense projection, then `stages` stride-2 transposed convolutions."""
    height, width, channels = image_shape
    h, w = height >> stages, width >> stages
    filters = base_filters * 2 ** (stages - 1)
    x = layers.Dense(h * w * filters, use_bias=False, kernel_initializer=init())(inputs)
    x = layers.ReLU()(batch_norm()(x))
    x = layers.Reshape((h, w, filters))(x)
    for _ in range(stages - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=init())(x)
        x = layers.ReLU()(batch_norm()(x))
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", kernel_initializer=init())(x)
    return layers.Activation(activation or "linear", dtype="float32")(x)


def downsampling_network(images, base_filters, stages, use_batch_norm=True, wrap=lambda layer: layer):
    """DCGAN discriminator body: stride-2 convolutions (BatchNorm after all but the first)."""
    x = images
    for stage in range(stages):
        conv = layers.Conv2D(base_filters * 2**stage, 4, strides=2, padding="same",
                             use_bias=stage == 0 or not use_batch_norm, kernel_initializer=init())
        x = wrap(conv)(x)
        if stage > 0 and use_batch_norm:
            x = batch_norm()(x)
        x = layers.LeakyReLU(0.2)(x)
    return layers.Flatten()(x)


@register(
    "dcgan",
    description="Deep convolutional GAN (Radford et al. 2015)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 16}},
)
class DCGAN(AdversarialModel):
    """Deep convolutional GAN (Radford et al. 2015).

    Objective: the non-saturating GAN game (`loss=` selects another from
    `ganzoo.losses.LOSSES`) with convolutional networks.

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep
        Convolutional Generative Adversarial Networks", ICLR 2016.

    Args:
        image_shape: tuple. `(height, width, channels)`; depth is derived from
            it. Defaults to `(28, 28, 1)`.
        latent_dim: int. Noise dimension. Defaults to 100 (the paper's).
        base_filters: int. Filters of the discriminator's first convolution;
            doubled at each stage. Defaults to 64.
        loss: str. Adversarial loss. Defaults to `"non_saturating"`.
        d_steps: int. Discriminator updates per generator update. Defaults to 1.
        ema: float or None. Decay of the generator's moving average used by
            `generate` (e.g. 0.999). Defaults to None.
        seed: int or None. Training-noise seed. Defaults to None.

    Example:
    ```python
    import ganzoo
    images, _ = ganzoo.data.load("cifar10", "train")  # [-1, 1], NHWC (downloads once)
    model = ganzoo.get("dcgan", image_shape=(32, 32, 3))
    model.fit(images, epochs=10, batch_size=64)
    samples = model.generate(16, seed=0)           # (16, 32, 32, 3)
    ```
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int] = (28, 28, 1),
        latent_dim: int = 100,
        base_filters: int = 64,
        **kwargs,
    ):
        if not isinstance(base_filters, int) or base_filters < 1:
            raise ValueError(f"base_filters must be a positive int. Received: base_filters={base_filters!r}")
        self.base_filters = base_filters
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)

    def _stages(self):
        stages = self.num_downsamplings()
        if stages < 1:
            raise ValueError(
                "DCGAN needs an image whose height and width are even and larger "
                "than 4 (it halves them at least once), e.g. (28, 28, 1), (32, 32, 3), "
                f"(64, 64, 3). Received: image_shape={self.image_shape}"
            )
        return stages

    # Networks are written as functions of Keras tensors so that conditional
    # variants can reuse them with other inputs and heads.
    def generator_network(self, inputs):
        """Project a flat input vector and upsample it to an image in [-1, 1]."""
        return upsampling_network(inputs, self.image_shape, self.base_filters, self._stages())

    def discriminator_network(self, images):
        """Strided convolutions down to a flat feature vector."""
        return downsampling_network(images, self.base_filters, self._stages(),
                                    self.discriminator_batch_norm, self.discriminator_layer)

    #: BatchNorm after each discriminator convolution but the first (Radford et al.).
    discriminator_batch_norm = True

    #: A bias on the final logit. The Wasserstein loss is blind to it (its
    #: gradient is exactly zero), and the hinge loss nearly so.
    logit_bias = True

    def discriminator_layer(self, layer):
        """Hook to wrap each discriminator layer (SN-GAN adds spectral normalisation)."""
        return layer

    def build_generator(self):
        z = keras.Input((self.latent_dim,), name="z")
        return keras.Model(z, self.generator_network(z), name="generator")

    def build_discriminator(self):
        images = keras.Input(self.image_shape, name="images")
        features = self.discriminator_network(images)
        logits = self.discriminator_layer(
            layers.Dense(1, use_bias=self.logit_bias, kernel_initializer=init(), dtype="float32"))(features)
        return keras.Model(images, logits, name="discriminator")

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters}
