"""Base classes of every model in the zoo.

`PlayerModel` is a `keras.Model` whose `train_step` (from the backend folder)
updates a list of *players* in order, each with its own optimizer and loss;
`test_step` evaluates the same losses without updates, so `evaluate()` works.
A VAE is a one-player model; a GAN has two.

`AdversarialModel` adds what every GAN shares. A variant only writes networks
and losses in `keras.ops`; it never touches gradients, optimizers or backend
code:

- `build_generator()` / `build_discriminator()` return Keras models;
- `discriminator_loss(x, y, training)` / `generator_loss(x, y, training)`
  return `(loss, logs)`;
- `default_optimizers()` returns the paper's optimizers;
- `players()` (rarely overridden) says who is updated, on which variables,
  how many times per step.

Data given to `fit` is expected in [-1, 1] (the range of the generator's tanh).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
from keras import ops

from ganzoo import losses
from ganzoo.backend import AdversarialTrainer
from ganzoo.data import checks
from ganzoo.optimizers import OptimizerGroup


@dataclass(frozen=True)
class Player:
    """One participant of the game: who is updated, on what, how often.

    Attributes:
        name: str. Also the key of its optimizer in `model.optimizer`.
        loss: callable. `loss(x, y, training=True) -> (scalar, logs)`, in keras.ops.
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


def positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int. Received: {name}={value!r}")
    return int(value)


def _serialize_optimizer(optimizer: keras.optimizers.Optimizer) -> dict:
    # Keras' torch backend serializes Adam as a torch-specific class; a file
    # saved there would not reload on TensorFlow or JAX. Store the public path.
    config = keras.optimizers.serialize(optimizer)
    if config.get("module", "").startswith("keras.src.backend."):
        config["module"] = "keras.optimizers"
        config["registered_name"] = None
    return config


_SEED_STATE_KEY = "seed_generator_{}_state"


def _is_seed_state_key(key: str) -> bool:
    return key.startswith("seed_generator_") and key.endswith("_state")


def _seed_state_as(value, dtype) -> np.ndarray:
    """A saved SeedGenerator state in this backend's seed dtype.

    Backends keep the state in different dtypes (TensorFlow int64, JAX uint32,
    PyTorch int32 holding the uint32 bit pattern); across backends the values
    are carried as their uint32 bit pattern.
    """
    value = np.asarray(value)
    dtype = np.dtype(keras.backend.standardize_dtype(dtype))
    if value.dtype == dtype:
        return value
    bits = (value.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
    return bits.view(np.int32) if dtype == np.int32 else bits.astype(dtype)


class PlayerModel(AdversarialTrainer, keras.Model):
    """A model trained as a sequence of players, each with its own optimizer.

    Subclasses set `self.image_shape`, build their networks, define
    `players()`, `default_optimizers()` and `metric_names`, then call
    `self._init_trackers()` at the end of `__init__`.
    """

    #: Names of the Mean trackers reported in the History, in order.
    metric_names: tuple[str, ...] = ()

    def _init_trackers(self):
        self._trackers = {n: keras.metrics.Mean(name=n) for n in self.metric_names}
        self.built = True

    def players(self) -> list[Player]:
        raise NotImplementedError

    def default_optimizers(self) -> dict[str, keras.optimizers.Optimizer]:
        raise NotImplementedError

    def after_step(self):
        """Called once after every train step's updates (e.g. an EMA update)."""

    def fit(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.fit`, after checking a sample of the data (`ganzoo.data.checks`).

        Images must be floats in [-1, 1]; a conditional model's labels integer
        class ids. Mistakes raise a `ValueError` naming the fix before the first step.
        """
        # TODO(core): model.conditional / model.num_classes from the conditional protocol.
        checks.check_fit_data(x, y, num_classes=getattr(self, "num_classes", None))
        return super().fit(x, y, *args, **kwargs)

    # ---- Keras plumbing ---------------------------------------------------
    @property
    def metrics(self):
        return list(self._trackers.values())

    def _update_trackers(self, logs):
        for name, value in logs.items():
            self._trackers[name].update_state(value)

    def _tracker_results(self):
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    # Keras saves a layer's trainable and non-trainable variables, not the
    # state of its SeedGenerators: a reloaded model would draw its training
    # noise again from the start of the stream, and a resumed run would not
    # continue the uninterrupted one. The model's own generators (those held
    # in its attributes, e.g. `self.seed_generator`) are stored after the usual
    # "0", "1", ... keys as "seed_generator_<i>_state", in tracking order.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, generator in enumerate(self._seed_generators):
            store[_SEED_STATE_KEY.format(i)] = generator.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        seed_keys = [k for k in keys if _is_seed_state_key(k)]
        generators = list(self._seed_generators)
        if not seed_keys:
            # A file saved before the seed state was stored: load the weights
            # and keep the generators' state as constructed (from `seed`).
            super().load_own_variables(store)
            return
        if sorted(seed_keys) != sorted(_SEED_STATE_KEY.format(i) for i in range(len(generators))):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' has {len(generators)} seed generator(s), "
                f"but the file stores the state of {len(seed_keys)}: {sorted(seed_keys)}"
            )
        # Layer.load_own_variables checks that the store holds exactly its
        # variables: hand it the store without the seed-state keys.
        super().load_own_variables({k: store[k] for k in keys if k not in seed_keys})
        for i, generator in enumerate(generators):
            value = _seed_state_as(store[_SEED_STATE_KEY.format(i)], generator.state.dtype)
            generator.state.assign(value)

    def _compile_players(self, given: dict, jit_compile, steps_per_execution, run_eagerly):
        defaults = self.default_optimizers()
        chosen = {p.name: given.get(p.name) or defaults[p.name] for p in self.players()}
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
        # Build the optimizers now (the model is built at construction): a file
        # saved before the first step then holds the same variables as one
        # saved after it, and load_model can always restore them.
        self.optimizer.build()
        self._compile_args = {
            "jit_compile": jit_compile,
            "steps_per_execution": steps_per_execution,
            "run_eagerly": run_eagerly,
        }

    def _optimizer_for(self, name):
        if not isinstance(getattr(self, "optimizer", None), OptimizerGroup):
            # Not AttributeError: torch.nn.Module.__getattr__ would swallow it.
            raise RuntimeError(
                f"{type(self).__name__} is not compiled: call model.compile() "
                "(or build it with ganzoo.get, which compiles)."
            )
        return self.optimizer[name]

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return {}
        optimizers = {
            name: _serialize_optimizer(opt)
            for name, opt in zip(self.optimizer.names, self.optimizer.members)
        }
        return {"optimizers": optimizers, **self._compile_args}

    def compile_from_config(self, config):
        config = dict(config)
        optimizers = {
            name: keras.optimizers.deserialize(opt)
            for name, opt in config.pop("optimizers", {}).items()
        }
        self._compile_players(optimizers, **config)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        for key in ("image_shape", "hidden_units"):
            if isinstance(config.get(key), list):
                config[key] = tuple(config[key])
        return cls(**config)

    # ---- sampling -----------------------------------------------------------
    def _run_generator(self, inputs, batch_size: int) -> np.ndarray:
        inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        n = len(inputs[0])
        out = []
        for start in range(0, n, batch_size):
            chunk = [a[start:start + batch_size] for a in inputs]
            images = self.sample_generator(chunk if len(chunk) > 1 else chunk[0], training=False)
            out.append(ops.convert_to_numpy(self.to_image_range(images)).astype("float32"))
        return np.clip(np.concatenate(out), -1.0, 1.0)

    def to_image_range(self, outputs):
        """Map the sampling network's output to [-1, 1] (identity for tanh outputs)."""
        return outputs

    @property
    def sample_generator(self) -> keras.Model:
        raise NotImplementedError


class AdversarialModel(PlayerModel):
    """Base class of the zoo's GANs: image_shape, latent noise, losses, optimizers.

    Args:
        image_shape: tuple. `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int. Size of the noise vector `z ~ N(0, I)`. Defaults to 64.
        loss: str. Adversarial loss from `ganzoo.losses.LOSSES`.
            Defaults to `"non_saturating"`.
        d_steps: int. Discriminator updates per generator update (each with
            fresh noise, on the same real batch). Defaults to 1.
        ema: float or None. Decay of an exponential moving average of the
            generator's weights, updated after every step and used by
            `generate` (e.g. 0.999). Defaults to None (no EMA).
        seed: int or None. Seed of the model's `SeedGenerator` (training noise).
            Defaults to None.
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
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape = validate_image_shape(image_shape)
        self.latent_dim = positive_int("latent_dim", latent_dim)
        self.d_steps = positive_int("d_steps", d_steps)
        if ema is not None and not (isinstance(ema, (int, float)) and 0.0 < ema < 1.0):
            raise ValueError(f"ema must be None or a decay in (0, 1), e.g. 0.999. Received: ema={ema!r}")
        self.ema = None if ema is None else float(ema)
        self.loss_name = loss
        self.adversarial_loss = losses.get(loss)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.generator = self.build_generator()
        self.discriminator = self.build_discriminator()
        self.ema_generator = None
        if self.ema is not None:
            self.ema_generator = self.build_generator()
            self.ema_generator.trainable = False
            # Copy through NumPy: on JAX, assigning one variable to another shares
            # the buffer, and the jitted step, which donates its state, then
            # fails with "Attempt to donate the same buffer twice".
            for target, source in zip(self.ema_generator.weights, self.generator.weights):
                target.assign(ops.convert_to_numpy(source))
        self._init_trackers()

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

    def discriminator_loss(self, x, y=None, training=True):
        z = self.sample_latent(ops.shape(x)[0])
        fake = ops.stop_gradient(self.generator(z, training=training))
        real_logits = self.discriminator(x, training=training)
        fake_logits = self.discriminator(fake, training=training)
        loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        return loss, {"d_loss": loss}

    def generator_loss(self, x, y=None, training=True):
        z = self.sample_latent(ops.shape(x)[0])
        fake_logits = self.discriminator(self.generator(z, training=training), training=training)
        loss = self.adversarial_loss.generator(fake_logits)
        return loss, {"g_loss": loss}

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

    def after_step(self):
        # Polyak averaging of the generator's weights; BatchNorm statistics are
        # copied (they are already running averages).
        if self.ema_generator is None:
            return
        trainable = {id(v) for v in self.generator.trainable_weights}
        for target, source in zip(self.ema_generator.weights, self.generator.weights):
            if id(source) in trainable:
                target.assign(self.ema * target + (1.0 - self.ema) * source)
            else:
                target.assign(source)

    # ---- Keras plumbing ---------------------------------------------------
    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

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

    @property
    def d_optimizer(self) -> keras.optimizers.Optimizer:
        return self._optimizer_for("discriminator")

    @property
    def g_optimizer(self) -> keras.optimizers.Optimizer:
        return self._optimizer_for("generator")

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "image_shape": self.image_shape,
            "latent_dim": self.latent_dim,
            "loss": self.loss_name,
            "d_steps": self.d_steps,
            "ema": self.ema,
            "seed": self.seed,
        }

    # ---- using a trained model ------------------------------------------
    def generate(self, n: int, seed: int | None = None, batch_size: int = 256, labels=None) -> np.ndarray:
        """Draw `n` images from the generator.

        Args:
            n: int. Number of images.
            seed: int or None. Seeds the noise (NumPy's generator, so the same
                seed gives the same noise on every backend). Defaults to None.
            batch_size: int. Images per generator call. Defaults to 256.
            labels: None. Only conditional models (`cgan`, `acgan`, ...) take
                labels; any other value raises a `ValueError`.

        Returns:
            A float32 NumPy array of shape `(n, *image_shape)` in [-1, 1].
        """
        reject_labels(self, labels)
        n = positive_int("n", n)
        rng = np.random.default_rng(seed)
        return self._run_generator(self.latent_numpy(n, rng), batch_size)

    @property
    def sample_generator(self) -> keras.Model:
        """The network `generate` uses: the EMA copy when `ema` is set."""
        return self.ema_generator if self.ema_generator is not None else self.generator

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


def reject_labels(model, labels) -> None:
    """The `ValueError` of an unconditional model's `generate(..., labels=...)`."""
    if labels is not None:
        raise ValueError(
            f"{type(model).__name__} is unconditional: it takes no labels. Use a conditional "
            f"model (cgan, acgan, cvae) to choose classes. Received: labels={np.asarray(labels).tolist()[:8]}"
        )


def check_labels(labels, n: int, num_classes: int) -> np.ndarray:
    """Validate class labels for conditional sampling; None cycles 0..K-1."""
    if labels is None:
        return (np.arange(n) % num_classes).astype("int32")
    labels = np.asarray(labels)
    if labels.ndim == 0:
        labels = np.full(n, int(labels))
    if labels.shape != (n,):
        raise ValueError(
            f"labels must be {n} integers in [0, {num_classes - 1}] (or one integer for all). "
            f"Received: labels with shape {labels.shape}"
        )
    checks.check_labels(labels, num_classes)
    return labels.astype("int32")
