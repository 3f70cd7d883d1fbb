"""Least-squares GAN (Mao et al. 2017).

The discriminator regresses real images to 1 and generated ones to 0; the
generator pushes its samples' scores to 1 (the a=0, b=c=1 coding of eq. 9):

    min_D 1/2 E_x[(D(x) - 1)^2] + 1/2 E_z[D(G(z))^2]
    min_G 1/2 E_z[(D(G(z)) - 1)^2]

Minimising it is minimising a Pearson chi^2 divergence (with b - c = 1,
b - a = 2 coding; the 0-1 coding used here is the paper's recommended
practical choice). Samples far on the correct side of the decision boundary
are still penalised, which gives the generator gradients where the sigmoid
cross-entropy saturates.

Reference: Mao et al., "Least Squares Generative Adversarial Networks",
ICCV 2017 (arXiv:1611.04076).

Deviation: the DCGAN architecture of this zoo (the paper used a deeper
network for LSUN); Adam(2e-4, beta_1=0.5) as in the paper.
"""

from __future__ import annotations

from ganzoo.models.dcgan import DCGAN
from ganzoo.registry import register


@register(
    "lsgan",
    description="Least-squares GAN on the DCGAN architecture (Mao et al. 2017)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 16}},
)
class LSGAN(DCGAN):
    """Least-squares GAN on the DCGAN architecture (Mao et al. 2017).

    Objective: `min_D 1/2 E[(D(x)-1)^2] + 1/2 E[D(G(z))^2]`,
    `min_G 1/2 E[(D(G(z))-1)^2]` (`loss="least_squares"`).

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Noise dimension. Defaults to 100.
        base_filters: int. Width of the first discriminator convolution. Defaults to 64.
        loss: str. Defaults to `"least_squares"`.
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
    model = ganzoo.get("lsgan")
    model.fit(images, epochs=5, batch_size=64)
    ```
    """

    def __init__(self, loss: str = "least_squares", **kwargs):
        super().__init__(loss=loss, **kwargs)
