"""Vanilla GAN with multilayer-perceptron networks (Goodfellow et al. 2014).

The game: the discriminator D maximises
`E_x[log D(x)] + E_z[log(1 - D(G(z)))]`; the generator G minimises
`E_z[log(1 - D(G(z)))]` (`loss="minimax"`), or, by default, maximises
`E_z[log D(G(z))]` (`loss="non_saturating"`), the variant the paper recommends
(section 3) because it gives strong gradients early in training.

Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.

Deviations from the paper, made here on purpose: LeakyReLU(0.2) units instead
of maxout, no dropout, and Adam(2e-4, beta_1=0.5) instead of SGD with momentum
(the settings of most modern re-implementations). The generator's last layer
produces every pixel of the full image (`prod(image_shape)` units, tanh), and
the generator is trained through the discriminator on G(z), never on z itself.
"""

from __future__ import annotations

import keras
from keras import layers

from ganzoo.models.adversarial import AdversarialModel
from ganzoo.models.networks import flat_size
from ganzoo.registry import register


@register(
    "gan",
    description="Vanilla GAN with MLP generator and discriminator (Goodfellow et al. 2014)",
    presets={"tiny": {"hidden_units": (32, 32), "latent_dim": 8}},
)
class GAN(AdversarialModel):
    """Vanilla GAN with MLP generator and discriminator (Goodfellow et al. 2014).

    Objective: `min_G max_D E_x[log D(x)] + E_z[log(1 - D(G(z)))]`, with the
    non-saturating generator loss `-E_z[log D(G(z))]` by default.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Noise dimension. Defaults to 64.
        hidden_units: tuple of int. Generator hidden widths, bottom to top; the
            discriminator mirrors them. Defaults to `(256, 512, 1024)`.
        loss: str. `"non_saturating"` (default) or `"minimax"`, or any name in
            `ganzoo.losses.LOSSES`.
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
    images, _ = ganzoo.data.load("fashion_mnist", "train")  # [-1, 1], NHWC
    model = ganzoo.get("gan")
    model.fit(images, epochs=20, batch_size=64)
    grid = model.generate(64, seed=0)              # (64, 28, 28, 1)
    ```
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int] = (28, 28, 1),
        latent_dim: int = 64,
        hidden_units: tuple[int, ...] = (256, 512, 1024),
        **kwargs,
    ):
        hidden_units = tuple(int(u) for u in hidden_units)
        if not hidden_units or min(hidden_units) < 1:
            raise ValueError(
                f"hidden_units must be a non-empty tuple of positive ints. "
                f"Received: hidden_units={hidden_units!r}"
            )
        self.hidden_units = hidden_units
        super().__init__(image_shape=image_shape, latent_dim=latent_dim, **kwargs)

    def build_generator(self):
        model = keras.Sequential([keras.Input((self.latent_dim,))], name="generator")
        for units in self.hidden_units:
            model.add(layers.Dense(units))
            model.add(layers.LeakyReLU(0.2))
        model.add(layers.Dense(flat_size(self.image_shape), activation="tanh"))
        model.add(layers.Reshape(self.image_shape))
        return model

    def build_discriminator(self):
        model = keras.Sequential([keras.Input(self.image_shape), layers.Flatten()], name="discriminator")
        for units in reversed(self.hidden_units):
            model.add(layers.Dense(units))
            model.add(layers.LeakyReLU(0.2))
        model.add(layers.Dense(1))
        return model

    def get_config(self):
        return {**super().get_config(), "hidden_units": self.hidden_units}
