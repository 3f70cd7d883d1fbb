"""Variational autoencoder (Kingma & Welling 2014): the zoo's non-adversarial baseline.

An encoder q(z | x) = N(mu(x), diag sigma^2(x)) and a decoder p(x | z) are
trained together by maximising the evidence lower bound,

    ELBO(x) = E_{q(z|x)}[log p(x | z)] - KL(q(z | x) || N(0, I)),

with one reparameterised sample z = mu + sigma * eps, eps ~ N(0, I). The loss
reported is the negative ELBO in nats per image, split into
`reconstruction_loss` (-log p(x|z)) and `kl_loss`.

Likelihood: Bernoulli. Pixels are mapped from [-1, 1] to [0, 1] and scored by
sigmoid cross-entropy on the decoder's logits, summed over pixels. This is the
"cross-entropy likelihood" of the baseline VAE in Dai & Wipf 2019 (Table 1:
Fashion-MNIST FID 43.6), so our numbers answer the same question; it is also
the likelihood of Kingma & Welling's MNIST experiments. For grey-level images
it is the usual relaxation (the normaliser of a continuous Bernoulli is
ignored). Samples and reconstructions are the decoder's mean, sigmoid(logits),
mapped back to [-1, 1].

Architecture: the DCGAN discriminator's convolutions as the encoder and the
DCGAN generator as the decoder, so the VAE has the same capacity class as the
GANs it is compared with (Lucic et al. 2018, Dai & Wipf 2019 used one neutral
architecture for all models).

Reference: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014
(arXiv:1312.6114). Optimiser: Adam(1e-3).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from ganzoo.models.conditional import is_conditional
from ganzoo.models.networks import (
    downsampling_network,
    halvings,
    init,
    positive_int,
    upsampling_network,
    validate_image_shape,
)
from ganzoo.models.player import Player, PlayerModel
from ganzoo.registry import register


@register(
    "vae",
    description="Variational autoencoder baseline, Bernoulli likelihood (Kingma & Welling 2014)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 8}},
)
class VAE(PlayerModel):
    """Variational autoencoder baseline, Bernoulli likelihood (Kingma & Welling 2014).

    Objective: maximise `E_q[log p(x|z)] - KL(q(z|x) || N(0, I))`; the History
    reports `loss` (negative ELBO, nats per image), `reconstruction_loss` and `kl_loss`.

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Size of z. Defaults to 32.
        base_filters: int. Width of the first encoder convolution (DCGAN
            layout). Defaults to 64.
        seed: int or None. Seed of the reparameterisation noise. Defaults to None.

    Example:
    ```python
    import ganzoo
    images, _ = ganzoo.data.load("fashion_mnist", "train")  # [-1, 1], NHWC
    test_images, _ = ganzoo.data.load("fashion_mnist", "test")
    model = ganzoo.get("vae")
    model.fit(images, epochs=5, batch_size=64)
    model.evaluate(test_images, return_dict=True)  # {"loss": ..., "kl_loss": ...}
    samples = model.generate(16, seed=0)
    ```
    """

    metric_names = ("loss", "reconstruction_loss", "kl_loss")

    def __init__(self, image_shape: tuple[int, int, int] = (28, 28, 1), latent_dim: int = 32,
                 base_filters: int = 64, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = validate_image_shape(image_shape)
        self.latent_dim = positive_int("latent_dim", latent_dim)
        self.base_filters = positive_int("base_filters", base_filters)
        self.init_noise(seed)
        self.stages = halvings(self.image_shape)
        if self.stages < 1:
            raise ValueError(
                "The VAE's encoder halves the image at least once: height and width must be "
                f"even and larger than 4, e.g. (28, 28, 1). Received: image_shape={self.image_shape}"
            )
        self.encoder = self.build_encoder()
        self.decoder = self.build_decoder()
        self.init_trackers()

    # ---- networks ---------------------------------------------------------
    def condition_inputs(self):
        """Extra inputs of both networks (the conditional VAE adds labels)."""
        return []

    def build_encoder(self):
        images = keras.Input(self.image_shape, name="images")
        extra = self.condition_inputs()
        features = downsampling_network(self.encoder_input(images, extra), self.base_filters, self.stages)
        features = self.encoder_features(features, extra)
        stats = layers.Dense(2 * self.latent_dim, kernel_initializer=init(), dtype="float32")(features)
        return keras.Model([images, *extra] if extra else images, stats, name="encoder")

    def build_decoder(self):
        z = keras.Input((self.latent_dim,), name="z")
        extra = self.condition_inputs()
        logits = upsampling_network(self.decoder_input(z, extra), self.image_shape, self.base_filters,
                                    self.stages, activation=None)
        return keras.Model([z, *extra] if extra else z, logits, name="decoder")

    def encoder_input(self, images, extra):
        return images

    def encoder_features(self, features, extra):
        return features

    def decoder_input(self, z, extra):
        return z

    # ---- the objective -----------------------------------------------------
    def elbo_loss(self, x, y=None, training=True):
        y = self.condition(y)
        stats = self.encoder(x if y is None else [x, y], training=training)
        mean, log_var = stats[:, : self.latent_dim], stats[:, self.latent_dim:]
        eps = keras.random.normal(ops.shape(mean), seed=self.noise_seed(training))
        z = mean + ops.exp(0.5 * log_var) * eps
        logits = self.decoder(z if y is None else [z, y], training=training)
        target = (ops.cast(x, "float32") + 1.0) / 2.0
        per_pixel = ops.softplus(logits) - target * logits   # sigmoid cross-entropy on logits
        reconstruction = ops.mean(ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=1))
        kl = ops.mean(-0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=1))
        loss = reconstruction + kl
        return loss, {"loss": loss, "reconstruction_loss": reconstruction, "kl_loss": kl}

    def players(self):
        return [Player("vae", self.elbo_loss, self.encoder.trainable_variables + self.decoder.trainable_variables)]

    def default_optimizers(self):
        return {"vae": keras.optimizers.Adam(1e-3)}

    def compile(self, optimizer: keras.optimizers.Optimizer | None = None, *,
                jit_compile: bool | str = "auto", steps_per_execution: int = 1,
                run_eagerly: bool = False, **kwargs):
        """Set the optimizer (Adam(1e-3) when None).

        Args:
            optimizer: `keras.optimizers.Optimizer`. Defaults to Adam(1e-3).
            jit_compile: bool or "auto". Defaults to "auto".
            steps_per_execution: int. Defaults to 1.
            run_eagerly: bool. Defaults to False.
        """
        if kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes optimizer, jit_compile, steps_per_execution "
                f"and run_eagerly; the ELBO is part of the model. Received: {sorted(kwargs)}"
            )
        self._compile_players({"vae": optimizer}, jit_compile, steps_per_execution, run_eagerly)

    def call(self, inputs, training=False):
        return self.decoder(inputs, training=training)

    # ---- using a trained model ------------------------------------------------
    def encode(self, x, labels=None):
        """Posterior mean and log-variance of z for images `x` (NumPy, `(n, latent_dim)` each)."""
        arrays = self._with_labels(np.asarray(x, "float32"), labels)
        stats = self.run_in_batches("encode", self._encode_batch, arrays)
        return stats[:, : self.latent_dim], stats[:, self.latent_dim:]

    def _encode_batch(self, *inputs):
        return self.encoder(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

    def decode(self, z, labels=None):
        """Decoder means for latent vectors `z`, as images in [-1, 1]."""
        arrays = self._with_labels(np.asarray(z, "float32"), labels)
        return self._run_generator(arrays, 256)

    def reconstruct(self, x, labels=None):
        """Decode the posterior mean of each image: `decode(encode(x)[0])`."""
        return self.decode(self.encode(x, labels)[0], labels)

    def _with_labels(self, array, labels):
        # Unconditional models take no labels (and ignore the argument).
        return [array, self.check_labels(labels, len(array))] if is_conditional(self) else [array]

    @property
    def sample_generator(self):
        return self.decoder

    def to_image_range(self, outputs):
        return 2.0 * ops.sigmoid(outputs) - 1.0

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "image_shape": self.image_shape,
                "latent_dim": self.latent_dim, "base_filters": self.base_filters, "seed": self.seed}
