"""`AdversarialModel`: what every GAN of the zoo shares.

A variant writes networks and, where it differs from the plain game, small
hooks in `keras.ops`; it never touches gradients, optimizers or backend code,
and never copies a loss body:

- `build_generator()` / `build_discriminator()` return Keras models
  (`build_networks()` names them, and any more: InfoGAN's Q head);
- `sample_inputs(batch, training)` -> `(z, codes)`: the generator's input and
  any codes it carries (InfoGAN);
- `fake(z, y)` -> generated images; `critic(images, y)` -> `(logits, aux)`:
  the discriminator's adversarial logits and any auxiliary outputs (AC-GAN's
  class logits); `y` is `condition(labels)`, None for unconditional models;
- `discriminator_terms(...)` / `generator_terms(...)` -> `(term, logs)`: a
  term added to that player's adversarial loss (a gradient penalty, an
  auxiliary classifier, a mutual-information bound), None for none;
- `default_optimizers()` returns the paper's optimizers;
- `players()` (rarely overridden) says who is updated, on which variables,
  how many times per step.

The discriminator's loss is `L_D(D(x), D(stop_gradient(G(z)))) + term`, the
generator's `L_G(D(G(z))) + term`, with `L_D`, `L_G` from `ganzoo.losses`.
Data given to `fit` is expected in [-1, 1] (the range of the generator's tanh).

DiffAugment. With `augment` set (e.g. `"color,translation,cutout"`, see
`ganzoo.augment`), every image the discriminator sees is augmented first, real
and generated, in both players' losses (Zhao et al. 2020), each image with its
own random draw from the model's noise generator: `x` and `G(z)` become `T(x)`
and `T(G(z))` before `critic`, and the hooks `discriminator_terms` /
`generator_terms` receive the augmented images. So a gradient penalty
(WGAN-GP) is taken between augmented real and augmented fake images, AC-GAN's
auxiliary classifier classifies augmented images, and InfoGAN's Q head (which
shares the discriminator's body) recovers the codes from augmented fakes: the
discriminator's body never sees an un-augmented image, as in the paper, where
every input of D is augmented. `evaluate` computes the same augmented losses
(with the evaluation noise). Sampling (`generate`) is never augmented.

EMA. With `ema` set, `ema_generator` keeps an exponential moving average of the
generator's weights after every step, with a warm-up: at update t (0, 1, 2, ...)
the decay is `min(ema, (1 + t) / (10 + t))`, so the average forgets the
initial weights after tens of steps instead of thousands (with 0.999 the
plain rule keeps 37% of the initial weights after 1000 steps). The step
counter `ema_step` is a variable of the model: updated inside the (jitted)
step, saved with it. A file of ganzoo 0.1.0 (no counter) continues with the
decay `ema`, as it was trained.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from ganzoo import losses
from ganzoo.augment import diff_augment, parse_policy
from ganzoo.backend import moving_average
from ganzoo.models.networks import positive_int, validate_image_shape
from ganzoo.models.player import Player, PlayerModel


class TwoPlayerModel(PlayerModel):
    """A `PlayerModel` whose players are a discriminator and a generator.

    What the zoo's GANs and the translation models (pix2pix) share: the two
    players' optimizers (the DCGAN paper's Adam by default), `compile` with
    `d_optimizer` / `g_optimizer`, and the properties that return them.
    """

    def default_optimizers(self) -> dict[str, keras.optimizers.Optimizer]:
        """The paper's optimizers, one fresh instance per player."""
        return {
            "discriminator": keras.optimizers.Adam(2e-4, beta_1=0.5),
            "generator": keras.optimizers.Adam(2e-4, beta_1=0.5),
        }

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        *,
        jit_compile: bool | str = "auto",
        steps_per_execution: int = 1,
        run_eagerly: bool = False,
        **kwargs,
    ):
        """Set the players' optimizers (the paper's defaults when None).

        Args:
            d_optimizer: `keras.optimizers.Optimizer` for the discriminator.
            g_optimizer: `keras.optimizers.Optimizer` for the generator.
            jit_compile: bool or "auto". XLA on TensorFlow, `jax.jit` on JAX,
                `torch.compile` on PyTorch (off under "auto").
            steps_per_execution: int. Steps per compiled call.
            run_eagerly: bool. Debug mode: no compilation at all.
        """
        if kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes d_optimizer, g_optimizer, "
                "jit_compile, steps_per_execution and run_eagerly; the losses are "
                "part of the model (pass loss=... to its constructor). "
                f"Received: {sorted(kwargs)}"
            )
        self._compile_players(
            {"discriminator": d_optimizer, "generator": g_optimizer},
            jit_compile, steps_per_execution, run_eagerly,
        )

    def call(self, inputs, training=False):
        """The generator's output for its `inputs`."""
        return self.generator(inputs, training=training)

    @property
    def d_optimizer(self) -> keras.optimizers.Optimizer:
        return self._optimizer_for("discriminator")

    @property
    def g_optimizer(self) -> keras.optimizers.Optimizer:
        return self._optimizer_for("generator")


class AdversarialModel(TwoPlayerModel):
    """Base class of the zoo's GANs: image_shape, latent noise, losses, optimizers.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Size of the noise vector `z ~ N(0, I)`. Defaults to 64.
        loss: str. Adversarial loss from `ganzoo.losses.LOSSES`.
            Defaults to `"non_saturating"`.
        d_steps: int. Discriminator updates per generator update (each with
            fresh noise, on the same real batch). Defaults to 1.
        ema: float or None. Decay of an exponential moving average of the
            generator's weights, updated after every step with a warm-up
            (decay `min(ema, (1 + t) / (10 + t))` at step t) and used by
            `generate` (e.g. 0.999). Defaults to None (no EMA).
        augment: str or None. DiffAugment policies applied to every
            discriminator input, real and generated (Zhao et al. 2020):
            comma-separated names from `"color"`, `"translation"`, `"cutout"`,
            e.g. `"color,translation,cutout"`. Defaults to None (no augmentation).
        seed: int or None. Seed of the model's noise generators. Defaults to None.
        name: str. Model name.
    """

    metric_names = ("d_loss", "g_loss")

    def __init__(
        self,
        image_shape: tuple[int, int, int] = (28, 28, 1),
        latent_dim: int = 64,
        loss: str = "non_saturating",
        d_steps: int = 1,
        ema: float | None = None,
        augment: str | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.augment_policy = parse_policy(augment)
        self.augment = ",".join(self.augment_policy) or None
        self.image_shape = validate_image_shape(image_shape)
        self.latent_dim = positive_int("latent_dim", latent_dim)
        self.d_steps = positive_int("d_steps", d_steps)
        if ema is not None and not (isinstance(ema, (int, float)) and 0.0 < ema < 1.0):
            raise ValueError(f"ema must be None or a decay in (0, 1), e.g. 0.999. Received: ema={ema!r}")
        self.ema = None if ema is None else float(ema)
        self.loss_name = loss
        self.adversarial_loss = losses.get(loss)
        self.init_noise(seed)
        for name, network in self.build_networks().items():
            setattr(self, name, network)
        self.ema_generator = None
        if self.ema is not None:
            self.ema_generator = self.build_generator()
            self.ema_generator.trainable = False
            # Copy through NumPy: on JAX, assigning one variable to another shares
            # the buffer, and the jitted step, which donates its state, then
            # fails with "Attempt to donate the same buffer twice".
            for target, source in zip(self.ema_generator.weights, self.generator.weights):
                target.assign(ops.convert_to_numpy(source))
            self.ema_step = self.add_weight(shape=(), dtype="int32", initializer="zeros",
                                            trainable=False, name="ema_step")
        self.init_trackers()

    # ---- what a variant writes -------------------------------------------
    def build_networks(self) -> dict[str, keras.Model]:
        """The networks by attribute name, in the order they are set on the model.

        Keras addresses a sub-network in a saved file by that order, so a
        variant that adds a network (InfoGAN's Q head) keeps its place.
        """
        return {"generator": self.build_generator(), "discriminator": self.build_discriminator()}

    def build_generator(self) -> keras.Model:
        raise NotImplementedError

    def build_discriminator(self) -> keras.Model:
        raise NotImplementedError

    def sample_latent(self, batch_size, training=True):
        """The noise z, from the training (or, under `training=False`, evaluation) generator."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.noise_seed(training))

    def sample_inputs(self, batch_size, training=True):
        """`(generator input, codes)`: the noise z and no codes (InfoGAN adds codes)."""
        return self.sample_latent(batch_size, training), None

    def fake(self, z, y, training=True):
        """Generated images for the generator input `z` (and labels `y`, if conditional)."""
        return self.generator(z if y is None else [z, y], training=training)

    def critic(self, images, y, training=True):
        """`(adversarial logits, auxiliary outputs or None)` of the discriminator."""
        return self.discriminator(images if y is None else [images, y], training=training), None

    def discriminator_terms(self, real, fake, y, codes, real_aux, fake_aux, training):
        """`(term added to the discriminator's loss or None, extra logs)`."""
        return None, {}

    def generator_terms(self, fake, y, codes, fake_aux, training):
        """`(term added to the generator's loss or None, extra logs)`."""
        return None, {}

    def augment_images(self, images, training=True):
        """DiffAugment: `images` transformed by the `augment` policy (unchanged when None)."""
        if not self.augment_policy:
            return images
        return diff_augment(images, self.augment_policy, seed=self.noise_seed(training))

    # ---- the game ---------------------------------------------------------
    def discriminator_loss(self, x, y=None, training=True):
        y = self.condition(y)
        z, codes = self.sample_inputs(ops.shape(x)[0], training)
        fake = self.augment_images(ops.stop_gradient(self.fake(z, y, training)), training)
        x = self.augment_images(x, training)
        real_logits, real_aux = self.critic(x, y, training)
        fake_logits, fake_aux = self.critic(fake, y, training)
        loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        term, logs = self.discriminator_terms(x, fake, y, codes, real_aux, fake_aux, training)
        if term is not None:
            loss = loss + term
        return loss, {"d_loss": loss, **logs}

    def generator_loss(self, x, y=None, training=True):
        y = self.condition(y)
        z, codes = self.sample_inputs(ops.shape(x)[0], training)
        fake = self.augment_images(self.fake(z, y, training), training)
        fake_logits, fake_aux = self.critic(fake, y, training)
        loss = self.adversarial_loss.generator(fake_logits)
        term, logs = self.generator_terms(fake, y, codes, fake_aux, training)
        if term is not None:
            loss = loss + term
        return loss, {"g_loss": loss, **logs}

    def generator_variables(self) -> list:
        """What the generator player's optimizer updates (InfoGAN adds its Q head)."""
        return self.generator.trainable_variables

    def players(self) -> list[Player]:
        """Who is updated in a train step, in order (discriminator first)."""
        return [
            Player("discriminator", self.discriminator_loss,
                   self.discriminator.trainable_variables, self.d_steps),
            Player("generator", self.generator_loss, self.generator_variables()),
        ]

    # ---- EMA --------------------------------------------------------------
    def ema_decay(self, step):
        """The EMA decay at update `step` (0, 1, ...): `min(ema, (1 + t) / (10 + t))`."""
        t = ops.cast(step, "float32")
        return ops.minimum(self.ema, (1.0 + t) / (10.0 + t))

    def after_step(self):
        # Polyak averaging of the generator's weights; BatchNorm statistics are
        # copied (they are already running averages).
        if self.ema_generator is None:
            return
        decay = self.ema_decay(self.ema_step)
        trainable = {id(v) for v in self.generator.trainable_weights}
        averaged, copied = ([], []), ([], [])
        for target, source in zip(self.ema_generator.weights, self.generator.weights):
            pairs = averaged if id(source) in trainable else copied
            pairs[0].append(target)
            pairs[1].append(source)
        moving_average(*averaged, decay)
        for target, source in zip(*copied):
            target.assign(source)
        self.ema_step.assign(self.ema_step + 1)

    def restore_missing_state(self):
        # A 0.1.0 file: no EMA step counter. Continue as it was trained, with
        # the decay `ema` (the first step t at which the warm-up no longer binds).
        self.ema_step.assign(math.ceil((10.0 * self.ema - 1.0) / (1.0 - self.ema)) + 1)

    # ---- Keras plumbing ---------------------------------------------------
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_shape": self.image_shape,
            "latent_dim": self.latent_dim,
            "loss": self.loss_name,
            "d_steps": self.d_steps,
            "ema": self.ema,
            "augment": self.augment,
            "seed": self.seed,
        }

    @property
    def sample_generator(self) -> keras.Model:
        """The network `generate` uses: the EMA copy when `ema` is set."""
        return self.ema_generator if self.ema_generator is not None else self.generator
