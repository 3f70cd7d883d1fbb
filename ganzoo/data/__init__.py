"""Data sets as float32 images in [-1, 1], NHWC, with integer labels.

`load(name, split="train")` returns `(images, labels)`; `labels` is None for
an unlabelled folder of images. Names:

- `fashion_mnist`, `mnist`, `cifar10`: the standard files, searched in this
  order: `data_dir=` or `$GANZOO_DATA_DIR`; the Keras cache
  (`$KERAS_HOME/datasets`, default `~/.keras/datasets`); for Fashion-MNIST the
  Debian package's folder (`/usr/share/datasets/fashion-mnist`); then Keras'
  normal download. Offline with nothing found, one error names every place
  searched and how to get the data.
- `fashion_mnist_edges`: the paired task edges -> images for image-to-image
  translation (pix2pix): `load` returns `(edge_maps, images)`, the edge maps
  made from the Fashion-MNIST images of the same split by a fixed Sobel filter
  (`ganzoo.data.edges.sobel_edges`: +1 where the gradient magnitude of the
  [0, 1] intensities exceeds 1.0, -1 elsewhere). No labels.
- `fashion_mnist_pair:I,J`: the unpaired task class I <-> class J for
  unpaired translation (cyclegan), e.g. `fashion_mnist_pair:7,9` (sneaker <->
  ankle boot): `load` returns `(images_a, images_b)`, the Fashion-MNIST images
  of class I and of class J from that split, in the source order, the larger
  set cut to the size of the smaller (train 6000 each, test 1000). No labels,
  no pairing.
- `digits`: scikit-learn's 8x8 digits (offline).
- `folder:PATH`: image files under PATH, one subfolder per class (labels are
  the sorted subfolder names' indices), or directly in PATH (no labels).

Example:
```python
import ganzoo
images, labels = ganzoo.data.load("fashion_mnist")        # (60000, 28, 28, 1)
model = ganzoo.get("dcgan", image_shape=images.shape[1:])
model.fit(ganzoo.data.ImageDataset(images, batch_size=64), epochs=1)
```
"""

from __future__ import annotations

import os
import pickle
import socket

import keras
import numpy as np

from ganzoo.data.edges import sobel_edges
from ganzoo.data.idx import read_idx

DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist"
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
_DOWNLOAD_TIMEOUT_S = 60


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] to float32 [-1, 1]."""
    return (images.astype("float32") / 127.5 - 1.0).astype("float32")


def _check_split(split):
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'. Received: split={split!r}")


def keras_cache_dir() -> str:
    """Where `keras.utils.get_file` keeps data sets (`$KERAS_HOME/datasets`)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def _user_dirs(data_dir):
    return [d for d in (data_dir, os.environ.get("GANZOO_DATA_DIR")) if d]


def _download(name, loader, searched, how):
    """Keras' own download; offline, one error naming the places searched."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(_DOWNLOAD_TIMEOUT_S)
    try:
        return loader()
    except Exception as e:  # noqa: BLE001  (no network, proxy, bad archive, ...)
        raise FileNotFoundError(
            f"{name} was not found and could not be downloaded ({type(e).__name__}: {e}). "
            f"Searched: {'; '.join(searched)}. {how}"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)


def _not_found(name, searched, how):
    return FileNotFoundError(f"{name} not found. Searched: {'; '.join(searched)}. {how}")


# ---- Fashion-MNIST -------------------------------------------------------
def load_fashion_mnist(split: str = "train", data_dir: str | None = None, download: bool = True):
    """Fashion-MNIST (Xiao et al. 2017): 28x28 grey, 10 classes, 60000 + 10000 images."""
    _check_split(split)
    image_file, label_file = _FASHION_FILES[split]
    folders = [*_user_dirs(data_dir), os.path.join(keras_cache_dir(), "fashion-mnist"), DEBIAN_FASHION_DIR]
    for folder in folders:
        if os.path.exists(os.path.join(folder, image_file)):
            return _read_idx_pair(os.path.join(folder, image_file), os.path.join(folder, label_file))
    how = ("Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put the four "
           "IDX .gz files in a folder and pass data_dir= (--data-dir) or set GANZOO_DATA_DIR.")
    searched = [os.path.join(f, image_file) for f in folders]
    if not download:
        raise _not_found("Fashion-MNIST", searched, how)
    (x_train, y_train), (x_test, y_test) = _download(
        "Fashion-MNIST", keras.datasets.fashion_mnist.load_data, searched, how)
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    return to_unit_range(x[..., None]), y.astype("int32")


def load_fashion_mnist_edges(split: str = "train", data_dir: str | None = None, download: bool = True):
    """Fashion-MNIST as a paired task: `(edge_maps, images)`, both `(n, 28, 28, 1)` in [-1, 1].

    The images are `load_fashion_mnist(split)`'s, in the same order (same
    splits: 60000 train, 10000 test); the edge maps are
    `ganzoo.data.edges.sobel_edges(images)`, binary (+1 edge, -1 background).
    """
    images, _ = load_fashion_mnist(split, data_dir=data_dir, download=download)
    return sobel_edges(images), images


#: `load("fashion_mnist_pair:I,J")`: two Fashion-MNIST classes as the domains of an unpaired task.
PAIR_PREFIX = "fashion_mnist_pair:"
FASHION_CLASSES = ("t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                   "ankle boot")


def pair_classes(name: str) -> tuple[int, int]:
    """The two class ids of a `"fashion_mnist_pair:I,J"` name, checked."""
    spec = name[len(PAIR_PREFIX):]
    parts = spec.split(",")
    fix = ("Name two different Fashion-MNIST classes 0-9 after the colon, e.g. 'fashion_mnist_pair:7,9' "
           f"(sneaker <-> ankle boot); the classes: {', '.join(f'{i} {c}' for i, c in enumerate(FASHION_CLASSES))}.")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"{fix} Received: name={name!r}")
    a, b = (int(p) for p in parts)
    if not (0 <= a <= 9 and 0 <= b <= 9) or a == b:
        raise ValueError(f"{fix} Received: classes {a} and {b}")
    return a, b


def load_fashion_mnist_pair(split: str = "train", classes: tuple[int, int] = (7, 9), data_dir: str | None = None,
                            download: bool = True):
    """Two Fashion-MNIST classes as an unpaired task: `(images_a, images_b)`, each `(n, 28, 28, 1)` in [-1, 1].

    `images_a` are the images of class `classes[0]` of `load_fashion_mnist(split)`,
    `images_b` those of `classes[1]`, each in the source order, both cut to
    the first `n` = the smaller count (6000 each for the train split, 1000
    for the test split, every class having that many). Deterministic; the
    i-th images of the two sets do not correspond. `load("fashion_mnist_pair:7,9")`
    calls this with `classes=(7, 9)`.
    """
    images, labels = load_fashion_mnist(split, data_dir=data_dir, download=download)
    a, b = (images[labels == c] for c in classes)
    n = min(len(a), len(b))
    return a[:n], b[:n]


def _read_idx_pair(image_path, label_path):
    images = read_idx(image_path)
    if not os.path.exists(label_path):
        raise FileNotFoundError(f"{image_path!r} has no label file next to it ({label_path!r}). "
                                "Put all four IDX files in the same folder.")
    labels = read_idx(label_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{image_path!r} and {label_path!r} do not match: images {images.shape}, labels "
            f"{labels.shape}. Delete them and fetch them again."
        )
    return to_unit_range(images[..., None]), labels.astype("int32")


# ---- MNIST ----------------------------------------------------------------
def read_mnist_npz(path: str, split: str = "train"):
    """Read `mnist.npz` (keys x_train, y_train, x_test, y_test, as keras.datasets stores it)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y = f[f"x_{split}"], f[f"y_{split}"]
    except KeyError as e:
        raise ValueError(f"{path!r} is not an MNIST .npz file (missing {e}). Delete it and fetch it again.") from None
    except Exception as e:  # noqa: BLE001  (zipfile/zlib/EOF errors of a damaged file)
        raise ValueError(f"Could not read {path!r} ({type(e).__name__}: {e}): the file is truncated or "
                         "corrupt. Delete it and fetch it again.") from None
    if x.ndim != 3 or x.dtype != np.uint8 or y.shape != (len(x),):
        raise ValueError(f"{path!r} does not hold MNIST arrays (x {x.shape} {x.dtype}, y {y.shape}). "
                         "Delete it and fetch it again.")
    return to_unit_range(x[..., None]), y.astype("int32")


def load_mnist(split: str = "train", data_dir: str | None = None, download: bool = True):
    """MNIST (LeCun et al. 1998): 28x28 grey digits, 10 classes, 60000 + 10000 images."""
    _check_split(split)
    candidates = [os.path.join(d, "mnist.npz") for d in [*_user_dirs(data_dir), keras_cache_dir()]]
    for path in candidates:
        if os.path.exists(path):
            return read_mnist_npz(path, split)
    how = ("Copy mnist.npz (https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz) into "
           "one of those folders, pass data_dir= (--data-dir), or use the offline fashion_mnist "
           "(`apt-get install dataset-fashion-mnist`).")
    if not download:
        raise _not_found("MNIST", candidates, how)
    (x_train, y_train), (x_test, y_test) = _download("MNIST", keras.datasets.mnist.load_data, candidates, how)
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    return to_unit_range(x[..., None]), y.astype("int32")


# ---- CIFAR-10 -------------------------------------------------------------
class _NumpyOnlyUnpickler(pickle.Unpickler):
    """CIFAR batches are pickles; allow only what NumPy arrays need (no code)."""

    _ALLOWED = {"_reconstruct", "ndarray", "dtype", "scalar", "_frombuffer"}

    def find_class(self, module, name):
        if module.split(".")[0] == "numpy" and name in self._ALLOWED:
            return super().find_class(module, name)
        if (module, name) == ("_codecs", "encode"):  # bytes in protocol-2 pickles
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def read_cifar_batch(path: str):
    """One `cifar-10-batches-py` batch: `(uint8 NHWC images, int32 labels)`."""
    try:
        with open(path, "rb") as f:
            batch = _NumpyOnlyUnpickler(f, encoding="bytes").load()
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
        data = np.asarray(batch["data"], dtype=np.uint8)
        labels = np.asarray(batch["labels"], dtype="int32")
    except (pickle.UnpicklingError, EOFError, KeyError, AttributeError, ValueError, TypeError) as e:
        raise ValueError(f"{path!r} is not a readable CIFAR-10 batch ({type(e).__name__}: {e}): the file is "
                         "truncated or corrupt. Delete the folder and fetch it again.") from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{path!r} does not hold CIFAR-10 data (data {data.shape}, labels {labels.shape}). "
                         "Delete the folder and fetch it again.")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def load_cifar10(split: str = "train", data_dir: str | None = None, download: bool = True):
    """CIFAR-10 (Krizhevsky 2009): 32x32 RGB, 10 classes, 50000 + 10000 images."""
    _check_split(split)
    cache = keras_cache_dir()
    folders = [os.path.join(d, "cifar-10-batches-py") for d in _user_dirs(data_dir)]
    folders += [os.path.join(cache, "cifar-10-batches-py-target", "cifar-10-batches-py"),
                os.path.join(cache, "cifar-10-batches-py")]
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    for folder in folders:
        if os.path.exists(os.path.join(folder, names[0])):
            missing = [n for n in names if not os.path.exists(os.path.join(folder, n))]
            if missing:
                raise FileNotFoundError(f"{folder!r} is incomplete: {', '.join(missing)} missing. "
                                        "Delete it and fetch CIFAR-10 again.")
            parts = [read_cifar_batch(os.path.join(folder, n)) for n in names]
            return (to_unit_range(np.concatenate([p[0] for p in parts])),
                    np.concatenate([p[1] for p in parts]))
    how = ("Extract cifar-10-python.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html) so that "
           "DIR/cifar-10-batches-py/data_batch_1 exists and pass data_dir=DIR (--data-dir DIR) or set "
           "GANZOO_DATA_DIR=DIR.")
    if not download:
        raise _not_found("CIFAR-10", folders, how)
    (x_train, y_train), (x_test, y_test) = _download("CIFAR-10", keras.datasets.cifar10.load_data, folders, how)
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    return to_unit_range(x), y.reshape(-1).astype("int32")


# ---- scikit-learn digits ----------------------------------------------------
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


# ---- a folder of images -----------------------------------------------------
def _image_files(folder):
    return sorted(
        os.path.join(folder, f) for f in os.listdir(folder)
        if f.lower().endswith(_IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(folder, f))
    )


def load_folder(path: str, image_size: int | tuple[int, int] | None = None, grayscale: bool | None = None):
    """Images under `path`: one subfolder per class, or all directly in `path`.

    Args:
        path: str. The folder.
        image_size: int, (height, width) or None. Resize every image to this
            size; None keeps the size, which must then be the same for all.
            Defaults to None.
        grayscale: bool or None. Load as 1 channel (True) or RGB (False);
            None picks grey when the first image is grey. Defaults to None.

    Returns:
        `(images, labels)`; labels are indices into the sorted subfolder
        names, or None when the images are directly in `path`.
    """
    from PIL import Image, UnidentifiedImageError

    if not os.path.isdir(path):
        raise FileNotFoundError(f"Image folder {path!r} does not exist. Pass folder:PATH with an existing folder "
                                "holding one subfolder of images per class (or the images themselves).")
    classes = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)) and _image_files(os.path.join(path, d)))
    if classes:
        files = [(f, i) for i, c in enumerate(classes) for f in _image_files(os.path.join(path, c))]
    else:
        files = [(f, -1) for f in _image_files(path)]
    if not files:
        raise ValueError(f"No image files ({', '.join(_IMAGE_EXTENSIONS)}) in {path!r} or its subfolders. "
                         "Put one subfolder of images per class there.")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if image_size is not None and (len(image_size) != 2 or min(image_size) < 1):
        raise ValueError(f"image_size must be a positive int or (height, width). Received: image_size={image_size!r}")
    if grayscale is None:
        with Image.open(files[0][0]) as first:
            grayscale = first.mode in ("1", "L", "LA", "I", "I;16")
    arrays = []
    for file, _ in files:
        try:
            image = keras.utils.load_img(file, color_mode="grayscale" if grayscale else "rgb",
                                         target_size=image_size, interpolation="bilinear")
        except (OSError, UnidentifiedImageError) as e:
            raise ValueError(f"Could not read image {file!r} ({e}). Remove or replace it.") from None
        arrays.append(np.asarray(image, dtype=np.uint8).reshape(image.size[1], image.size[0], -1))
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"The images in {path!r} have different sizes ({sorted(shapes)[:3]}...). "
                         "Pass image_size= (--image-size) to resize them all.")
    labels = np.array([label for _, label in files], "int32") if classes else None
    return to_unit_range(np.stack(arrays)), labels


def _load_folder(split="train", path="", **kwargs):
    _check_split(split)
    return load_folder(path, **kwargs)


LOADERS = {"fashion_mnist": load_fashion_mnist, "mnist": load_mnist, "cifar10": load_cifar10,
           "digits": load_digits, "fashion_mnist_edges": load_fashion_mnist_edges}
#: Data sets that `load` returns as `(inputs, targets)` image pairs, not `(images, labels)`.
PAIRED = frozenset({"fashion_mnist_edges"})


def returns_two_image_sets(name: str) -> bool:
    """Whether `load(name)` returns two sets of images (a translation task), not `(images, labels)`:
    the paired `fashion_mnist_edges` and the unpaired `fashion_mnist_pair:I,J`."""
    return isinstance(name, str) and (name in PAIRED or name.startswith(PAIR_PREFIX))


def load(name: str, split: str = "train", **kwargs):
    """Load a data set as `(images, labels)`: float32 in [-1, 1], NHWC; int32 labels.

    The paired set `"fashion_mnist_edges"` returns `(edge_maps, images)` instead
    (inputs and targets of an image-to-image model), both in [-1, 1]; the
    unpaired `"fashion_mnist_pair:I,J"` returns `(images_a, images_b)`, the
    images of class I and of class J, as many of each
    (`load_fashion_mnist_pair`).

    Args:
        name: str. `"fashion_mnist"`, `"mnist"`, `"cifar10"`, `"digits"`,
            `"fashion_mnist_edges"`, `"fashion_mnist_pair:I,J"` (two classes
            0-9, e.g. `"fashion_mnist_pair:7,9"`) or `"folder:PATH"`.
        split: str. `"train"` or `"test"` (a folder has one split). Defaults to `"train"`.
        **kwargs: `data_dir=` and `download=` for the file-based sets;
            `image_size=` and `grayscale=` for folders.

    Returns:
        `(images, labels)`: float32 `(n, height, width, channels)` in [-1, 1] and
        int32 `(n,)` labels, or None for an unlabelled folder.
    """
    check_name(name)
    if name.startswith("folder:"):
        return _load_folder(split, name[len("folder:"):], **kwargs)
    if name.startswith(PAIR_PREFIX):
        return load_fashion_mnist_pair(split, pair_classes(name), **kwargs)
    return LOADERS[name](split, **kwargs)


def check_name(name: str) -> None:
    """Raise a `ValueError` (with a "did you mean") unless `load` knows the data set `name`."""
    if isinstance(name, str) and name.startswith(PAIR_PREFIX):
        pair_classes(name)
        return
    if isinstance(name, str) and (name in LOADERS or name.startswith("folder:")):
        return
    import difflib

    key = str(name).lower().replace("-", "_")
    close = [n for n in LOADERS if n == key] or difflib.get_close_matches(key, list(LOADERS), n=2, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"Unknown data set {name!r}.{hint} Available: {', '.join(LOADERS)}, fashion_mnist_pair:I,J, folder:PATH. "
                     f"Received: name={name!r}")


class ImageDataset(keras.utils.PyDataset):
    """Shuffled batches of images (and labels) from NumPy, on every backend, no tf.data.

    Args:
        images: array. `(n, height, width, channels)` float32 in [-1, 1].
        labels: array or None. `(n,)` int labels, yielded as the batch's `y`.
            Defaults to None.
        batch_size: int. Defaults to 64.
        shuffle: bool. New order every epoch. Defaults to True.
        seed: int or None. Seed of the shuffling. Defaults to None.
        drop_remainder: bool or None. Skip the last, smaller batch. None
            (default): skip it when shuffling (and there is at least one full
            batch), keep it otherwise. A ragged last batch has another shape,
            so a jitted train step (JAX, TF with XLA) compiles a second time,
            and its BatchNorm statistics come from fewer images. A GAN loses
            nothing by skipping it when the order changes every epoch: each
            epoch leaves out `len(images) % batch_size` different images at
            random. Padding is not offered: repeated images would bias the
            batch statistics and the losses. Without shuffling the remainder
            is kept, so one epoch still sees every image. Defaults to None.
        **kwargs: `workers`, `use_multiprocessing`, `max_queue_size` of PyDataset.

    Example:
    ```python
    import ganzoo
    images, _ = ganzoo.data.load("digits")
    model = ganzoo.get("gan", preset="tiny", image_shape=images.shape[1:])
    model.fit(ganzoo.data.ImageDataset(images, batch_size=32, seed=0), epochs=1)
    ```
    """

    def __init__(self, images, labels=None, batch_size: int = 64, shuffle: bool = True,
                 seed: int | None = None, drop_remainder: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int. Received: batch_size={batch_size!r}")
        if labels is not None and len(labels) != len(images):
            raise ValueError(f"images and labels differ in length. Received: {len(images)} images, "
                             f"{len(labels)} labels")
        self.images, self.labels = images, labels
        if drop_remainder is None:
            drop_remainder = shuffle and len(images) >= batch_size
        self.batch_size, self.shuffle, self.drop_remainder = batch_size, shuffle, bool(drop_remainder)
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(images))
        if shuffle:
            self._rng.shuffle(self._order)

    def __len__(self):
        n = len(self.images)
        return n // self.batch_size if self.drop_remainder else -(-n // self.batch_size)

    def __getitem__(self, index):
        rows = np.sort(self._order[index * self.batch_size:(index + 1) * self.batch_size])
        x = np.asarray(self.images[rows], dtype="float32")
        if self.labels is None:
            return (x,)
        return x, np.asarray(self.labels[rows], dtype="int32")

    def on_epoch_end(self):
        if self.shuffle:
            self._rng.shuffle(self._order)
