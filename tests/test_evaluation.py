"""CAS, ganzoo.evaluate, checkpoints, tables and the MetricMonitor callback."""

import os
import warnings

import numpy as np
import pytest

import ganzoo
import ganzoo.data
from ganzoo.evaluation import MetricMonitor, compare_checkpoints, evaluate_checkpoint, format_table
from ganzoo.metrics import classification_accuracy_score
from ganzoo.models import Conditional
from tests.helpers import FASHION_DIR, tiny

HAVE_FASHION = os.path.exists(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"))


class RealImageModel(Conditional):
    """A stand-in conditional model (it declares the protocol): `generate` returns real
    images of the requested labels."""

    def __init__(self, images, labels, num_classes, label_shift=0):
        super().__init__(num_classes=num_classes)
        self.images, self.labels = images, labels
        self.label_shift = label_shift  # > 0: images of the wrong class (a broken conditional model)
        self.name = "real_image_model"
        self.image_shape = images.shape[1:]

    def generate(self, n, labels=None, seed=None):
        rng = np.random.default_rng(seed)
        if labels is None:
            labels = rng.integers(0, self.num_classes, n)
        out = []
        for label in labels:
            pool = np.flatnonzero(self.labels == (label + self.label_shift) % self.num_classes)
            out.append(self.images[rng.choice(pool)])
        return np.stack(out).astype("float32")


@pytest.fixture(scope="module")
def digits():
    x_train, y_train = ganzoo.data.load("digits", "train")
    x_test, y_test = ganzoo.data.load("digits", "test")
    return x_train, y_train, x_test, y_test


def test_cas_real_samples_match_real_training_and_wrong_labels_fail(digits):
    x_train, y_train, x_test, y_test = digits
    kwargs = dict(num_samples=300, epochs=10, batch_size=50, learning_rate=3e-3, filters=(16, 32),
                  feature_dim=32, batch_norm_momentum=0.8)
    good = classification_accuracy_score(RealImageModel(x_train, y_train, 10), x_test, y_test,
                                         x_train, y_train, **kwargs)
    assert good["real_accuracy"] > 0.85
    assert good["cas"] > 0.85 and 0.9 < good["ratio"] < 1.1
    broken = classification_accuracy_score(RealImageModel(x_train, y_train, 10, label_shift=1), x_test, y_test,
                                           **kwargs)
    assert broken["cas"] < 0.2 and broken["real_accuracy"] is None
    with pytest.raises(ValueError, match="num_classes"):
        classification_accuracy_score(object(), x_test, y_test)


@pytest.mark.skipif(not HAVE_FASHION, reason="Fashion-MNIST not installed")
def test_evaluate_records_provenance_and_warns_on_small_fid():
    x_test, y_test = ganzoo.data.load("fashion_mnist", "test")
    good = RealImageModel(x_test[5000:], y_test[5000:], 10)
    # 400 samples give a full-rank covariance of the 128-d domain features: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        result = ganzoo.evaluate(good, "fashion_mnist", metrics=("fid", "is", "kid", "precision_recall"),
                                 num_samples=400, kid_subsets=10, kid_subset_size=200)
    for key in ("n", "n_real", "extractor", "preprocessing", "split", "comparable_with_papers"):
        assert key in result
    assert result["n"] == 400 and result["split"] == "test" and result["extractor"] == "fashion_mnist"
    assert result["comparable_with_papers"] is False
    # Real test images vs real test images: low FID/KID, IS well above 1, high precision/recall.
    assert result["is"] > 5 and result["precision"] > 0.5 and result["recall"] > 0.5
    noise = tiny("dcgan")  # an untrained generator
    bad = ganzoo.evaluate(noise, "fashion_mnist", metrics=("fid", "kid"), num_samples=400, kid_subsets=10,
                          kid_subset_size=200)
    assert bad["fid"] > 5 * result["fid"] and bad["kid"] > 5 * max(result["kid"], 1e-3)
    with pytest.raises(ValueError, match="Unknown metric"):
        ganzoo.evaluate(good, "fashion_mnist", metrics=("fdi",))
    with pytest.warns(UserWarning, match=r"FID on 100 < 128 samples .*use KID"):  # below the dimension
        ganzoo.evaluate(good, "fashion_mnist", metrics=("fid",), num_samples=100)


@pytest.mark.skipif(not HAVE_FASHION, reason="Fashion-MNIST not installed")
def test_checkpoints_and_tables(tmp_path, monkeypatch):
    paths = []
    for seed in (0, 1):
        model = tiny("dcgan", seed=seed)
        model.generate(2)
        paths.append(str(tmp_path / f"m{seed}.keras"))
        model.save(paths[-1])
    extractor = ganzoo.metrics.feature_extractor("fashion_mnist")
    real_batches = []  # `features` extracts the real images (generated ones go through `outputs`)
    monkeypatch.setattr(extractor, "features", lambda images: real_batches.append(len(images))
                        or type(extractor).features(extractor, images))
    settings = {"metrics": ("kid",), "num_samples": 200, "kid_subsets": 5, "kid_subset_size": 100}
    rows = compare_checkpoints(paths, "fashion_mnist", **settings)
    assert [r["checkpoint"] for r in rows] == paths
    assert real_batches == [200], "compare_checkpoints extracted the real images more than once"
    for path, row in zip(paths, rows):
        single = evaluate_checkpoint(path, "fashion_mnist", **settings)
        assert single["kid"] == pytest.approx(row["kid"], rel=1e-6)
    assert real_batches == [200, 200, 200]
    md = format_table(rows)
    assert md.splitlines()[0].startswith("| checkpoint |") and len(md.splitlines()) == 4 and "kid" in md
    csv_text = format_table(rows, fmt="csv")
    header, first = csv_text.splitlines()[:2]
    assert header.split(",")[:2] == ["checkpoint", "model"] and first.startswith(paths[0])
    with pytest.raises(ValueError, match="fmt"):
        format_table(rows, fmt="html")


@pytest.mark.skipif(not HAVE_FASHION, reason="Fashion-MNIST not installed")
def test_metric_monitor_logs_every_k_epochs():
    x_test, _ = ganzoo.data.load("fashion_mnist", "test")
    model = tiny("dcgan")
    monitor = MetricMonitor(x_test[:300], every=2, metrics=("fid", "kid", "is"), num_samples=200, kid_subsets=3,
                            kid_subset_size=100)
    history = model.fit(x_test[:64], epochs=4, batch_size=32, callbacks=[monitor], verbose=0)
    assert len(history.history["fid"]) == 2 and len(history.history["kid"]) == 2 and len(history.history["is"]) == 2
    assert all(np.isfinite(v) and v > 0 for v in history.history["fid"])
    with pytest.raises(ValueError, match="every"):
        MetricMonitor(x_test[:10], every=0)
