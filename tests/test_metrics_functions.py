"""The NumPy metric functions against closed forms and the pytorch-fid formula."""

import numpy as np
import pytest
from scipy import linalg

from ganzoo.metrics import (
    frechet_distance,
    gaussian_statistics,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)


def random_spd(rng, d, rank=None):
    a = rng.normal(size=(d, rank or d))
    return a @ a.T / d + (0 if rank else 0.1 * np.eye(d))


def sqrtm_fid(mu1, s1, mu2, s2):
    """pytorch-fid's formula (sqrtm of the product), written independently for comparison."""
    covmean = linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


def test_frechet_diagonal_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=16), rng.normal(size=16)
    v1, v2 = rng.uniform(0.1, 3, 16), rng.uniform(0.1, 3, 16)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    got = frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2))
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_matches_sqrtm_formula_on_random_spd():
    rng = np.random.default_rng(1)
    for d in (3, 32, 128):
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        s1, s2 = random_spd(rng, d), random_spd(rng, d)
        assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(sqrtm_fid(mu1, s1, mu2, s2), rel=1e-8)


def test_frechet_identical_and_symmetric():
    rng = np.random.default_rng(2)
    mu, s = rng.normal(size=64), random_spd(rng, 64)
    assert abs(frechet_distance(mu, s, mu, s)) < 1e-8
    mu2, s2 = rng.normal(size=64), random_spd(rng, 64)
    assert frechet_distance(mu, s, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu, s), rel=1e-9)


def test_frechet_singular_covariances_are_finite_and_real():
    # Fewer samples than dimensions: rank-deficient covariances (the case that makes
    # sqrtm(S1 S2) go complex). The eigenvalue route stays real, finite, non-negative and
    # agrees with the closed form for commuting (shared-eigenbasis) singular matrices.
    rng = np.random.default_rng(3)
    d = 50
    mu1, s1 = gaussian_statistics(rng.normal(size=(10, d)))
    mu2, s2 = gaussian_statistics(rng.normal(size=(12, d)) + 0.5)
    value = frechet_distance(mu1, s1, mu2, s2)
    assert isinstance(value, float) and np.isfinite(value) and value > 0
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    e1 = np.concatenate([rng.uniform(0.5, 2, 5), np.zeros(d - 5)])
    e2 = np.concatenate([np.zeros(3), rng.uniform(0.5, 2, 7), np.zeros(d - 10)])
    a, b = (q * e1) @ q.T, (q * e2) @ q.T
    expected = np.sum((np.sqrt(e1) - np.sqrt(e2)) ** 2)
    assert frechet_distance(np.zeros(d), a, np.zeros(d), b) == pytest.approx(expected, rel=1e-6, abs=1e-8)


def test_frechet_rejects_bad_shapes():
    with pytest.raises(ValueError, match="Received"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="Received"):
        frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))


def test_inception_score_closed_forms():
    k = 10
    uniform = np.full((100, k), 1.0 / k)
    mean, std = inception_score(uniform, splits=10)
    assert mean == pytest.approx(1.0) and std == pytest.approx(0.0, abs=1e-12)
    one_hot = np.eye(k)[np.arange(200) % k]
    mean, std = inception_score(one_hot, splits=10)
    assert mean == pytest.approx(k) and std == pytest.approx(0.0, abs=1e-9)
    # Confident but all the same class: no diversity, score 1.
    assert inception_score(np.eye(k)[np.zeros(50, int)], splits=5)[0] == pytest.approx(1.0)
    # Half the classes used uniformly: score = 5.
    assert inception_score(np.eye(k)[np.arange(100) % 5], splits=2)[0] == pytest.approx(5.0)


def test_inception_score_rejects_logits():
    with pytest.raises(ValueError, match="probs"):
        inception_score(np.random.default_rng(0).normal(size=(20, 4)), splits=2)


def test_kid_identical_near_zero_and_shift_positive():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(400, 16))
    b = rng.normal(size=(400, 16))
    same, _ = kernel_inception_distance(a, b, subsets=20, subset_size=200)
    shifted, _ = kernel_inception_distance(a, b + 1.0, subsets=20, subset_size=200)
    assert abs(same) < 0.05 * shifted
    assert shifted > 0
    # Seeded: the same call gives the same numbers.
    assert kernel_inception_distance(a, b, subsets=5, subset_size=100, seed=7) == \
        kernel_inception_distance(a, b, subsets=5, subset_size=100, seed=7)


def test_kid_unbiased_estimator_matches_direct_sum():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(30, 5)), rng.normal(size=(30, 5)) + 0.3
    d = 5

    def k(u, v):
        return (u @ v / d + 1) ** 3

    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    mean, std = kernel_inception_distance(x, y, subsets=3, subset_size=30)
    # subset_size == N: every subset is a permutation of the full sets, same MMD^2.
    assert mean == pytest.approx(xx + yy - 2 * xy, rel=1e-10)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_kid_caps_subset_size_with_warning():
    rng = np.random.default_rng(6)
    with pytest.warns(UserWarning, match="subset_size"):
        kernel_inception_distance(rng.normal(size=(50, 4)), rng.normal(size=(80, 4)), subsets=2, subset_size=1000)


def test_precision_recall():
    rng = np.random.default_rng(7)
    real = rng.normal(size=(300, 4))
    same = precision_recall(real, rng.normal(size=(300, 4)))
    assert same["precision"] > 0.8 and same["recall"] > 0.8
    # Mode collapse: all fakes near one real point -> high precision, tiny recall.
    collapsed = real[0] + 0.01 * rng.normal(size=(300, 4))
    pr = precision_recall(real, collapsed)
    assert pr["precision"] > 0.9 and pr["recall"] < 0.1
    far = precision_recall(real, rng.normal(size=(300, 4)) + 20)
    assert far["precision"] == 0.0 and far["recall"] == 0.0
