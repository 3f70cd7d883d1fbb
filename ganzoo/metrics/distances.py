"""Sample-quality statistics on feature arrays: NumPy in, Python floats out.

These functions are the ground truth the streaming metrics (`ganzoo.metrics.FID`, ...)
and `ganzoo.evaluate` use. They are backend independent and computed in float64.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg


def _as_stats(mu, sigma, name):
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    sigma = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise ValueError(
            f"{name}: mu must be (d,) and sigma (d, d). Received: mu.shape={mu.shape}, sigma.shape={sigma.shape}"
        )
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
        raise ValueError(f"{name}: statistics contain NaN or inf. Received: mu, sigma with non-finite values")
    return mu, sigma


def _psd_sqrt(sigma):
    """Symmetric PSD square root via eigh, clipping round-off negative eigenvalues to 0."""
    eigval, eigvec = linalg.eigh(sigma)
    eigval = np.clip(eigval, 0.0, None)
    return (eigvec * np.sqrt(eigval)) @ eigvec.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet (2-Wasserstein) distance between two Gaussians, in float64.

    d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).

    The trace term is computed as the sum of square roots of the eigenvalues of the
    symmetric PSD matrix M = S1^(1/2) S2 S1^(1/2), which has the same eigenvalues as S1 S2.
    Both square roots come from `scipy.linalg.eigh` (real, symmetric), with round-off
    negative eigenvalues clipped to 0. This is exact for singular covariances (fewer
    samples than dimensions) where pytorch-fid's `sqrtm(S1 @ S2)` needs an epsilon retry,
    never produces complex values, and uses no SciPy argument deprecated in 1.16 (`disp`).

    Reference:
        Dowson & Landau 1982; Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update
        Rule Converge to a Local Nash Equilibrium" (FID).

    Args:
        mu1: array (d,). Mean of the first feature set.
        sigma1: array (d, d). Covariance of the first feature set.
        mu2: array (d,). Mean of the second feature set.
        sigma2: array (d, d). Covariance of the second feature set.

    Returns:
        float. The squared Frechet distance (what papers call FID), >= 0.

    Example:
    ```python
    import numpy as np
    frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))  # 2 + 2 * 1 = 4.0
    ```
    """
    mu1, sigma1 = _as_stats(mu1, sigma1, "first")
    mu2, sigma2 = _as_stats(mu2, sigma2, "second")
    if mu1.shape != mu2.shape:
        raise ValueError(f"Feature dimensions differ. Received: mu1.shape={mu1.shape}, mu2.shape={mu2.shape}")
    sigma1 = 0.5 * (sigma1 + sigma1.T)
    sigma2 = 0.5 * (sigma2 + sigma2.T)
    root1 = _psd_sqrt(sigma1)
    middle = root1 @ sigma2 @ root1
    eig = linalg.eigvalsh(0.5 * (middle + middle.T))
    trace_sqrt = float(np.sum(np.sqrt(np.clip(eig, 0.0, None))))
    diff = mu1 - mu2
    value = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt)
    # Round-off can make identical statistics give -1e-12; the distance is non-negative.
    return max(value, 0.0)


def inception_score(probs, splits: int = 10):
    """Inception Score exp(E_x KL(p(y|x) || p(y))), mean and std over `splits` chunks.

    The samples are split into `splits` consecutive chunks (10 by convention, as in
    Salimans et al. and TTUR); the score is computed per chunk with the chunk's marginal
    p(y), and the mean and (population) standard deviation over chunks are returned.

    Reference:
        Salimans et al. 2016, "Improved Techniques for Training GANs".

    Args:
        probs: array (N, K). Class probabilities per sample (rows sum to 1).
        splits: int. Number of chunks. Defaults to `10`.

    Returns:
        tuple of float `(mean, std)`. Between 1 and K.

    Example:
    ```python
    inception_score(np.eye(10), splits=1)  # (10.0, 0.0)
    ```
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probs must be (N, K). Received: probs.shape={probs.shape}")
    if splits < 1 or splits > probs.shape[0]:
        raise ValueError(
            f"splits must be between 1 and the number of samples ({probs.shape[0]}). Received: splits={splits}"
        )
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probs must be non-negative rows summing to 1 (softmax outputs, not logits). "
                         "Received: probs with invalid rows")
    scores = []
    for chunk in np.array_split(probs, splits):
        marginal = chunk.mean(axis=0, keepdims=True)
        # 0 * log 0 = 0: only terms with p > 0 contribute.
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(chunk > 0, chunk * (np.log(chunk) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _polynomial_mmd2_unbiased(x, y):
    d = x.shape[1]
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    m = x.shape[0]
    n = y.shape[0]
    sum_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    sum_yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return sum_xx + sum_yy - 2.0 * k_xy.mean()


def kernel_inception_distance(feats_a, feats_b, subsets: int = 100, subset_size: int = 1000, seed: int = 0):
    """Kernel Inception Distance: unbiased MMD^2 with the cubic polynomial kernel.

    k(x, y) = (x . y / d + 1)^3. The unbiased estimator is averaged over `subsets` random
    subsets of `subset_size` samples drawn without replacement from each set (100 of
    1000 by convention); returns the mean and standard deviation over subsets. Unlike
    FID it is unbiased, so it is comparable across sample sizes and usable with few
    samples; it can be slightly negative when the sets match.

    Reference:
        Binkowski et al. 2018, "Demystifying MMD GANs".

    Args:
        feats_a: array (N, d). First feature set.
        feats_b: array (M, d). Second feature set.
        subsets: int. Number of random subsets. Defaults to `100`.
        subset_size: int. Samples per subset; capped at min(N, M) with a warning.
            Defaults to `1000`.
        seed: int. Seed of the subset draws. Defaults to `0`.

    Returns:
        tuple of float `(mean, std)`.

    Example:
    ```python
    rng = np.random.default_rng(0)
    kernel_inception_distance(rng.normal(size=(500, 8)), rng.normal(size=(500, 8)), subset_size=200)
    ```
    """
    a = np.asarray(feats_a, dtype=np.float64)
    b = np.asarray(feats_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"Features must be (N, d) and (M, d) with the same d. Received: shapes {a.shape} and {b.shape}"
        )
    if subsets < 1:
        raise ValueError(f"subsets must be >= 1. Received: subsets={subsets}")
    smallest = min(a.shape[0], b.shape[0])
    if smallest < 2:
        raise ValueError(f"KID needs at least 2 samples per set. Received: sizes {a.shape[0]} and {b.shape[0]}")
    if subset_size > smallest:
        warnings.warn(
            f"subset_size={subset_size} exceeds the smaller set ({smallest} samples); using {smallest}. "
            "KID values from different subset sizes have different variances.",
            UserWarning,
            stacklevel=2,
        )
        subset_size = smallest
    if subset_size < 2:
        raise ValueError(f"subset_size must be >= 2. Received: subset_size={subset_size}")
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for i in range(subsets):
        x = a[rng.choice(a.shape[0], subset_size, replace=False)]
        y = b[rng.choice(b.shape[0], subset_size, replace=False)]
        values[i] = _polynomial_mmd2_unbiased(x, y)
    return float(values.mean()), float(values.std())


def _pairwise_sq_dists(x, y, batch=2048):
    out = np.empty((x.shape[0], y.shape[0]))
    y_sq = np.sum(y * y, axis=1)
    for start in range(0, x.shape[0], batch):
        xb = x[start:start + batch]
        out[start:start + batch] = np.sum(xb * xb, axis=1)[:, None] + y_sq[None, :] - 2.0 * xb @ y.T
    return np.maximum(out, 0.0)


def _knn_radii(feats, k):
    dists = _pairwise_sq_dists(feats, feats)
    # Column 0 of the sorted row is the point itself (distance 0): the k-th neighbour is column k.
    return np.sqrt(np.partition(dists, k, axis=1)[:, k])


def _coverage(manifold, radii, queries):
    dists = np.sqrt(_pairwise_sq_dists(queries, manifold))
    return float(np.mean(np.any(dists <= radii[None, :], axis=1)))


def precision_recall(real_feats, fake_feats, k: int = 3) -> dict:
    """Improved precision and recall of generated samples (k-NN manifold estimate).

    Each set's manifold is the union of balls around its points with radius the distance
    to the k-th nearest neighbour in the same set. Precision is the fraction of generated
    samples inside the real manifold (fidelity); recall the fraction of real samples
    inside the generated manifold (diversity). Memory is O(N^2): use up to ~10k samples.

    Reference:
        Kynkaanniemi et al. 2019, "Improved Precision and Recall Metric for Assessing
        Generative Models".

    Args:
        real_feats: array (N, d). Features of real samples.
        fake_feats: array (M, d). Features of generated samples.
        k: int. Neighbourhood size. Defaults to `3` (the paper's choice).

    Returns:
        dict with `"precision"` and `"recall"` (floats in [0, 1]).

    Example:
    ```python
    rng = np.random.default_rng(0)
    precision_recall(rng.normal(size=(300, 4)), rng.normal(size=(300, 4)))
    ```
    """
    real = np.asarray(real_feats, dtype=np.float64)
    fake = np.asarray(fake_feats, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"Features must be (N, d) and (M, d) with the same d. Received: shapes {real.shape} and {fake.shape}"
        )
    if k < 1 or k >= min(real.shape[0], fake.shape[0]):
        raise ValueError(f"k must be >= 1 and smaller than both set sizes. Received: k={k}")
    precision = _coverage(real, _knn_radii(real, k), fake)
    recall = _coverage(fake, _knn_radii(fake, k), real)
    return {"precision": precision, "recall": recall}


def gaussian_statistics(features):
    """Mean (d,) and unbiased covariance (d, d) of a feature array, float64."""
    feats = np.asarray(features, dtype=np.float64)
    if feats.ndim != 2 or feats.shape[0] < 2:
        raise ValueError(f"features must be (N, d) with N >= 2. Received: features.shape={feats.shape}")
    return feats.mean(axis=0), np.cov(feats, rowvar=False)
