"""Feature networks for FID / KID / IS: `feature_extractor(name, weights=None)`.

Each extractor maps NHWC images (any size, 1 or 3 channels, float in [-1, 1] or uint8 in
[0, 255]) to features `(N, D)` and, with a classifier head, class probabilities `(N, K)`.
Images are converted to float32 [-1, 1], resized on the host to the network's input size
when it differs (bilinear, half-pixel centres, no antialiasing: exactly
`torch.nn.functional.interpolate(mode="bilinear", align_corners=False)`, pytorch-fid's
resize, and the same on every backend), and grey images are tiled to 3 channels where
the network needs RGB (RGB becomes BT.601 luma for a grey network).

Available:
- `"inception_fid"`: a Keras port of the network behind published FIDs (TF's
  "2015-12-05" Inception graph as ported by pytorch-fid, see `ganzoo.metrics.inception`),
  2048-d pool_3 features, 1008-way head. Loads pytorch-fid's
  `pt_inception-2015-12-05-6726825d.pth` (downloaded with a hash check on first use, or a
  local path) without torch, and caches the converted Keras weights. Comparable with
  published FIDs when those standard weights are used (`comparable_with_papers`).
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

from ganzoo.backend import inference_function
from ganzoo.metrics.classifier import build_classifier, features_model

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
FID_WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{FID_WEIGHTS_FILE}"
# torch.hub's convention: the file name carries the first 8 hex digits of its SHA-256.
FID_WEIGHTS_SHA256_PREFIX = "6726825d"


def cache_dir() -> str:
    """Where downloaded and converted weights live: `$GANZOO_CACHE` or `~/.keras/ganzoo`."""
    path = os.environ.get("GANZOO_CACHE") or os.path.join(os.path.expanduser("~"), ".keras", "ganzoo")
    os.makedirs(path, exist_ok=True)
    return path


def resize_matrix(in_size: int, out_size: int) -> np.ndarray:
    """`(out_size, in_size)` weights of 1-D bilinear resizing with half-pixel centres.

    Output pixel `i` samples the input at `(i + 0.5) * in_size / out_size - 0.5`, clamped
    at 0, and mixes its two neighbours; no antialiasing when shrinking. This is
    `F.interpolate(mode="bilinear", align_corners=False)` (pytorch-fid's resize). The
    coordinate is computed as torch's x86 CPU kernel does: a float32 scale, then
    `scale * (i + 0.5) - 0.5` with one rounding (a fused multiply-add), then float32
    weights; on this project's machines the matrix equals torch's bit for bit
    (tests/test_metrics_inception.py).
    """
    scale = np.float32(in_size) / np.float32(out_size)
    centres = np.arange(out_size, dtype=np.float32) + np.float32(0.5)
    # float32 x float32 is exact in float64, so this rounds once, like an FMA.
    source = (np.float64(scale) * centres.astype(np.float64) - 0.5).astype(np.float32)
    source = np.maximum(source, np.float32(0.0))
    low = np.minimum(np.floor(source).astype(int), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    frac = source - low.astype(np.float32)
    matrix = np.zeros((out_size, in_size), dtype=np.float32)
    np.add.at(matrix, (np.arange(out_size), low), np.float32(1.0) - frac)
    np.add.at(matrix, (np.arange(out_size), high), frac)
    return matrix


def resize_bilinear(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize float NHWC images as `F.interpolate(bilinear, align_corners=False)` does.

    Two small matrix products on the host, so every Keras backend sees the same input.
    """
    height, width = images.shape[1:3]
    if (height, width) == tuple(size):
        return images
    rows, cols = resize_matrix(height, size[0]), resize_matrix(width, size[1])
    return np.einsum("oh,nhwc,pw->nopc", rows, images, cols, optimize=True).astype("float32")


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
        logit_offset: array or None. Subtracted from the logits before the softmax of
            `probabilities` (the FID Inception's fc bias: the Inception Score uses
            `pool @ W` without the bias). Defaults to `None`.
    """

    def __init__(self, name, model, input_shape, head="logits", weights="", comparable_with_papers=False,
                 batch_size=100, logit_offset=None):
        self.name = name
        self.model = model
        self.input_shape = tuple(input_shape)
        self.head = head
        self.weights = weights
        self.comparable_with_papers = comparable_with_papers
        self.batch_size = batch_size
        self.logit_offset = None if logit_offset is None else np.asarray(logit_offset, "float64")
        self.feature_dim = int(model.outputs[0].shape[-1])
        self.num_classes = int(model.outputs[1].shape[-1])
        # Gradient-free and compiled as Keras compiles predict (jax.jit over the
        # weights' values, tf.function, torch.no_grad), without predict_on_batch's
        # per-call state bookkeeping; traced once per batch shape.
        self._forward = inference_function(
            lambda x: model(x, training=False), model.variables, jit_compile=model.jit_compile
        )

    @property
    def preprocessing(self) -> str:
        h, w, c = self.input_shape
        return (f"uint8/127.5-1 or float in [-1,1]; bilinear resize (align_corners=False, no antialias) to "
                f"{h}x{w} when the size differs; {'grey tiled to 3 channels' if c == 3 else 'RGB to BT.601 luma'}"
                + ("; probabilities from logits without the fc bias" if self.logit_offset is not None else ""))

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
        if x.shape[-1] == 3 and c == 1:
            # ITU-R BT.601 luma, as PIL's convert("L").
            x = np.tensordot(x, np.array([0.299, 0.587, 0.114], "float32"), axes=([3], [0]))[..., None]
        x = resize_bilinear(x, (h, w))
        if x.shape[-1] == 1 and c == 3:
            x = np.repeat(x, 3, axis=-1)
        return x

    def raw_outputs(self, images):
        """`(features (N, D) float32, head (N, K) float64)`: the network's two outputs as
        they are (logits including any bias, or probabilities), in batches."""
        images = np.asarray(images)
        feats, heads = [], []
        for start in range(0, len(images), self.batch_size):
            x = self.prepare(images[start:start + self.batch_size])
            f, head = self._forward(x)
            feats.append(np.asarray(keras.ops.convert_to_numpy(f), dtype="float32"))
            heads.append(np.asarray(keras.ops.convert_to_numpy(head), dtype="float64"))
        if not feats:
            return np.zeros((0, self.feature_dim), "float32"), np.zeros((0, self.num_classes))
        return np.concatenate(feats), np.concatenate(heads)

    def outputs(self, images):
        """`(features (N, D) float32, probabilities (N, K) float64)`, in batches."""
        feats, head = self.raw_outputs(images)
        if self.head == "logits":
            if self.logit_offset is not None:
                head = head - self.logit_offset
            head = np.exp(head - head.max(axis=1, keepdims=True))
            head /= head.sum(axis=1, keepdims=True)
        return feats, head

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


def fid_weights_path() -> str:
    """pytorch-fid's standard weight file: from the cache, else downloaded there.

    `inception_fid` checks its hash. Raises `ValueError` when offline (or when the
    download failed), saying where to put the file.
    """
    target = os.path.join(cache_dir(), FID_WEIGHTS_FILE)
    if not os.path.exists(target):
        try:
            keras.utils.get_file(FID_WEIGHTS_FILE, FID_WEIGHTS_URL, cache_dir=cache_dir(), cache_subdir=".")
        except Exception as error:  # offline, proxy, HTTP error: say how to supply the file instead
            raise ValueError(
                f"Could not download the FID Inception weights ({type(error).__name__}: {error}). Download "
                f"{FID_WEIGHTS_URL} on a machine that is online and copy it to {target}, or pass "
                f"weights='/path/to/{FID_WEIGHTS_FILE}'. Received: weights=None"
            ) from None
    return target


def inception_fid(weights: str | None = None, batch_size: int = 50):
    """The Inception network behind published FIDs, ported to Keras.

    TF's "2015-12-05" Inception graph as ported by pytorch-fid (`FIDInceptionA/C/E`
    blocks, 1008-way fc; see `ganzoo.metrics.inception`): 2048-d pool_3 features for
    FID/KID, and for the Inception Score the softmax of `pool @ W` *without* the fc
    bias, as the original IS code and torch-fidelity compute it. Images are resized to
    299x299 exactly as pytorch-fid does. On all three backends the port matches
    pytorch-fid's module given the same `.pth` file (`make reference`).

    FIDs are comparable with published ones (`comparable_with_papers=True`) only with
    pytorch-fid's standard weights, whose SHA-256 is checked; any other file is
    labelled not comparable.

    Args:
        weights: str or None. `None`: pytorch-fid's `pt_inception-2015-12-05-6726825d.pth`
            from `cache_dir()`, downloaded there on first use when online. A `.pth`
            path: a pytorch-fid state dict, read without torch, converted once and cached
            as `fid_inception_<sha256>.weights.h5` in `cache_dir()`. A `.weights.h5`
            path: weights already converted. `"random"`: Keras' random initialisation
            (timing and tests only). Defaults to `None`.
        batch_size: int. Images per forward pass. Defaults to `50`.
    """
    from ganzoo._files import atomic_write, sha256
    from ganzoo.metrics import inception
    from ganzoo.metrics.torch_weights import load_torch_state_dict

    path = digest = None
    if weights != "random":
        path = fid_weights_path() if weights is None else os.fspath(weights)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"FID Inception weight file not found: {path}. Pass pytorch-fid's {FID_WEIGHTS_FILE} (or a "
                f"converted .weights.h5), or weights=None to download it. Received: weights={weights!r}"
            )
        digest = sha256(path)
        if weights is None and not digest.startswith(FID_WEIGHTS_SHA256_PREFIX):
            raise ValueError(
                f"{path} is not pytorch-fid's weight file: its SHA-256 starts {digest[:8]}, expected "
                f"{FID_WEIGHTS_SHA256_PREFIX} (an interrupted or corrupted download?). Delete it and try again."
            )
    parts = inception.build_fid_inception()
    model, _, fc = parts
    comparable = False  # random weights, or converted ones whose source we cannot tell
    if path is None:
        label = "random"
    else:
        if not path.endswith(".weights.h5"):
            converted = os.path.join(cache_dir(), f"fid_inception_{digest[:16]}.weights.h5")
            if os.path.exists(converted):
                model.load_weights(converted)
            else:
                inception.load_state_dict(parts, load_torch_state_dict(path))
                # Through a temporary file: a killed conversion leaves no broken cache.
                atomic_write(converted, model.save_weights)
            comparable = digest.startswith(FID_WEIGHTS_SHA256_PREFIX)
        else:
            model.load_weights(path)
        label = FID_WEIGHTS_FILE if comparable else f"{os.path.basename(path)} (sha256 {digest[:12]})"
    return FeatureExtractor(
        "inception_fid", model, (inception.INPUT_SIZE, inception.INPUT_SIZE, 3), head="logits",
        weights=label, comparable_with_papers=comparable, batch_size=batch_size,
        logit_offset=keras.ops.convert_to_numpy(fc.bias),
    )


EXTRACTORS = {
    "fashion_mnist": lambda weights=None, **kw: domain_classifier("fashion_mnist", weights, **kw),
    "digits": lambda weights=None, **kw: domain_classifier("digits", weights, **kw),
    "inception_fid": lambda weights=None, **kw: inception_fid(weights, **kw),
    "inception_imagenet": lambda weights="imagenet", **kw: inception_imagenet(weights, **kw),
}
_CACHE = {}


def feature_extractor(name="fashion_mnist", weights=None, **kwargs) -> FeatureExtractor:
    """Get a feature network by name (cached per process for default arguments).

    Args:
        name: str or FeatureExtractor. `"fashion_mnist"`, `"digits"` (weights trained
            by the script), `"inception_fid"` (the network of published FIDs; needs
            pytorch-fid's weight file) or `"inception_imagenet"` (NOT comparable with
            published FIDs). A `FeatureExtractor` is returned as is. Defaults to
            `"fashion_mnist"`.
        weights: str. Override the weights (a file path; for `inception_fid` a `.pth`
            state dict or converted `.weights.h5`; for `inception_imagenet` also
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
