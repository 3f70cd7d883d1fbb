"""The one answer to "is this model conditioned on class labels?".

A class-conditional model inherits `Conditional` before its architecture's
class (e.g. `class CGAN(Conditional, DCGAN)`). The mixin is the declaration: it
holds `num_classes`, checks the labels given to `fit` and to
`generate(n, labels=...)`, and hands them to the networks as a second input.
Callers ask `is_conditional(model_or_class)` and then read `model.num_classes`;
nobody inspects signatures or probes attributes.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from ganzoo.data import checks
from ganzoo.models.networks import positive_int


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


class Conditional:
    """Mixin of the class-conditional models: `num_classes`, label checks, `generate(labels=)`.

    Args:
        num_classes: int. Number of classes; labels are integers in
            `[0, num_classes)`. Defaults to 10.
    """

    def __init__(self, num_classes: int = 10, **kwargs):
        self.num_classes = positive_int("num_classes", num_classes)
        super().__init__(**kwargs)

    def condition(self, y):
        """The labels of a training or evaluation batch, as int32 `(batch,)`."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} is conditional: call fit(images, labels) with integer "
                f"labels in [0, {self.num_classes - 1}]."
            )
        return ops.cast(ops.reshape(y, (-1,)), "int32")

    def check_labels(self, labels, n: int) -> np.ndarray:
        """Labels for `n` samples as int32 NumPy; None cycles 0, 1, ..., K-1, 0, ..."""
        return check_labels(labels, n, self.num_classes)

    def generate(self, n: int, labels=None, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """Draw `n` images of the given classes.

        Args:
            n: int. Number of images.
            labels: int, sequence of `n` ints, or None (cycles through the
                classes 0, 1, ..., K-1, 0, ...). Defaults to None.
            seed: int or None. Seeds the noise (NumPy's generator, the same on
                every backend). Defaults to None.
            batch_size: int. Images per network call. Defaults to 256.

        Returns:
            A float32 NumPy array `(n, *image_shape)` in [-1, 1].
        """
        n = positive_int("n", n)
        labels = self.check_labels(labels, n)
        z = self.latent_numpy(n, np.random.default_rng(seed))
        return self._run_generator([z, labels], batch_size)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def is_conditional(model) -> bool:
    """Whether a model (or model class) is conditioned on class labels."""
    cls = model if isinstance(model, type) else type(model)
    return issubclass(cls, Conditional)
