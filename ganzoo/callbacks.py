"""Callbacks for watching and protecting a training run.

- `SampleGrid`: a PNG grid per epoch from fixed noise (and fixed labels for
  conditional models), plus an animated GIF of the epochs at the end.
- `AtomicCheckpoint`: `last.keras` every epoch and `best.keras` on improvement,
  written atomically (temporary file in the same folder, then `os.replace`),
  with a small `state.json` holding the epoch, so `resume_state` can continue
  a run with `fit(initial_epoch=...)`.
- `DivergenceGuard`: stops on a non-finite loss, saves what it has to a
  separate file and says which loss diverged where.

Example:
```python
import ganzoo
from ganzoo.callbacks import AtomicCheckpoint, DivergenceGuard, SampleGrid

images, _ = ganzoo.data.load("digits")
model = ganzoo.get("gan", preset="tiny", image_shape=images.shape[1:])
model.fit(images, epochs=2, batch_size=64, verbose=0, callbacks=[
    SampleGrid("run/samples", n=16), AtomicCheckpoint("run"), DivergenceGuard("run")])
```
"""

from __future__ import annotations

import glob
import json
import math
import os
import threading

import keras
import numpy as np

from ganzoo import registry
from ganzoo._files import atomic_write

STATE_FILE = "state.json"


# ---- images ------------------------------------------------------------
def to_uint8(images: np.ndarray) -> np.ndarray:
    """float images in [-1, 1] to uint8 [0, 255]."""
    return np.clip(np.rint((np.asarray(images, "float32") + 1.0) * 127.5), 0, 255).astype("uint8")


def image_grid(images: np.ndarray, columns: int | None = None, padding: int = 2):
    """Tile `(n, h, w, c)` images in [-1, 1] into one `PIL.Image`.

    Args:
        images: array. `(n, height, width, channels)`, channels 1 or 3.
        columns: int or None. Images per row. Defaults to `ceil(sqrt(n))`.
        padding: int. Pixels of black between images. Defaults to 2.

    Returns:
        A `PIL.Image.Image` in mode `"L"` (grey) or `"RGB"`.
    """
    from PIL import Image

    images = to_uint8(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must be (n, height, width, 1 or 3). Received: shape={images.shape}")
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    canvas = np.zeros((rows * (h + padding) + padding, columns * (w + padding) + padding, c), "uint8")
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        canvas[top:top + h, left:left + w] = image
    return Image.fromarray(canvas[..., 0] if c == 1 else canvas, "L" if c == 1 else "RGB")


def label_rows(n: int, num_classes: int, labels=None) -> tuple[np.ndarray, int]:
    """Labels for a grid with one class per row, and its number of columns.

    Args:
        n: int. Number of images.
        num_classes: int. The model's classes.
        labels: list of int or None. The class of each row; None: every class,
            `0, 1, ..., num_classes - 1`.

    Returns:
        `(labels, columns)`: `n` labels, row by row, and the images per row.

    Raises:
        ValueError: when `n` is not a multiple of the number of rows.
    """
    rows = np.arange(num_classes) if labels is None else np.asarray(labels, "int32").reshape(-1)
    if n % len(rows):
        raise ValueError(
            f"A grid with one class per row needs a number of images that is a multiple of its "
            f"{len(rows)} rows (labels {rows.tolist()}): use n={len(rows) * max(1, round(n / len(rows)))}. "
            f"Received: n={n}"
        )
    columns = n // len(rows)
    return np.repeat(rows, columns).astype("int32"), columns


def generate_images(model, n: int, seed: int | None = 0, labels=None) -> np.ndarray:
    """`model.generate(n, seed)`, with class labels for conditional models.

    For a conditional model (`ganzoo.models.is_conditional`), `labels` defaults
    to one class per row (see `label_rows`; `n` must then be a multiple of the
    classes). Unconditional models refuse labels with a `ValueError`.
    """
    from ganzoo.models import is_conditional  # here: importing the models loads the backend

    if is_conditional(model):
        if labels is None:
            labels, _ = label_rows(n, model.num_classes)
        return model.generate(n, seed=seed, labels=np.asarray(labels, "int32"))
    return model.generate(n, seed=seed, labels=labels)


def save_model_atomic(model: keras.Model, path: str) -> None:
    """`model.save(path)` through a temporary file and an atomic rename."""
    atomic_write(path, model.save)


def _finite_logs(logs) -> dict[str, float]:
    out = {}
    for key, value in (logs or {}).items():
        try:
            out[key] = float(np.asarray(keras.ops.convert_to_numpy(value)))
        except (TypeError, ValueError):
            continue
    return out


# ---- callbacks ---------------------------------------------------------
class SampleGrid(keras.callbacks.Callback):
    """Writes a grid of samples from fixed noise after every `every` epochs.

    The noise (and, for conditional models, the labels `0, 1, 2, ...`) is the
    same at every epoch, so consecutive frames show the generator's progress on
    the same latent points. At the end of training the frames are joined into
    an animated GIF.

    Args:
        directory: str. Folder of the PNGs (`epoch_001.png`, ...), created if needed.
        n: int. Images per grid; for a conditional model, one row per class
            with `n // num_classes` (at least 1) images each. Defaults to 64.
        seed: int. Seed of the fixed noise. Defaults to 0.
        every: int. Write a grid every `every` epochs. Defaults to 1.
        gif: bool. Write `progress.gif` from all frames at the end. Defaults to True.
    """

    def __init__(self, directory: str, n: int = 64, seed: int = 0, every: int = 1, gif: bool = True):
        super().__init__()
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int. Received: n={n!r}")
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int. Received: every={every!r}")
        self.directory, self.n, self.seed, self.every, self.gif = directory, n, seed, every, gif
        self.written: list[str] = []

    def on_train_begin(self, logs=None):
        os.makedirs(self.directory, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        if any(not math.isfinite(v) for v in _finite_logs(logs).values()):
            return  # A diverged model draws noise; keep the last good frame.
        n, labels, columns = self.n, None, None
        from ganzoo.models import is_conditional  # here: importing the models loads the backend

        if is_conditional(self.model):  # one row per class: n rounded down to a multiple of the classes
            num_classes = self.model.num_classes
            n = num_classes * max(1, self.n // num_classes)
            labels, columns = label_rows(n, num_classes)
        grid = image_grid(generate_images(self.model, n, seed=self.seed, labels=labels), columns=columns)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}.png")
        atomic_write(path, lambda tmp: grid.save(tmp, format="PNG"))
        self.written.append(path)

    def on_train_end(self, logs=None):
        if not self.gif:
            return
        frames = sorted(glob.glob(os.path.join(self.directory, "epoch_*.png")))
        if not frames:
            return
        from PIL import Image

        images = [Image.open(f) for f in frames]
        images = [im if im.mode == "L" else im.convert("P", palette=Image.Palette.ADAPTIVE) for im in images]
        path = os.path.join(self.directory, "progress.gif")
        atomic_write(path, lambda tmp: images[0].save(
            tmp, format="GIF", save_all=True, append_images=images[1:], duration=400, loop=0))


class AtomicCheckpoint(keras.callbacks.Callback):
    """Saves `last.keras` every epoch and `best.keras` when `monitor` improves.

    Each file is written to a temporary file in the same folder and renamed
    into place, so a run killed at any moment leaves complete files only. A
    `state.json` next to them records the last completed epoch and the best
    value, for `resume_state`. Epochs with a non-finite loss are not saved
    (see `DivergenceGuard`).

    "Best" is by the monitored log. A GAN's adversarial losses say little about
    sample quality (after a resume the lowest `g_loss` can be the least-trained
    model), so monitor a quality metric such as the `fid` that
    `ganzoo.training.QualityMonitor` or `ganzoo.evaluation.MetricMonitor` add
    to the logs; epochs without the monitored value are never "best".

    Args:
        directory: str. Folder of the checkpoints, created if needed.
        monitor: str or None. Log key that decides `best.keras`; None writes
            only `last.keras`. Defaults to None.
        mode: str. `"min"` or `"max"`. Defaults to `"min"`.
    """

    def __init__(self, directory: str, monitor: str | None = None, mode: str = "min"):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'. Received: mode={mode!r}")
        self.directory, self.monitor, self.mode = directory, monitor, mode
        self.last_path = os.path.join(directory, "last.keras")
        self.best_path = os.path.join(directory, "best.keras")
        self.state_path = os.path.join(directory, STATE_FILE)
        previous = read_state(directory)
        self.best = previous.get("best") if previous else None

    def on_train_begin(self, logs=None):
        os.makedirs(self.directory, exist_ok=True)
        # Temporary files of a run killed while saving (the real files are intact).
        for stale in glob.glob(os.path.join(self.directory, ".*.tmp.*")):
            os.remove(stale)

    def _improved(self, value):
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def on_epoch_end(self, epoch, logs=None):
        values = _finite_logs(logs)
        if any(not math.isfinite(v) for v in values.values()):
            return
        save_model_atomic(self.model, self.last_path)
        value = values.get(self.monitor) if self.monitor else None
        best_epoch = read_state(self.directory).get("best_epoch") if os.path.exists(self.state_path) else None
        if value is not None and self._improved(value):
            self.best, best_epoch = value, epoch + 1
            save_model_atomic(self.model, self.best_path)
        state = {
            "epoch": epoch + 1,
            "model": registry.name_of(self.model) or type(self.model).__name__,
            "backend": keras.config.backend(),
            "monitor": self.monitor,
            "mode": self.mode,
            "best": self.best,
            "best_epoch": best_epoch,
            "logs": values,
        }
        atomic_write(self.state_path, lambda tmp: _write_json(tmp, state))


class CSVLog(keras.callbacks.CSVLogger):
    """`keras.callbacks.CSVLogger` without `val_*` columns when `fit` has no validation data.

    Keras' logger adds a `val_` twin of every column in case validation starts
    later, which leaves a GAN's CSV half full of NA. Columns here are the first
    epoch's log keys (a key that appears only later, such as a metric computed
    every few epochs, is NA where missing).
    """

    def on_epoch_end(self, epoch, logs=None):
        if self.keys is None:
            self.keys = sorted(logs or {})
        super().on_epoch_end(epoch, logs)


def _write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def read_state(directory: str) -> dict:
    """The `state.json` of a checkpoint folder, or `{}` when there is none."""
    path = os.path.join(directory, STATE_FILE)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def resume_state(directory: str) -> tuple[str, int] | None:
    """`(path of last.keras, epochs completed)` of an interrupted run, or None.

    Example:
    ```python
    import keras
    found = resume_state("run")
    if found:
        path, epoch = found
        model = keras.saving.load_model(path)
        model.fit(images, epochs=10, initial_epoch=epoch)
    ```
    """
    last = os.path.join(directory, "last.keras")
    state = read_state(directory)
    if not os.path.exists(last) or "epoch" not in state:
        return None
    return last, int(state["epoch"])


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training on a non-finite loss and says which one diverged, where.

    Unlike `keras.callbacks.TerminateOnNaN` it checks every logged loss (not
    only `loss`), saves the model as it is to `diverged.keras` (separate from
    the good checkpoints, for inspection) and keeps the message in
    `self.message` for the caller.

    Cost. The guard looks at the logs every `check_every` batches and at the
    end of every epoch (the epoch's mean losses are non-finite as soon as one
    batch's was, so nothing is missed, only noticed later). It is
    `async_safe`: on JAX and PyTorch, when no other callback needs the logs
    every batch (`verbose=0`), Keras then reads the losses in a worker thread
    instead of waiting for each step's result on the main thread (TensorFlow
    always waits). The model is saved at the end of the epoch in which the
    divergence was seen, on the main thread, with the weights as they are
    then (a few steps past the bad batch when checks are asynchronous).

    Args:
        directory: str or None. Where to write `diverged.keras`; None saves nothing.
            Defaults to None.
        check_every: int. Check the batch logs every this many batches (1:
            every batch; the epoch end is always checked). Defaults to 1.
    """

    async_safe = True

    def __init__(self, directory: str | None = None, check_every: int = 1):
        super().__init__()
        if isinstance(check_every, bool) or not isinstance(check_every, int) or check_every < 1:
            raise ValueError(f"check_every must be a positive int. Received: check_every={check_every!r}")
        self.directory = directory
        self.check_every = check_every
        self.epoch = 0
        self.message: str | None = None
        self.saved_path: str | None = None
        self._lock = threading.Lock()
        self._found: tuple[int, list[str]] | None = None  # (batch, losses) of this epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        # Runs in a worker thread under async dispatch (several may overlap).
        if self.message or (batch + 1) % self.check_every:
            return
        bad = _non_finite(logs)
        if bad:
            with self._lock:
                if self._found is None or batch < self._found[0]:
                    self._found = (batch, bad)
            # Not `self.model`: on JAX that property writes the step's state
            # back into the variables (`jax_state_sync`), which from a worker
            # thread races the main loop: it can install buffers the next step
            # has already donated and mark them synced.
            self._model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        # Keras has waited for every asynchronous batch check by now.
        if self.message:
            return
        if self._found is not None:
            batch, bad = self._found
            where = f"at epoch {epoch + 1}, batch {batch + 1}"
        else:
            bad = _non_finite(logs)
            if not bad:
                return
            where = f"in epoch {epoch + 1} (seen in its mean losses)"
        self.message = f"Training diverged: {', '.join(bad)} became non-finite {where}."
        self.model.stop_training = True
        if self.directory:
            os.makedirs(self.directory, exist_ok=True)
            self.saved_path = os.path.join(self.directory, "diverged.keras")
            save_model_atomic(self.model, self.saved_path)
            self.message += f" The diverged model is in {self.saved_path}; the last good checkpoint is untouched."
        self.message += " Try a lower learning rate, another loss, or a smaller batch."
        print(f"\n{self.message}", flush=True)


def _non_finite(logs) -> list[str]:
    """The names of the non-finite values in `logs`, sorted."""
    return sorted(k for k, v in _finite_logs(logs).items() if not math.isfinite(v))
