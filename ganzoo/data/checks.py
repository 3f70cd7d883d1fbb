"""Checks of training data, cheap enough to run at the start of every `fit`.

The generators end in `tanh`, so the zoo trains on float images in [-1, 1].
Images in [0, 255] or [0, 1], or integer images, train without an error but
learn a generator whose samples sit near 0; labels that are one-hot, float or
out of range fail deep inside a step, or not at all. These functions say so
before the first step, with the fix.

`fit` checks a *sample*: the first `SAMPLE` images of an array (and their
labels), or the first batch of a `keras.utils.PyDataset` or `tf.data.Dataset`.
Other inputs (Python generators, torch DataLoaders) are not checked, since
peeking at them would consume a batch. The cost is a min and a max over at most
`SAMPLE` images: well under a millisecond for 28x28 images.
"""

from __future__ import annotations

import numpy as np

#: Images (and labels) read from the start of an array by `check_fit_data`.
SAMPLE = 1024
#: Images may leave [-1, 1] by this much (interpolation, augmentation noise).
MARGIN = 0.05

_FIX = "Scale uint8 images with `images / 127.5 - 1` (floats in [0, 1]: `images * 2 - 1`), or load them with `ganzoo.data.load`, which returns float32 in [-1, 1]."


def check_translate_inputs(images, image_shape: tuple, what: str = "images") -> np.ndarray:
    """The images a translation model's `translate` takes, as a float32 array.

    Raises a `ValueError` unless `images` is `(n, *image_shape)` of floats in [-1, 1]
    (`check_images`); `what` names them in the message (e.g. `"input images"`).
    """
    images = np.asarray(images)
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"translate takes {what} of shape (n, {', '.join(map(str, image_shape))}) "
            f"for this model. Received: images.shape={images.shape}"
        )
    check_images(images)
    return images.astype("float32")


def check_images(images) -> None:
    """Raise a `ValueError` unless `images` are float images in [-1, 1].

    Args:
        images: array. `(n, height, width, channels)` images (a sample suffices).

    Raises:
        ValueError: for an integer or boolean dtype, values outside
            [-1 - MARGIN, 1 + MARGIN], or no negative value at all (images in
            [0, 1]). The message names what was found and the fix.
    """
    images = np.asarray(images)
    if images.size == 0:
        return
    kind = images.dtype.kind
    if kind not in "f":
        low, high = (images.min(), images.max()) if kind in "iub" else ("?", "?")
        raise ValueError(
            f"Training images must be floats in [-1, 1] (the range of the generators' tanh), "
            f"but they have dtype {images.dtype} with values in [{low}, {high}]. {_FIX} "
            f"Received: images.dtype={images.dtype}"
        )
    finite = images[np.isfinite(images)]
    if finite.size == 0:
        return  # nothing to judge the range by (DivergenceGuard reports non-finite losses)
    low, high = float(finite.min()), float(finite.max())
    if low < -1 - MARGIN or high > 1 + MARGIN:
        raise ValueError(
            f"Training images must be floats in [-1, 1] (the range of the generators' tanh), "
            f"but they range over [{low:g}, {high:g}]. {_FIX} Received: images in [{low:g}, {high:g}]"
        )
    if low >= 0 and high > 0:
        raise ValueError(
            f"Training images must be floats in [-1, 1] (the range of the generators' tanh), but "
            f"none is negative: they range over [{low:g}, {high:g}], which looks like images in [0, 1]. "
            f"{_FIX} Received: images in [{low:g}, {high:g}]"
        )


def check_labels(labels, num_classes: int) -> None:
    """Raise a `ValueError` unless `labels` are integer class ids in [0, num_classes).

    Args:
        labels: array. `(n,)` (or `(n, 1)`) class ids (a sample suffices).
        num_classes: int. Number of classes of the model.

    Raises:
        ValueError: for one-hot labels, float labels, or ids out of range; the
            message names what was found and the fix.
    """
    labels = np.asarray(labels)
    if labels.size == 0:
        return
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        raise ValueError(
            f"Class labels must be integer ids of shape (n,), but they look one-hot "
            f"(shape {labels.shape} for {num_classes} classes). Pass `labels.argmax(axis=-1)`. "
            f"Received: labels.shape={labels.shape}"
        )
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"Class labels must have shape (n,). Received: labels.shape={labels.shape}")
    if labels.dtype.kind not in "iu":
        raise ValueError(
            f"Class labels must be integers in [0, {num_classes - 1}], but they have dtype "
            f"{labels.dtype}. Pass `labels.astype('int32')` if they hold whole numbers. "
            f"Received: labels.dtype={labels.dtype}"
        )
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(
            f"Class labels must be in [0, {num_classes - 1}] for a model with num_classes={num_classes}, "
            f"but {bad.size} of the {labels.size} checked are not (for example {int(bad[0])}). Build the model with "
            f"num_classes={int(labels.max()) + 1} or fix the labels. Received: labels in "
            f"[{int(labels.min())}, {int(labels.max())}]"
        )


def _numpy(value):
    try:
        return np.asarray(value)
    except (TypeError, RuntimeError):  # e.g. a tensor on an accelerator
        import keras

        return keras.ops.convert_to_numpy(value)


def _first_batch(x, y):
    """(images, labels) to check, or None when `x` cannot be peeked at cheaply."""
    if hasattr(x, "__array__") and hasattr(x, "shape"):  # NumPy, or a backend tensor
        return _numpy(x[:SAMPLE]), None if y is None else _numpy(y[:SAMPLE])
    module = type(x).__module__
    batch = None
    if hasattr(x, "__getitem__") and hasattr(x, "num_batches"):  # keras.utils.PyDataset
        batch = x[0]
    elif module.startswith("tensorflow") and hasattr(x, "take"):  # tf.data.Dataset
        batch = next(iter(x.take(1)), None)
    if batch is None:
        return None
    if isinstance(batch, dict):
        return None
    if not isinstance(batch, (tuple, list)):
        return _numpy(batch), None
    labels = batch[1] if len(batch) > 1 else None
    return _numpy(batch[0]), None if labels is None else _numpy(labels)


def check_fit_data(x, y=None, num_classes: int | None = None) -> None:
    """Check a sample of what `fit(x, y)` will train on (see the module docstring).

    Args:
        x: the `x` given to `fit`: an array, a `PyDataset`, a `tf.data.Dataset`, ...
        y: the `y` given to `fit`, or None.
        num_classes: int or None. The model's number of classes (None: unconditional).

    Raises:
        ValueError: see `check_images` and `check_labels`; also when a
            conditional model gets no labels.
    """
    found = _first_batch(x, y)
    if found is None:
        return
    images, labels = found
    if images is not None:
        check_images(images)
    if num_classes:
        if labels is None and images is not None:
            raise ValueError(
                f"This model is conditional ({num_classes} classes) and trains on (images, labels). "
                f"Pass integer class ids: `model.fit(images, labels, ...)`. Received: y=None"
            )
        if labels is not None:
            check_labels(labels, num_classes)


def check_paired_fit_data(x, y, input_shape: tuple, target_shape: tuple) -> None:
    """Check a sample of what an image-to-image model's `fit(inputs, targets)` trains on.

    Both are images: float in [-1, 1] (`check_images`), of the model's shapes,
    as many targets as inputs.

    Args:
        x: the input images given to `fit` (an array, a `PyDataset`, a `tf.data.Dataset`, ...).
        y: the target images given to `fit`, or None when `x` yields `(inputs, targets)` batches.
        input_shape: tuple. `(height, width, channels)` of one input image.
        target_shape: tuple. `(height, width, channels)` of one target image.

    Raises:
        ValueError: for missing targets, different numbers of inputs and
            targets, shapes other than the model's, or images that are not
            floats in [-1, 1]. The message names what was found and the fix.
    """
    found = _first_batch(x, y)
    if found is None:
        return
    inputs, targets = found
    if targets is None:
        raise ValueError(
            "An image-to-image model trains on pairs: call `model.fit(inputs, targets, ...)` with the target "
            "image of every input image (e.g. `edges, images = ganzoo.data.load('fashion_mnist_edges')`). "
            "Received: y=None"
        )
    for role, images, shape in (("inputs", inputs, input_shape), ("targets", targets, target_shape)):
        if images.ndim != 4 or tuple(images.shape[1:]) != tuple(shape):
            raise ValueError(
                f"The {role} must be images of shape (n, {', '.join(str(d) for d in shape)}) for this model "
                f"(constructor arguments image_shape, input_channels). Build the model for your images' shape "
                f"or resize them. Received: {role}.shape={tuple(images.shape)}"
            )
    if hasattr(x, "__array__") and hasattr(x, "shape") and len(x) != len(y):
        raise ValueError(
            f"fit(inputs, targets) needs one target image per input image, but there are {len(x)} inputs "
            f"and {len(y)} targets. Received: len(inputs)={len(x)}, len(targets)={len(y)}"
        )
    for images in (inputs, targets):
        check_images(images)


def check_unpaired_fit_data(a, b, image_shape: tuple) -> None:
    """Check a sample of what an unpaired translation model's `fit(images_a, images_b)` trains on.

    Both are images of the model's shape, floats in [-1, 1] (`check_images`);
    arrays must hold as many images each, since every example of `fit` is one
    image of each domain (the images need not correspond).

    Args:
        a: the domain-A images given to `fit` (an array, a `PyDataset`, a `tf.data.Dataset`, ...).
        b: the domain-B images, or None when `a` yields `(images_a, images_b)` batches.
        image_shape: tuple. `(height, width, channels)` of one image of either domain.

    Raises:
        ValueError: for a missing domain, different numbers of images, shapes
            other than the model's, or images that are not floats in [-1, 1].
            The message names what was found and the fix.
    """
    found = _first_batch(a, b)
    if found is None:
        return
    images_a, images_b = found
    if images_b is None:
        raise ValueError(
            "An unpaired translation model trains on two sets of images, one per domain: call "
            "`model.fit(images_a, images_b, ...)` or `model.fit((images_a, images_b), ...)` (e.g. "
            "`a, b = ganzoo.data.load('fashion_mnist_pair:7,9')`). Received: y=None"
        )
    for role, images in (("images_a", images_a), ("images_b", images_b)):
        if images.ndim != 4 or tuple(images.shape[1:]) != tuple(image_shape):
            raise ValueError(
                f"The {role} must be images of shape (n, {', '.join(str(d) for d in image_shape)}) for this "
                f"model (constructor argument image_shape). Build the model for your images' shape or resize "
                f"them. Received: {role}.shape={tuple(images.shape)}"
            )
    if hasattr(a, "__array__") and hasattr(a, "shape") and len(a) != len(b):
        n = min(len(a), len(b))
        raise ValueError(
            f"fit(images_a, images_b) draws one image of each domain per example, so both sets need the same "
            f"number of images, but there are {len(a)} and {len(b)}. The images need not correspond: use "
            f"the first {n} of each (`fit(images_a[:{n}], images_b[:{n}])`), or a random subset of the larger "
            f"set. Received: len(images_a)={len(a)}, len(images_b)={len(b)}"
        )
    for images in (images_a, images_b):
        check_images(images)
