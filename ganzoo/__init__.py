"""ganzoo: a zoo of GANs and a VAE baseline in Keras 3, for TensorFlow, JAX and PyTorch.

```python
import ganzoo
ganzoo.list_models()
model = ganzoo.get("dcgan")
model.fit(images, epochs=5, batch_size=64)   # images: float32 in [-1, 1], NHWC
```

`import ganzoo` reads no arguments and sets no environment variable. When
Keras is already imported it registers every model with `keras.saving` at
once (so `import keras, ganzoo` then `keras.saving.load_model(...)` works);
otherwise Keras (with the backend named by `KERAS_BACKEND`) is imported, and
the models registered, at the first use of a name below (`ganzoo.get`,
`ganzoo.data`, ...). So the `ganzoo` command answers `--help` without loading
Keras, and can still choose the backend after `import ganzoo`.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_SUBMODULES = ("callbacks", "data", "evaluation", "losses", "metrics", "models", "pretrained", "recipes",
               "registry", "training")
_FUNCTIONS = {"evaluate": "ganzoo.evaluation", "get": "ganzoo.registry", "list_models": "ganzoo.registry",
              "list_weights": "ganzoo.pretrained", "register": "ganzoo.registry"}

__all__ = ["callbacks", "data", "evaluate", "evaluation", "get", "list_models", "list_weights", "losses", "metrics",
           "models", "pretrained", "recipes", "register", "registry", "training", "__version__"]

if TYPE_CHECKING:  # what static tools (and the docs) see; at run time `__getattr__` below
    from ganzoo import (
        callbacks,
        data,
        evaluation,
        losses,
        metrics,
        models,
        pretrained,
        recipes,
        registry,
        training,
    )
    from ganzoo.evaluation import evaluate
    from ganzoo.pretrained import list_weights
    from ganzoo.registry import get, list_models, register


def __getattr__(name: str):
    if name not in _SUBMODULES and name not in _FUNCTIONS:
        raise AttributeError(f"module 'ganzoo' has no attribute {name!r}")
    importlib.import_module("ganzoo.models")  # registers every variant (imports Keras)
    if name in _SUBMODULES:
        value = importlib.import_module(f"ganzoo.{name}")
    else:
        value = getattr(importlib.import_module(_FUNCTIONS[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


if "keras" in sys.modules:  # the backend is fixed already: nothing to wait for
    importlib.import_module("ganzoo.models")
