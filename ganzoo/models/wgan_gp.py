"""Wasserstein GAN with gradient penalty (Gulrajani et al. 2017).

The critic D estimates the Wasserstein-1 distance; a soft Lipschitz constraint
penalises its gradient norm on points between real and generated samples:

    L_D = E_z[D(G(z))] - E_x[D(x)] + lambda E_xhat[(||grad_xhat D(xhat)||_2 - 1)^2]
    xhat = eps x + (1 - eps) G(z),   eps ~ U(0, 1) per sample
    L_G = -E_z[D(G(z))]

with lambda = 10, five critic updates per generator update, and
Adam(1e-4, beta_1=0, beta_2=0.9) (Algorithm 1 of the paper).

Reference: Gulrajani et al., "Improved Training of Wasserstein GANs",
NeurIPS 2017 (arXiv:1704.00028).

Details that earlier implementations got wrong, done as the paper says: eps is
uniform (not normal) and drawn per sample; the gradient is flattened per sample
before its norm; an epsilon inside the square root keeps the penalty's own
gradient finite at zero. The critic has no BatchNorm (the penalty is per
sample; BatchNorm would couple samples). Deviation: the five critic updates
reuse the step's real batch with fresh noise each time (the paper draws a new
real batch per critic update).
"""

from __future__ import annotations

import keras
from keras import ops

from ganzoo.losses import gradient_penalty
from ganzoo.models.dcgan import DCGAN
from ganzoo.registry import register


@register(
    "wgan_gp",
    description="Wasserstein GAN with gradient penalty (Gulrajani et al. 2017)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 16, "d_steps": 2}},
)
class WGANGP(DCGAN):
    """Wasserstein GAN with gradient penalty (Gulrajani et al. 2017).

    Objective: critic `E[D(G(z))] - E[D(x)] + lambda E[(||grad D(xhat)|| - 1)^2]`
    with `xhat = eps x + (1 - eps) G(z)`, `eps ~ U(0, 1)`; generator `-E[D(G(z))]`.

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Noise dimension. Defaults to 128.
        base_filters: int. Width of the first critic convolution. Defaults to 64.
        gp_weight: float. The penalty's weight lambda. Defaults to 10.
        d_steps: int. Critic updates per generator update. Defaults to 5.
        loss: str. Defaults to `"wasserstein"`.
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
    model = ganzoo.get("wgan_gp")
    model.fit(images, epochs=5, batch_size=64)
    print(model.history.history["gradient_penalty"])
    ```
    """

    discriminator_batch_norm = False  # the penalty is per sample; BatchNorm would couple them
    logit_bias = False
    metric_names = ("d_loss", "g_loss", "gradient_penalty")

    def __init__(self, latent_dim: int = 128, gp_weight: float = 10.0, d_steps: int = 5,
                 loss: str = "wasserstein", **kwargs):
        if not isinstance(gp_weight, (int, float)) or gp_weight < 0:
            raise ValueError(f"gp_weight must be a non-negative number. Received: gp_weight={gp_weight!r}")
        self.gp_weight = float(gp_weight)
        super().__init__(latent_dim=latent_dim, d_steps=d_steps, loss=loss, **kwargs)

    def default_optimizers(self):
        return {
            "discriminator": keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
            "generator": keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        }

    def discriminator_terms(self, real, fake, y, codes, real_aux, fake_aux, training):
        eps = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), seed=self.noise_seed(training))
        between = eps * real + (1.0 - eps) * fake
        penalty = gradient_penalty(lambda t: self.critic(t, y, training)[0], between)
        return self.gp_weight * penalty, {"gradient_penalty": penalty}

    def get_config(self):
        return {**super().get_config(), "gp_weight": self.gp_weight}
