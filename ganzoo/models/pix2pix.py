"""pix2pix: paired image-to-image translation with a conditional GAN (Isola et al. 2017).

A generator G maps an input image x (an edge map, a label map, ...) to a
target image; a discriminator D judges *pairs*, the input joined to the target
or to G's translation along the channels. With `L` the adversarial loss
(`ganzoo.losses`, the paper's non-saturating one by default):

    D minimises  0.5 * L_D(D(x, y), D(x, stop_gradient(G(x))))
    G minimises  L_G(D(x, G(x))) + lambda * mean |G(x) - y|

with lambda = `l1_weight` = 100 (the paper's). The paper halves D's objective
"to slow down the rate at which D learns relative to G"; so does this file.

Why `PlayerModel` (through `TwoPlayerModel`) and not `AdversarialModel`: the
zoo's GAN game is noise-driven. `AdversarialModel` draws z, calls `fake(z, y)`
and `critic(images, y)` with `y` the class labels, treats `fit`'s `x` as the
real images, and builds `generate`, the EMA and DiffAugment on that. In
pix2pix `fit`'s `x` are the *inputs*, `y` the real (target) images, there is no
z, and every loss term reads both; overriding every hook to mean something
else would hide the game. So this file writes its two losses directly (a
screen each) and reuses the rest: the player loop and backend train steps
(`PlayerModel`), the two optimizers and `compile` (`TwoPlayerModel`), the
adversarial losses (`ganzoo.losses`), the network layers
(`ganzoo.models.networks`), the seed state in saved files (`persistence`).
No EMA and no DiffAugment: neither is part of the paper.

Noise. Like the paper, G has no z: its noise is dropout (rate 0.5 on the
inner decoder layers). Each dropout layer draws from its own seed generator,
seeded from `seed`; their states are saved with the model after the training
and evaluation generators, so a reloaded model resumes the same noise.

U-Net depth. The encoder halves the image `depth` times with stride-2
convolutions, the decoder doubles it back, and each decoder stage is joined to
the encoder stage of its size (skip connections). `depth=None` halves while
both sides are even and larger than 4: 28x28 (Fashion-MNIST) -> 14 -> 7 is
depth 2, 32 -> 3, 64 -> 4, 256 -> 6. Height and width must be divisible by
`2 ** depth`; otherwise a `ValueError` names the valid depths.

Deviations from the paper (256x256 images, 8-level U-Net, 70x70 PatchGAN,
batch 1, dropout also at test time): the depth follows the image size (above);
the PatchGAN has `min(3, depth)` stride-2 layers (3 at 256x256: the paper's
70x70 patches; at 28x28 two, 34x34 patches, so every logit sees the whole
image); BatchNorm with running statistics and no dropout at inference, so
`translate` is deterministic (the paper keeps dropout and batch statistics at
test time, batch size 1); BatchNorm momentum 0.9 and epsilon 1e-5 as the rest
of the zoo.

Reference: Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with
Conditional Adversarial Networks", CVPR 2017 (arXiv:1611.07004).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from ganzoo import losses
from ganzoo.data import checks
from ganzoo.models.adversarial import TwoPlayerModel
from ganzoo.models.networks import (
    Conv2DTranspose,
    batch_norm_layer,
    conv,
    halvings,
    init,
    positive_int,
    validate_image_shape,
)
from ganzoo.models.player import Player
from ganzoo.registry import register

#: Inner decoder layers with dropout, counted from the bottleneck (the paper: 3).
DROPOUT_LAYERS = 3
#: Stride-2 layers of the PatchGAN at most (3: the paper's 70x70 patches).
PATCH_STRIDES = 3
#: Dropout layer i draws from a seed generator seeded `seed + DROPOUT_SEED_OFFSET * (i + 1)`.
DROPOUT_SEED_OFFSET = 7919


def unet_depth(image_shape, depth=None) -> int:
    """The U-Net depth for `image_shape`: `depth` checked, or derived when None."""
    height, width, _ = image_shape
    valid = [d for d in range(1, 9) if height % 2**d == 0 and width % 2**d == 0]
    if depth is None:
        depth = halvings(image_shape)
        if depth < 1:
            raise ValueError(
                "pix2pix's U-Net halves the image at least once: height and width must be even and larger "
                "than 4, e.g. (28, 28, 1), (32, 32, 3), (256, 256, 3). "
                f"Received: image_shape={tuple(image_shape)}"
            )
        return depth
    depth = positive_int("depth", depth)
    if depth not in valid:
        raise ValueError(
            f"depth={depth} halves the image {depth} times, so height and width must be divisible by "
            f"{2**depth}; for {height}x{width} the valid depths are {valid or 'none (make both sides even)'}, "
            f"or pass depth=None to derive it. Received: depth={depth}, image_shape={tuple(image_shape)}"
        )
    return depth


@register(
    "pix2pix",
    description="Paired image-to-image translation, U-Net + PatchGAN (Isola et al. 2017)",
    presets={"tiny": {"base_filters": 8}},
)
class Pix2Pix(TwoPlayerModel):
    """Paired image-to-image translation, U-Net + PatchGAN (Isola et al. 2017).

    Objective: the discriminator D sees an input image x joined (along the
    channels) to its target y or to the translation G(x) and minimises half
    the adversarial loss `0.5 * L_D(D(x, y), D(x, G(x)))`; the generator
    minimises `L_G(D(x, G(x))) + l1_weight * mean|G(x) - y|`. The generator is
    a U-Net (encoder-decoder with skip connections), its only noise dropout;
    D is a PatchGAN, one logit per image patch. Images in [-1, 1] (tanh
    output). Adam(2e-4, beta_1=0.5) for both players.

    Not a sampler: there is no latent noise, so `generate(n)` raises
    `TypeError`; `translate(inputs)` maps input images to target images.
    U-Net depth: 2 at 28x28 (28 -> 14 -> 7), derived from `image_shape` (see
    the module docstring) or given as `depth`.

    Reference:
        Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with Conditional
        Adversarial Networks", CVPR 2017 (arXiv:1611.07004).

    Args:
        image_shape: tuple. `(height, width, channels)` of the target images
            (what `translate` returns); channels 1 or 3. Defaults to `(28, 28, 1)`.
        input_channels: int. Channels of the input images, which have the
            targets' height and width (an edge map: 1). Defaults to 1.
        base_filters: int. Filters of the first convolution of both networks,
            doubled at each stride-2 stage up to 8x. Defaults to 64 (the paper's).
        depth: int or None. Stride-2 stages of the U-Net encoder; height and
            width must be divisible by `2 ** depth`. Defaults to None (halve
            while both sides are even and larger than 4: 2 at 28x28).
        l1_weight: float. Weight lambda of the L1 term of the generator's
            loss. Defaults to 100.0 (the paper's).
        loss: str. Adversarial loss from `ganzoo.losses.LOSSES`. Defaults to
            `"non_saturating"` (the paper's).
        dropout: float. Dropout rate of the first (up to 3) inner decoder
            layers, the generator's noise; 0 for none. Defaults to 0.5.
        seed: int or None. Seed of the noise generators (dropout). Defaults to None.

    Example:
    ```python
    import ganzoo
    edges, images = ganzoo.data.load("fashion_mnist_edges", "train")  # (60000, 28, 28, 1) each, in [-1, 1]
    model = ganzoo.get("pix2pix")
    model.fit(edges[:6400], images[:6400], epochs=5, batch_size=64)
    translated = model.translate(edges[:16])  # (16, 28, 28, 1) float32 in [-1, 1]
    ```
    """

    task = "translation"
    metric_names = ("d_loss", "g_loss", "l1")

    def __init__(
        self,
        image_shape: tuple[int, int, int] = (28, 28, 1),
        input_channels: int = 1,
        base_filters: int = 64,
        depth: int | None = None,
        l1_weight: float = 100.0,
        loss: str = "non_saturating",
        dropout: float = 0.5,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape = validate_image_shape(image_shape)
        self.input_channels = positive_int("input_channels", input_channels)
        self.input_image_shape = (*self.image_shape[:2], self.input_channels)
        self.base_filters = positive_int("base_filters", base_filters)
        self.depth = unet_depth(self.image_shape, depth)
        if isinstance(l1_weight, bool) or not isinstance(l1_weight, (int, float)) or l1_weight < 0:
            raise ValueError(f"l1_weight must be a number >= 0 (the paper's: 100). Received: l1_weight={l1_weight!r}")
        self.l1_weight = float(l1_weight)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a rate in [0, 1) (the paper's: 0.5). Received: dropout={dropout!r}")
        self.dropout = float(dropout)
        self.loss_name = loss
        self.adversarial_loss = losses.get(loss)
        self.init_noise(seed)
        self.generator = self.build_generator()
        self.discriminator = self.build_discriminator()
        # Tracked here, after the training and evaluation generators, so that
        # `SavedState` saves and restores the dropout noise with the model.
        self.dropout_noise = [layer.seed_generator for layer in self.generator.layers
                              if isinstance(layer, layers.Dropout) and layer.rate > 0]
        self.init_trackers()

    # ---- networks ---------------------------------------------------------
    def _filters(self, stage: int) -> int:
        return self.base_filters * 2 ** min(stage, 3)

    def build_generator(self) -> keras.Model:
        """The U-Net: `depth` stride-2 convolutions down, transposed convolutions up, skips joined."""
        inputs = keras.Input(self.input_image_shape, name="inputs")
        x, skips = inputs, []
        for stage in range(self.depth):  # C64-C128-... as the paper: no BatchNorm on the first
            x = conv(self._filters(stage), use_bias=stage == 0)(x)
            if stage > 0:
                x = batch_norm_layer()(x)
            x = layers.LeakyReLU(0.2)(x)
            skips.append(x)
        dropouts = 0
        for stage in reversed(range(self.depth - 1)):  # back up to half the image size
            x = Conv2DTranspose(self._filters(stage), 4, strides=2, padding="same", use_bias=False,
                                kernel_initializer=init())(x)
            x = batch_norm_layer()(x)
            if self.dropout and dropouts < DROPOUT_LAYERS:
                seed = None if self.seed is None else self.seed + DROPOUT_SEED_OFFSET * (dropouts + 1)
                x = layers.Dropout(self.dropout, seed=seed)(x)
                dropouts += 1
            x = layers.ReLU()(x)
            x = layers.Concatenate()([x, skips[stage]])
        x = Conv2DTranspose(self.image_shape[-1], 4, strides=2, padding="same", kernel_initializer=init())(x)
        return keras.Model(inputs, layers.Activation("tanh", dtype="float32")(x), name="generator")

    def build_discriminator(self) -> keras.Model:
        """The PatchGAN: (input, image) pairs to a map of logits, one per patch."""
        pair = keras.Input((*self.image_shape[:2], self.input_channels + self.image_shape[-1]), name="pair")
        x = pair
        strides = min(PATCH_STRIDES, self.depth)
        for stage in range(strides + 1):  # the last stage keeps the size (stride 1), as the paper's
            x = conv(self._filters(stage), strides=2 if stage < strides else 1, use_bias=stage == 0)(x)
            if stage > 0:
                x = batch_norm_layer()(x)
            x = layers.LeakyReLU(0.2)(x)
        logits = layers.Conv2D(1, 4, padding="same", kernel_initializer=init(), dtype="float32")(x)
        return keras.Model(pair, logits, name="discriminator")

    def critic(self, inputs, images, training=True):
        """D's patch logits for `images` conditioned on `inputs`: D(concat(inputs, images))."""
        return self.discriminator(ops.concatenate([inputs, ops.cast(images, inputs.dtype)], axis=-1),
                                  training=training)

    # ---- the game -----------------------------------------------------------
    def discriminator_loss(self, x, y=None, training=True):
        fake = ops.stop_gradient(self.generator(x, training=training))
        loss = 0.5 * self.adversarial_loss.discriminator(self.critic(x, y, training), self.critic(x, fake, training))
        return loss, {"d_loss": loss}

    def generator_loss(self, x, y=None, training=True):
        fake = self.generator(x, training=training)
        l1 = ops.mean(ops.abs(ops.cast(fake, "float32") - ops.cast(y, "float32")))
        loss = self.adversarial_loss.generator(self.critic(x, fake, training)) + self.l1_weight * l1
        return loss, {"g_loss": loss, "l1": l1}

    def players(self) -> list[Player]:
        """The discriminator, then the generator: one update each per step."""
        return [
            Player("discriminator", self.discriminator_loss, self.discriminator.trainable_variables),
            Player("generator", self.generator_loss, self.generator.trainable_variables),
        ]

    def check_fit_data(self, x, y) -> None:
        checks.check_paired_fit_data(x, y, self.input_image_shape, self.image_shape)

    # ---- translation --------------------------------------------------------
    def translate(self, images, batch_size: int = 256) -> np.ndarray:
        """Translate input images (gradient-free, compiled like `predict`).

        Args:
            images: array `(n, height, width, input_channels)`, float in [-1, 1].
            batch_size: int. Images per network call. Defaults to 256.

        Returns:
            A float32 NumPy array `(n, *image_shape)` in [-1, 1].
        """
        batch_size = positive_int("batch_size", batch_size)
        images = checks.check_translate_inputs(images, self.input_image_shape, "input images")
        if len(images) == 0:
            return np.zeros((0, *self.image_shape), "float32")
        translated = self.run_in_batches("translate", self._translate_batch, [images], batch_size)
        return np.clip(translated.astype("float32"), -1.0, 1.0)

    def _translate_batch(self, images):
        return self.generator(images, training=False)

    def generate(self, n=None, seed=None, batch_size=256, labels=None):
        """Not available: pix2pix translates images; use `translate(inputs)`."""
        raise TypeError(
            "pix2pix translates input images to target images; it has no latent noise, so it cannot "
            "generate(n) images from nothing. Call model.translate(inputs) with input images of shape "
            f"(n, {', '.join(map(str, self.input_image_shape))}) in [-1, 1]."
        )

    # ---- Keras plumbing ---------------------------------------------------
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_shape": self.image_shape,
            "input_channels": self.input_channels,
            "base_filters": self.base_filters,
            "depth": self.depth,
            "l1_weight": self.l1_weight,
            "loss": self.loss_name,
            "dropout": self.dropout,
            "seed": self.seed,
        }
