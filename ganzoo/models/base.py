"""The base class of every adversarial model in the zoo.

`AdversarialModel` is a `keras.Model` whose `train_step` (from the backend
folder) updates a list of *players* in order, each with its own optimizer and
loss. A variant only writes networks and losses in `keras.ops`; it never
touches gradients, optimizers or backend code:

- `build_generator()` / `build_discriminator()` return Keras models;
- `discriminator_loss(x, y)` / `generator_loss(x, y)` return `(loss, logs)`;
- `default_optimizers()` returns the paper's optimizers;
- `players()` (rarely overridden) says who is updated, on which variables,
  how many times per step.

Data given to `fit` is expected in [-1, 1] (the range of the generator's tanh).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import keras
import numpy as np
from keras import ops

from ganzoo import losses
from ganzoo.backend import AdversarialTrainer
from ganzoo.optimizers import OptimizerGroup


@dataclass(frozen=True)
class Player:
    """One participant of the game: who is updated, on what, how often.

    Attributes:
        name: str. Also the key of its optimizer in `model.optimizer`.
        loss: callable. `loss(x, y) -> (scalar, logs)`, written in keras.ops.
        variables: list. The trainable variables this player's optimizer updates.
        steps: int. Updates of this player per `train_step`.
    """

    name: str
    loss: Callable
    variables: list
    steps: int = 1


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


def _serialize_optimizer(optimizer: keras.optimizers.Optimizer) -> dict:
    # Keras' torch backend serializes Adam as a torch-specific class; a file
    # saved there would not reload on TensorFlow or JAX. Store the public path.
    config = keras.optimizers.serialize(optimizer)
    if config.get("module", "").startswith("keras.src.backend."):
        config["module"] = "keras.optimizers"
        config["registered_name"] = None
    return config


class AdversarialModel(AdversarialTrainer, keras.Model):
    """Base class of the zoo's GANs: image_shape, latent noise, losses, optimizers.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Size of the noise vector `z ~ N(0, I)`. Defaults to 64.
        loss: str. Adversarial loss from `ganzoo.losses.LOSSES`.
            Defaults to `"non_saturating"`.
        d_steps: int. Discriminator updates per generator update (each with
            fresh noise, on the same real batch). Defaults to 1.
        seed: int or None. Seed of the model's `SeedGenerator` (training noise).
            Defaults to None.
        name: str. Model name.
    """

    #: Names of the Mean trackers reported in the History, in order.
    metric_names: tuple[str, ...] = ("d_loss", "g_loss")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim: int = 64,
        loss: str = "non_saturating",
        d_steps: int = 1,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape = validate_image_shape(image_shape)
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive int. Received: latent_dim={latent_dim!r}")
        if not isinstance(d_steps, int) or d_steps < 1:
            raise ValueError(f"d_steps must be a positive int. Received: d_steps={d_steps!r}")
        self.latent_dim = latent_dim
        self.loss_name = loss
        self.adversarial_loss = losses.get(loss)
        self.d_steps = d_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.generator = self.build_generator()
        self.discriminator = self.build_discriminator()
        self._trackers = {n: keras.metrics.Mean(name=n) for n in self.metric_names}
        self.built = True

    # ---- what a variant writes -------------------------------------------
    def build_generator(self) -> keras.Model:
        raise NotImplementedError

    def build_discriminator(self) -> keras.Model:
        raise NotImplementedError

    def default_optimizers(self) -> dict[str, keras.optimizers.Optimizer]:
        """The paper's optimizers, one fresh instance per player."""
        return {
            "discriminator": keras.optimizers.Adam(2e-4, beta_1=0.5),
            "generator": keras.optimizers.Adam(2e-4, beta_1=0.5),
        }

    def sample_latent(self, batch_size):
        """Training noise, drawn with the model's SeedGenerator."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def latent_numpy(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Sampling noise for `generate`, from NumPy (same on every backend)."""
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def discriminator_loss(self, x, y=None):
        z = self.sample_latent(ops.shape(x)[0])
        fake = ops.stop_gradient(self.generator(z, training=True))
        real_logits = self.discriminator(x, training=True)
        fake_logits = self.discriminator(fake, training=True)
        loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        return loss, {"d_loss": loss}

    def generator_loss(self, x, y=None):
        z = self.sample_latent(ops.shape(x)[0])
        fake_logits = self.discriminator(self.generator(z, training=True), training=True)
        loss = self.adversarial_loss.generator(fake_logits)
        return loss, {"g_loss": loss}

    def players(self) -> list[Player]:
        """Who is updated in a train step, in order (discriminator first)."""
        return [
            Player("discriminator", self.discriminator_loss,
                   self.discriminator.trainable_variables, self.d_steps),
            Player("generator", self.generator_loss, self.generator.trainable_variables),
        ]

    # ---- Keras plumbing ---------------------------------------------------
    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    @property
    def metrics(self):
        return list(self._trackers.values())

    def _update_trackers(self, logs):
        for name, value in logs.items():
            self._trackers[name].update_state(value)

    def _tracker_results(self):
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        *,
        jit_compile="auto",
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
        defaults = self.default_optimizers()
        given = {"discriminator": d_optimizer, "generator": g_optimizer}
        chosen = {
            p.name: given.get(p.name) or defaults[p.name] for p in self.players()
        }
        variables = {p.name: p.variables for p in self.players()}
        # Under "mixed_float16" each member gets its own dynamic loss scale;
        # Keras must not wrap the group (auto_scale_loss=False).
        group = OptimizerGroup(
            chosen, partition=variables.__getitem__,
            loss_scale=self.dtype_policy.name == "mixed_float16",
        )
        super().compile(
            optimizer=group,
            auto_scale_loss=False,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            run_eagerly=run_eagerly,
        )
        self._compile_args = {
            "jit_compile": jit_compile,
            "steps_per_execution": steps_per_execution,
            "run_eagerly": run_eagerly,
        }

    @property
    def d_optimizer(self) -> keras.optimizers.Optimizer:
        return self._optimizer_for("discriminator")

    @property
    def g_optimizer(self) -> keras.optimizers.Optimizer:
        return self._optimizer_for("generator")

    def _optimizer_for(self, name):
        if not isinstance(getattr(self, "optimizer", None), OptimizerGroup):
            raise AttributeError(
                f"{type(self).__name__} is not compiled: call model.compile() "
                "(or build it with ganzoo.get, which compiles)."
            )
        return self.optimizer[name]

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return {}
        config = {
            f"{name[0]}_optimizer": _serialize_optimizer(opt)
            for name, opt in zip(self.optimizer.names, self.optimizer.members)
        }
        return {**config, **self._compile_args}

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer"):
            if config.get(key) is not None:
                config[key] = keras.optimizers.deserialize(config[key])
        self.compile(**config)
        # Build the optimizers now so that load_model can restore their moments.
        self.optimizer.build()

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_shape": self.image_shape,
            "latent_dim": self.latent_dim,
            "loss": self.loss_name,
            "d_steps": self.d_steps,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        if "image_shape" in config:
            config["image_shape"] = tuple(config["image_shape"])
        return cls(**config)

    # ---- using a trained model ------------------------------------------
    def generate(self, n: int, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """Draw `n` images from the generator.

        Args:
            n: int. Number of images.
            seed: int or None. Seeds the noise (NumPy's generator, so the same
                seed gives the same noise on every backend). Defaults to None.
            batch_size: int. Images per generator call. Defaults to 256.

        Returns:
            A float32 NumPy array of shape `(n, *image_shape)` in [-1, 1].
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive int. Received: n={n!r}")
        rng = np.random.default_rng(seed)
        return self._run_generator(self.latent_numpy(int(n), rng), batch_size)

    def _run_generator(self, inputs, batch_size: int) -> np.ndarray:
        inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        n = len(inputs[0])
        out = []
        for start in range(0, n, batch_size):
            chunk = [a[start:start + batch_size] for a in inputs]
            images = self.sample_generator(chunk if len(chunk) > 1 else chunk[0])
            out.append(ops.convert_to_numpy(images).astype("float32"))
        return np.clip(np.concatenate(out), -1.0, 1.0)

    @property
    def sample_generator(self) -> keras.Model:
        """The network `generate` uses (the EMA copy when a variant keeps one)."""
        return self.generator

    def num_downsamplings(self) -> int:
        """Halvings from image size to the smallest feature map (see DCGAN)."""
        return _halvings(self.image_shape)


def _halvings(image_shape) -> int:
    height, width, _ = image_shape
    n = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) > 4:
        height, width, n = height // 2, width // 2, n + 1
    return n


def flat_size(image_shape) -> int:
    return int(math.prod(image_shape))
