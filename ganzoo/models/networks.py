"""The network builders the variants share, as functions of Keras tensors.

Options are arguments (`batch_norm=`, `spectral_norm=`), so every variant that
builds a discriminator with `downsampling_network` and `dense` honours them:
none can silently skip an option its parent has.

- `upsampling_network`: the DCGAN generator body (Dense projection, stride-2
  transposed convolutions, BatchNorm + ReLU, `tanh` output);
- `downsampling_network`: the DCGAN discriminator body (stride-2 convolutions,
  BatchNorm after all but the first, LeakyReLU(0.2)), ending in a flat feature
  vector (a `Flatten` layer named `"features"`);
- `dense`: a `Dense` layer, or its spectrally normalised `SNDense`;
- `SNConv2D` / `SNDense`: spectral normalisation (Miyato et al. 2018);
- `Conv2DTranspose`: Keras' layer, computed as a sub-pixel convolution on JAX.

Layout: the bodies take and return channels-last tensors on every backend and
run in `ganzoo.backend.DATA_FORMAT` inside (channels-first on PyTorch, one
`Permute` in and one out), with the same weights either way.

DCGAN's choices (Radford et al. 2015): weights from N(0, 0.02), kernel size 4,
BatchNorm momentum 0.9 and epsilon 1e-5 (PyTorch's defaults, as the reference
implementations use).

Spectral normalisation is written here as in the paper: the raw weight W stays
the trainable variable and the forward pass uses W / sigma(W), with sigma(W)
estimated by one power iteration per training call and the gradient flowing
through sigma. The power-iteration vector u is non-trainable state (threaded
through the jitted step on JAX like BatchNorm statistics). Keras'
`layers.SpectralNormalization` instead writes the normalised kernel back into W
on every training call; that is a different update rule, and the in-place write
breaks PyTorch autograd when the discriminator is called twice in one loss.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import layers, ops

import ganzoo.backend as _backend


# ---- argument checks -------------------------------------------------------
def validate_image_shape(image_shape: Any) -> tuple[int, int, int]:
    """Check an `(height, width, channels)` shape and return it as a tuple."""
    try:
        shape = tuple(int(d) for d in image_shape)
    except (TypeError, ValueError):
        shape = ()
    if len(shape) != 3 or min(shape) < 1 or shape[-1] not in (1, 3):
        raise ValueError(
            "image_shape must be (height, width, channels) with channels 1 (grey) "
            f"or 3 (RGB), channels last, e.g. (28, 28, 1) or (32, 32, 3). "
            f"Received: image_shape={image_shape!r}"
        )
    return shape


def positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int. Received: {name}={value!r}")
    return int(value)


def halvings(image_shape) -> int:
    """Stride-2 stages from image size to the smallest feature map: the image is
    halved while both sides are even and larger than 4 (28: 2, 32: 3, 64: 4)."""
    height, width, _ = image_shape
    n = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) > 4:
        height, width, n = height // 2, width // 2, n + 1
    return n


def flat_size(image_shape) -> int:
    return int(math.prod(image_shape))


# ---- layers ------------------------------------------------------------------
def init():
    """A fresh N(0, 0.02) initializer for each layer.

    One shared unseeded Keras initializer instance returns the same values on
    every call, so layers of equal shape would start identical.
    """
    return keras.initializers.RandomNormal(stddev=0.02)


def batch_norm_layer(axis: int = -1):
    return layers.BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-5,
                                     gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02))


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

    def call(self, inputs, training=False):
        outputs = self.apply_kernel(inputs, self.normalized_kernel(training))
        if self.use_bias:
            outputs = outputs + self.shaped_bias()
        return outputs if self.activation is None else self.activation(outputs)

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

    def apply_kernel(self, inputs, kernel):
        return self.convolution_op(inputs, kernel)

    def shaped_bias(self):
        if self.data_format == "channels_first":
            return ops.reshape(self.bias, (1, self.filters, 1, 1))
        return self.bias


class SNDense(_SpectralNorm, layers.Dense):
    """`Dense` whose kernel is spectrally normalised (Miyato et al. 2018)."""

    def apply_kernel(self, inputs, kernel):
        return ops.matmul(inputs, kernel)

    def shaped_bias(self):
        return self.bias


def dense(units: int, *, spectral_norm: bool = False, power_iterations: int = 1, **kwargs) -> layers.Layer:
    """`layers.Dense(units, **kwargs)`, or `SNDense` when `spectral_norm`."""
    if spectral_norm:
        return SNDense(units, power_iterations=power_iterations, **kwargs)
    return layers.Dense(units, **kwargs)


def conv(filters: int, *, spectral_norm: bool = False, power_iterations: int = 1, **kwargs) -> layers.Layer:
    """A stride-2, kernel-4, "same" `layers.Conv2D`, or `SNConv2D` when `spectral_norm`."""
    kwargs = {"kernel_size": 4, "strides": 2, "padding": "same", "kernel_initializer": init(), **kwargs}
    if spectral_norm:
        return SNConv2D(filters, power_iterations=power_iterations, **kwargs)
    return layers.Conv2D(filters, **kwargs)


# ---- sub-pixel upsampling -------------------------------------------------------
# A stride-2, kernel-4, "same" transposed convolution is a sub-pixel convolution:
# output pixel (2i + a, 2j + b) sees input rows {i-1, i} (a = 0) or {i, i+1} (a = 1)
# through kernel taps (3, 1) or (2, 0), and the same for columns. So it equals a 3x3
# stride-1 convolution to 4x the filters, one group per output phase (a, b), followed
# by depth-to-space (Shi et al. 2016). Row k of the 3x3 kernel holds input offset
# k - 1; for each phase, which tap of the 4x4 kernel lands there (None: zero).
_SUBPIXEL_TAPS = ((3, 1, None), (None, 2, 0))


def subpixel_kernel(kernel):
    """A `(4, 4, filters, in)` transposed-convolution kernel as the `(3, 3, in, 4 * filters)`
    kernel of the equivalent stride-1 convolution (phases in depth-to-space order)."""
    k = ops.transpose(kernel, (0, 1, 3, 2))  # (4, 4, in, filters)
    zero = ops.zeros_like(k[0, 0])
    phases = []
    for row_taps in _SUBPIXEL_TAPS:
        for col_taps in _SUBPIXEL_TAPS:
            rows = [ops.stack([zero if r is None or c is None else k[r, c] for c in col_taps])
                    for r in row_taps]
            phases.append(ops.stack(rows))  # (3, 3, in, filters)
    stacked = ops.stack(phases, axis=3)  # (3, 3, in, 4, filters)
    return ops.reshape(stacked, (3, 3, kernel.shape[3], 4 * kernel.shape[2]))


def depth_to_space(x, block: int = 2):
    """`(n, h, w, block * block * c)` to `(n, block * h, block * w, c)`, channels-last."""
    _, h, w, channels = x.shape
    c = channels // (block * block)
    x = ops.reshape(x, (-1, h, w, block, block, c))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    return ops.reshape(x, (-1, h * block, w * block, c))


def subpixel_conv_transpose(x, kernel):
    """`ops.conv_transpose(x, kernel, 2, padding="same")` for a `(4, 4, filters, in)`
    kernel, computed as a 3x3 stride-1 convolution plus depth-to-space."""
    return depth_to_space(ops.conv(x, subpixel_kernel(kernel), strides=1, padding="same"))


@keras.saving.register_keras_serializable(package="ganzoo")
class Conv2DTranspose(layers.Conv2DTranspose):
    """`keras.layers.Conv2DTranspose`, the same function, faster on JAX.

    A stride-2, kernel-4, "same", channels-last transposed convolution with more
    than 3 filters is computed on JAX as a 3x3 convolution plus depth-to-space
    (`subpixel_conv_transpose`): the kernel gradient of XLA's CPU transposed convolution is
    the slowest op of a DCGAN step there (see `benchmarks/conv_transpose.py`).
    The variables are those of the Keras layer (the kernel is rearranged at call
    time), and so is the class name, so the layer names and the weights in
    checkpoints do not change. Every other configuration, and every other backend
    (`ganzoo.backend.SUBPIXEL_UPSAMPLING`), runs Keras' own `call`.
    """

    def build(self, input_shape):
        super().build(input_shape)
        from ganzoo.backend import SUBPIXEL_UPSAMPLING

        self.subpixel = (SUBPIXEL_UPSAMPLING and self.kernel_size == (4, 4) and self.strides == (2, 2)
                         and self.padding == "same" and self.dilation_rate == (1, 1)
                         and self.output_padding is None and self.data_format == "channels_last"
                         and self.filters > 3)

    def call(self, inputs):
        if not self.subpixel:
            return super().call(inputs)
        outputs = subpixel_conv_transpose(inputs, self.kernel)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return outputs if self.activation is None else self.activation(outputs)


# ---- network bodies -------------------------------------------------------------
def from_channels_last(x):
    """A channels-last tensor in `ganzoo.backend.DATA_FORMAT` (a `Permute` on PyTorch)."""
    return layers.Permute((3, 1, 2))(x) if _backend.DATA_FORMAT == "channels_first" else x


def to_channels_last(x):
    """A tensor in `ganzoo.backend.DATA_FORMAT` back to channels-last (the inverse of `from_channels_last`)."""
    return layers.Permute((2, 3, 1))(x) if _backend.DATA_FORMAT == "channels_first" else x


def channel_axis() -> int:
    """The channel axis of image tensors in `ganzoo.backend.DATA_FORMAT` (1 on PyTorch, else -1)."""
    return 1 if _backend.DATA_FORMAT == "channels_first" else -1


def upsampling_network(inputs, image_shape, base_filters, stages, activation="tanh"):
    """DCGAN generator body: Dense projection, then `stages` stride-2 transposed convolutions."""
    height, width, channels = image_shape
    h, w = height >> stages, width >> stages
    filters = base_filters * 2 ** (stages - 1)
    data_format, axis = _backend.DATA_FORMAT, channel_axis()
    x = layers.Dense(h * w * filters, use_bias=False, kernel_initializer=init())(inputs)
    x = layers.ReLU()(batch_norm_layer()(x))
    x = from_channels_last(layers.Reshape((h, w, filters))(x))
    for _ in range(stages - 1):
        filters //= 2
        x = Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                            kernel_initializer=init(), data_format=data_format)(x)
        x = layers.ReLU()(batch_norm_layer(axis)(x))
    x = Conv2DTranspose(channels, 4, strides=2, padding="same", kernel_initializer=init(),
                        data_format=data_format)(x)
    return layers.Activation(activation or "linear", dtype="float32")(to_channels_last(x))


def downsampling_network(images, base_filters, stages, *, batch_norm=True, spectral_norm=False,
                         power_iterations=1):
    """DCGAN discriminator body: stride-2 convolutions down to a flat feature vector.

    Args:
        images: Keras tensor `(batch, height, width, channels)`.
        base_filters: int. Filters of the first convolution, doubled at each stage.
        stages: int. Number of stride-2 convolutions.
        batch_norm: bool. BatchNorm after each convolution but the first
            (Radford et al.); without it every convolution has a bias.
        spectral_norm: bool. Spectrally normalised convolutions (`SNConv2D`).
        power_iterations: int. Power iterations per call when `spectral_norm`.

    Returns:
        The flat features, the output of a `Flatten` layer named `"features"`.
    """
    x = from_channels_last(images)
    for stage in range(stages):
        x = conv(base_filters * 2**stage, use_bias=stage == 0 or not batch_norm,
                 spectral_norm=spectral_norm, power_iterations=power_iterations,
                 data_format=_backend.DATA_FORMAT)(x)
        if stage > 0 and batch_norm:
            x = batch_norm_layer(channel_axis())(x)
        x = layers.LeakyReLU(0.2)(x)
    # Flatten orders a channels-first tensor as a channels-last one: same features.
    return layers.Flatten(name="features", data_format=_backend.DATA_FORMAT)(x)
