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

INIT = keras.initializers.RandomNormal(stddev=0.02)


def batch_norm():
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02))


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
        seed: int or None. Training-noise seed. Defaults to None.

    Example:
    ```python
    import ganzoo
    model = ganzoo.get("dcgan", image_shape=(32, 32, 3))
    model.fit(images, epochs=10, batch_size=64)   # images in [-1, 1], NHWC
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

    def build_generator(self):
        stages = self._stages()
        height, width, channels = self.image_shape
        h, w = height >> stages, width >> stages
        filters = self.base_filters * 2 ** (stages - 1)
        model = keras.Sequential(
            [
                keras.Input((self.latent_dim,)),
                layers.Dense(h * w * filters, use_bias=False, kernel_initializer=INIT),
                batch_norm(),
                layers.ReLU(),
                layers.Reshape((h, w, filters)),
            ],
            name="generator",
        )
        for _ in range(stages - 1):
            filters //= 2
            model.add(layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=INIT))
            model.add(batch_norm())
            model.add(layers.ReLU())
        model.add(layers.Conv2DTranspose(channels, 4, strides=2, padding="same", kernel_initializer=INIT))
        model.add(layers.Activation("tanh"))
        return model

    def build_discriminator(self):
        stages = self._stages()
        model = keras.Sequential([keras.Input(self.image_shape)], name="discriminator")
        for stage in range(stages):
            model.add(layers.Conv2D(self.base_filters * 2**stage, 4, strides=2, padding="same",
                                    use_bias=stage == 0, kernel_initializer=INIT))
            if stage > 0:
                model.add(batch_norm())
            model.add(layers.LeakyReLU(0.2))
        model.add(layers.Flatten())
        model.add(layers.Dense(1, kernel_initializer=INIT))
        return model

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters}
