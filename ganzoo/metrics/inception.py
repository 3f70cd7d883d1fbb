"""A Keras port of the Inception network behind published FIDs.

The network is TensorFlow's "inception-2015-12-05" graph as ported to PyTorch
by pytorch-fid (`FIDInceptionA/C/E` blocks, 1008-way classifier). It differs
from the usual Inception v3 (torchvision's, Keras' `applications.InceptionV3`)
in three places, each reproduced here:

- the average pools inside the A, C and first E blocks ignore the zero padding
  (`count_include_pad=False`), which is what Keras' `"same"` average pooling does;
- the pooling branch of the last E block (`Mixed_7c`) is a 3x3 *max* pool;
- the classifier has 1008 outputs (1000 ImageNet classes plus 8 unused).

Every convolution is a "BasicConv2d": convolution without bias, batch
normalisation with epsilon 0.001, ReLU. Layer names follow the PyTorch module
names ("." written "__"), so a pytorch-fid state dict maps onto the port by name.

Reference:
    Szegedy et al. 2016, "Rethinking the Inception Architecture for Computer
    Vision", https://arxiv.org/abs/1512.00567; Seitzer, "pytorch-fid",
    https://github.com/mseitzer/pytorch-fid
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

NUM_CLASSES = 1008
FEATURE_DIM = 2048
INPUT_SIZE = 299


def _layer_name(torch_name: str) -> str:
    # torch registers Keras variables as parameters, whose names cannot contain ".".
    return torch_name.replace(".", "__")


class _Builder:
    """Builds the graph and records which Keras layers hold which torch tensors."""

    def __init__(self):
        self.convs: dict[str, tuple[layers.Conv2D, layers.BatchNormalization]] = {}

    def conv(self, x, name, filters, kernel, strides=1, padding="valid"):
        layer = _layer_name(name)
        conv = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=f"{layer}__conv")
        norm = layers.BatchNormalization(epsilon=1e-3, name=f"{layer}__bn")
        self.convs[name] = (conv, norm)
        return layers.ReLU(name=f"{layer}__relu")(norm(conv(x)))

    def block_a(self, x, name, pool_features):
        b1 = self.conv(x, f"{name}.branch1x1", 64, 1)
        b5 = self.conv(x, f"{name}.branch5x5_1", 48, 1)
        b5 = self.conv(b5, f"{name}.branch5x5_2", 64, 5, padding="same")
        b3 = self.conv(x, f"{name}.branch3x3dbl_1", 64, 1)
        b3 = self.conv(b3, f"{name}.branch3x3dbl_2", 96, 3, padding="same")
        b3 = self.conv(b3, f"{name}.branch3x3dbl_3", 96, 3, padding="same")
        # TF's average pool excludes the padding from the count (pytorch-fid's patch).
        bp = layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}__avg_pool")(x)
        bp = self.conv(bp, f"{name}.branch_pool", pool_features, 1)
        return layers.Concatenate(name=name)([b1, b5, b3, bp])

    def block_b(self, x, name):
        b3 = self.conv(x, f"{name}.branch3x3", 384, 3, strides=2)
        bd = self.conv(x, f"{name}.branch3x3dbl_1", 64, 1)
        bd = self.conv(bd, f"{name}.branch3x3dbl_2", 96, 3, padding="same")
        bd = self.conv(bd, f"{name}.branch3x3dbl_3", 96, 3, strides=2)
        bp = layers.MaxPooling2D(3, strides=2, name=f"{name}__max_pool")(x)
        return layers.Concatenate(name=name)([b3, bd, bp])

    def block_c(self, x, name, c7):
        b1 = self.conv(x, f"{name}.branch1x1", 192, 1)
        b7 = self.conv(x, f"{name}.branch7x7_1", c7, 1)
        b7 = self.conv(b7, f"{name}.branch7x7_2", c7, (1, 7), padding="same")
        b7 = self.conv(b7, f"{name}.branch7x7_3", 192, (7, 1), padding="same")
        bd = self.conv(x, f"{name}.branch7x7dbl_1", c7, 1)
        bd = self.conv(bd, f"{name}.branch7x7dbl_2", c7, (7, 1), padding="same")
        bd = self.conv(bd, f"{name}.branch7x7dbl_3", c7, (1, 7), padding="same")
        bd = self.conv(bd, f"{name}.branch7x7dbl_4", c7, (7, 1), padding="same")
        bd = self.conv(bd, f"{name}.branch7x7dbl_5", 192, (1, 7), padding="same")
        bp = layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}__avg_pool")(x)
        bp = self.conv(bp, f"{name}.branch_pool", 192, 1)
        return layers.Concatenate(name=name)([b1, b7, bd, bp])

    def block_d(self, x, name):
        b3 = self.conv(x, f"{name}.branch3x3_1", 192, 1)
        b3 = self.conv(b3, f"{name}.branch3x3_2", 320, 3, strides=2)
        b7 = self.conv(x, f"{name}.branch7x7x3_1", 192, 1)
        b7 = self.conv(b7, f"{name}.branch7x7x3_2", 192, (1, 7), padding="same")
        b7 = self.conv(b7, f"{name}.branch7x7x3_3", 192, (7, 1), padding="same")
        b7 = self.conv(b7, f"{name}.branch7x7x3_4", 192, 3, strides=2)
        bp = layers.MaxPooling2D(3, strides=2, name=f"{name}__max_pool")(x)
        return layers.Concatenate(name=name)([b3, b7, bp])

    def block_e(self, x, name, max_pool):
        b1 = self.conv(x, f"{name}.branch1x1", 320, 1)
        b3 = self.conv(x, f"{name}.branch3x3_1", 384, 1)
        b3 = layers.Concatenate(name=f"{name}__branch3x3")([
            self.conv(b3, f"{name}.branch3x3_2a", 384, (1, 3), padding="same"),
            self.conv(b3, f"{name}.branch3x3_2b", 384, (3, 1), padding="same"),
        ])
        bd = self.conv(x, f"{name}.branch3x3dbl_1", 448, 1)
        bd = self.conv(bd, f"{name}.branch3x3dbl_2", 384, 3, padding="same")
        bd = layers.Concatenate(name=f"{name}__branch3x3dbl")([
            self.conv(bd, f"{name}.branch3x3dbl_3a", 384, (1, 3), padding="same"),
            self.conv(bd, f"{name}.branch3x3dbl_3b", 384, (3, 1), padding="same"),
        ])
        if max_pool:
            # The FID graph's Mixed_7c pools with max, not average (pytorch-fid's patch).
            bp = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}__max_pool")(x)
        else:
            bp = layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}__avg_pool")(x)
        bp = self.conv(bp, f"{name}.branch_pool", 192, 1)
        return layers.Concatenate(name=name)([b1, b3, bd, bp])


def build_fid_inception() -> tuple[keras.Model, dict, layers.Dense]:
    """The FID Inception graph: 299x299x3 input in [-1, 1] -> (2048 pool features, 1008 logits).

    Returns:
        `(model, convs, fc)`: the Keras model, the map from torch module name to
        its `(Conv2D, BatchNormalization)` pair, and the final Dense layer.
    """
    b = _Builder()
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="images")
    x = b.conv(inputs, "Conv2d_1a_3x3", 32, 3, strides=2)
    x = b.conv(x, "Conv2d_2a_3x3", 32, 3)
    x = b.conv(x, "Conv2d_2b_3x3", 64, 3, padding="same")
    x = layers.MaxPooling2D(3, strides=2, name="maxpool1")(x)
    x = b.conv(x, "Conv2d_3b_1x1", 80, 1)
    x = b.conv(x, "Conv2d_4a_3x3", 192, 3)
    x = layers.MaxPooling2D(3, strides=2, name="maxpool2")(x)
    x = b.block_a(x, "Mixed_5b", 32)
    x = b.block_a(x, "Mixed_5c", 64)
    x = b.block_a(x, "Mixed_5d", 64)
    x = b.block_b(x, "Mixed_6a")
    x = b.block_c(x, "Mixed_6b", 128)
    x = b.block_c(x, "Mixed_6c", 160)
    x = b.block_c(x, "Mixed_6d", 160)
    x = b.block_c(x, "Mixed_6e", 192)
    x = b.block_d(x, "Mixed_7a")
    x = b.block_e(x, "Mixed_7b", max_pool=False)
    x = b.block_e(x, "Mixed_7c", max_pool=True)
    pool = layers.GlobalAveragePooling2D(name="avgpool")(x)
    fc = layers.Dense(NUM_CLASSES, name="fc")
    logits = fc(pool)
    model = keras.Model(inputs, [pool, logits], name="fid_inception_v3")
    return model, b.convs, fc


def load_state_dict(model_parts, state: dict[str, np.ndarray]) -> None:
    """Copy a pytorch-fid state dict (NumPy arrays) into the port, checking every tensor.

    Args:
        model_parts: the `(model, convs, fc)` triple of `build_fid_inception()`.
        state: dict. From `ganzoo.metrics.torch_weights.load_torch_state_dict`.
    """
    _, convs, fc = model_parts
    used = set()

    def take(key, shape):
        if key not in state:
            raise ValueError(f"The state dict has no tensor {key!r}; is it pytorch-fid's FID Inception? Received: missing {key}")
        value = np.asarray(state[key], dtype="float32")
        if value.shape != shape:
            raise ValueError(f"Tensor {key} has shape {value.shape}, expected {shape}. Received: {key}.shape={value.shape}")
        used.add(key)
        return value

    for name, (conv, norm) in convs.items():
        kh, kw, cin, cout = conv.kernel.shape
        weight = take(f"{name}.conv.weight", (cout, cin, kh, kw))
        conv.set_weights([weight.transpose(2, 3, 1, 0)])
        norm.set_weights([
            take(f"{name}.bn.weight", (cout,)), take(f"{name}.bn.bias", (cout,)),
            take(f"{name}.bn.running_mean", (cout,)), take(f"{name}.bn.running_var", (cout,)),
        ])
    fc.set_weights([take("fc.weight", (NUM_CLASSES, FEATURE_DIM)).T, take("fc.bias", (NUM_CLASSES,))])
    # Anything else must be a batch-norm step counter or the (unused) auxiliary classifier.
    left = [k for k in state if k not in used and not k.endswith("num_batches_tracked") and not k.startswith("AuxLogits.")]
    if left:
        raise ValueError(f"The state dict has tensors the FID Inception does not use. Received: {left[:5]}")
