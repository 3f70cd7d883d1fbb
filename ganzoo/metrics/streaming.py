"""Streaming FID, Inception Score and KID: the one path every sample-quality number takes.

`ganzoo.evaluate`, `ganzoo.evaluation.MetricMonitor` and the CLI's `evaluate` /
`compare` compute FID, KID and IS with these classes.

The feature network runs through Keras (any backend); everything after it is accumulated
on the host in float64 NumPy, then reduced by the NumPy functions of
`ganzoo.metrics.distances`. Why not Keras variables (and so not `keras.metrics.Metric`):
metric variables are float32 on JAX (x64 is off by default) and in most mixed setups, and
FID's `sum x x^T` over 10k+ samples loses digits in float32 (the covariance is a
difference of two large numbers). So the accumulators are plain float64 NumPy
attributes, with the `keras.metrics.Metric` interface: `update_state` adds to them
(`update_features` / `update_probabilities` when the features are already computed),
`result` only reads them (calling it twice gives the same number and changes nothing),
`reset_state` empties them. They run eagerly on NumPy arrays and are called from Python,
not passed to `model.compile(metrics=...)`.
"""

from __future__ import annotations

import json

import numpy as np

from ganzoo.metrics.distances import frechet_distance, inception_score, kernel_inception_distance
from ganzoo.metrics.extractors import feature_extractor


class GaussianAccumulator:
    """Running float64 mean/covariance from sums and outer-product sums: memory O(d^2).

    Sums are taken around a shift (the first batch's mean) so the covariance
    `(sum x x^T - n m m^T) / (n - 1)` does not cancel catastrophically for features
    with a large mean.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self.n = 0
        self.shift = None
        self.sum = None
        self.outer = None

    def update(self, feats):
        feats = np.asarray(feats, dtype=np.float64)
        if feats.ndim != 2:
            raise ValueError(f"features must be (N, d). Received: features.shape={feats.shape}")
        if feats.shape[0] == 0:
            return
        if self.shift is None:
            self.shift = feats.mean(axis=0)
            self.sum = np.zeros_like(self.shift)
            self.outer = np.zeros((feats.shape[1], feats.shape[1]))
        centered = feats - self.shift
        self.n += feats.shape[0]
        self.sum += centered.sum(axis=0)
        self.outer += centered.T @ centered

    def statistics(self):
        if self.n < 2:
            raise ValueError(f"Need at least 2 samples for a covariance. Received: n={self.n}")
        mean_c = self.sum / self.n
        sigma = (self.outer - self.n * np.outer(mean_c, mean_c)) / (self.n - 1)
        return self.shift + mean_c, 0.5 * (sigma + sigma.T)


def compute_statistics(images, extractor="fashion_mnist") -> dict:
    """Feature mean and covariance of `images` under `extractor`, with provenance.

    Args:
        images: array (N, H, W, C). uint8 [0, 255] or float [-1, 1].
        extractor: str or FeatureExtractor. Defaults to `"fashion_mnist"`.

    Returns:
        dict with `mu` (d,), `sigma` (d, d) float64, `n`, and the extractor's
        description (`extractor`, `weights`, `feature_dim`, `preprocessing`, ...).

    Example:
    ```python
    images, _ = ganzoo.data.load("fashion_mnist", "test")
    stats = ganzoo.metrics.compute_statistics(images[:1000])
    ganzoo.metrics.save_statistics("fmnist_test.npz", stats)
    ```
    """
    extractor = feature_extractor(extractor)
    acc = GaussianAccumulator()
    images = np.asarray(images)
    step = max(extractor.batch_size, 1000)
    for start in range(0, len(images), step):
        acc.update(extractor.features(images[start:start + step]))
    mu, sigma = acc.statistics()
    return {"mu": mu, "sigma": sigma, "n": acc.n, **extractor.describe()}


def save_statistics(path, stats: dict) -> None:
    """Write statistics to `.npz`: arrays `mu`, `sigma`, `n` and a JSON `description`."""
    description = {k: v for k, v in stats.items() if k not in ("mu", "sigma", "n")}
    np.savez(path, mu=np.asarray(stats["mu"], np.float64), sigma=np.asarray(stats["sigma"], np.float64),
             n=np.int64(stats["n"]), description=np.array(json.dumps(description)))


def load_statistics(path) -> dict:
    """Read a `.npz` written by `save_statistics` back into a dict."""
    with np.load(path, allow_pickle=False) as f:
        missing = {"mu", "sigma", "n"} - set(f.files)
        if missing:
            raise ValueError(f"{path} is not a statistics file (missing {sorted(missing)}). Received: path={path}")
        stats = {"mu": f["mu"], "sigma": f["sigma"], "n": int(f["n"])}
        if "description" in f.files:
            stats.update(json.loads(str(f["description"])))
    return stats


def _check_extractor_matches(stats, extractor):
    for key in ("extractor", "feature_dim", "weights"):
        if key in stats and stats[key] != extractor.describe()[key]:
            raise ValueError(
                f"real_stats were computed with {key}={stats[key]!r} but this metric uses "
                f"{extractor.describe()[key]!r}; recompute them with compute_statistics(images, extractor). "
                f"Received: real_stats[{key!r}]={stats[key]!r}"
            )


class StreamingMetric:
    """Base of the streaming metrics: `update_state` adds, `result` reads, `reset_state` empties.

    Args:
        extractor: str or FeatureExtractor. Feature network.
        name: str. The metric's name.
    """

    def __init__(self, extractor="fashion_mnist", name="metric"):
        self.name = name
        self.extractor = feature_extractor(extractor)

    def __call__(self, *args, **kwargs):
        """`update_state(*args, **kwargs)`, then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError


class FID(StreamingMetric):
    """Streaming Frechet Inception Distance between real and generated images.

    FID = |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^(1/2)) over the extractor's
    features. Only sums and outer-product sums are kept (memory O(d^2), not O(N d)), in
    float64 on the host (see the module docstring). FID is biased: it decreases with the
    number of samples, so always compare at equal n (and report n); below 2048 samples
    prefer KID.

    Reference:
        Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
        Local Nash Equilibrium".

    Args:
        extractor: str or FeatureExtractor. Feature network. Defaults to `"fashion_mnist"`.
        real_stats: dict, path to a `.npz`, or None. Precomputed real statistics
            (`compute_statistics`); then `update_state` needs only generated images.
            Defaults to None.
        name: str. Defaults to `"fid"`.

    Example:
    ```python
    images, _ = ganzoo.data.load("fashion_mnist", "test")
    fid = ganzoo.metrics.FID("fashion_mnist")
    fid.update_state(images[:500], ganzoo.get("dcgan", preset="tiny").generate(500))
    fid.result()
    ```
    """

    def __init__(self, extractor="fashion_mnist", real_stats=None, name="fid"):
        super().__init__(extractor, name)
        if isinstance(real_stats, str) or hasattr(real_stats, "__fspath__"):
            real_stats = load_statistics(real_stats)
        if real_stats is not None:
            _check_extractor_matches(real_stats, self.extractor)
        self.real_stats = real_stats
        self._real = GaussianAccumulator()
        self._fake = GaussianAccumulator()

    def update_state(self, real_images=None, generated_images=None):
        """Add a batch of real and/or generated images (either may be None)."""
        self.update_features(
            None if real_images is None else self.extractor.features(real_images),
            None if generated_images is None else self.extractor.features(generated_images),
        )

    def update_features(self, real=None, generated=None):
        """Add features `(N, d)` of real and/or generated images, already extracted."""
        if real is not None:
            if self.real_stats is not None:
                raise ValueError("This FID was given real_stats; pass only generated_images. "
                                 "Received: real_images with real_stats set")
            self._real.update(real)
        if generated is not None:
            self._fake.update(generated)

    def result(self) -> float:
        if self.real_stats is not None:
            mu_r, sigma_r = self.real_stats["mu"], self.real_stats["sigma"]
        else:
            mu_r, sigma_r = self._real.statistics()
        mu_g, sigma_g = self._fake.statistics()
        return frechet_distance(mu_r, sigma_r, mu_g, sigma_g)

    def reset_state(self):
        self._real.reset()
        self._fake.reset()

    @property
    def num_generated(self) -> int:
        return self._fake.n

    def get_config(self):
        return {"name": self.name, "extractor": self.extractor.name}


class InceptionScore(StreamingMetric):
    """Streaming Inception Score of generated images under the extractor's classifier head.

    Keeps the (N, K) class probabilities (K is 10 or 1000: small), split into `splits`
    chunks at `result()`. `result()` returns the mean over the splits, `std` their
    standard deviation (`result_and_std()` both at once). With the domain classifier
    the maximum is its number of classes (10).

    Reference:
        Salimans et al. 2016, "Improved Techniques for Training GANs".

    Args:
        extractor: str or FeatureExtractor. Defaults to `"fashion_mnist"`.
        splits: int. Chunks (10 by convention). Defaults to `10`.
        name: str. Defaults to `"inception_score"`.
    """

    def __init__(self, extractor="fashion_mnist", splits=10, name="inception_score"):
        super().__init__(extractor, name)
        self.splits = splits
        self._probs = []

    def update_state(self, generated_images):
        self.update_probabilities(self.extractor.probabilities(generated_images))

    def update_probabilities(self, probabilities):
        """Add class probabilities `(N, K)` of generated images, already computed."""
        self._probs.append(np.asarray(probabilities))

    def result_and_std(self) -> tuple[float, float]:
        if not self._probs:
            raise ValueError("InceptionScore.result() before any update_state. Received: no images")
        return inception_score(np.concatenate(self._probs), splits=self.splits)

    def result(self) -> float:
        return self.result_and_std()[0]

    @property
    def std(self) -> float:
        return self.result_and_std()[1]

    def reset_state(self):
        self._probs = []

    def get_config(self):
        return {"name": self.name, "extractor": self.extractor.name, "splits": self.splits}


class KID(StreamingMetric):
    """Streaming Kernel Inception Distance (unbiased MMD^2, cubic polynomial kernel).

    KID needs the features themselves (O(N d) memory, float32 on the host); it is
    unbiased, so it is usable at small n where FID is not. `result()` returns the mean
    over subsets, `std` their standard deviation (`result_and_std()` both at once;
    the subsets are drawn from `seed`, so each call gives the same numbers).

    Reference:
        Binkowski et al. 2018, "Demystifying MMD GANs".

    Args:
        extractor: str or FeatureExtractor. Defaults to `"fashion_mnist"`.
        subsets: int. Random subsets. Defaults to `100`.
        subset_size: int. Samples per subset (capped with a warning). Defaults to `1000`.
        seed: int. Subset draws. Defaults to `0`.
        real_features: array (N, d) or None. Precomputed real features. Defaults to None.
        name: str. Defaults to `"kid"`.
    """

    def __init__(self, extractor="fashion_mnist", subsets=100, subset_size=1000, seed=0, real_features=None,
                 name="kid"):
        super().__init__(extractor, name)
        self.subsets = subsets
        self.subset_size = subset_size
        self.seed = seed
        self.real_features = None if real_features is None else np.asarray(real_features, np.float32)
        self._real, self._fake = [], []

    def update_state(self, real_images=None, generated_images=None):
        """Add a batch of real and/or generated images (either may be None)."""
        self.update_features(
            None if real_images is None else self.extractor.features(real_images),
            None if generated_images is None else self.extractor.features(generated_images),
        )

    def update_features(self, real=None, generated=None):
        """Add features `(N, d)` of real and/or generated images, already extracted."""
        if real is not None:
            if self.real_features is not None:
                raise ValueError("This KID was given real_features; pass only generated_images. "
                                 "Received: real_images with real_features set")
            self._real.append(np.asarray(real, np.float32))
        if generated is not None:
            self._fake.append(np.asarray(generated, np.float32))

    def result_and_std(self) -> tuple[float, float]:
        real = self.real_features if self.real_features is not None else (
            np.concatenate(self._real) if self._real else None)
        if real is None or not self._fake:
            raise ValueError("KID.result() needs real and generated images. Received: an empty set")
        return kernel_inception_distance(real, np.concatenate(self._fake), self.subsets, self.subset_size, self.seed)

    def result(self) -> float:
        return self.result_and_std()[0]

    @property
    def std(self) -> float:
        return self.result_and_std()[1]

    @property
    def num_samples(self) -> tuple[int, int]:
        """`(real, generated)` samples added so far."""
        real = len(self.real_features) if self.real_features is not None else sum(len(f) for f in self._real)
        return real, sum(len(f) for f in self._fake)

    def reset_state(self):
        self._real, self._fake = [], []

    def get_config(self):
        return {"name": self.name, "extractor": self.extractor.name, "subsets": self.subsets,
                "subset_size": self.subset_size, "seed": self.seed}
