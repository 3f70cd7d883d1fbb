"""ganzoo.data: formats from small files the tests write, resolution order, errors."""

import gzip
import os
import pickle

import keras
import numpy as np
import pytest
from helpers import FASHION_DIR, tiny
from PIL import Image

from ganzoo import data


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No real cache or GANZOO_DATA_DIR leaks into these tests."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("GANZOO_DATA_DIR", raising=False)


def _uint8(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_mnist_npz_from_data_dir_and_keras_cache(tmp_path):
    x_train, x_test = _uint8((5, 28, 28)), _uint8((3, 28, 28), 1)
    arrays = dict(x_train=x_train, y_train=np.arange(5, dtype=np.uint8),
                  x_test=x_test, y_test=np.arange(3, dtype=np.uint8))
    np.savez(tmp_path / "mnist.npz", **arrays)
    images, labels = data.load("mnist", data_dir=str(tmp_path), download=False)
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images[..., 0], x_train / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(labels, np.arange(5))
    assert labels.dtype == np.int32
    # The Keras cache is searched when no folder is given.
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "mnist.npz", **arrays)
    images, labels = data.load("mnist", split="test", download=False)
    np.testing.assert_allclose(images[..., 0], x_test / 127.5 - 1, atol=1e-6)


def test_mnist_truncated_or_wrong_npz_is_a_clear_error(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=_uint8((50, 28, 28)), y_train=np.zeros(50, np.uint8),
             x_test=_uint8((2, 28, 28)), y_test=np.zeros(2, np.uint8))
    raw = (tmp_path / "mnist.npz").read_bytes()
    (tmp_path / "mnist.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.load("mnist", data_dir=str(tmp_path), download=False)
    np.savez(tmp_path / "mnist.npz", images=_uint8((2, 28, 28)))
    with pytest.raises(ValueError, match="not an MNIST .npz"):
        data.load("mnist", data_dir=str(tmp_path), download=False)


def _write_cifar(folder, seed=0, n=4, names=None):
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for i, name in enumerate(names or [*(f"data_batch_{k}" for k in range(1, 6)), "test_batch"]):
        nhwc = _uint8((n, 32, 32, 3), seed + i)
        batch = {b"data": nhwc.transpose(0, 3, 1, 2).reshape(n, -1), b"labels": list(range(i, i + n))}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
        written[name] = nhwc
    return written


def test_cifar10_pickle_batches(tmp_path):
    written = _write_cifar(tmp_path / "cifar-10-batches-py")
    images, labels = data.load("cifar10", data_dir=str(tmp_path), download=False)
    assert images.shape == (20, 32, 32, 3)
    # Channel planes are transposed to NHWC correctly (not just reshaped).
    np.testing.assert_allclose(images[:4], written["data_batch_1"] / 127.5 - 1, atol=1e-6)
    assert labels.tolist()[:5] == [0, 1, 2, 3, 1]
    test_images, _ = data.load("cifar10", split="test", data_dir=str(tmp_path), download=False)
    np.testing.assert_allclose(test_images, written["test_batch"] / 127.5 - 1, atol=1e-6)


def test_cifar10_corrupt_incomplete_and_malicious_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    _write_cifar(folder, names=["data_batch_1", "data_batch_2"])
    with pytest.raises(FileNotFoundError, match="data_batch_3"):
        data.load("cifar10", data_dir=str(tmp_path), download=False)
    _write_cifar(folder)
    raw = (folder / "data_batch_2").read_bytes()
    (folder / "data_batch_2").write_bytes(raw[:100])
    with pytest.raises(ValueError, match="data_batch_2.*truncated or corrupt"):
        data.load("cifar10", data_dir=str(tmp_path), download=False)
    with open(folder / "data_batch_2", "wb") as f:
        pickle.dump({b"data": os.system}, f)  # a pickle that would import code
    with pytest.raises(ValueError, match="refusing"):
        data.load("cifar10", data_dir=str(tmp_path), download=False)


def test_fashion_mnist_idx_from_data_dir_before_debian(tmp_path):
    images = _uint8((3, 28, 28))
    header = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in images.shape)
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(header + images.tobytes())
    with gzip.open(tmp_path / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + bytes([7, 8, 9]))
    x, y = data.load("fashion_mnist", data_dir=str(tmp_path), download=False)
    np.testing.assert_allclose(x[..., 0], images / 127.5 - 1, atol=1e-6)
    assert y.tolist() == [7, 8, 9]
    # A truncated IDX file is an error, never a partial array.
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(header + images.tobytes()[:-10])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.load("fashion_mnist", data_dir=str(tmp_path), download=False)


@pytest.mark.skipif(not os.path.exists(FASHION_DIR), reason="apt-get install dataset-fashion-mnist")
def test_real_fashion_mnist_from_debian():
    x, y = data.load("fashion_mnist", split="test", download=False)
    assert x.shape == (10000, 28, 28, 1) and x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    assert sorted(np.unique(y)) == list(range(10))


def test_sobel_edges_follow_their_definition():
    # A bright square on a dark background: edges on its border ring, nowhere else.
    square = np.full((1, 12, 12, 1), -1.0, "float32")
    square[0, 4:8, 4:8] = 1.0
    edges = data.sobel_edges(square)
    assert edges.dtype == np.float32 and set(np.unique(edges)) == {-1.0, 1.0}
    expected = np.zeros((12, 12), bool)
    expected[3:9, 3:9] = True  # within one pixel of the step (magnitude >= sqrt(2) at the corners)
    expected[5:7, 5:7] = False  # the flat inside (magnitude 0)
    np.testing.assert_array_equal(edges[0, ..., 0] == 1.0, expected)
    # A flat black image has no edges (a bright one would: the padding outside is black).
    assert np.all(data.sobel_edges(np.full((1, 6, 6, 1), -1.0, "float32")) == -1.0)
    with pytest.raises(ValueError, match="grey images"):
        data.sobel_edges(np.zeros((2, 8, 8, 3), "float32"))


def test_fashion_mnist_edges_pairs_each_image_with_its_edge_map(tmp_path):
    images = _uint8((5, 28, 28), seed=4)
    header = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in images.shape)
    for split, (image_file, label_file) in data._FASHION_FILES.items():
        with gzip.open(tmp_path / image_file, "wb") as f:
            f.write(header + (images if split == "train" else images[::-1]).tobytes())
        with gzip.open(tmp_path / label_file, "wb") as f:
            f.write(bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big") + bytes(range(5)))
    for split in ("train", "test"):
        edges, targets = data.load("fashion_mnist_edges", split, data_dir=str(tmp_path), download=False)
        source, _ = data.load("fashion_mnist", split, data_dir=str(tmp_path), download=False)
        np.testing.assert_array_equal(targets, source)  # same images, same order, same split
        np.testing.assert_array_equal(edges, data.sobel_edges(source))
        assert edges.shape == targets.shape == (5, 28, 28, 1)
        again, _ = data.load("fashion_mnist_edges", split, data_dir=str(tmp_path), download=False)
        np.testing.assert_array_equal(again, edges)  # deterministic
    with pytest.raises(ValueError, match="Did you mean 'fashion_mnist_edges'"):
        data.load("fashion_mnist_edge")


@pytest.mark.skipif(not os.path.exists(FASHION_DIR), reason="apt-get install dataset-fashion-mnist")
def test_real_fashion_mnist_edges_split_like_their_source():
    for split, n in (("train", 60000), ("test", 10000)):
        edges, images = data.load("fashion_mnist_edges", split, download=False)
        assert edges.shape == images.shape == (n, 28, 28, 1)
        share = float(np.mean(edges == 1.0))
        assert 0.1 < share < 0.4, share  # outlines and strong inner lines, not every pixel


def test_fashion_mnist_pair_takes_two_classes_in_source_order_as_many_of_each(tmp_path):
    images = _uint8((12, 28, 28), seed=5)
    labels = {"train": [7, 9, 1, 9, 7, 9, 7, 0, 9, 9, 2, 7], "test": [9, 9, 7, 3, 9, 4, 4, 4, 4, 4, 4, 4]}
    header = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in images.shape)
    for split, (image_file, label_file) in data._FASHION_FILES.items():
        with gzip.open(tmp_path / image_file, "wb") as f:
            f.write(header + images.tobytes())
        with gzip.open(tmp_path / label_file, "wb") as f:
            f.write(bytes([0, 0, 8, 1]) + (12).to_bytes(4, "big") + bytes(labels[split]))
    for split, n in (("train", 4), ("test", 1)):
        source, source_labels = data.load("fashion_mnist", split, data_dir=str(tmp_path), download=False)
        a, b = data.load("fashion_mnist_pair:7,9", split, data_dir=str(tmp_path), download=False)
        assert a.shape == b.shape == (n, 28, 28, 1) and a.dtype == np.float32
        np.testing.assert_array_equal(a, source[source_labels == 7][:n])  # source order, the first n
        np.testing.assert_array_equal(b, source[source_labels == 9][:n])
        again = data.load("fashion_mnist_pair:7,9", split, data_dir=str(tmp_path), download=False)
        np.testing.assert_array_equal(again[0], a)  # deterministic
        np.testing.assert_array_equal(again[1], b)
        swapped = data.load("fashion_mnist_pair:9,7", split, data_dir=str(tmp_path), download=False)
        np.testing.assert_array_equal(swapped[0], b)
    assert data.returns_two_image_sets("fashion_mnist_pair:7,9") and data.returns_two_image_sets("fashion_mnist_edges")
    assert not data.returns_two_image_sets("fashion_mnist")
    for name in ("fashion_mnist_pair:7", "fashion_mnist_pair:7,7", "fashion_mnist_pair:7,10",
                 "fashion_mnist_pair:sneaker,boot", "fashion_mnist_pair:"):
        with pytest.raises(ValueError, match="two different Fashion-MNIST classes 0-9.*'fashion_mnist_pair:7,9'"):
            data.load(name, data_dir=str(tmp_path), download=False)
        with pytest.raises(ValueError, match="7 sneaker"):
            data.check_name(name)
    with pytest.raises(ValueError, match="fashion_mnist_pair:I,J"):
        data.load("fashion_mnist_pairs")


@pytest.mark.skipif(not os.path.exists(FASHION_DIR), reason="apt-get install dataset-fashion-mnist")
def test_real_fashion_mnist_pair_split_like_its_source():
    for split, n in (("train", 6000), ("test", 1000)):
        source, labels = data.load("fashion_mnist", split, download=False)
        a, b = data.load("fashion_mnist_pair:7,9", split, download=False)
        assert a.shape == b.shape == (n, 28, 28, 1)
        np.testing.assert_array_equal(a, source[labels == 7])
        np.testing.assert_array_equal(b, source[labels == 9])


def test_offline_error_names_places_searched(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", str(tmp_path / "no-debian"))
    with pytest.raises(FileNotFoundError) as e:
        data.load("fashion_mnist", data_dir=str(tmp_path / "mine"), download=False)
    message = str(e.value)
    for place in ("mine", "keras_home", "no-debian", "apt-get install dataset-fashion-mnist"):
        assert place in message

    def offline():
        raise OSError("Network is unreachable")

    monkeypatch.setattr(data.keras.datasets.cifar10, "load_data", offline)
    with pytest.raises(FileNotFoundError, match="could not be downloaded.*Network is unreachable.*Searched"):
        data.load("cifar10", data_dir=str(tmp_path))


def _write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_folder_with_class_subfolders(tmp_path):
    cat, dog = _uint8((6, 6, 3), 1), _uint8((6, 6, 3), 2)
    _write_png(tmp_path / "imgs" / "cat" / "a.png", cat)
    _write_png(tmp_path / "imgs" / "dog" / "b.png", dog)
    _write_png(tmp_path / "imgs" / "dog" / "c.png", dog)
    (tmp_path / "imgs" / "dog" / "notes.txt").write_text("not an image")
    images, labels = data.load(f"folder:{tmp_path / 'imgs'}")
    assert images.shape == (3, 6, 6, 3)
    assert labels.tolist() == [0, 1, 1]
    np.testing.assert_allclose(images[0], cat / 127.5 - 1, atol=1e-6)
    resized, _ = data.load(f"folder:{tmp_path / 'imgs'}", image_size=4)
    assert resized.shape == (3, 4, 4, 3)


def test_folder_grey_unlabelled_and_errors(tmp_path):
    for i in range(2):
        _write_png(tmp_path / "g" / f"{i}.png", _uint8((5, 7), i))
    images, labels = data.load(f"folder:{tmp_path / 'g'}")
    assert images.shape == (2, 5, 7, 1) and labels is None
    _write_png(tmp_path / "g" / "big.png", _uint8((9, 9), 3))
    with pytest.raises(ValueError, match="different sizes.*image_size"):
        data.load(f"folder:{tmp_path / 'g'}")
    (tmp_path / "g" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ValueError, match="broken.png"):
        data.load(f"folder:{tmp_path / 'g'}", image_size=8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load(f"folder:{tmp_path / 'missing'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No image files"):
        data.load(f"folder:{tmp_path / 'empty'}")
    with pytest.raises(ValueError, match="Unknown data set 'imagenet'"):
        data.load("imagenet")


def test_image_dataset_batches_every_image_once_per_epoch():
    images = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    labels = np.arange(10, dtype="int32")
    ds = data.ImageDataset(images, labels, batch_size=4, seed=0, drop_remainder=False)
    assert len(ds) == 3
    for _ in range(2):
        seen = np.concatenate([ds[i][1] for i in range(len(ds))])
        assert sorted(seen.tolist()) == list(range(10))
        np.testing.assert_array_equal(np.concatenate([ds[i][0] for i in range(len(ds))]).ravel(), seen)
        ds.on_epoch_end()
    assert len(data.ImageDataset(images, batch_size=4, drop_remainder=True)) == 2


def test_image_dataset_drops_the_ragged_batch_when_shuffling():
    images = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    ds = data.ImageDataset(images, batch_size=4, seed=0)  # drop_remainder=None: drop when shuffling
    assert len(ds) == 2 and ds.drop_remainder
    left_out = set()
    for _ in range(20):
        seen = np.concatenate([ds[i][0] for i in range(len(ds))]).ravel()
        assert len(seen) == 8 and len(set(seen.tolist())) == 8  # full batches of distinct images
        left_out |= set(range(10)) - set(seen.astype(int).tolist())
        ds.on_epoch_end()
    assert left_out == set(range(10)), "a new order every epoch leaves out different images"
    # Kept without shuffling (one epoch sees every image) and when no full batch exists.
    assert len(data.ImageDataset(images, batch_size=4, shuffle=False)) == 3
    assert len(data.ImageDataset(images, batch_size=16)) == 1


def test_image_dataset_trains_a_model():
    model = tiny("gan", seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (40, *model.image_shape)).astype("float32")
    model.fit(data.ImageDataset(x, batch_size=16, seed=0), epochs=2, verbose=0)
    # 40 images in batches of 16: the shuffled dataset skips the ragged 8.
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 2 * 2
