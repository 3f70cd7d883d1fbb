"""Streaming FID / IS / KID with the shipped Fashion-MNIST domain classifier."""

import json
import os
import warnings

import keras
import numpy as np
import pytest

import ganzoo.data
from ganzoo.metrics import (
    FID,
    KID,
    InceptionScore,
    compute_statistics,
    feature_extractor,
    frechet_distance,
    gaussian_statistics,
    kernel_inception_distance,
    load_statistics,
    save_statistics,
)
from ganzoo.metrics.extractors import inception_imagenet
from tests.helpers import FASHION_DIR, next_backend, run_python

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz")), reason="Fashion-MNIST not installed"
)


@pytest.fixture(scope="module")
def test_images():
    images, labels = ganzoo.data.load("fashion_mnist", "test")
    return images[:600], labels[:600]


def test_extractor_shapes_ranges_and_accuracy(test_images):
    images, labels = test_images
    ext = feature_extractor("fashion_mnist")
    feats, probs = ext.outputs(images)
    assert feats.shape == (600, 128) and probs.shape == (600, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    # The shipped weights are a trained classifier, not a random network.
    assert np.mean(probs.argmax(axis=1) == labels) > 0.88
    # uint8 input gives the same features as the [-1, 1] float input.
    as_uint8 = np.round((images[:50] + 1) * 127.5).astype("uint8")
    np.testing.assert_allclose(ext.features(as_uint8), feats[:50], atol=1e-3)
    # RGB input (grey replicated) is averaged back to the same grey image.
    np.testing.assert_allclose(ext.features(np.repeat(images[:50], 3, axis=-1)), feats[:50], atol=1e-4)
    # Other sizes are resized (bilinear): 56x56 upsampled images give close features.
    big = np.repeat(np.repeat(images[:50], 2, axis=1), 2, axis=2)
    assert ext.prepare(big).shape == (50, 28, 28, 1)
    with pytest.raises(ValueError, match="Received"):
        ext.features(images[:5] * 200)
    with pytest.raises(ValueError, match="Unknown feature extractor"):
        feature_extractor("fashion_mnst")


def test_streaming_fid_equals_batch_fid_and_resets(test_images):
    images, _ = test_images
    real, fake = images[:300], np.clip(images[300:600] + 0.3, -1, 1)
    fid = FID("fashion_mnist")
    for start in range(0, 300, 70):  # uneven batches
        fid.update_state(real[start:start + 70], fake[start:start + 70])
    streamed = fid.result()
    ext = feature_extractor("fashion_mnist")
    # Same batches as the stream, so the float32 features are bit-identical.
    real_feats = np.concatenate([ext.features(real[s:s + 70]) for s in range(0, 300, 70)])
    fake_feats = np.concatenate([ext.features(fake[s:s + 70]) for s in range(0, 300, 70)])
    direct = frechet_distance(*gaussian_statistics(real_feats), *gaussian_statistics(fake_feats))
    # Not bit-identical: dead ReLU features make the covariances singular, and sqrt of
    # eigenvalues at round-off level (1e-16 scale) contributes ~1e-8 to the trace term.
    assert streamed == pytest.approx(direct, rel=1e-6)
    assert streamed > 1.0
    fid.reset_state()
    fid.update_state(real[:150], real[150:300])
    assert fid.result() < streamed
    # Real vs itself: 0.
    fid.reset_state()
    fid.update_state(real, real)
    assert fid.result() == pytest.approx(0.0, abs=1e-6)


def test_statistics_file_roundtrip_and_cached_fid(tmp_path, test_images):
    images, _ = test_images
    stats = compute_statistics(images[:300], "fashion_mnist")
    assert stats["n"] == 300 and stats["extractor"] == "fashion_mnist" and "preprocessing" in stats
    path = str(tmp_path / "stats.npz")
    save_statistics(path, stats)
    loaded = load_statistics(path)
    np.testing.assert_array_equal(loaded["mu"], stats["mu"])
    np.testing.assert_array_equal(loaded["sigma"], stats["sigma"])
    assert loaded["n"] == 300 and loaded["preprocessing"] == stats["preprocessing"]
    fake = np.clip(images[300:600] + 0.3, -1, 1)
    cached = FID("fashion_mnist", real_stats=path)
    cached.update_state(generated_images=fake)
    fresh = FID("fashion_mnist")
    fresh.update_state(images[:300], fake)
    assert cached.result() == pytest.approx(fresh.result(), rel=1e-9)
    with pytest.raises(ValueError, match="real_stats"):
        cached.update_state(images[:10], fake[:10])
    bad = dict(stats, extractor="inception_imagenet")
    with pytest.raises(ValueError, match="recompute"):
        FID("fashion_mnist", real_stats=bad)


def test_inception_score_and_kid_streaming(test_images):
    images, labels = test_images
    is_metric = InceptionScore("fashion_mnist", splits=5)
    is_metric.update_state(images[:300])
    is_metric.update_state(images[300:])
    diverse = is_metric.result()
    assert 5.0 < diverse <= 10.0 and is_metric.std >= 0
    is_metric.reset_state()
    is_metric.update_state(images[labels == 0][:50])
    assert is_metric.result() < 2.0  # one class only: no diversity
    kid = KID("fashion_mnist", subsets=10, subset_size=200)
    kid.update_state(images[:300], images[300:])
    same = kid.result()
    kid.reset_state()
    kid.update_state(images[:300], np.clip(images[300:] + 0.3, -1, 1))
    shifted = kid.result()
    assert abs(same) < 0.1 * shifted
    ext = feature_extractor("fashion_mnist")
    direct = kernel_inception_distance(ext.features(images[:300]), ext.features(np.clip(images[300:] + 0.3, -1, 1)),
                                       subsets=10, subset_size=200)
    assert shifted == pytest.approx(direct[0], rel=1e-9) and kid.std == pytest.approx(direct[1], rel=1e-9)


def streaming_values():
    images, _ = ganzoo.data.load("fashion_mnist", "test")
    real, fake = images[:256], np.clip(images[256:512] * 0.8 + 0.1, -1, 1)
    fid = FID("fashion_mnist")
    fid.update_state(real, fake)
    kid = KID("fashion_mnist", subsets=5, subset_size=200)
    kid.update_state(real, fake)
    ins = InceptionScore("fashion_mnist", splits=4)
    ins.update_state(fake)
    return [fid.result(), kid.result(), ins.result()]


@pytest.mark.subprocess
def test_same_values_on_all_backends():
    # This backend against the next one: one subprocess per run, every pair over the three runs.
    current = keras.config.backend()
    other = next_backend(current)
    results = {current: streaming_values()}
    code = "import json; from tests.test_metrics_streaming import streaming_values; " \
           "print('RESULT' + json.dumps(streaming_values()))"
    results[other] = json.loads(run_python(code, other).split("RESULT")[-1])
    base = np.array(results[current])
    assert base[0] > 1.0 and base[1] > 0
    for backend, values in results.items():
        np.testing.assert_allclose(values, base, rtol=1e-4, err_msg=f"{backend} vs {current}")


@pytest.mark.slow
def test_inception_imagenet_random_weights_small_batch():
    ext = feature_extractor("inception_imagenet", weights="random", batch_size=2)
    assert not ext.comparable_with_papers
    assert "NOT comparable with published FIDs" in inception_imagenet.__doc__
    rng = np.random.default_rng(0)
    grey = rng.uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        feats, probs = ext.outputs(grey)
    assert feats.shape == (2, 2048) and probs.shape == (2, 1000)
    assert np.all(np.isfinite(feats))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert ext.prepare(grey).shape == (2, 299, 299, 3)


def test_result_only_reads_the_state(test_images):
    images, _ = test_images
    ext = feature_extractor("fashion_mnist")
    real, fake = ext.features(images[:200]), ext.features(images[200:400])
    for metric in (FID(ext), KID(ext, subsets=5, subset_size=100)):
        metric.update_features(real, fake)
        first = metric.result()
        assert metric.result() == first  # a second call gives the same number
        metric.update_features(generated=ext.features(np.clip(images[400:500] + 0.3, -1, 1)))
        assert metric.result() != first  # and the state still streams
    inception = InceptionScore(ext, splits=2)
    inception.update_probabilities(ext.probabilities(images[:200]))
    assert inception.result_and_std() == (inception.result(), inception.std) == inception.result_and_std()
    assert not isinstance(inception, keras.metrics.Metric)  # no Keras variables behind it
