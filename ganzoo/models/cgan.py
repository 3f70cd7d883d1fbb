"""Conditional GAN (Mirza & Osindero 2014), on the DCGAN architecture.

Both players see the class label y:

    min_G max_D E_{x,y}[log D(x | y)] + E_{z,y}[log(1 - D(G(z | y) | y))]

(non-saturating generator loss by default). The generator's input is the
noise concatenated with a learned label embedding. The discriminator is
conditioned either by concatenating a one-hot label map to the image channels
(`conditioning="concat"`, the paper's approach of joining y to the input) or by
a projection head, `D(x, y) = w^T phi(x) + embed(y)^T phi(x)`
(`conditioning="projection"`, Miyato & Koyama 2018).

Generated images in a step use the real batch's labels, so the class balance
of the fakes matches the data.

References: Mirza & Osindero, "Conditional Generative Adversarial Nets",
arXiv:1411.1784 (2014); Miyato & Koyama, "cGANs with Projection
Discriminator", ICLR 2018.

Deviation: convolutional networks (the paper used MLPs with maxout).
"""

from __future__ import annotations

import keras
from keras import layers, ops

from ganzoo.models.conditional import Conditional
from ganzoo.models.dcgan import DCGAN
from ganzoo.models.networks import positive_int
from ganzoo.registry import register


class ConditionalDCGAN(Conditional, DCGAN):
    """A DCGAN whose generator sees the label: `G(z, y)` on z joined with a
    learned label embedding (the generator of cGAN and AC-GAN).

    Args:
        num_classes: int. Number of classes. Defaults to 10.
        embedding_dim: int. Size of the generator's label embedding. Defaults to 50.
        **kwargs: `DCGAN`'s arguments.
    """

    def __init__(self, embedding_dim: int = 50, **kwargs):
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        super().__init__(**kwargs)

    def build_generator(self):
        z = keras.Input((self.latent_dim,), name="z")
        labels = keras.Input((), dtype="int32", name="labels")
        embedded = layers.Embedding(self.num_classes, self.embedding_dim)(labels)
        joined = layers.Concatenate()([z, embedded])
        return keras.Model([z, labels], self.generator_network(joined), name="generator")

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim}


@register(
    "cgan",
    description="Conditional GAN: labels in both players (Mirza & Osindero 2014)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 16}},
)
class CGAN(ConditionalDCGAN):
    """Conditional GAN: labels in both players (Mirza & Osindero 2014).

    Objective: `min_G max_D E[log D(x|y)] + E[log(1 - D(G(z|y)|y))]`
    (non-saturating generator loss by default).

    Reference:
        Mirza & Osindero, "Conditional Generative Adversarial Nets", 2014.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        num_classes: int. Number of classes. Defaults to 10.
        latent_dim: int. Noise dimension. Defaults to 100.
        embedding_dim: int. Size of the generator's label embedding. Defaults to 50.
        conditioning: str. `"concat"` (one-hot label maps joined to the image)
            or `"projection"` (projection discriminator). Defaults to `"concat"`.
        base_filters: int. Width of the first discriminator convolution (DCGAN
            layout). Defaults to 64.
        loss: str. Adversarial loss from `ganzoo.losses.LOSSES`. Defaults to `"non_saturating"`.
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
    images, labels = ganzoo.data.load("fashion_mnist", "train")  # [-1, 1], NHWC
    model = ganzoo.get("cgan", num_classes=10)
    model.fit(images, labels, epochs=5, batch_size=64)
    shirts = model.generate(16, labels=[6] * 16, seed=0)
    ```
    """

    def __init__(self, conditioning: str = "concat", **kwargs):
        if conditioning not in ("concat", "projection"):
            raise ValueError(
                "conditioning must be 'concat' or 'projection'. "
                f"Received: conditioning={conditioning!r}"
            )
        self.conditioning = conditioning
        super().__init__(**kwargs)

    def build_discriminator(self):
        images = keras.Input(self.image_shape, name="images")
        labels = keras.Input((), dtype="int32", name="labels")
        height, width, _ = self.image_shape
        if self.conditioning == "concat":
            maps = layers.Reshape((1, 1, self.num_classes))(ops.one_hot(labels, self.num_classes))
            maps = layers.UpSampling2D((height, width))(maps)
            features = self.discriminator_network(layers.Concatenate()([images, maps]))
            logits = self.logit_layer()(features)
        else:
            features = self.discriminator_network(images)
            plain = self.logit_layer()(features)
            embedded = layers.Embedding(self.num_classes, features.shape[-1])(labels)
            projection = ops.sum(embedded * features, axis=-1, keepdims=True)
            logits = layers.Add(dtype="float32")([plain, projection])
        return keras.Model([images, labels], logits, name="discriminator")

    def get_config(self):
        return {**super().get_config(), "conditioning": self.conditioning}
