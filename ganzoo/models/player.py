"""`PlayerModel`: a `keras.Model` trained as a sequence of players.

Its `train_step` (from the backend folder) updates a list of *players* in
order, each with its own optimizer and loss; `test_step` evaluates the same
losses without updates, so `evaluate()` works. A VAE is a one-player model; a
GAN has two. A subclass sets `self.image_shape` and `self.latent_dim`, calls
`self.init_noise(seed)`, builds its networks, defines `players()`,
`default_optimizers()`, `metric_names` and `sample_generator`, then calls
`self.init_trackers()` at the end of `__init__`.

Noise. Losses draw their noise with `seed=self.noise_seed(training)`: the
training steps (`training=True`) from `seed_generator`, evaluation
(`model.evaluate`, `validation_data`; `training=False`) from
`eval_seed_generator`, so validating during training leaves the training noise,
and an exact resume, untouched. `generate` draws from NumPy (the same seed gives
the same samples on every backend).

Inference. `generate` (and InfoGAN's `predict_codes`, the VAE's `encode` and
`decode`) run their networks through `inference(key, fn)`: without gradients and
compiled as Keras compiles `predict` (`ganzoo.backend.inference_function`),
traced once per batch shape and reading the current weights at every call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from ganzoo.backend import AdversarialTrainer, inference_function, noise_key
from ganzoo.data import checks
from ganzoo.models.conditional import is_conditional
from ganzoo.models.networks import positive_int
from ganzoo.models.persistence import SavedState, serialize_optimizer
from ganzoo.optimizers import OptimizerGroup

# The evaluation noise's seed is the model's seed plus this offset (a
# different stream from the training noise for every seed).
EVAL_SEED_OFFSET = 1_000_003


class NoiseGenerator(keras.random.SeedGenerator):
    """A `keras.random.SeedGenerator` whose seeds pass through `ganzoo.backend.noise_key`.

    The same state, advanced the same way, saved and resumed like Keras' own;
    only the seed handed to `keras.random` differs, and only on JAX, where it is
    hashed once (a faster compiled train step on XLA's CPU backend).
    """

    def next(self, ordered=True):
        return noise_key(super().next(ordered))


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


class PlayerModel(SavedState, AdversarialTrainer, keras.Model):
    """A model trained as a sequence of players, each with its own optimizer."""

    #: Names of the Mean trackers reported in the History, in order.
    metric_names: tuple[str, ...] = ()

    #: What the model is for, the one answer callers ask (`ganzoo.registry.task_of`):
    #: `"generation"` (`generate(n)` draws images; the zoo's GANs and VAEs) or
    #: `"translation"` (`translate(images)` maps input images to target images;
    #: pix2pix).
    task: str = "generation"

    def init_noise(self, seed: int | None):
        """The training and the evaluation noise generators (in this order)."""
        self.seed = seed
        self.seed_generator = NoiseGenerator(seed)
        self.eval_seed_generator = NoiseGenerator(None if seed is None else seed + EVAL_SEED_OFFSET)

    def noise_seed(self, training) -> keras.random.SeedGenerator:
        """The generator a loss draws from: training noise, or evaluation noise."""
        return self.seed_generator if training else self.eval_seed_generator

    def condition(self, y):
        """What the networks are conditioned on: None (labels given to `fit` are
        not used); `Conditional` returns the labels."""
        return None

    def init_trackers(self):
        self._trackers = {n: keras.metrics.Mean(name=n) for n in self.metric_names}
        self._inference_functions = {}
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
        self.check_fit_data(x, y)
        return super().fit(x, y, *args, **kwargs)

    def check_fit_data(self, x, y) -> None:
        """Raise a `ValueError` naming the fix for data `fit` cannot train on (a sample of it)."""
        checks.check_fit_data(x, y, num_classes=self.num_classes if is_conditional(self) else None)

    # ---- Keras plumbing ---------------------------------------------------
    @property
    def metrics(self):
        return list(self._trackers.values())

    def _update_trackers(self, logs):
        for name, value in logs.items():
            self._trackers[name].update_state(value)

    def _tracker_results(self):
        return {name: tracker.result() for name, tracker in self._trackers.items()}

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
            name: serialize_optimizer(opt)
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
        # The constructor is the config; JSON turned its tuples (image_shape,
        # hidden_units, ...) into lists.
        config = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items() if k != "dtype"}
        return cls(**config)

    # ---- sampling -----------------------------------------------------------
    def latent_numpy(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Sampling noise for `generate`, from NumPy (same on every backend)."""
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def generate(self, n: int, seed: int | None = None, batch_size: int = 256, labels=None) -> np.ndarray:
        """Draw `n` images.

        Args:
            n: int. Number of images.
            seed: int or None. Seeds the noise (NumPy's generator, so the same
                seed gives the same noise on every backend). Defaults to None.
            batch_size: int. Images per network call. Defaults to 256.
            labels: None. Only conditional models (`cgan`, `acgan`, `cvae`) take
                labels; any other value raises a `ValueError`.

        Returns:
            A float32 NumPy array of shape `(n, *image_shape)` in [-1, 1].
        """
        reject_labels(self, labels)
        n = positive_int("n", n)
        return self._run_generator(self.latent_numpy(n, np.random.default_rng(seed)), batch_size)

    def inference(self, key: str, fn: Callable) -> Callable:
        """`fn(*arrays)` without gradients, compiled as Keras compiles `predict`.

        `fn` is written in keras.ops and may read any variable of the model. The
        compiled function is cached under `key` (per `run_eagerly` / `jit_compile`
        setting), traced once per input shape, and reads the model's current
        weights at every call. See `ganzoo.backend.inference_function`.
        """
        cache_key = (key, self.run_eagerly, self.jit_compile)
        if cache_key not in self._inference_functions:
            self._inference_functions[cache_key] = inference_function(
                fn, self.variables, run_eagerly=self.run_eagerly, jit_compile=self.jit_compile
            )
        return self._inference_functions[cache_key]

    def run_in_batches(self, key: str, fn: Callable, arrays: list, batch_size: int = 256):
        """`inference(key, fn)` over `arrays` (NumPy, same length) in batches.

        Returns:
            The outputs as NumPy arrays concatenated over the batches, in the
            structure `fn` returns (an array, or a list of arrays).
        """
        run = self.inference(key, fn)
        outputs = [
            keras.tree.map_structure(ops.convert_to_numpy, run(*[a[s:s + batch_size] for a in arrays]))
            for s in range(0, len(arrays[0]), batch_size)
        ]
        return keras.tree.map_structure(lambda *parts: np.concatenate(parts), *outputs)

    def _run_generator(self, inputs, batch_size: int) -> np.ndarray:
        inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        images = self.run_in_batches("generate", self._generate_batch, inputs, batch_size)
        return np.clip(images.astype("float32"), -1.0, 1.0)

    def _generate_batch(self, *inputs):
        images = self.sample_generator(list(inputs) if len(inputs) > 1 else inputs[0], training=False)
        return self.to_image_range(images)

    def to_image_range(self, outputs):
        """Map the sampling network's output to [-1, 1] (identity for tanh outputs)."""
        return outputs

    @property
    def sample_generator(self) -> keras.Model:
        """The network `generate` runs."""
        raise NotImplementedError


def reject_labels(model, labels) -> None:
    """The `ValueError` of an unconditional model's `generate(..., labels=...)`."""
    if labels is not None:
        raise ValueError(
            f"{type(model).__name__} is unconditional: it takes no labels. Use a conditional "
            f"model (cgan, acgan, cvae) to choose classes. Received: labels={np.asarray(labels).tolist()[:8]}"
        )
