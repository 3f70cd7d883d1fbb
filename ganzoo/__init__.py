"""ganzoo: a zoo of GANs and a VAE baseline in Keras 3, for TensorFlow, JAX and PyTorch.

```python
import ganzoo
ganzoo.list_models()
model = ganzoo.get("dcgan")
model.fit(images, epochs=5, batch_size=64)   # images: float32 in [-1, 1], NHWC
```
"""

from ganzoo import _cli_backend

_cli_backend.apply()  # `ganzoo train --backend jax`: choose before Keras loads

from ganzoo import data, evaluation, losses, metrics, models, pretrained, recipes  # noqa: E402
from ganzoo.evaluation import evaluate  # noqa: E402
from ganzoo.pretrained import list_weights  # noqa: E402
from ganzoo.registry import get, list_models, register  # noqa: E402

__version__ = "0.1.0"

__all__ = ["data", "evaluate", "evaluation", "get", "list_models", "list_weights", "losses", "metrics", "models",
           "pretrained", "recipes", "register", "__version__"]
