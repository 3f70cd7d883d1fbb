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

from ganzoo.models.adversarial import AdversarialModel
from ganzoo.models.networks import dense, downsampling_network, halvings, init, upsampling_network
from ganzoo.registry import register


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
        augment: str or None. DiffAugment policies ("color", "translation",
            "cutout", comma-separated) applied to real and generated images
            before every discriminator call (`ganzoo.augment`). Defaults to None.
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

    #: The discriminator's options, passed to `ganzoo.models.networks`: BatchNorm
    #: after each convolution but the first (Radford et al.), spectral
    #: normalisation of every weight (SN-GAN), a bias on the adversarial logit
    #: (the Wasserstein loss is blind to it, its gradient being exactly zero, and
    #: the hinge loss nearly so). Every discriminator of a DCGAN-based variant,
    #: heads included, is built with them.
    discriminator_batch_norm = True
    spectral_norm = False
    power_iterations = 1
    logit_bias = True

    def _stages(self):
        stages = halvings(self.image_shape)
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
                                    batch_norm=self.discriminator_batch_norm,
                                    spectral_norm=self.spectral_norm, power_iterations=self.power_iterations)

    def discriminator_dense(self, units, **kwargs):
        """A head layer of the discriminator (spectrally normalised when the discriminator is)."""
        return dense(units, spectral_norm=self.spectral_norm, power_iterations=self.power_iterations, **kwargs)

    def logit_layer(self, **kwargs):
        """The discriminator's adversarial logit: one unit on the flat features."""
        return self.discriminator_dense(1, use_bias=self.logit_bias, kernel_initializer=init(),
                                        dtype="float32", **kwargs)

    def build_generator(self):
        z = keras.Input((self.latent_dim,), name="z")
        return keras.Model(z, self.generator_network(z), name="generator")

    def build_discriminator(self):
        images = keras.Input(self.image_shape, name="images")
        logits = self.logit_layer()(self.discriminator_network(images))
        return keras.Model(images, logits, name="discriminator")

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters}
