"""ganzoo: a zoo of GANs and a VAE baseline in Keras 3, for TensorFlow, JAX and PyTorch.

```python
import ganzoo
ganzoo.list_models()
model = ganzoo.get("dcgan")
model.fit(images, epochs=5, batch_size=64)   # images: float32 in [-1, 1], NHWC
```
"""

from ganzoo import data, evaluation, losses, metrics, models
from ganzoo.evaluation import evaluate
from ganzoo.registry import get, list_models, register

__version__ = "0.1.0"

__all__ = ["data", "evaluate", "evaluation", "get", "list_models", "losses", "metrics", "models", "register", "__version__"]
