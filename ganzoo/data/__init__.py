"""Data sets as float32 images in [-1, 1], NHWC, with integer labels.

`load(name, split="train")` returns `(images, labels)`.
"""

from __future__ import annotations

import os

import numpy as np

from ganzoo.data.idx import read_idx

DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist"
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] to float32 [-1, 1]."""
    return (images.astype("float32") / 127.5 - 1.0).astype("float32")


def _check_split(split):
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'. Received: split={split!r}")


def load_fashion_mnist(split: str = "train", data_dir: str | None = None):
    _check_split(split)
    candidates = [d for d in (data_dir, os.environ.get("GANZOO_DATA_DIR"), DEBIAN_FASHION_DIR) if d]
    image_file, label_file = _FASHION_FILES[split]
    for folder in candidates:
        if os.path.exists(os.path.join(folder, image_file)):
            images = read_idx(os.path.join(folder, image_file))
            labels = read_idx(os.path.join(folder, label_file))
            return to_unit_range(images[..., None]), labels.astype("int32")
    raise FileNotFoundError(
        f"Fashion-MNIST ({image_file}) not found in: {', '.join(candidates)}. "
        "Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), "
        "or put the four IDX .gz files in a folder and pass data_dir= or set GANZOO_DATA_DIR."
    )


def load_digits(split: str = "train"):
    """scikit-learn's 1797 8x8 digits (offline), 80/20 split by a fixed permutation."""
    _check_split(split)
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    images = (bunch.images / 16.0 * 2.0 - 1.0).astype("float32")[..., None]
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(0.8 * len(images))
    index = order[:cut] if split == "train" else order[cut:]
    return images[index], bunch.target[index].astype("int32")


LOADERS = {"fashion_mnist": load_fashion_mnist, "digits": load_digits}


def load(name: str, split: str = "train", **kwargs):
    """Load a data set as `(images, labels)`: float32 in [-1, 1], NHWC; int32 labels."""
    if name not in LOADERS:
        raise ValueError(f"Unknown data set {name!r}. Available: {', '.join(LOADERS)}. Received: name={name!r}")
    return LOADERS[name](split, **kwargs)
