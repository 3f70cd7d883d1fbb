"""Recorded training recipes: how each model's shipped weights were trained.

A `Recipe` is everything `scripts/train_reference.py` needs to train a model from
scratch and reproduce its shipped `fashion_mnist` weights: the data set and the
validation split held out from its *training* images, epochs, batch size, the
constructor arguments (`ema`, `d_steps`, `seed`, ...), each player's optimizer,
the backend, and a wall-clock cap. `why` says why the settings differ from the
model's defaults, and is printed on its model card.

Every registered model has a recipe; `recipe(name)` returns it:

```python
import ganzoo
r = ganzoo.recipes.recipe("dcgan")
model = r.build()          # constructed and compiled exactly as the reference run
r.epochs, r.batch_size     # (15, 64)
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Validation images held out from the 60,000 Fashion-MNIST training images
#: (a seeded permutation; the other 55,000 are trained on). The test split is
#: never seen during training or checkpoint selection: it gives the reported numbers.
VALIDATION_SIZE = 5000
SPLIT_SEED = 0


def adam(learning_rate: float, beta_1: float = 0.9, beta_2: float = 0.999) -> dict:
    """A serialized `keras.optimizers.Adam`, as stored in a recipe."""
    return {"class_name": "Adam", "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2}}


# The DCGAN paper's optimizer (Radford et al. 2015), used by most GANs below.
_DCGAN_ADAM = adam(2e-4, beta_1=0.5)


@dataclass(frozen=True)
class Recipe:
    """How one model is trained for its shipped weights.

    Attributes:
        model: str. The registered model name.
        epochs: int. Passes over the training images (55,000 after the validation hold-out).
        batch_size: int. Images per step.
        model_kwargs: dict. Constructor arguments for `ganzoo.get` (architecture and
            `ema`, `d_steps`, `seed`, ...).
        optimizers: dict. `compile` argument name (`d_optimizer`, `g_optimizer`, or
            `optimizer` for VAEs) to a serialized Keras optimizer.
        why: str. The reasons for each choice that differs from the model's defaults.
        dataset: str. A `ganzoo.data` name. Defaults to `"fashion_mnist"`.
        backend: str. The backend of the reference run (the fastest on the 2-core CPU
            it was made on). Defaults to `"tensorflow"`.
        max_minutes: float. Time cap: training stops after the first epoch that ends
            past it, counted in CPU time of the (single-threaded) training process, which
            equals wall-clock time on a quiet machine. Defaults to 30.
        validation_samples: int. Generated images per validation FID. Defaults to 5000.
    """

    model: str
    epochs: int
    batch_size: int
    model_kwargs: dict[str, Any]
    optimizers: dict[str, dict]
    why: str
    dataset: str = "fashion_mnist"
    backend: str = "tensorflow"
    max_minutes: float = 30.0
    validation_samples: int = 5000
    extra: dict[str, Any] = field(default_factory=dict)

    def build(self, **overrides):
        """The model, constructed and compiled as in the reference run."""
        import keras

        import ganzoo

        model = ganzoo.get(self.model, compile=False, **{**self.model_kwargs, **overrides})
        model.compile(**{arg: keras.optimizers.deserialize(dict(cfg)) for arg, cfg in self.optimizers.items()})
        return model

    def describe(self) -> dict:
        """A JSON-ready record of the recipe (stored with results and weights)."""
        return {"model": self.model, "dataset": self.dataset, "epochs": self.epochs, "batch_size": self.batch_size,
                "model_kwargs": dict(self.model_kwargs), "optimizers": dict(self.optimizers),
                "backend": self.backend, "max_minutes": self.max_minutes,
                "validation_size": VALIDATION_SIZE, "validation_samples": self.validation_samples,
                "why": self.why}


_GAN_WHY = ("EMA of the generator (0.999) smooths the last thousand steps into one sample network; "
            "the paper's Adam(2e-4, beta_1=0.5), batch 64.")

def _gan(model: str, epochs: int, why: str = _GAN_WHY, max_minutes: float = 30.0) -> Recipe:
    """A DCGAN-family recipe: the paper's Adam for both players, EMA 0.999, batch 64."""
    return Recipe(model, epochs=epochs, batch_size=64, model_kwargs={"ema": 0.999, "seed": 0},
                  optimizers={"d_optimizer": _DCGAN_ADAM, "g_optimizer": _DCGAN_ADAM}, why=why,
                  max_minutes=max_minutes)


_STILL_FALLING = (" The cap is 60 CPU-minutes, not 30: at 30 the validation FID was still falling "
                  "by a third or more per epoch.")


RECIPES: dict[str, Recipe] = {r.model: r for r in (
    _gan("dcgan", 15),
    _gan("cgan", 14, _GAN_WHY + _STILL_FALLING, max_minutes=60),
    _gan("acgan", 14),
    _gan("infogan", 14),
    _gan("lsgan", 15),
    _gan("sngan", 15),
    Recipe("wgan_gp", epochs=4, batch_size=64, model_kwargs={"ema": 0.999, "seed": 0, "d_steps": 2},
           optimizers={"d_optimizer": adam(1e-4, 0.0, 0.9), "g_optimizer": adam(1e-4, 0.0, 0.9)},
           max_minutes=60,
           why="The paper's Adam(1e-4, beta_1=0, beta_2=0.9) (Gulrajani et al. 2017); EMA 0.999. Two critic "
               "steps per generator step, not the paper's five: a critic step with its double-backprop "
               "penalty costs more than the generator's update (an epoch took 28 CPU-minutes with five, 13.5 "
               "with two), and at a fixed CPU budget more generator steps won (measured: five critic steps "
               "reached validation FID 118.6 in 58 CPU-minutes, two reached 96.0 in 54.7). Four epochs (3,436 generator steps) fill the 60-minute cap, which "
               "applies because the validation FID was still falling by 17-20% per epoch."),
    _gan("gan", 40, why="The MLP is cheap per step, so more epochs fit the budget; " + _GAN_WHY),
    Recipe("vae", epochs=12, batch_size=64, model_kwargs={"seed": 0},
           optimizers={"optimizer": adam(1e-3)},
           why="Adam(1e-3), the usual VAE learning rate; 12 epochs fill the 30 CPU-minutes "
               "(a step costs about as much as a DCGAN step)."),
    Recipe("cvae", epochs=12, batch_size=64, model_kwargs={"seed": 0},
           optimizers={"optimizer": adam(1e-3)},
           why="As the VAE, with labels."),
)}


def recipe(name: str) -> Recipe:
    """The recorded recipe of a registered model; raises `ValueError` naming those that exist."""
    if name not in RECIPES:
        from ganzoo.registry import spec

        spec(name)  # an unknown model name gets the registry's "did you mean"
        raise ValueError(f"Model {name!r} has no recorded recipe. Recipes exist for: "
                         f"{', '.join(sorted(RECIPES))}. Received: name={name!r}")
    return RECIPES[name]
