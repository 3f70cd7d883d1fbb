"""The small CNN used as a domain feature network and as the Classification Accuracy Score classifier.

Three conv blocks (conv 3x3 -> batch norm -> ReLU -> 2x2 max pool) with 32, 64 and 128
filters, a dense penultimate layer (the features, 128-d by default) and a linear
classifier head. About 240k parameters (under 1 MB of float32 weights), so it is cheap to
ship as package data and to train on a CPU in a few minutes.
"""

from __future__ import annotations

import keras
import numpy as np

from ganzoo import backend
from ganzoo.models.networks import channel_axis, from_channels_last


def build_classifier(
    image_shape=(28, 28, 1),
    num_classes: int = 10,
    feature_dim: int = 128,
    filters=(32, 64, 128),
    dropout: float = 0.3,
    batch_norm_momentum: float = 0.99,
    name: str = "domain_classifier",
) -> keras.Model:
    """Build the small CNN classifier; it outputs logits.

    The penultimate dense layer is named `"features"`: `features_model(model)` exposes it.

    Args:
        image_shape: tuple. NHWC shape of one image (float in [-1, 1]). Defaults to
            `(28, 28, 1)`.
        num_classes: int. Number of classes (logits). Defaults to `10`.
        feature_dim: int. Width of the penultimate feature layer. Defaults to `128`.
        filters: tuple of int. Filters of the conv blocks; each halves the spatial size.
            Defaults to `(32, 64, 128)`.
        dropout: float. Dropout before the head (training only). Defaults to `0.3`.
        batch_norm_momentum: float. Moving-statistics momentum; lower it (e.g. 0.9) when
            training for only a few hundred steps, or inference uses stale statistics.
            Defaults to `0.99`.
        name: str. Model name. Defaults to `"domain_classifier"`.

    Example:
    ```python
    model = build_classifier((28, 28, 1), 10)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```
    """
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2. Received: num_classes={num_classes}")
    if min(image_shape[0], image_shape[1]) < 2 ** len(filters):
        raise ValueError(
            f"Images are too small for {len(filters)} pooling blocks; pass fewer `filters`. "
            f"Received: image_shape={tuple(image_shape)}"
        )
    inputs = keras.Input(tuple(image_shape), name="images")
    # Channels-first inside on PyTorch, with the same weights (ganzoo.backend.DATA_FORMAT).
    data_format = backend.DATA_FORMAT
    x = from_channels_last(inputs)
    for i, width in enumerate(filters):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv{i}", data_format=data_format)(x)
        x = keras.layers.BatchNormalization(axis=channel_axis(), momentum=batch_norm_momentum, name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool{i}", data_format=data_format)(x)
    x = keras.layers.Flatten(name="flatten", data_format=data_format)(x)
    x = keras.layers.Dense(feature_dim, activation="relu", name="features")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    logits = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name=name)


def features_model(classifier: keras.Model) -> keras.Model:
    """A model mapping images to (features, logits) of `build_classifier`'s network."""
    return keras.Model(classifier.inputs[0], [classifier.get_layer("features").output, classifier.outputs[0]])


def train_classifier(
    images: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    epochs: int = 5,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    validation_data=None,
    verbose: int = 0,
    **build_kwargs,
) -> keras.Model:
    """Train `build_classifier` with Adam and cross-entropy from a fixed seed; returns the model.

    Args:
        images: float32 array (N, H, W, C) in [-1, 1].
        labels: int array (N,).
        num_classes: int. Number of classes.
        epochs: int. Passes over the data. Defaults to `5`.
        batch_size: int. Defaults to `128`.
        learning_rate: float. Adam learning rate. Defaults to `1e-3`.
        seed: int. Seeds weight initialisation, dropout and shuffling. Defaults to `0`.
        validation_data: optional `(images, labels)` evaluated after each epoch.
        verbose: int. Keras fit verbosity. Defaults to `0`.
        **build_kwargs: passed to `build_classifier`.
    """
    keras.utils.set_random_seed(seed)
    model = build_classifier(tuple(images.shape[1:]), num_classes, **build_kwargs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        images, labels, batch_size=batch_size, epochs=epochs, shuffle=True,
        validation_data=validation_data, verbose=verbose,
    )
    return model


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray, batch_size: int = 500) -> float:
    """Top-1 accuracy of a logits model on `(images, labels)`."""
    logits = model.predict(images, batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(logits, axis=-1) == np.asarray(labels)))
