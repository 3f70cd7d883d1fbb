"""What a saved model carries beyond Keras' own weights: seed state and optimizers.

Keras saves a layer's trainable and non-trainable variables, not the state of
its `SeedGenerator`s: a reloaded model would draw its noise again from the
start of the stream, and a resumed run would not continue the uninterrupted
one. `SavedState.save_own_variables` stores the state of the model's own
generators (those held in its attributes: the training noise, then the
evaluation noise) after the usual "0", "1", ... keys, as
"seed_generator_<i>_state" in tracking order.

Files of ganzoo 0.1.0 load: they store no seed state, or the state of the
training generator only (the evaluation generator came later); a generator
without a stored state keeps the state it was constructed with. They also lack
the model's own variables added since (the EMA step counter): a model whose
own variables are missing from the file gets `restore_missing_state()`.

On the torch backend `keras.optimizers.Adam()` serializes as a torch-specific
class; `serialize_optimizer` stores the public `keras.optimizers` path, so a
file saved there reloads on TensorFlow and JAX.
"""

from __future__ import annotations

import keras
import numpy as np

SEED_STATE_KEY = "seed_generator_{}_state"


def is_seed_state_key(key: str) -> bool:
    return key.startswith("seed_generator_") and key.endswith("_state")


def seed_state_as(value, dtype) -> np.ndarray:
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


def serialize_optimizer(optimizer: keras.optimizers.Optimizer) -> dict:
    """`keras.optimizers.serialize`, with torch's backend class mapped to the public one."""
    config = keras.optimizers.serialize(optimizer)
    if config.get("module", "").startswith("keras.src.backend."):
        config["module"] = "keras.optimizers"
        config["registered_name"] = None
    return config


class SavedState:
    """Mixin for a `keras.Model`: save and restore its seed state with its weights."""

    def restore_missing_state(self):
        """Called on loading a file that lacks the model's own variables (a 0.1.0 file)."""
        raise ValueError(
            f"{type(self).__name__} '{self.name}' has variables of its own, but the file stores none."
        )

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, generator in enumerate(self._seed_generators):
            store[SEED_STATE_KEY.format(i)] = generator.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        seed_keys = {k for k in keys if is_seed_state_key(k)}
        generators = list(self._seed_generators)
        stored = len(seed_keys)
        if seed_keys != {SEED_STATE_KEY.format(i) for i in range(stored)} or stored > len(generators):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' has {len(generators)} seed generator(s), "
                f"but the file stores the state of {stored}: {sorted(seed_keys)}"
            )
        weights = {k: store[k] for k in keys if k not in seed_keys}
        if not weights and (self._trainable_variables or self._non_trainable_variables):
            self.restore_missing_state()
        else:
            # Layer.load_own_variables checks that the store holds exactly its
            # variables: hand it the store without the seed-state keys.
            super().load_own_variables(weights)
        for i, generator in enumerate(generators[:stored]):
            generator.state.assign(seed_state_as(store[SEED_STATE_KEY.format(i)], generator.state.dtype))
