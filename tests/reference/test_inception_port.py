"""Our Keras FID Inception against pytorch-fid's InceptionV3, given the same .pth file.

No Inception weights can be downloaded here, so the weights are random ones we
generate (batch-norm statistics calibrated on images so activations keep a
sensible scale), saved with torch.save, and loaded by both implementations.
Compared: 2048-d pool features and 1008 logits on random images (upsampled and
downsampled) and real Fashion-MNIST images (grey, tiled to RGB).

Runs only in the environment of scripts/reference_env.sh (tests/conftest.py skips this
folder otherwise):

    make reference
    GANZOO_REFERENCE=1 KERAS_BACKEND=jax .venv-reference/bin/python -m pytest -q tests/reference
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

RESULTS = os.environ.get("GANZOO_REFERENCE_RESULTS")
FASHION = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"


def make_reference(folder):
    """Runs in a subprocess: torch + pytorch-fid only (the CUDA torch wheel's triton
    crashes when loaded after TensorFlow, so the two never share a process)."""
    import pytorch_fid.inception as pfi
    import torch
    import torchvision

    torch.manual_seed(0)
    # pytorch-fid's FID blocks subclass torchvision's and only change forward(), so this
    # network has exactly the state-dict layout of pt_inception-2015-12-05-6726825d.pth.
    donor = torchvision.models.inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False)
    for module in donor.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # cumulative average over the calibration batch
            torch.nn.init.uniform_(module.weight, 0.5, 1.5)
            torch.nn.init.uniform_(module.bias, -0.2, 0.2)
    donor.train()
    with torch.no_grad():
        donor(torch.rand(4, 3, 299, 299) * 2 - 1)
    donor.eval()
    path = os.path.join(folder, "random_fid_inception.pth")
    torch.save(donor.state_dict(), path)

    # pytorch-fid's own modules, loading our file where it would download the official one.
    pfi.load_state_dict_from_url = lambda *args, **kwargs: torch.load(path)
    net = pfi.InceptionV3([pfi.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    fc = pfi.fid_inception_v3().fc.eval()

    cases = {
        "up": np.random.default_rng(0).uniform(0, 1, (2, 3, 64, 80)).astype("float32"),
        "down": np.random.default_rng(1).uniform(0, 1, (2, 3, 341, 320)).astype("float32"),
    }
    if os.path.exists(FASHION):
        import gzip

        with gzip.open(FASHION) as handle:  # IDX: 16-byte header, then 28x28 uint8 images
            grey = np.frombuffer(handle.read(16 + 3 * 784), np.uint8)[16:].reshape(3, 28, 28)
        cases["fashion_uint8"] = grey
        cases["fashion"] = np.repeat(grey[:, None].astype("float32") / 255.0, 3, axis=1)
    arrays = {}
    for name, images in cases.items():
        arrays[f"input_{name}"] = images
        if name == "fashion_uint8":
            continue
        with torch.no_grad():
            pool = net(torch.from_numpy(images))[0].flatten(1)
            arrays[f"pool_{name}"], arrays[f"logits_{name}"] = pool.numpy(), fc(pool).numpy()
    # pytorch-fid's own Frechet distance (scipy sqrtm of the product) on a few statistics.
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(2)
    for case in range(3):
        dim = (16, 64, 256)[case]
        stats = []
        for shift in (0.0, 0.3):
            samples = rng.normal(size=(4 * dim, dim)) @ rng.normal(size=(dim, dim)) / np.sqrt(dim) + shift
            stats += [samples.mean(axis=0), np.cov(samples, rowvar=False)]
        for key, value in zip(("mu1", "sigma1", "mu2", "sigma2"), stats):
            arrays[f"fid{case}_{key}"] = value
        arrays[f"fid{case}_pytorch_fid"] = np.float64(calculate_frechet_distance(*stats))
    np.savez(os.path.join(folder, "reference.npz"), **arrays)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("fid_weights"))
    # No Keras (hence no TensorFlow) in the reference process.
    env = dict(os.environ, KERAS_BACKEND="torch")
    subprocess.run([sys.executable, os.path.abspath(__file__), folder], check=True, env=env, timeout=900)
    os.environ["GANZOO_CACHE"] = folder
    return os.path.join(folder, "random_fid_inception.pth"), dict(np.load(os.path.join(folder, "reference.npz")))


def _compare(reference, name, ours_input, label):
    import keras

    from ganzoo.metrics.extractors import feature_extractor

    path, arrays = reference
    pool_ref, logits_ref = arrays[f"pool_{name}"], arrays[f"logits_{name}"]
    ours = feature_extractor("inception_fid", weights=path, batch_size=2)
    pool, logits = ours.raw_outputs(ours_input)
    pool_diff = float(np.abs(pool - pool_ref).max())
    logits_diff = float(np.abs(logits - logits_ref).max())
    record = {
        "case": label, "backend": keras.config.backend(), "n": len(pool),
        "pool_max_abs_diff": pool_diff, "pool_max_abs": float(np.abs(pool_ref).max()),
        "logits_max_abs_diff": logits_diff, "logits_max_abs": float(np.abs(logits_ref).max()),
    }
    print(json.dumps(record))
    if RESULTS:
        with open(RESULTS, "a") as handle:
            handle.write(json.dumps(record) + "\n")
    assert pool.shape == (len(pool_ref), 2048) and logits.shape == (len(pool_ref), 1008)
    assert np.abs(pool_ref).max() > 0.1  # the comparison is not between two vectors of zeros
    # float32 through ~100 layers: agreement to 1e-5 of the largest activation.
    assert pool_diff <= 1e-5 * max(1.0, record["pool_max_abs"])
    assert logits_diff <= 1e-5 * max(1.0, record["logits_max_abs"])
    # The Inception Score's probabilities are the softmax of the logits without the fc bias.
    unbiased = logits_ref - ours.logit_offset
    expected = np.exp(unbiased - unbiased.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ours.probabilities(ours_input), expected, atol=1e-5)
    # A random-weight file is not pytorch-fid's: its FIDs must not be labelled comparable.
    assert ours.comparable_with_papers is False


def test_random_images_upsampled(reference):
    images = reference[1]["input_up"]
    _compare(reference, "up", images.transpose(0, 2, 3, 1) * 2 - 1, "random 64x80 RGB (upsampled)")


def test_random_images_downsampled(reference):
    images = reference[1]["input_down"]
    _compare(reference, "down", images.transpose(0, 2, 3, 1) * 2 - 1, "random 341x320 RGB (downsampled)")


def test_real_fashion_mnist_uint8_grey(reference):
    if "input_fashion_uint8" not in reference[1]:
        pytest.skip("Fashion-MNIST not installed")
    # Ours gets the uint8 grey images as they are; pytorch-fid got /255 and tiled to RGB.
    _compare(reference, "fashion", reference[1]["input_fashion_uint8"][..., None], "Fashion-MNIST 28x28 uint8 grey")


def test_frechet_distance_matches_pytorch_fid(reference):
    from ganzoo.metrics import frechet_distance

    arrays = reference[1]
    for case in range(3):
        stats = [arrays[f"fid{case}_{key}"] for key in ("mu1", "sigma1", "mu2", "sigma2")]
        ours, theirs = frechet_distance(*stats), float(arrays[f"fid{case}_pytorch_fid"])
        record = {"case": f"frechet_distance d={len(stats[0])}", "ours": ours, "pytorch_fid": theirs,
                  "relative_difference": abs(ours - theirs) / theirs}
        print(json.dumps(record))
        if RESULTS:
            with open(RESULTS, "a") as handle:
                handle.write(json.dumps(record) + "\n")
        assert ours == pytest.approx(theirs, rel=1e-6)


if __name__ == "__main__":
    make_reference(sys.argv[1])
