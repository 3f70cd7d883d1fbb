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

Spectral normalisation is written here (`SNConv2D`, `SNDense`) as in the
paper: the raw weight W stays the trainable variable and the forward pass uses
W / sigma(W), with the gradient flowing through sigma. The power-iteration
vector u is non-trainable state (threaded through the jitted step on JAX like
BatchNorm statistics). Keras' `layers.SpectralNormalization` instead writes the
normalised kernel back into W on every training call; that is a different
update rule, and the in-place write breaks PyTorch autograd when the
discriminator is called twice in one loss (real and generated batches). The discriminator has no BatchNorm (the paper's
standard CNN has none). Optimiser: Adam(2e-4, beta_1=0.5, beta_2=0.999) with one
discriminator step per generator step, setting C of the paper's Table 1.
Deviation: the DCGAN-style discriminator of this zoo instead of the paper's
deeper "standard CNN".
"""

from __future__ import annotations

import keras
from keras import layers, ops

from ganzoo.models.base import positive_int
from ganzoo.models.dcgan import DCGAN
from ganzoo.registry import register


def _l2_normalize(x, epsilon=1e-12):
    return x / ops.sqrt(ops.sum(ops.square(x)) + epsilon)


class _SpectralNorm:
    """Mixin for a layer with a `kernel`: use kernel / sigma(kernel) in `call`."""

    def __init__(self, *args, power_iterations: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel.shape[-1]), initializer=keras.initializers.RandomNormal(0.0, 1.0),
            trainable=False, name="vector_u",
        )

    def normalized_kernel(self, training):
        w = ops.reshape(self.kernel, (-1, self.kernel.shape[-1]))
        w_const = ops.stop_gradient(w)
        u = self.vector_u
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(w_const)))
            u = _l2_normalize(ops.matmul(v, w_const))
        sigma = ops.sum(ops.matmul(v, w) * u)
        if training:
            self.vector_u.assign(u)
        return self.kernel / sigma

    # Conv2D and Dense save only their kernel and bias; u is state worth keeping.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["vector_u"] = self.vector_u.numpy()

    def load_own_variables(self, store):
        super().load_own_variables(store)  # its count check includes u
        self.vector_u.assign(store["vector_u"])

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


class SNConv2D(_SpectralNorm, layers.Conv2D):
    """`Conv2D` whose kernel is spectrally normalised (Miyato et al. 2018)."""

    def call(self, inputs, training=False):
        outputs = self.convolution_op(inputs, self.normalized_kernel(training))
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs if self.activation is None else self.activation(outputs)


class SNDense(_SpectralNorm, layers.Dense):
    """`Dense` whose kernel is spectrally normalised (Miyato et al. 2018)."""

    def call(self, inputs, training=False):
        outputs = ops.matmul(inputs, self.normalized_kernel(training))
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs if self.activation is None else self.activation(outputs)


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
    logit_bias = False

    def __init__(self, latent_dim: int = 128, loss: str = "hinge", power_iterations: int = 1, **kwargs):
        # Zero iterations would leave sigma undefined (Miyato et al. use one per step).
        self.power_iterations = positive_int("power_iterations", power_iterations)
        super().__init__(latent_dim=latent_dim, loss=loss, **kwargs)

    def discriminator_layer(self, layer):
        spectral = {layers.Conv2D: SNConv2D, layers.Dense: SNDense}[type(layer)]
        config = layer.get_config()
        config.pop("name", None)
        return spectral.from_config({**config, "power_iterations": self.power_iterations})

    def default_optimizers(self):
        return {
            "discriminator": keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999),
            "generator": keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.999),
        }

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
