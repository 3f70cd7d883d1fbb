"""Spectrally normalised GAN with the hinge loss (Miyato et al. 2018).

Every discriminator weight matrix W is divided by an estimate of its largest
singular value sigma(W), refreshed by one power iteration per training call,
which bounds the discriminator's Lipschitz constant by 1 without the cost of a
gradient penalty:

    W_SN = W / sigma(W)
    min_D E_x[relu(1 - D(x))] + E_z[relu(1 + D(G(z)))]
    min_G -E_z[D(G(z))]

Reference: Miyato et al., "Spectral Normalization for Generative Adversarial
Networks", ICLR 2018 (arXiv:1802.05957); hinge loss from Lim & Ye 2017.

Spectral normalisation is written as in the paper (`SNConv2D`, `SNDense` in
`ganzoo.models.networks`, which says how it differs from Keras'
`layers.SpectralNormalization`): the raw weight W stays the trainable variable
and the forward pass uses W / sigma(W), with the gradient flowing through
sigma. SN-GAN is DCGAN with two discriminator options switched: spectral
normalisation on, BatchNorm off (the paper's standard CNN has none).
Optimiser: Adam(2e-4, beta_1=0.5, beta_2=0.999) with one discriminator step
per generator step, setting C of the paper's Table 1.
Deviation: the DCGAN-style discriminator of this zoo instead of the paper's
deeper "standard CNN".
"""

from __future__ import annotations

import keras

from ganzoo.models.dcgan import DCGAN
from ganzoo.models.networks import positive_int
from ganzoo.registry import register


@register(
    "sngan",
    description="Spectral-norm discriminator with hinge loss (Miyato et al. 2018)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 16}},
)
class SNGAN(DCGAN):
    """Spectral-norm discriminator with hinge loss (Miyato et al. 2018).

    Objective: `min_D E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`,
    `min_G -E[D(G(z))]`, with every discriminator weight spectrally normalised.

    Reference:
        Miyato et al., "Spectral Normalization for Generative Adversarial
        Networks", ICLR 2018.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Noise dimension. Defaults to 128.
        base_filters: int. Width of the first discriminator convolution. Defaults to 64.
        loss: str. Defaults to `"hinge"`.
        power_iterations: int. Power iterations per call. Defaults to 1.
        d_steps: int. Discriminator updates per generator update. Defaults to 1.
        ema: float or None. Decay of the generator's moving average used by
            `generate` (e.g. 0.999). Defaults to None.
        augment: str or None. DiffAugment policies ("color", "translation",
            "cutout", comma-separated) applied to real and generated images
            before every discriminator call (`ganzoo.augment`). Defaults to None.
        seed: int or None. Seed of the training noise. Defaults to None.

    Example:
    ```python
    import ganzoo
    images, _ = ganzoo.data.load("fashion_mnist", "train")  # [-1, 1], NHWC
    model = ganzoo.get("sngan")
    model.fit(images, epochs=5, batch_size=64)
    ```
    """

    discriminator_batch_norm = False
    spectral_norm = True
    logit_bias = False

    def __init__(self, latent_dim: int = 128, loss: str = "hinge", power_iterations: int = 1, **kwargs):
        # Zero iterations would leave sigma undefined (Miyato et al. use one per step).
        self.power_iterations = positive_int("power_iterations", power_iterations)
        super().__init__(latent_dim=latent_dim, loss=loss, **kwargs)

    def default_optimizers(self):
        return {
            "discriminator": keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999),
            "generator": keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999),
        }

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
