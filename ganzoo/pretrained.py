"""Shipped weights: trained networks that come inside the package.

`ganzoo.get("dcgan", weights="fashion_mnist")` builds the model with the
constructor arguments its weights were trained with (see `ganzoo.recipes`),
compiles it as usual, and loads every trained network: the generator, the
discriminator (so `fit` continues from them), the generator's moving average
where the recipe keeps one, InfoGAN's Q network, a VAE's encoder and decoder.

A model trained with `ema` ships its averaged generator only: that is the
network that samples, and storing the raw generator as well would double the
largest part of the file. The generator starts from the average, so `fit`
continues from the averaged weights rather than from the last raw step.

Nothing is downloaded: the files live in `ganzoo/pretrained/`, one `.npz` per
model and data set, listed in `manifest.json` with its SHA-256, which is checked
before the file is read. Weights are stored as float16 and loaded as float32 (the
measured cost in FID is in the manifest and on each model card).

```python
import ganzoo
ganzoo.list_weights()              # {'cgan': ['fashion_mnist'], 'dcgan': ['fashion_mnist'], ...}
model = ganzoo.get("dcgan", weights="fashion_mnist")
images = model.generate(64, seed=0)
```
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from typing import Any

import numpy as np

from ganzoo._files import atomic_write, sha256

DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretrained")
MANIFEST = "manifest.json"
#: Attributes whose networks a weights file may hold, in the order they are stored.
NETWORKS = ("generator", "discriminator", "ema_generator", "q_network", "encoder", "decoder")


def _manifest(directory: str | None = None) -> dict:
    path = os.path.join(directory or DIRECTORY, MANIFEST)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def list_weights(model: str | None = None) -> dict[str, list[str]] | list[str]:
    """Which shipped weights exist.

    Args:
        model: str or None. A registered model name, or None for every model.

    Returns:
        For one model, the sorted list of its weights names (empty when none ship);
        otherwise a dict from model name to that list, for models that have weights.

    Example:
    ```python
    import ganzoo
    ganzoo.list_weights()          # {'dcgan': ['fashion_mnist'], ...}
    ganzoo.list_weights("dcgan")   # ['fashion_mnist']
    ```
    """
    manifest = _manifest()
    if model is not None:
        from ganzoo.registry import spec

        spec(model)  # unknown names get the registry's error
        return sorted(manifest.get(model, {}))
    return {name: sorted(entries) for name, entries in sorted(manifest.items())}


def entry(model: str, weights: str) -> dict:
    """The manifest entry of `weights` for `model`; `ValueError` names what exists."""
    if not isinstance(weights, str):
        raise ValueError(f"weights must be a name such as 'fashion_mnist', or None for random initial weights. "
                         f"Received: weights={weights!r}")
    available = _manifest().get(model, {})
    if weights not in available:
        everything = ", ".join(f"{m}: {', '.join(sorted(w))}" for m, w in sorted(_manifest().items())) or "none"
        here = ", ".join(repr(w) for w in sorted(available)) or "none"
        raise ValueError(
            f"No weights {weights!r} ship for model {model!r} (for {model!r}: {here}; all shipped weights: "
            f"{everything}). Use weights=None for random initial weights. Received: weights={weights!r}"
        )
    return available[weights]


def _read_verified(path: str, expected: str) -> dict[str, np.ndarray]:
    if not os.path.exists(path):
        raise ValueError(f"The shipped weights file {path} is missing from the installed package; reinstall ganzoo.")
    with open(path, "rb") as f:
        data = f.read()
    found = hashlib.sha256(data).hexdigest()
    if found != expected:
        raise ValueError(
            f"The weights file {path} is damaged or was changed: its SHA-256 is {found}, the manifest "
            f"records {expected}. Reinstall ganzoo (pip install --force-reinstall keras-ganzoo) or restore the file."
        )
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return {key: arrays[key] for key in arrays.files}


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def constructor_arguments(model_name: str, weights: str, given: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments for `get(model_name, weights=weights, **given)`.

    The weights' recorded arguments, overridden by the user's. Arguments that
    change a network's shape (`image_shape`, `latent_dim`, `num_classes`, ...)
    are checked when the weights load.
    """
    recorded = dict(entry(model_name, weights)["constructor"])
    return {**recorded, **given}


def _mismatch_error(model_name, weights, record, given, detail):
    recorded = record["constructor"]
    differing = {k: v for k, v in given.items() if k in recorded and _jsonable(v) != recorded[k]}
    asked = ", ".join(f"{k}={v!r}" for k, v in differing.items()) or "no argument that differs"
    trained = ", ".join(f"{k}={recorded[k]!r}" for k in differing) or \
        ", ".join(f"{k}={v!r}" for k, v in recorded.items() if k not in ("name", "trainable", "seed"))
    return ValueError(
        f"The {weights!r} weights of {model_name!r} do not fit the model that was asked for ({detail}). "
        f"They were trained with {trained}; received {asked}. Leave those arguments out to use the weights, "
        f"or pass weights=None for a freshly initialised model."
    )


def load_into(model, model_name: str, weights: str, given: dict[str, Any] | None = None) -> None:
    """Load the shipped `weights` of `model_name` into a model built for them."""
    record = entry(model_name, weights)
    arrays = _read_verified(os.path.join(DIRECTORY, record["file"]), record["sha256"])
    given = given or {}
    stored = record["networks"]
    sources = {network: network for network in stored}  # model attribute -> stored network
    if "generator" not in stored and "ema_generator" in stored:
        sources = {"generator": "ema_generator", **sources}  # only the average was stored
    present = {}
    for network, source in sources.items():
        target = getattr(model, network, None) if network in NETWORKS else None
        if network == "ema_generator" and target is None:
            continue  # built with ema=None: sample from the trained generator itself
        if target is None:
            raise _mismatch_error(model_name, weights, record, given, f"it has no {network}")
        values = [arrays[f"{source}/{i:03d}"] for i in range(stored[source])]
        if len(values) != len(target.weights) or any(
                tuple(v.shape) != tuple(w.shape) for v, w in zip(values, target.weights)):
            shapes = [tuple(w.shape) for w in target.weights]
            raise _mismatch_error(model_name, weights, record, given,
                                  f"its {network} has {len(shapes)} weights of other shapes than the "
                                  f"{len(values)} stored")
        present[network] = (target, values)
    for target, values in present.values():
        for variable, value in zip(target.weights, values):
            variable.assign(value.astype(variable.dtype))
    ema = getattr(model, "ema_generator", None)
    if ema is not None and "ema_generator" in present:
        # Continue the average past its warm-up, at the run's step when recorded.
        if "step" in record:
            model.ema_step.assign(int(record["step"]))
        else:
            model.restore_missing_state()
    if ema is not None and "ema_generator" not in present:
        from keras import ops

        # Through NumPy: on JAX an assigned variable would share the other's buffer.
        for target, source in zip(ema.weights, model.generator.weights):
            target.assign(ops.convert_to_numpy(source))


def write(model, model_name: str, weights: str, info: dict, directory: str | None = None,
          dtype: str = "float16") -> dict:
    """Store `model`'s networks as shipped weights and record them in the manifest.

    Used by `scripts/train_reference.py`; `info` (recipe, training time, measured
    numbers) is kept in the manifest entry. Returns the entry.
    """
    from keras import ops

    directory = directory or DIRECTORY
    arrays, counts = {}, {}
    averaged = getattr(model, "ema_generator", None) is not None
    for network in NETWORKS:
        target = getattr(model, network, None)
        if target is None or (network == "generator" and averaged):
            continue  # with an EMA, only the averaged generator is stored
        counts[network] = len(target.weights)
        for i, variable in enumerate(target.weights):
            value = ops.convert_to_numpy(variable)
            arrays[f"{network}/{i:03d}"] = value.astype(dtype) if value.dtype.kind == "f" else value
    os.makedirs(directory, exist_ok=True)
    filename = f"{model_name}-{weights}.npz"
    path = os.path.join(directory, filename)

    def save(tmp):
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)

    atomic_write(path, save)
    config = {k: v for k, v in model.get_config().items() if k not in ("name", "trainable")}
    record = {"file": filename, "sha256": sha256(path), "dtype": dtype, "bytes": os.path.getsize(path),
              "networks": counts, "constructor": _jsonable(config), **info}
    manifest = _manifest(directory)
    manifest.setdefault(model_name, {})[weights] = record

    def save_manifest(tmp):
        with open(tmp, "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
            f.write("\n")

    atomic_write(os.path.join(directory, MANIFEST), save_manifest)
    return record
