"""InfoGAN (Chen et al. 2016): interpretable codes by maximising mutual information.

The generator's input is noise z plus a code c: a categorical code (one-hot,
K classes) and continuous codes uniform in [-1, 1]. An auxiliary head Q,
sharing the discriminator's body, predicts c from G(z, c). The variational
lower bound on the mutual information I(c; G(z, c)) becomes a loss,

    L_I = CE(c_cat, Q_cat(G(z, c))) + w_cont * ||c_cont - Q_cont(G(z, c))||^2

(cross-entropy for the categorical code; a unit-variance Gaussian for the
continuous codes, i.e. a squared error), added with weight lambda to the
usual game:

    min_{G, Q} L_G + lambda L_I,     min_D L_D + lambda L_I

Reference: Chen et al., "InfoGAN: Interpretable Representation Learning by
Information Maximizing Generative Adversarial Nets", NeurIPS 2016
(arXiv:1606.03657). MNIST setting: 62 noise dimensions, one 10-way categorical
code, two continuous codes, lambda = 1.

The generator player updates G and the Q head's own layers; the
discriminator player updates the shared body (which therefore also learns
from L_I, as in the paper's code) and the adversarial head. Continuous codes
get weight 0.1 in L_I (the paper down-weights them; its exact value is not
stated for MNIST).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from ganzoo.models.dcgan import DCGAN
from ganzoo.models.networks import batch_norm_layer, init, positive_int
from ganzoo.models.player import reject_labels
from ganzoo.registry import register


@register(
    "infogan",
    description="InfoGAN: categorical and continuous codes recovered by a Q head (Chen et al. 2016)",
    presets={"tiny": {"base_filters": 8, "latent_dim": 8}},
)
class InfoGAN(DCGAN):
    """InfoGAN: categorical and continuous codes recovered by a Q head (Chen et al. 2016).

    Objective: `min_{G,Q} max_D V(D, G) + lambda L_I(G, Q)`, with `L_I` the
    cross-entropy of the categorical code plus a squared error on the
    continuous codes.

    Reference:
        Chen et al., "InfoGAN: Interpretable Representation Learning by
        Information Maximizing Generative Adversarial Nets", NeurIPS 2016.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Incompressible noise dimensions. Defaults to 62.
        num_categories: int. Size of the categorical code. Defaults to 10.
        num_continuous: int. Number of continuous codes in [-1, 1]. Defaults to 2.
        info_weight: float. lambda, the weight of L_I. Defaults to 1.
        continuous_weight: float. Weight of the continuous term inside L_I. Defaults to 0.1.
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
    images, _ = ganzoo.data.load("fashion_mnist", "train")  # labels are not used
    model = ganzoo.get("infogan")
    model.fit(images, epochs=5, batch_size=64)
    code_3 = model.generate(8, categories=[3] * 8, seed=0)  # one learned category
    probabilities, continuous = model.predict_codes(code_3)
    ```
    """

    metric_names = ("d_loss", "g_loss", "info_loss")

    def __init__(self, latent_dim: int = 62, num_categories: int = 10, num_continuous: int = 2,
                 info_weight: float = 1.0, continuous_weight: float = 0.1, **kwargs):
        self.num_categories = positive_int("num_categories", num_categories)
        if isinstance(num_continuous, bool) or not isinstance(num_continuous, int) or num_continuous < 0:
            raise ValueError(f"num_continuous must be an int >= 0. Received: num_continuous={num_continuous!r}")
        self.num_continuous = num_continuous
        self.info_weight = float(info_weight)
        self.continuous_weight = float(continuous_weight)
        super().__init__(latent_dim=latent_dim, **kwargs)

    @property
    def input_dim(self) -> int:
        return self.latent_dim + self.num_categories + self.num_continuous

    def build_generator(self):
        z = keras.Input((self.input_dim,), name="z_and_codes")
        return keras.Model(z, self.generator_network(z), name="generator")

    def build_networks(self):
        networks = super().build_networks()
        # Q before the discriminator: the order of ganzoo 0.1.0's files.
        return {"generator": networks["generator"],
                "q_network": self.build_q_network(networks["discriminator"]),
                "discriminator": networks["discriminator"]}

    def build_q_network(self, discriminator):
        """Q: a head on the discriminator's features predicting the codes (categorical logits, continuous)."""
        features = discriminator.get_layer("features").output
        hidden = self.discriminator_dense(128, kernel_initializer=init())(features)
        if self.discriminator_batch_norm:
            hidden = batch_norm_layer()(hidden)
        hidden = layers.LeakyReLU(0.2)(hidden)
        outputs = [self.discriminator_dense(self.num_categories, dtype="float32", name="categorical")(hidden)]
        if self.num_continuous:
            outputs.append(self.discriminator_dense(self.num_continuous, dtype="float32", name="continuous")(hidden))
        return keras.Model(discriminator.input, outputs, name="q_network")

    def generator_variables(self):
        shared = {id(v) for v in self.discriminator.trainable_variables}
        q_head = [v for v in self.q_network.trainable_variables if id(v) not in shared]
        return self.generator.trainable_variables + q_head

    def sample_inputs(self, batch_size, training=True):
        """`(z and codes, (categories, continuous))`: noise, a one-hot categorical code, uniform codes."""
        seed = self.noise_seed(training)
        noise = keras.random.normal((batch_size, self.latent_dim), seed=seed)
        categories = keras.random.randint((batch_size,), 0, self.num_categories, seed=seed)
        parts = [noise, ops.one_hot(categories, self.num_categories)]
        continuous = None
        if self.num_continuous:
            continuous = keras.random.uniform((batch_size, self.num_continuous), -1.0, 1.0, seed=seed)
            parts.append(continuous)
        return ops.concatenate(parts, axis=-1), (categories, continuous)

    def info_loss(self, images, codes, training=True):
        """L_I: how well Q recovers the codes behind `images`."""
        categories, continuous = codes
        outputs = self.q_network(images, training=training)
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(categories, outputs[0], from_logits=True))
        if self.num_continuous:
            loss = loss + self.continuous_weight * ops.mean(ops.sum(ops.square(continuous - outputs[1]), axis=-1))
        return loss

    def discriminator_terms(self, real, fake, y, codes, real_aux, fake_aux, training):
        return self.info_weight * self.info_loss(fake, codes, training), {}

    def generator_terms(self, fake, y, codes, fake_aux, training):
        info = self.info_loss(fake, codes, training)
        return self.info_weight * info, {"info_loss": info}

    def latent_numpy(self, n, rng, categories=None, continuous=None):
        if categories is None:
            categories = np.arange(n) % self.num_categories
        categories = np.asarray(categories)
        if (categories.shape != (n,) or categories.dtype.kind not in "iu"
                or categories.min() < 0 or categories.max() >= self.num_categories):
            raise ValueError(
                f"categories must be {n} integers in [0, {self.num_categories - 1}]. "
                f"Received: categories with shape {categories.shape}, dtype {categories.dtype}"
            )
        # Noise first: the same seed then gives the same z whether the codes are
        # drawn here or given, so a code traversal changes only the code.
        noise = rng.standard_normal((n, self.latent_dim))
        if continuous is None:
            continuous = rng.uniform(-1.0, 1.0, (n, self.num_continuous))
        continuous = np.asarray(continuous, dtype="float32")
        if continuous.shape != (n, self.num_continuous):
            raise ValueError(
                f"continuous must have shape ({n}, {self.num_continuous}): one row of codes in "
                f"[-1, 1] per image. Received: continuous with shape {continuous.shape}"
            )
        one_hot = np.eye(self.num_categories)[categories]
        return np.concatenate([noise, one_hot, continuous], axis=1).astype("float32")

    def generate(self, n: int, categories=None, continuous=None, seed: int | None = None,
                 batch_size: int = 256, labels=None) -> np.ndarray:
        """Draw `n` images with chosen codes.

        Args:
            n: int. Number of images.
            categories: sequence of `n` ints in `[0, num_categories)`, or None
                (cycles 0, 1, ..., K-1). Defaults to None.
            continuous: array `(n, num_continuous)` in [-1, 1], or None
                (uniform). Defaults to None.
            seed: int or None. Seeds the noise. Defaults to None.
            batch_size: int. Images per generator call. Defaults to 256.
            labels: None. InfoGAN is unconditional (choose `categories`
                instead); any other value raises a `ValueError`.

        Returns:
            A float32 NumPy array `(n, *image_shape)` in [-1, 1].
        """
        reject_labels(self, labels)
        n = positive_int("n", n)
        latent = self.latent_numpy(n, np.random.default_rng(seed), categories, continuous)
        return self._run_generator(latent, batch_size)

    def predict_codes(self, images, batch_size: int = 256):
        """The Q head's estimate of the codes behind `images`.

        Returns:
            `(probabilities, continuous)`: NumPy `(n, num_categories)` softmax
            probabilities and `(n, num_continuous)` continuous estimates.
        """
        outputs = self.run_in_batches("predict_codes", self._codes_batch,
                                      [np.asarray(images, "float32")], batch_size)
        probabilities = outputs[0]
        continuous = outputs[1] if self.num_continuous else np.zeros((len(probabilities), 0), "float32")
        return probabilities, continuous

    def _codes_batch(self, images):
        outputs = self.q_network(images, training=False)
        return [ops.softmax(outputs[0]), *outputs[1:]]

    def get_config(self):
        return {**super().get_config(), "num_categories": self.num_categories,
                "num_continuous": self.num_continuous, "info_weight": self.info_weight,
                "continuous_weight": self.continuous_weight}
