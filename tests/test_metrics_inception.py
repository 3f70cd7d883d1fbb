"""The `inception_fid` extractor without pytorch-fid: resize, .pth reader, weight mapping.

That the port computes what pytorch-fid computes is proved in tests/reference/ (a separate
environment, `make reference`); these tests cover everything around it on every backend.
"""

import os
import pickle
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

from ganzoo.metrics import extractors, inception
from ganzoo.metrics.extractors import feature_extractor, resize_bilinear, resize_matrix
from ganzoo.metrics.torch_weights import load_torch_state_dict

BACKEND = keras.config.backend()


def torch_save(arrays: dict, path: str, zip_layout: bool = True) -> None:
    """`torch.save` a state dict of these arrays, in a separate process (torch is always
    installed with ganzoo[all], but need not share a process with another backend)."""
    npz = path + ".npz"
    np.savez(npz, **arrays)
    code = (
        "import collections, sys, numpy as np, torch\n"
        "arrays = np.load(sys.argv[1])\n"
        "state = collections.OrderedDict()\n"
        "for key in arrays.files:\n"
        "    tensor = torch.from_numpy(arrays[key].copy())\n"
        "    state[key] = tensor.t() if key.endswith('transposed') else tensor\n"
        "torch.save(state, sys.argv[2], _use_new_zipfile_serialization=sys.argv[3] == '1')\n"
    )
    subprocess.run([sys.executable, "-c", code, npz, path, "1" if zip_layout else "0"], check=True, timeout=300,
                   env=dict(os.environ, KERAS_BACKEND="torch"))


def test_resize_matrix_is_torch_bilinear_without_align_corners():
    # 2 -> 4: samples at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel).
    np.testing.assert_allclose(resize_matrix(2, 4), [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])
    # 4 -> 2 without antialiasing: samples at 0.5 and 2.5.
    np.testing.assert_allclose(resize_matrix(4, 2), [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    for n_in, n_out in ((28, 299), (341, 299), (299, 299), (1, 5)):
        np.testing.assert_allclose(resize_matrix(n_in, n_out).sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(resize_matrix(7, 7), np.eye(7, dtype="float32"))
    images = np.random.default_rng(0).uniform(-1, 1, (2, 5, 6, 3)).astype("float32")
    assert resize_bilinear(images, (5, 6)) is images
    assert resize_bilinear(images, (9, 4)).shape == (2, 9, 4, 3)


@pytest.mark.skipif(BACKEND != "torch", reason="compared with torch itself on the torch backend")
def test_resize_matches_torch_interpolate():
    import torch

    # The matrix itself: resize one-hot rows with torch and read off its weights.
    for n_in in (1, 5, 28, 32, 64, 80, 320, 341, 1024):
        one_hot = torch.eye(n_in).reshape(n_in, 1, 1, n_in).repeat(1, 1, 2, 1)
        weights = torch.nn.functional.interpolate(one_hot, size=(2, 299), mode="bilinear", align_corners=False)
        np.testing.assert_array_equal(resize_matrix(n_in, 299), weights[:, 0, 0, :].numpy().T, err_msg=str(n_in))
    rng = np.random.default_rng(1)
    for shape in ((2, 28, 28, 1), (1, 64, 80, 3), (1, 341, 320, 3)):
        images = rng.uniform(-1, 1, shape).astype("float32")
        expected = torch.nn.functional.interpolate(
            torch.from_numpy(images).permute(0, 3, 1, 2), size=(299, 299), mode="bilinear", align_corners=False
        ).permute(0, 2, 3, 1).numpy()
        # Same weights; only the order of the float32 sums differs.
        np.testing.assert_allclose(resize_bilinear(images, (299, 299)), expected, atol=1e-6)


@pytest.mark.parametrize("zip_layout", [True, False], ids=["zip", "legacy"])
def test_pth_reader_round_trips_a_state_dict(tmp_path, zip_layout):
    rng = np.random.default_rng(0)
    arrays = {
        "conv.weight": rng.normal(size=(4, 3, 3, 3)).astype("float32"),
        "fc.weight_transposed": rng.normal(size=(5, 7)).astype("float32"),  # saved as a strided view
        "half": rng.normal(size=(6,)).astype("float16"),
        "double": rng.normal(size=(2, 2)),
        "bn.num_batches_tracked": np.array(17, dtype="int64"),
    }
    path = str(tmp_path / "state.pth")
    torch_save(arrays, path, zip_layout)
    assert zipfile.is_zipfile(path) == zip_layout
    state = load_torch_state_dict(path)
    assert list(state) == list(arrays)
    for key, value in arrays.items():
        expected = value.T if key.endswith("transposed") else value
        assert state[key].dtype == expected.dtype, key
        np.testing.assert_array_equal(state[key], expected, err_msg=key)


def test_pth_reader_refuses_other_files(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    evil = tmp_path / "evil.pth"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"w": Evil()}))
    with pytest.raises(pickle.UnpicklingError, match="only state dicts of dense tensors"):
        load_torch_state_dict(str(evil))
    text = tmp_path / "notes.pth"
    text.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="not a torch checkpoint"):
        load_torch_state_dict(str(text))
    empty_zip = tmp_path / "empty.pth"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="without data.pkl"):
        load_torch_state_dict(str(empty_zip))


def random_state_dict(seed=0) -> dict:
    """A pytorch-fid-layout state dict with He-scaled random weights (and an aux head, which
    the official file has and the port ignores)."""
    rng = np.random.default_rng(seed)
    _, convs, _ = inception.build_fid_inception()
    state = {}
    for name, (conv, _) in convs.items():
        kh, kw, cin, cout = conv.kernel.shape
        state[f"{name}.conv.weight"] = (rng.normal(size=(cout, cin, kh, kw)) * np.sqrt(2 / (kh * kw * cin))).astype(
            "float32")
        state[f"{name}.bn.weight"] = rng.uniform(0.5, 1.5, cout).astype("float32")
        state[f"{name}.bn.bias"] = rng.uniform(-0.2, 0.2, cout).astype("float32")
        state[f"{name}.bn.running_mean"] = rng.normal(0, 0.1, cout).astype("float32")
        state[f"{name}.bn.running_var"] = rng.uniform(0.5, 2.0, cout).astype("float32")
        state[f"{name}.bn.num_batches_tracked"] = np.array(1, "int64")
    state["fc.weight"] = (rng.normal(size=(1008, 2048)) / np.sqrt(2048)).astype("float32")
    state["fc.bias"] = rng.normal(size=1008).astype("float32")
    state["AuxLogits.fc.weight"] = np.zeros((1008, 768), "float32")
    keras.backend.clear_session()
    return state


def test_state_dict_mapping_checks_every_tensor():
    state = random_state_dict()
    parts = inception.build_fid_inception()
    model, convs, fc = parts
    inception.load_state_dict(parts, state)
    conv, norm = convs["Mixed_6b.branch7x7_2"]  # a (1, 7) kernel: OIHW -> HWIO
    np.testing.assert_array_equal(conv.get_weights()[0], state["Mixed_6b.branch7x7_2.conv.weight"].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(norm.get_weights()[3], state["Mixed_6b.branch7x7_2.bn.running_var"])
    np.testing.assert_array_equal(fc.get_weights()[0], state["fc.weight"].T)
    # 94 BasicConv2d units (as in pytorch-fid), plus the fc layer.
    assert len(convs) == 94
    assert model.outputs[0].shape[-1] == 2048 and model.outputs[1].shape[-1] == 1008

    missing = dict(state)
    del missing["Mixed_7c.branch_pool.bn.running_mean"]
    with pytest.raises(ValueError, match="has no tensor 'Mixed_7c.branch_pool.bn.running_mean'"):
        inception.load_state_dict(parts, missing)
    wrong = dict(state, **{"fc.bias": np.zeros(1000, "float32")})
    with pytest.raises(ValueError, match="expected"):
        inception.load_state_dict(parts, wrong)
    extra = dict(state, **{"Mixed_8a.conv.weight": np.zeros(3, "float32")})
    with pytest.raises(ValueError, match="does not use"):
        inception.load_state_dict(parts, extra)


@pytest.mark.slow
def test_inception_fid_extractor_from_a_pth_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_CACHE", str(tmp_path / "cache"))
    path = str(tmp_path / "fid_inception.pth")
    state = random_state_dict()
    torch_save(state, path)
    ext = feature_extractor("inception_fid", weights=path, batch_size=2)
    # Not pytorch-fid's file, so its numbers are not labelled comparable with papers.
    assert ext.comparable_with_papers is False
    assert ext.describe()["feature_dim"] == 2048 and "align_corners=False" in ext.preprocessing
    rng = np.random.default_rng(0)
    grey = (rng.uniform(0, 255, (3, 28, 28, 1))).astype("uint8")
    feats, probs = ext.outputs(grey)
    assert feats.shape == (3, 2048) and probs.shape == (3, 1008)
    assert np.all(np.isfinite(feats)) and feats.std() > 0
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    # The Inception Score's probabilities leave out the fc bias: softmax(pool @ W).
    feats_raw, logits = ext.raw_outputs(grey)
    np.testing.assert_allclose(ext.logit_offset, state["fc.bias"])
    unbiased = logits - ext.logit_offset
    np.testing.assert_allclose(probs, np.exp(unbiased) / np.exp(unbiased).sum(axis=1, keepdims=True), rtol=1e-6)
    # Grey tiled to RGB is the same input as the grey image itself.
    np.testing.assert_allclose(ext.features(np.repeat(grey, 3, axis=-1)), feats, rtol=1e-5, atol=1e-4)

    # Converted once and cached (atomically: no temporary file left); the cache gives the same features.
    cached = os.listdir(tmp_path / "cache")
    assert len(cached) == 1 and cached[0].startswith("fid_inception_") and cached[0].endswith(".weights.h5")
    again = extractors.inception_fid(path, batch_size=2)
    np.testing.assert_allclose(again.features(grey), feats, rtol=1e-5, atol=1e-4)
    converted = extractors.inception_fid(str(tmp_path / "cache" / cached[0]), batch_size=2)
    np.testing.assert_allclose(converted.features(grey), feats, rtol=1e-5, atol=1e-4)
    assert converted.comparable_with_papers is False


def test_inception_fid_weights_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_CACHE", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="weight file not found"):
        feature_extractor("inception_fid", weights=str(tmp_path / "missing.pth"))

    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(ValueError, match="Could not download the FID Inception weights") as error:
        extractors.inception_fid()
    assert extractors.FID_WEIGHTS_URL in str(error.value) and "weights=" in str(error.value)
    # A file under the standard name whose hash is wrong (a broken download) is refused.
    (tmp_path / extractors.FID_WEIGHTS_FILE).write_bytes(b"truncated")
    with pytest.raises(ValueError, match="SHA-256 starts"):
        extractors.inception_fid()
