"""Evaluation entry points: `evaluate`, `evaluate_checkpoint`, `compare_checkpoints`,
`format_table`, and the `MetricMonitor` callback.

Every result records what the number means: `n` (generated samples), `n_real`, the
feature extractor, its preprocessing, the data split, and `comparable_with_papers`
(True only for `inception_fid` with pytorch-fid's standard weights: see
`ganzoo.metrics.extractors`).
"""

from __future__ import annotations

import csv
import io
import warnings

import keras
import numpy as np

from ganzoo.metrics.cas import balanced_labels, classification_accuracy_score
from ganzoo.metrics.distances import precision_recall
from ganzoo.metrics.extractors import feature_extractor
from ganzoo.metrics.streaming import FID, KID, InceptionScore
from ganzoo.models.conditional import is_conditional
from ganzoo.registry import task_of

METRICS = ("fid", "is", "kid", "precision_recall", "cas")
FID_MIN_SAMPLES = 2048


def _check_metrics(metrics):
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"Unknown metric(s) {unknown}. Available: {', '.join(METRICS)}. Received: metrics={metrics}")
    return metrics


def _real_data(dataset, split):
    """`(name, images, labels)` from a data set name or an `(images, labels)` / images array."""
    if isinstance(dataset, str):
        import ganzoo.data

        images, labels = ganzoo.data.load(dataset, split)
        return dataset, images, labels
    if isinstance(dataset, (tuple, list)):
        return "arrays", np.asarray(dataset[0]), np.asarray(dataset[1])
    return "arrays", np.asarray(dataset), None


def generate_samples(model, n: int, seed: int = 0) -> np.ndarray:
    """`n` samples; class-balanced labels for a conditional model (`ganzoo.models.is_conditional`)."""
    if is_conditional(model):
        return np.asarray(model.generate(n, labels=balanced_labels(n, model.num_classes, seed), seed=seed))
    return np.asarray(model.generate(n, seed=seed))


def fid_small_sample_warning(n: int, dim: int = FID_MIN_SAMPLES) -> None:
    """Warn when `n` samples cannot give a full-rank `dim`-dimensional covariance."""
    if n < dim:
        warnings.warn(
            f"FID on {n} < {dim} samples (the features' dimension) is strongly biased upward and not comparable with FIDs at "
            "other sample sizes; compare at equal n or use KID (unbiased) instead.",
            UserWarning,
            stacklevel=3,
        )


def evaluate(
    model,
    dataset="fashion_mnist",
    metrics=("fid", "is", "kid"),
    num_samples: int = 10000,
    extractor="fashion_mnist",
    split: str = "test",
    seed: int = 0,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    is_splits: int = 10,
    cas_epochs: int = 5,
    cache: dict | None = None,
) -> dict:
    """Evaluate a generative model against real data; returns numbers with their provenance.

    `num_samples` images are generated (seeded; class-balanced for conditional models) and
    compared with up to `num_samples` real images of `split` under the feature network
    `extractor`. FID below 2048 samples warns (biased; use KID). With the default
    `fashion_mnist` domain classifier the numbers are ganzoo-specific and NOT comparable
    with published (Inception-graph) FIDs; the result says so in `comparable_with_papers`.

    Args:
        model: a ganzoo model (anything with `generate(n, seed=...)` in [-1, 1]).
        dataset: str, `(images, labels)` or images. A `ganzoo.data` name or real arrays.
            Defaults to `"fashion_mnist"`.
        metrics: tuple of str. Any of `"fid"`, `"is"`, `"kid"`, `"precision_recall"`,
            `"cas"` (conditional models; trains on `split="train"` data as reference).
            Defaults to `("fid", "is", "kid")`.
        num_samples: int. Generated samples (and the cap on real ones). Defaults to `10000`.
        extractor: str or FeatureExtractor. Defaults to `"fashion_mnist"`.
        split: str. Real split to compare with. Defaults to `"test"`.
        seed: int. Sampling and KID subsets. Defaults to `0`.
        kid_subsets: int. Defaults to `100`.
        kid_subset_size: int. Defaults to `1000` (capped at n with a warning).
        is_splits: int. Inception Score splits. Defaults to `10`.
        cas_epochs: int. CAS classifier epochs. Defaults to `5`.
        cache: dict or None. Where the real images' features are kept between calls,
            keyed by what they depend on (data set, split, `num_samples`, `seed`,
            extractor): pass the same dict to several calls (as `compare_checkpoints`
            does) to extract them once. Defaults to None (extract every time).

    Returns:
        dict: the metric values (`fid`, `is`, `is_std`, `kid`, `kid_std` with `kid_units`, `precision`,
        `recall`, `cas`, `cas_real_accuracy`, `cas_ratio` as requested) and `n`, `n_real`,
        `dataset`, `split`, `extractor`, `weights`, `preprocessing`, `seed`,
        `comparable_with_papers`.

    Example:
    ```python
    model = ganzoo.get("dcgan", preset="tiny")
    ganzoo.evaluate(model, "fashion_mnist", metrics=("kid",), num_samples=500)
    ```
    """
    metrics = _check_metrics(metrics)
    if task_of(model) == "translation":
        raise ValueError(
            f"{type(model).__name__} translates images; evaluate() scores samples drawn with generate(n). "
            "Compare its translations with the true target images instead, e.g. the L1 distance "
            "`abs(model.translate(inputs) - targets).mean()`. Received: a translation model"
        )
    if num_samples < 2:
        raise ValueError(f"num_samples must be >= 2. Received: num_samples={num_samples}")
    name, real, labels = _real_data(dataset, split)
    real = real[np.random.default_rng(seed).permutation(len(real))[:num_samples]] if len(real) > num_samples \
        else real
    ext = feature_extractor(extractor)
    fake = generate_samples(model, num_samples, seed)
    result = {"model": getattr(model, "name", type(model).__name__), "dataset": name, "split": split,
              "n": int(num_samples), "n_real": int(len(real)), "seed": seed, **ext.describe()}
    needs_features = {"fid", "kid", "precision_recall"} & set(metrics)
    # The features are extracted once and fed to each streaming metric.
    if needs_features or "is" in metrics:
        fake_feats, fake_probs = ext.outputs(fake)
    if needs_features:
        key = (name if isinstance(dataset, str) else id(dataset), split, num_samples, seed, id(ext))
        cache = {} if cache is None else cache
        if key not in cache:
            # Holding ext and dataset keeps their ids from being reused while cached.
            cache[key] = (ext.features(real), ext, dataset)
        real_feats = cache[key][0]
    if "fid" in metrics:
        fid_small_sample_warning(min(num_samples, len(real)), real_feats.shape[1])
        fid = FID(ext)
        fid.update_features(real_feats, fake_feats)
        result["fid"] = fid.result()
    if "is" in metrics:
        inception = InceptionScore(ext, splits=min(is_splits, num_samples))
        inception.update_probabilities(fake_probs)
        result["is"], result["is_std"] = inception.result_and_std()
    if "kid" in metrics:
        kid = KID(ext, subsets=kid_subsets, subset_size=kid_subset_size, seed=seed)
        kid.update_features(real_feats, fake_feats)
        result["kid"], result["kid_std"] = kid.result_and_std()
        result["kid_subset_size"] = min(kid_subset_size, len(real_feats), len(fake_feats))
        # KID has no natural scale: say what the number is (papers often print KID x 1000).
        result["kid_units"] = (f"raw squared MMD, kernel (x.y/{real_feats.shape[1]} + 1)^3 on the extractor's "
                               "features; not multiplied by 1000")
    if "precision_recall" in metrics:
        result.update(precision_recall(real_feats, fake_feats, k=3))
    if "cas" in metrics:
        if not isinstance(dataset, str):
            raise ValueError("CAS needs a data set name (it trains on its train split). Received: dataset=arrays")
        test_images, test_labels = _real_data(dataset, split)[1:]
        train_images, train_labels = _real_data(dataset, "train")[1:]
        cas = classification_accuracy_score(
            model, test_images, test_labels, train_images, train_labels,
            num_samples=num_samples, epochs=cas_epochs, seed=seed,
        )
        result.update(cas=cas["cas"], cas_real_accuracy=cas["real_accuracy"], cas_ratio=cas["ratio"])
    return result


def evaluate_checkpoint(path, dataset="fashion_mnist", **kwargs) -> dict:
    """Load a saved `.keras` model and `evaluate` it; the result records `checkpoint`.

    Args:
        path: str. A `.keras` file saved with `model.save`.
        dataset: str. Defaults to `"fashion_mnist"`.
        **kwargs: passed to `evaluate`.
    """
    import ganzoo.models  # noqa: F401  (registers the classes with keras.saving)

    model = keras.saving.load_model(path, compile=False)
    return {"checkpoint": str(path), **evaluate(model, dataset, **kwargs)}


def compare_checkpoints(paths, dataset="fashion_mnist", **kwargs) -> list[dict]:
    """`evaluate_checkpoint` on each path with the same settings (same seed, n, extractor).

    The real images' features are extracted once, for the first checkpoint (`evaluate`'s
    `cache`), and reused for the others.
    """
    cache = kwargs.pop("cache", None)
    cache = {} if cache is None else cache
    return [evaluate_checkpoint(p, dataset, cache=cache, **kwargs) for p in paths]


DEFAULT_COLUMNS = ("checkpoint", "model", "fid", "is", "is_std", "kid", "kid_std", "precision", "recall", "cas",
                   "cas_ratio", "n", "dataset", "split", "extractor")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def format_table(rows, fmt: str = "markdown", columns=None) -> str:
    """Format evaluation results as a Markdown or CSV table.

    Args:
        rows: list of dict. Results of `evaluate` / `compare_checkpoints`.
        fmt: str. `"markdown"` or `"csv"`. Defaults to `"markdown"`.
        columns: tuple of str or None. Columns to show; defaults to the known metric and
            provenance columns present in any row.
    """
    if fmt not in ("markdown", "csv"):
        raise ValueError(f"fmt must be 'markdown' or 'csv'. Received: fmt={fmt!r}")
    rows = list(rows)
    if columns is None:
        columns = [c for c in DEFAULT_COLUMNS if any(c in r for r in rows)]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([_cell(r.get(c)) for c in columns])
        return buffer.getvalue()
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


class MetricMonitor(keras.callbacks.Callback):
    """Compute FID / KID / IS during `fit` every `every` epochs and add them to the logs.

    The numbers come from the streaming metrics of `ganzoo.metrics` (`FID`, `KID`,
    `InceptionScore`), as in `ganzoo.evaluate`.

    Real features are extracted once (at the first evaluation); each evaluation draws
    `num_samples` images with a fixed seed, so successive values differ only through the
    model. Epochs in between have no entry, so `history.history["fid"]` has one value per
    evaluation.

    Args:
        real_images: array (N, H, W, C). Real images in [-1, 1] (or uint8).
        every: int. Evaluate every `every` epochs (and never between). Defaults to `1`.
        metrics: tuple of str. From `"fid"`, `"kid"`, `"is"`. Defaults to `("fid", "kid")`.
        num_samples: int. Generated samples per evaluation. Defaults to `1000`.
        extractor: str or FeatureExtractor. Defaults to `"fashion_mnist"`.
        seed: int. Defaults to `0`.
        kid_subsets: int. Defaults to `20`.
        kid_subset_size: int. Defaults to `500`.

    Example:
    ```python
    x, _ = ganzoo.data.load("fashion_mnist")
    model = ganzoo.get("dcgan")
    monitor = ganzoo.evaluation.MetricMonitor(x[:2000], every=1, num_samples=500)
    history = model.fit(x, epochs=2, batch_size=64, callbacks=[monitor])
    history.history["fid"]
    ```
    """

    def __init__(self, real_images, every=1, metrics=("fid", "kid"), num_samples=1000, extractor="fashion_mnist",
                 seed=0, kid_subsets=20, kid_subset_size=500):
        super().__init__()
        metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
        unknown = [m for m in metrics if m not in ("fid", "kid", "is")]
        if unknown:
            raise ValueError(f"MetricMonitor supports fid, kid, is. Received: metrics={metrics}")
        if every < 1:
            raise ValueError(f"every must be >= 1. Received: every={every}")
        self.real_images = real_images
        self.every = every
        self.metrics_to_log = metrics
        self.num_samples = num_samples
        self.extractor = feature_extractor(extractor)
        self.seed = seed
        self.kid_subsets = kid_subsets
        self.kid_subset_size = kid_subset_size
        self._real_feats = None

    def compute(self) -> dict:
        if self._real_feats is None:
            self._real_feats = self.extractor.features(self.real_images)
        fake_feats, fake_probs = self.extractor.outputs(generate_samples(self.model, self.num_samples, self.seed))
        values = {}
        if "fid" in self.metrics_to_log:
            fid = FID(self.extractor)
            fid.update_features(self._real_feats, fake_feats)
            values["fid"] = fid.result()
        if "kid" in self.metrics_to_log:
            size = min(self.kid_subset_size, len(self._real_feats), len(fake_feats))
            kid = KID(self.extractor, subsets=self.kid_subsets, subset_size=size, seed=self.seed,
                      real_features=self._real_feats)
            kid.update_features(generated=fake_feats)
            values["kid"] = kid.result()
        if "is" in self.metrics_to_log:
            inception = InceptionScore(self.extractor, splits=min(10, len(fake_probs)))
            inception.update_probabilities(fake_probs)
            values["is"] = inception.result()
        return values

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        if logs is not None:
            logs.update(self.compute())
