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
import numpy as np
from keras import layers, ops

from ganzoo.models.base import check_labels, positive_int
from ganzoo.models.dcgan import DCGAN, init
from ganzoo.registry import register


@register(
    "cgan",
    description="Conditional GAN: labels in both players (Mirza & Osindero 2014)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 16}},
)
class CGAN(DCGAN):
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

    def __init__(self, num_classes: int = 10, embedding_dim: int = 50, conditioning: str = "concat", **kwargs):
        self.num_classes = positive_int("num_classes", num_classes)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        if conditioning not in ("concat", "projection"):
            raise ValueError(
                "conditioning must be 'concat' or 'projection'. "
                f"Received: conditioning={conditioning!r}"
            )
        self.conditioning = conditioning
        super().__init__(**kwargs)

    def build_generator(self):
        z = keras.Input((self.latent_dim,), name="z")
        labels = keras.Input((), dtype="int32", name="labels")
        embedded = layers.Embedding(self.num_classes, self.embedding_dim)(labels)
        joined = layers.Concatenate()([z, embedded])
        return keras.Model([z, labels], self.generator_network(joined), name="generator")

    def build_discriminator(self):
        images = keras.Input(self.image_shape, name="images")
        labels = keras.Input((), dtype="int32", name="labels")
        height, width, _ = self.image_shape
        if self.conditioning == "concat":
            maps = layers.Reshape((1, 1, self.num_classes))(ops.one_hot(labels, self.num_classes))
            maps = layers.UpSampling2D((height, width))(maps)
            features = self.discriminator_network(layers.Concatenate()([images, maps]))
            logits = self.discriminator_layer(
                layers.Dense(1, use_bias=self.logit_bias, kernel_initializer=init(), dtype="float32"))(features)
        else:
            features = self.discriminator_network(images)
            plain = self.discriminator_layer(
                layers.Dense(1, use_bias=self.logit_bias, kernel_initializer=init(), dtype="float32"))(features)
            embedded = layers.Embedding(self.num_classes, features.shape[-1])(labels)
            projection = ops.sum(embedded * features, axis=-1, keepdims=True)
            logits = layers.Add(dtype="float32")([plain, projection])
        return keras.Model([images, labels], logits, name="discriminator")

    def _labels(self, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} is conditional: call fit(images, labels) with integer "
                f"labels in [0, {self.num_classes - 1}]."
            )
        return ops.cast(ops.reshape(y, (-1,)), "int32")

    def discriminator_loss(self, x, y=None, training=True):
        labels = self._labels(y)
        z = self.sample_latent(ops.shape(x)[0])
        fake = ops.stop_gradient(self.generator([z, labels], training=training))
        real_logits = self.discriminator([x, labels], training=training)
        fake_logits = self.discriminator([fake, labels], training=training)
        loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        return loss, {"d_loss": loss}

    def generator_loss(self, x, y=None, training=True):
        labels = self._labels(y)
        z = self.sample_latent(ops.shape(x)[0])
        fake_logits = self.discriminator([self.generator([z, labels], training=training), labels],
                                         training=training)
        loss = self.adversarial_loss.generator(fake_logits)
        return loss, {"g_loss": loss}

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def generate(self, n: int, labels=None, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """Draw `n` images of the given classes.

        Args:
            n: int. Number of images.
            labels: int, sequence of `n` ints, or None (cycles through the
                classes 0, 1, ..., K-1, 0, ...). Defaults to None.
            seed: int or None. Seeds the noise. Defaults to None.
            batch_size: int. Images per generator call. Defaults to 256.

        Returns:
            A float32 NumPy array `(n, *image_shape)` in [-1, 1].
        """
        n = positive_int("n", n)
        labels = check_labels(labels, n, self.num_classes)
        z = self.latent_numpy(n, np.random.default_rng(seed))
        return self._run_generator([z, labels], batch_size)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "embedding_dim": self.embedding_dim, "conditioning": self.conditioning}
