"""CycleGAN: unpaired image-to-image translation with cycle consistency (Zhu et al. 2017).

Two domains A and B, two sets of images with no pairing between them. Two
generators translate, G: A -> B (`generator_ab`) and F: B -> A
(`generator_ba`); two discriminators judge, D_A real A images against F(b),
D_B real B images against G(a). The adversarial loss is least squares (the
paper's, Mao et al. 2017); with `L1(u, v) = mean |u - v|`:

    D minimises  0.5 * [(D_A(a) - 1)^2 + D_A(pool_A(F(b)))^2]
               + 0.5 * [(D_B(b) - 1)^2 + D_B(pool_B(G(a)))^2]
    G, F minimise  (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2
               + lambda * [L1(F(G(a)), a) + L1(G(F(b)), b)]             (cycle)
               + identity_weight * lambda * [L1(G(b), b) + L1(F(a), a)]   (identity)

(squares are means over the patch logits), with lambda = `cycle_weight` = 10
and `identity_weight` = 0.5 (the paper's: the identity term weighs 5). D's
objective is halved "to slow down the rate at which D learns relative to G";
`ganzoo.losses`' `least_squares` discriminator loss is exactly that half. The
generators' adversarial term is the paper's full mean square, twice
`least_squares`' generator loss.

Players. Both generators share one optimizer and both discriminators another,
as the authors' code does (one Adam over the chained parameters of G and F,
one over D_A and D_B; the two halves of each sum have disjoint variables, so
the gradients are those of separate updates). So CycleGAN is a
`TwoPlayerModel` with the usual `compile(d_optimizer=, g_optimizer=)`:
Adam(2e-4, beta_1=0.5) for both, the paper's. The discriminators are updated
first, then the generators (the paper's code does the reverse within a
step; over a run the two orders alternate the same way).

Image pool. D sees the fakes through a buffer of `pool_size` = 50 past
translations per domain (Shrivastava et al. 2017, as the paper): while the
pool fills, each fake is stored and shown as it is; once full, each fake is,
with probability 0.5, shown as it is, or else swapped for a random stored one
(which D then sees) and stored in its place. The pools are non-trainable
variables of the model (`pool_a`, `pool_b`, and the shared fill count
`pool_count`) updated with `keras.ops` inside the train step, drawing from the
model's training noise, so they work jitted on every backend (on JAX they are
threaded through the step like BatchNorm statistics) and are saved with the
model. Within one batch the swaps read the pool after that batch's fills and
before its other swaps (the paper's loop runs image by image); when two fakes
of a batch pick the same slot, the later one is stored. `pool_size=0` shows D
the current fakes only. Evaluation (`evaluate`, `validation_data`) neither
reads nor writes the pools.

Networks. The generator is the paper's ResNet-style network scaled to small
images: c7s1-f, d2f, d4f (3x3 stride-2 convolutions), `residual_blocks`
residual blocks of two 3x3 convolutions at 4f, u2f, uf (stride-2 transposed
convolutions), c7s1-C and tanh; instance normalisation and ReLU after every
convolution but the last. At 28x28 the blocks work on 7x7 maps. The
discriminator is a PatchGAN: 4x4 convolutions of f, 2f, 4f, 8f filters, the
first `min(3, halvings)` with stride 2 (3 at 256x256: the paper's 70x70
patches; 2 at 28x28, 7x7 logits), instance normalisation after all but the
first, LeakyReLU(0.2), then a 4x4 convolution to one logit per patch.

Deviations from the paper (256x256 or 128x128 images, 64 base filters, 9 or 6
residual blocks, reflection padding, batch size 1, a learning rate decayed
linearly to 0 over the second half of training): `base_filters` = 32 and
`residual_blocks` = 6 by default, sized for 28x28 on a CPU; zero ("same")
padding, since Keras has no reflection-padding layer; 4x4 transposed
convolutions for the 3x3 ones (the zoo's `Conv2DTranspose`, which JAX runs as
a faster sub-pixel convolution); instance normalisation as
`GroupNormalization(groups=-1)` without learned scale and offset, epsilon
1e-5 (PyTorch's `InstanceNorm2d` as the authors use it), and no bias on the
convolutions it follows (the normalisation would cancel it); no learning-rate
decay (pass a schedule to `compile`); any batch size (instance normalisation
makes each image's translation independent of the rest of its batch).

Reference: Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation
using Cycle-Consistent Adversarial Networks", ICCV 2017 (arXiv:1703.10593).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from ganzoo import losses
from ganzoo.data import checks
from ganzoo.models.adversarial import TwoPlayerModel
from ganzoo.models.networks import Conv2DTranspose, conv, halvings, init, positive_int, validate_image_shape
from ganzoo.models.player import Player
from ganzoo.registry import register

#: Stride-2 layers of the PatchGAN at most (3: the paper's 70x70 patches).
PATCH_STRIDES = 3
#: `translate`'s directions: A to B with `generator_ab`, B to A with `generator_ba`.
DIRECTIONS = ("a2b", "b2a")


def instance_norm():
    """Instance normalisation without learned scale and offset, as the paper's code uses it."""
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False, scale=False)


def _weight(name, value, paper):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a number >= 0 (the paper's: {paper}). Received: {name}={value!r}")
    return float(value)


@register(
    "cyclegan",
    description="Unpaired image-to-image translation, cycle consistency + LSGAN (Zhu et al. 2017)",
    presets={"tiny": {"base_filters": 8, "residual_blocks": 1}},
)
class CycleGAN(TwoPlayerModel):
    """Unpaired image-to-image translation, cycle consistency + LSGAN (Zhu et al. 2017).

    Objective: two generators, G: A -> B and F: B -> A, and two PatchGAN
    discriminators, D_A and D_B, with least-squares adversarial losses. The
    discriminators minimise `0.5 * [(D(real) - 1)^2 + D(fake)^2]` each, the
    fakes drawn through an image pool of past translations; the generators
    minimise `(D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2` plus
    `cycle_weight * (|F(G(a)) - a| + |G(F(b)) - b|)` (cycle consistency) plus
    `identity_weight * cycle_weight * (|G(b) - b| + |F(a) - a|)` (identity),
    with the paper's weights 10 and 0.5. One Adam(2e-4, beta_1=0.5) for both
    generators, another for both discriminators. The generators are ResNet-style
    (two stride-2 stages down, residual blocks, two up; instance
    normalisation); images in [-1, 1] (tanh output). Deviations from the paper
    are listed in the module docstring.

    Trains on two unpaired sets of the same size: `fit(images_a, images_b)`
    or `fit((images_a, images_b))`. Not a sampler: `generate(n)` raises
    `TypeError`; `translate(images, direction="a2b")` (or `"b2a"`) translates.

    Reference:
        Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation using
        Cycle-Consistent Adversarial Networks", ICCV 2017 (arXiv:1703.10593).

    Args:
        image_shape: tuple. `(height, width, channels)` of the images of both
            domains; channels 1 or 3; height and width divisible by 4.
            Defaults to `(28, 28, 1)`.
        base_filters: int. Filters of the first convolution of every network,
            doubled at each stride-2 stage (4x in the generators' residual
            blocks, up to 8x in the discriminators). Defaults to 32 (the
            paper's: 64).
        residual_blocks: int. Residual blocks of each generator. Defaults to 6
            (the paper's at 128x128).
        cycle_weight: float. Weight lambda of the cycle-consistency L1 terms.
            Defaults to 10.0 (the paper's).
        identity_weight: float. Weight of the identity L1 terms relative to
            `cycle_weight`; 0 leaves them out. Defaults to 0.5 (the paper's).
        pool_size: int. Past translations per domain kept for the
            discriminators (the image pool); 0 for none. Defaults to 50 (the
            paper's).
        seed: int or None. Seed of the noise generators (the image pool's
            draws). Defaults to None.

    Example:
    ```python
    import ganzoo
    sneakers, boots = ganzoo.data.load("fashion_mnist_pair:7,9", "train")  # (6000, 28, 28, 1) each
    model = ganzoo.get("cyclegan")
    model.fit(sneakers, boots, epochs=5, batch_size=64)
    boots_made = model.translate(sneakers[:16])                   # (16, 28, 28, 1) in [-1, 1]
    sneakers_made = model.translate(boots[:16], direction="b2a")
    ```
    """

    task = "translation"
    metric_names = ("d_loss", "g_loss", "cycle", "identity")

    def __init__(
        self,
        image_shape: tuple[int, int, int] = (28, 28, 1),
        base_filters: int = 32,
        residual_blocks: int = 6,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        pool_size: int = 50,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape = validate_image_shape(image_shape)
        height, width, _ = self.image_shape
        if height % 4 or width % 4:
            raise ValueError(
                "cyclegan's generators halve the image twice and double it back, so height and width must be "
                f"divisible by 4, e.g. (28, 28, 1) or (32, 32, 3); pad or crop the images. "
                f"Received: image_shape={tuple(image_shape)}"
            )
        #: Both domains have the same shape: what `translate` takes and returns.
        self.input_image_shape = self.image_shape
        self.base_filters = positive_int("base_filters", base_filters)
        self.residual_blocks = positive_int("residual_blocks", residual_blocks)
        self.cycle_weight = _weight("cycle_weight", cycle_weight, 10)
        self.identity_weight = _weight("identity_weight", identity_weight, 0.5)
        if isinstance(pool_size, bool) or not isinstance(pool_size, (int, np.integer)) or pool_size < 0:
            raise ValueError(f"pool_size must be an int >= 0 (the paper's: 50; 0 for no pool). "
                             f"Received: pool_size={pool_size!r}")
        self.pool_size = int(pool_size)
        self.adversarial_loss = losses.get("least_squares")
        self.init_noise(seed)
        self.generator_ab = self.build_generator("generator_ab")
        self.generator_ba = self.build_generator("generator_ba")
        self.discriminator_a = self.build_discriminator("discriminator_a")
        self.discriminator_b = self.build_discriminator("discriminator_b")
        if self.pool_size:
            # The image pools: saved with the model, threaded through the jitted step on JAX.
            shape = (self.pool_size, *self.image_shape)
            self.pool_a = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="pool_a")
            self.pool_b = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="pool_b")
            self.pool_count = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False,
                                              name="pool_count")
        self.init_trackers()

    # ---- networks ---------------------------------------------------------
    def build_generator(self, name: str) -> keras.Model:
        """The ResNet-style generator: c7s1-f, d2f, d4f, residual blocks at 4f, u2f, uf, c7s1-C, tanh."""
        f = self.base_filters
        images = keras.Input(self.image_shape, name="images")
        x = layers.ReLU()(instance_norm()(conv(f, kernel_size=7, strides=1, use_bias=False)(images)))
        for filters in (2 * f, 4 * f):
            x = layers.ReLU()(instance_norm()(conv(filters, kernel_size=3, use_bias=False)(x)))
        for _ in range(self.residual_blocks):
            h = layers.ReLU()(instance_norm()(conv(4 * f, kernel_size=3, strides=1, use_bias=False)(x)))
            h = instance_norm()(conv(4 * f, kernel_size=3, strides=1, use_bias=False)(h))
            x = layers.Add()([x, h])
        for filters in (2 * f, f):
            x = Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init())(x)
            x = layers.ReLU()(instance_norm()(x))
        x = conv(self.image_shape[-1], kernel_size=7, strides=1)(x)
        return keras.Model(images, layers.Activation("tanh", dtype="float32")(x), name=name)

    def build_discriminator(self, name: str) -> keras.Model:
        """The PatchGAN: images to a map of logits, one per patch."""
        images = keras.Input(self.image_shape, name="images")
        x = images
        strides = max(1, min(PATCH_STRIDES, halvings(self.image_shape)))
        for stage in range(strides + 1):  # the last stage keeps the size (stride 1), as the paper's
            x = conv(self.base_filters * 2 ** min(stage, 3), strides=2 if stage < strides else 1,
                     use_bias=stage == 0)(x)
            if stage > 0:
                x = instance_norm()(x)
            x = layers.LeakyReLU(0.2)(x)
        logits = layers.Conv2D(1, 4, padding="same", kernel_initializer=init(), dtype="float32")(x)
        return keras.Model(images, logits, name=name)

    # ---- the image pool -----------------------------------------------------
    def query_pools(self, fake_a, fake_b):
        """The fakes D sees: `(fake_a, fake_b)` through the image pools, which they update.

        Called in the discriminators' training loss only (see the module docstring).
        """
        if not self.pool_size:
            return fake_a, fake_b
        size = self.pool_size
        batch = ops.shape(fake_a)[0]
        count = self.pool_count.value
        position = count + ops.arange(batch, dtype="int32")  # the slot a fake fills while the pool fills
        filling = position < size
        # Once full: swap with probability 0.5, for a stored fake chosen uniformly.
        swap = ops.logical_and(ops.logical_not(filling),
                               keras.random.uniform((batch,), seed=self.seed_generator) < 0.5)
        slot = keras.random.randint((batch,), 0, size, seed=self.seed_generator, dtype="int32")
        shown = []
        for pool, fake in ((self.pool_a, fake_a), (self.pool_b, fake_b)):
            fake = ops.cast(fake, pool.dtype)
            filled = _write(pool.value, fake, ops.where(filling, position, -1))
            stored = ops.take(filled, ops.where(swap, slot, 0), axis=0)
            shown.append(ops.where(ops.reshape(swap, (-1, 1, 1, 1)), stored, fake))
            pool.assign(_write(filled, fake, ops.where(swap, slot, -1)))
        self.pool_count.assign(ops.minimum(count + ops.cast(batch, "int32"), size))
        return shown[0], shown[1]

    # ---- the game -----------------------------------------------------------
    def _domains(self, x, y):
        """`(images_a, images_b)` of a batch: `fit(a, b)` gives them as x and y, `fit((a, b))` as x."""
        return x if y is None else (x, y)

    def discriminator_loss(self, x, y=None, training=True):
        a, b = self._domains(x, y)
        fake_b = ops.stop_gradient(self.generator_ab(a, training=training))
        fake_a = ops.stop_gradient(self.generator_ba(b, training=training))
        if training:
            fake_a, fake_b = self.query_pools(fake_a, fake_b)
        d_a = self.adversarial_loss.discriminator(self.discriminator_a(a, training=training),
                                                  self.discriminator_a(fake_a, training=training))
        d_b = self.adversarial_loss.discriminator(self.discriminator_b(b, training=training),
                                                  self.discriminator_b(fake_b, training=training))
        loss = d_a + d_b  # each already 0.5 * (real + fake): the paper's halved objective
        return loss, {"d_loss": loss}

    def generator_loss(self, x, y=None, training=True):
        a, b = self._domains(x, y)
        fake_b = self.generator_ab(a, training=training)
        fake_a = self.generator_ba(b, training=training)
        # The paper's (D(fake) - 1)^2: twice least_squares' generator loss, which is halved.
        adversarial = 2.0 * (self.adversarial_loss.generator(self.discriminator_b(fake_b, training=training))
                             + self.adversarial_loss.generator(self.discriminator_a(fake_a, training=training)))
        cycle = (_l1(self.generator_ba(fake_b, training=training), a)
                 + _l1(self.generator_ab(fake_a, training=training), b))
        loss = adversarial + self.cycle_weight * cycle
        if self.identity_weight:
            identity = _l1(self.generator_ab(b, training=training), b) + _l1(self.generator_ba(a, training=training), a)
            loss = loss + self.identity_weight * self.cycle_weight * identity
        else:
            identity = ops.zeros((), "float32")
        return loss, {"g_loss": loss, "cycle": cycle, "identity": identity}

    def players(self) -> list[Player]:
        """The discriminators, then the generators: one update each per step, one optimizer each pair."""
        return [
            Player("discriminator", self.discriminator_loss,
                   self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables),
            Player("generator", self.generator_loss,
                   self.generator_ab.trainable_variables + self.generator_ba.trainable_variables),
        ]

    def check_fit_data(self, x, y) -> None:
        if y is None and isinstance(x, (tuple, list)) and len(x) == 2:
            x, y = x
        checks.check_unpaired_fit_data(x, y, self.image_shape)

    def call(self, inputs, training=False):
        """`generator_ab`'s translation of domain-A images."""
        return self.generator_ab(inputs, training=training)

    # ---- translation --------------------------------------------------------
    def translate(self, images, direction: str = "a2b", batch_size: int = 256) -> np.ndarray:
        """Translate images from one domain to the other (gradient-free, compiled like `predict`).

        Args:
            images: array `(n, *image_shape)`, float in [-1, 1].
            direction: str. `"a2b"` (`generator_ab`, domain A to B) or `"b2a"`
                (`generator_ba`). Defaults to `"a2b"`.
            batch_size: int. Images per network call. Defaults to 256.

        Returns:
            A float32 NumPy array `(n, *image_shape)` in [-1, 1].
        """
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(repr(d) for d in DIRECTIONS)} (A to B with "
                             f"generator_ab, B to A with generator_ba). Received: direction={direction!r}")
        batch_size = positive_int("batch_size", batch_size)
        images = checks.check_translate_inputs(images, self.image_shape)
        if len(images) == 0:
            return np.zeros((0, *self.image_shape), "float32")
        generator = self.generator_ab if direction == "a2b" else self.generator_ba
        translated = self.run_in_batches(f"translate_{direction}",
                                         lambda x: generator(x, training=False), [images], batch_size)
        return np.clip(translated.astype("float32"), -1.0, 1.0)

    def generate(self, n=None, seed=None, batch_size=256, labels=None):
        """Not available: CycleGAN translates images; use `translate(images, direction)`."""
        raise TypeError(
            "cyclegan translates images between two domains; it has no latent noise, so it cannot "
            "generate(n) images from nothing. Call model.translate(inputs) with domain-A images of shape "
            f"(n, {', '.join(map(str, self.image_shape))}) in [-1, 1] (direction='b2a' for domain-B images)."
        )

    # ---- Keras plumbing ---------------------------------------------------
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_shape": self.image_shape,
            "base_filters": self.base_filters,
            "residual_blocks": self.residual_blocks,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "seed": self.seed,
        }


def _l1(u, v):
    return ops.mean(ops.abs(ops.cast(u, "float32") - ops.cast(v, "float32")))


def _write(pool, images, slots):
    """`pool` with `images[i]` written at `slots[i]` (-1: not written); of two writes to
    one slot, the later image wins. A one-hot gather, the same on every backend."""
    size = pool.shape[0]
    hits = ops.cast(ops.expand_dims(slots, 1) == ops.arange(size, dtype="int32")[None, :], "int32")  # (n, size)
    order = ops.expand_dims(ops.arange(1, ops.shape(slots)[0] + 1, dtype="int32"), 1)
    last = ops.max(hits * order, axis=0) - 1  # the last image written to each slot, -1 for none
    written = ops.take(images, ops.maximum(last, 0), axis=0)
    return ops.where(ops.reshape(last >= 0, (-1, 1, 1, 1)), written, pool)
