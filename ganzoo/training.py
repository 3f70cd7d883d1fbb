"""One training run, assembled once: the run folder, callbacks, logs and best checkpoint.

`ganzoo train`, the examples and `docs/make_figures.py` all train through
`run`, so a run folder always looks the same:

    OUTPUT/last.keras        every epoch (atomic), with state.json for --resume
    OUTPUT/best.keras        the epoch with the lowest domain FID (when `quality_images`)
    OUTPUT/samples/          epoch_001.png ... and progress.gif
    OUTPUT/logs/training.csv one row per epoch (no empty val_* columns)
    OUTPUT/logs/tensorboard  when asked for and TensorBoard is installed

`best.keras` is chosen by sample quality, not by a loss (a GAN's losses say
little about its samples): `QualityMonitor` computes the Frechet distance in
the features of the domain classifier shipped with ganzoo
(`ganzoo.metrics.feature_extractor("fashion_mnist")`, which takes any image
size) between `num_samples` generated images and held-out real images. It
runs after the first epoch, after the last, and in between only once the
training time since the previous evaluation is at least 1 / `budget` times
what an evaluation costs, so it slows training by at most `budget` (5%) plus
the first and last evaluation. Without `quality_images` no `best.keras` is written.

Example:
```python
import ganzoo
images, _ = ganzoo.data.load("digits")
held_out, _ = ganzoo.data.load("digits", split="test")
model = ganzoo.get("gan", preset="tiny", image_shape=images.shape[1:])
result = ganzoo.training.run(model, images, output="runs/gan", epochs=2, quality_images=held_out, verbose=0)
result["best"]   # path of best.keras
```
"""

from __future__ import annotations

import importlib.util
import os
import time

import keras
import numpy as np

from ganzoo import callbacks as cb


def tensorboard_available() -> bool:
    """Keras' TensorBoard callback needs both the tensorflow and the tensorboard packages."""
    return all(importlib.util.find_spec(p) is not None for p in ("tensorflow", "tensorboard"))


class QualityMonitor(keras.callbacks.Callback):
    """Adds `fid` (domain FID on held-out images) to the epoch logs, within a time budget.

    Args:
        real_images: array. Held-out real images in [-1, 1].
        num_samples: int. Generated images per evaluation. Defaults to 1000.
        budget: float. Largest fraction of training time spent evaluating,
            after the first evaluation. Defaults to 0.05.
        seed: int. Seed of the generated images (the same every time). Defaults to 0.
    """

    def __init__(self, real_images, num_samples: int = 1000, budget: float = 0.05, seed: int = 0):
        super().__init__()
        if not 0 < budget <= 1:
            raise ValueError(f"budget must be in (0, 1]. Received: budget={budget!r}")
        from ganzoo.evaluation import MetricMonitor

        n = min(int(num_samples), len(real_images))
        self.monitor = MetricMonitor(real_images[:n], metrics=("fid",), num_samples=n, seed=seed)
        self.budget = budget
        self.cost_s = None          # seconds of the last evaluation
        self.evaluated: list[int] = []
        self._since = 0.0           # training seconds since the last evaluation
        self._epoch_start = None

    def on_train_begin(self, logs=None):
        self._last_epoch = self.params.get("epochs", 0) - 1

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self._since += time.perf_counter() - self._epoch_start
        due = (self.cost_s is None or epoch == self._last_epoch
               or self._since * self.budget >= self.cost_s)
        if not due or logs is None:
            return
        start = time.perf_counter()
        self.monitor.set_model(self.model)
        logs.update(self.monitor.compute())
        self.cost_s = time.perf_counter() - start
        self._since = 0.0
        self.evaluated.append(epoch + 1)


def run(model, images, labels=None, *, output: str, epochs: int, batch_size: int = 64,
        initial_epoch: int = 0, steps_per_epoch: int | None = None, samples: int = 64,
        quality_images=None, tensorboard: bool = False, verbose="auto") -> dict:
    """Train `model` into the run folder `output` (see the module docstring).

    Args:
        model: a compiled ganzoo model (from `ganzoo.get`, or a loaded `last.keras`).
        images: array. Training images, float32 in [-1, 1].
        labels: array or None. Integer class ids for conditional models.
        output: str. The run folder, created if needed.
        epochs: int. Train until this epoch.
        batch_size: int. Defaults to 64.
        initial_epoch: int. Epochs already done (from `ganzoo.callbacks.resume_state`). Defaults to 0.
        steps_per_epoch: int or None. Defaults to one pass over `images`.
        samples: int. Images per sample grid. Defaults to 64.
        quality_images: array or None. Held-out real images for `best.keras`
            (see `QualityMonitor`); None writes no `best.keras`. Defaults to None.
        tensorboard: bool. Also write TensorBoard logs (skipped with a note when
            tensorflow or tensorboard is missing). Defaults to False.
        verbose: Keras' `fit` verbosity. Defaults to "auto".

    Returns:
        A dict: `epoch` (epochs done), `seconds` (this call), `last`, `best`
        (None when not written), `samples` (latest grid), `csv`, `tensorboard`,
        `diverged` (the `DivergenceGuard` message or None) and `quality_epochs`.
    """
    log_dir = os.path.join(output, "logs")
    os.makedirs(log_dir, exist_ok=True)
    csv_path = os.path.join(log_dir, "training.csv")
    guard = cb.DivergenceGuard(output)
    grid = cb.SampleGrid(os.path.join(output, "samples"), n=samples, seed=0)
    quality = QualityMonitor(quality_images) if quality_images is not None else None
    callbacks = [guard, *([quality] if quality else []),
                 cb.AtomicCheckpoint(output, monitor="fid" if quality else None),
                 grid, cb.CSVLog(csv_path, append=initial_epoch > 0)]
    tensorboard_dir = None
    if tensorboard:
        if tensorboard_available():
            tensorboard_dir = os.path.join(log_dir, "tensorboard")
            callbacks.append(keras.callbacks.TensorBoard(tensorboard_dir))
        else:
            print("ganzoo: TensorBoard logs skipped (they need the tensorflow and tensorboard "
                  "packages: pip install tensorboard)", flush=True)
    start = time.perf_counter()
    if initial_epoch < epochs:
        model.fit(images, labels, batch_size=batch_size, epochs=epochs, initial_epoch=initial_epoch,
                  steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=verbose)
    state = cb.read_state(output)
    frames = sorted(f for f in os.listdir(grid.directory) if f.startswith("epoch_")) \
        if os.path.isdir(grid.directory) else []
    best = os.path.join(output, "best.keras")
    return {
        "epoch": int(state.get("epoch", initial_epoch)),
        "seconds": time.perf_counter() - start,
        "last": os.path.join(output, "last.keras"),
        "best": best if state.get("best_epoch") and os.path.exists(best) else None,
        "best_epoch": state.get("best_epoch"),
        "best_value": state.get("best"),
        "monitor": state.get("monitor"),
        "samples": os.path.join(grid.directory, frames[-1]) if frames else None,
        "csv": csv_path,
        "tensorboard": tensorboard_dir,
        "diverged": guard.message,
        "quality_epochs": list(quality.evaluated) if quality else [],
    }


def held_out(images, labels=None, fraction: float = 0.1, limit: int = 1000):
    """Split the last `fraction` (at most `limit`) images off for `quality_images`.

    Returns:
        `(train_images, train_labels, held_out_images)`.
    """
    n = min(limit, int(len(images) * fraction))
    if n < 2:
        return images, labels, None
    return images[:-n], None if labels is None else labels[:-n], np.asarray(images[-n:])
