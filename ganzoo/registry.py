"""The model zoo's registry: names to classes, presets, and `get`.

A variant registers itself where it is defined::

    @register("dcgan", description="Deep convolutional GAN (Radford et al. 2015)",
              presets={"tiny": {"base_filters": 8, "latent_dim": 16}})
    class DCGAN(GAN):
        ...

`register` also registers the class with `keras.saving`, so a saved `.keras`
file reloads by name once `ganzoo` has been imported. The registry keeps the
name: `name_of(model)` answers "which registered model is this?" (None for a
class that is not registered itself, such as a user's subclass), without
setting anything on the class.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras

_REGISTRY: dict[str, ModelSpec] = {}


@dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about one variant.

    Attributes:
        name: str. The registered name, e.g. `"dcgan"`.
        cls: type. The `keras.Model` subclass.
        description: str. A one-line description (shown by `ganzoo list`).
        presets: dict. Named constructor keyword arguments; `"default"` is `{}`
            unless given, and every variant has a `"tiny"` preset for fast tests.
    """

    name: str
    cls: type
    description: str
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def task(self) -> str:
        """`"generation"` (samples with `generate`) or `"translation"` (`translate`)."""
        return task_of(self.cls)


def register(
    name: str,
    *,
    description: str | None = None,
    presets: dict[str, dict[str, Any]] | None = None,
) -> Callable[[type], type]:
    """Class decorator that adds a variant to the zoo.

    Args:
        name: str. The name users pass to `ganzoo.get`.
        description: str. One line for `ganzoo list`. Defaults to the first
            line of the class docstring.
        presets: dict. Named keyword-argument sets. Must contain `"tiny"`.

    Returns:
        The decorator, which returns the class unchanged (but registered).
    """
    presets = dict(presets or {})
    if "tiny" not in presets:
        raise ValueError(
            f"Every registered model needs a 'tiny' preset for fast tests. "
            f"Received: name={name!r}, presets={sorted(presets)}"
        )
    presets.setdefault("default", {})

    def decorator(cls: type) -> type:
        if name in _REGISTRY and _REGISTRY[name].cls is not cls:
            raise ValueError(
                f"A model named {name!r} is already registered "
                f"({_REGISTRY[name].cls.__qualname__}). Choose another name."
            )
        keras.saving.register_keras_serializable(package="ganzoo")(cls)
        summary = description or (cls.__doc__ or "").strip().splitlines()[0]
        _REGISTRY[name] = ModelSpec(name, cls, summary, presets)
        return cls

    return decorator


TASKS = ("generation", "translation")


def task_of(model: Any) -> str:
    """What a model (instance or class) is for, as it declares in its `task` attribute.

    Returns:
        `"generation"`: `generate(n)` draws images (the GANs and VAEs);
        `"translation"`: `translate(images)` maps input images to target images
        (pix2pix); it has no `generate`.
    """
    cls = model if isinstance(model, type) else type(model)
    return getattr(cls, "task", "generation")


def list_models(pattern: str = "*", task: str | None = None) -> list[str]:
    """Names of the registered models, sorted, filtered by an fnmatch pattern and a task.

    Args:
        pattern: str. A shell-style pattern such as `"*gan*"`. Defaults to `"*"`.
        task: str or None. Only models of this task: `"generation"` (they
            sample with `generate`) or `"translation"` (they `translate`
            images). Defaults to None (every model).

    Returns:
        A sorted list of names.

    Example:
    ```python
    import ganzoo
    ganzoo.list_models()                     # ['acgan', 'cgan', 'dcgan', ...]
    ganzoo.list_models("*gan")               # only names ending in "gan"
    ganzoo.list_models(task="translation")   # ['pix2pix']
    ```
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)} or None. Received: task={task!r}")
    return sorted(n for n in _REGISTRY if fnmatch.fnmatchcase(n, pattern)
                  and (task is None or task_of(_REGISTRY[n].cls) == task))


def spec(name: str) -> ModelSpec:
    """The `ModelSpec` of a registered name; raises a helpful `ValueError`."""
    if not isinstance(name, str) or name not in _REGISTRY:
        available = list_models()
        lowered = {n.lower(): n for n in available}
        close = ([lowered[str(name).lower()]] if str(name).lower() in lowered
                 else difflib.get_close_matches(str(name).lower(), available, n=3, cutoff=0.5))
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"Unknown model {name!r}.{hint} Available: {', '.join(available)}. "
            f"Received: name={name!r}"
        )
    return _REGISTRY[name]


def name_of(model: Any) -> str | None:
    """The registered name of a model or model class, e.g. `"dcgan"`.

    Args:
        model: a model instance or class.

    Returns:
        The name it was registered under, or None when the class itself is not
        registered (a subclass of a registered class is not that model).
    """
    cls = model if isinstance(model, type) else type(model)
    for name, model_spec in _REGISTRY.items():
        if model_spec.cls is cls:
            return name
    return None


def get(
    name: str,
    *,
    preset: str = "default",
    compile: bool = True,
    weights: str | None = None,
    **kwargs: Any,
) -> keras.Model:
    """Build a registered model, compiled with its published default optimizers.

    Args:
        name: str. A name from `list_models()`, e.g. `"dcgan"`.
        preset: str. A named set of constructor arguments, e.g. `"tiny"` for
            tests. Defaults to `"default"`.
        compile: bool. Compile with the variant's default optimizers, ready for
            `model.fit`. Defaults to `True`.
        weights: str or None. Shipped trained weights to load, e.g.
            `"fashion_mnist"` (see `ganzoo.list_weights()`): every trained network
            (generator, discriminator, EMA copy, ...) is loaded, so `fit` continues
            from them (with an EMA, only the average ships and the generator starts
            from it), and the constructor arguments default to those the weights
            were trained with. Arguments that change a network's shape raise
            `ValueError`. Defaults to `None` (random initial weights).
        **kwargs: Constructor arguments; they override the preset's.

    Returns:
        A built (and, unless `compile=False`, compiled) `keras.Model`.

    Example:
    ```python
    import ganzoo
    model = ganzoo.get("dcgan", latent_dim=100)
    model.fit(images, epochs=5, batch_size=64)   # images in [-1, 1], NHWC
    samples = model.generate(16, seed=0)
    trained = ganzoo.get("dcgan", weights="fashion_mnist")
    ```
    """
    model_spec = spec(name)
    if preset not in model_spec.presets:
        raise ValueError(
            f"Model {name!r} has no preset {preset!r}. "
            f"Available presets: {sorted(model_spec.presets)}. Received: preset={preset!r}"
        )
    arguments = {**model_spec.presets[preset], **kwargs}
    if weights is not None:
        from ganzoo import pretrained

        model = model_spec.cls(**pretrained.constructor_arguments(name, weights, arguments))
        pretrained.load_into(model, name, weights, given=arguments)
    else:
        model = model_spec.cls(**arguments)
    if compile:
        model.compile()
    return model
