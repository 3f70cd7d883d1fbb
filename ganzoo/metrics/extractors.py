"""Feature networks for FID / KID / IS: `feature_extractor(name, weights=None)`.

Each extractor maps NHWC images (any size, 1 or 3 channels, float in [-1, 1] or uint8 in
[0, 255]) to features `(N, D)` and, with a classifier head, class probabilities `(N, K)`.
Images are converted to float32 [-1, 1], resized with `keras.ops.image.resize`
(bilinear, no antialiasing) to the network's input size when it differs, and grey images
are tiled to 3 channels where the network needs RGB (RGB is averaged to grey for a grey
network).

Available:
- `"fashion_mnist"` (and any ganzoo.data set with trained weights): the small domain CNN
  of `ganzoo.metrics.classifier`, 128-d penultimate features, 10-way head. Trained by
  `scripts/train_domain_classifier.py`; weights shipped in `ganzoo/metrics/weights/`.
  Gives offline, meaningful FID/KID/IS for 28x28 data; values are specific to ganzoo.
- `"inception_imagenet"`: `keras.applications.InceptionV3` with Keras' ImageNet weights,
  2048-d pool features, 1000-way head. NOT the graph behind published FIDs (that is the
  TF "2015-12-05" Inception with a 1008-way head): FIDs from it are NOT comparable with
  papers.
"""

from __future__ import annotations

import json
import os

import keras
import numpy as np

from ganzoo.metrics.classifier import build_classifier, features_model

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")


def to_model_range(images) -> np.ndarray:
    """uint8 [0, 255] or float [-1, 1] NHWC images to float32 [-1, 1]."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"images must be NHWC with 1 or 3 channels (or NHW grey). Received: images.shape={images.shape}"
        )
    if images.dtype == np.uint8:
        return images.astype("float32") / 127.5 - 1.0
    images = images.astype("float32")
    if images.size and (images.min() < -1.01 or images.max() > 1.01):
        raise ValueError(
            "Float images must be in [-1, 1] (ganzoo's range); pass uint8 for [0, 255]. "
            f"Received: images in [{images.min():.3g}, {images.max():.3g}]"
        )
    return images


class FeatureExtractor:
    """A feature network with its preprocessing: images -> features (and probabilities).

    Args:
        name: str. Extractor name (recorded in statistics files and results).
        model: keras.Model. Maps float32 [-1, 1] images of `input_shape` to
            `[features, logits_or_probs]`.
        input_shape: tuple. `(H, W, C)` the network expects.
        head: str. `"logits"` or `"probabilities"`: what the model's second output is.
        weights: str. Description of the weights (file name or "imagenet").
        comparable_with_papers: bool. Whether FIDs from it match published numbers.
        batch_size: int. Images per forward pass. Defaults to `100`.
    """

    def __init__(self, name, model, input_shape, head="logits", weights="", comparable_with_papers=False,
                 batch_size=100):
        self.name = name
        self.model = model
        self.input_shape = tuple(input_shape)
        self.head = head
        self.weights = weights
        self.comparable_with_papers = comparable_with_papers
        self.batch_size = batch_size
        self.feature_dim = int(model.outputs[0].shape[-1])
        self.num_classes = int(model.outputs[1].shape[-1])

    @property
    def preprocessing(self) -> str:
        h, w, c = self.input_shape
        return (f"uint8/127.5-1 or float in [-1,1]; keras.ops.image.resize bilinear (antialias=False) to "
                f"{h}x{w} when the size differs; {'grey tiled to 3 channels' if c == 3 else 'RGB averaged to grey'}")

    def describe(self) -> dict:
        """What produced the features: recorded in statistics files and evaluation results."""
        return {
            "extractor": self.name,
            "weights": self.weights,
            "feature_dim": self.feature_dim,
            "preprocessing": self.preprocessing,
            "comparable_with_papers": self.comparable_with_papers,
        }

    def prepare(self, images) -> np.ndarray:
        """Images to the network's float32 input: range, channels, size."""
        x = to_model_range(images)
        h, w, c = self.input_shape
        if x.shape[-1] != c:
            x = np.repeat(x, c, axis=-1) if x.shape[-1] == 1 else x.mean(axis=-1, keepdims=True)
        if x.shape[1:3] != (h, w):
            x = keras.ops.convert_to_numpy(
                keras.ops.image.resize(x, (h, w), interpolation="bilinear", antialias=False)
            ).astype("float32")
        return x

    def outputs(self, images):
        """`(features (N, D), probabilities (N, K))` as float32 numpy, in batches."""
        images = np.asarray(images)
        feats, probs = [], []
        for start in range(0, len(images), self.batch_size):
            x = self.prepare(images[start:start + self.batch_size])
            f, head = self.model.predict_on_batch(x)
            f = np.asarray(keras.ops.convert_to_numpy(f), dtype="float32")
            head = np.asarray(keras.ops.convert_to_numpy(head), dtype="float64")
            if self.head == "logits":
                head = np.exp(head - head.max(axis=1, keepdims=True))
                head /= head.sum(axis=1, keepdims=True)
            feats.append(f)
            probs.append(head)
        if not feats:
            return np.zeros((0, self.feature_dim), "float32"), np.zeros((0, self.num_classes))
        return np.concatenate(feats), np.concatenate(probs)

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features, float32 `(N, D)`."""
        return self.outputs(images)[0]

    def probabilities(self, images) -> np.ndarray:
        """Class probabilities from the head, float64 `(N, K)` (rows sum to 1)."""
        return self.outputs(images)[1]

    def __repr__(self):
        return f"<FeatureExtractor {self.name} D={self.feature_dim} K={self.num_classes} weights={self.weights}>"


def domain_classifier(dataset: str = "fashion_mnist", weights: str | None = None, batch_size: int = 500):
    """The shipped small CNN for a ganzoo data set (see `scripts/train_domain_classifier.py`).

    Args:
        dataset: str. Data set whose classifier to load. Defaults to `"fashion_mnist"`.
        weights: str. Path to a `.weights.h5` file; its `.json` sidecar (same stem) gives
            the architecture. Defaults to the packaged `weights/<dataset>.weights.h5`.
        batch_size: int. Images per forward pass. Defaults to `500`.
    """
    path = weights or os.path.join(WEIGHTS_DIR, f"{dataset}.weights.h5")
    meta_path = path[: -len(".weights.h5")] + ".json" if path.endswith(".weights.h5") else path + ".json"
    if not os.path.exists(path) or not os.path.exists(meta_path):
        raise FileNotFoundError(
            f"No domain-classifier weights for {dataset!r} ({path} and {meta_path}). Train them with "
            f"`python scripts/train_domain_classifier.py --dataset {dataset}`, or pass weights=PATH."
        )
    with open(meta_path) as f:
        meta = json.load(f)
    classifier = build_classifier(
        tuple(meta["image_shape"]), meta["num_classes"], feature_dim=meta["feature_dim"],
        filters=tuple(meta["filters"]),
    )
    classifier.load_weights(path)
    extractor = FeatureExtractor(
        meta["dataset"], features_model(classifier), meta["image_shape"], head="logits",
        weights=os.path.basename(path), comparable_with_papers=False, batch_size=batch_size,
    )
    extractor.metadata = meta
    return extractor


def inception_imagenet(weights: str | None = "imagenet", batch_size: int = 50):
    """Keras' ImageNet InceptionV3: 2048-d avg-pool features, 1000-way softmax head.

    NOT comparable with published FIDs: published FIDs use the TF "2015-12-05" Inception
    graph (1008-way head, different weights); these are Keras' ImageNet weights. Use it
    for relative comparisons between your own models only. `weights="imagenet"` needs a
    download (or Keras' cache); `weights=None` gives random weights (tests).

    Args:
        weights: str or None. `"imagenet"`, a weights file path, or `"random"`/None
            (random initialisation). Defaults to `"imagenet"`.
        batch_size: int. Images per forward pass. Defaults to `50`.
    """
    if weights == "random":
        weights = None
    net = keras.applications.InceptionV3(include_top=True, weights=weights)
    # Keras' InceptionV3 preprocessing ("tf" mode) maps [0, 255] to [-1, 1]: our range as is.
    model = keras.Model(net.inputs[0], [net.get_layer("avg_pool").output, net.outputs[0]])
    return FeatureExtractor(
        "inception_imagenet", model, (299, 299, 3), head="probabilities",
        weights=str(weights), comparable_with_papers=False, batch_size=batch_size,
    )


EXTRACTORS = {
    "fashion_mnist": lambda weights=None, **kw: domain_classifier("fashion_mnist", weights, **kw),
    "digits": lambda weights=None, **kw: domain_classifier("digits", weights, **kw),
    "inception_imagenet": lambda weights="imagenet", **kw: inception_imagenet(weights, **kw),
}
_CACHE = {}


def feature_extractor(name="fashion_mnist", weights=None, **kwargs) -> FeatureExtractor:
    """Get a feature network by name (cached per process for default arguments).

    Args:
        name: str or FeatureExtractor. `"fashion_mnist"`, `"digits"` (weights trained
            by the script), or `"inception_imagenet"` (NOT comparable with published FIDs).
            A `FeatureExtractor` is returned as is. Defaults to `"fashion_mnist"`.
        weights: str. Override the weights (a file path; for `inception_imagenet` also
            `"imagenet"` or `"random"`). Defaults to each extractor's own default.
        **kwargs: passed to the extractor's constructor (e.g. `batch_size`).

    Example:
    ```python
    extractor = ganzoo.metrics.feature_extractor("fashion_mnist")
    images, _ = ganzoo.data.load("fashion_mnist", "test")
    extractor.features(images[:100]).shape  # (100, 128)
    ```
    """
    if isinstance(name, FeatureExtractor):
        return name
    if name not in EXTRACTORS:
        raise ValueError(
            f"Unknown feature extractor {name!r}. Available: {', '.join(EXTRACTORS)}. Received: name={name!r}"
        )
    if weights is None and not kwargs:
        if name not in _CACHE:
            _CACHE[name] = EXTRACTORS[name]()
        return _CACHE[name]
    if weights is None:
        return EXTRACTORS[name](**kwargs)
    return EXTRACTORS[name](weights, **kwargs)
