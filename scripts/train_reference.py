"""Train one model from its recorded recipe and ship its weights.

    python scripts/train_reference.py dcgan            # the full recipe (about 30 min on a 2-core CPU)
    python scripts/train_reference.py dcgan --resume   # continue a killed run from its last epoch
    python scripts/train_reference.py dcgan --quick    # a few steps on a small slice (CI)

The recipe (`ganzoo.recipes.recipe(MODEL)`) names the data set, epochs, batch size,
constructor arguments, optimizers and backend. Of the 60,000 Fashion-MNIST training
images, 5,000 (a seeded permutation) are held out for validation and the other 55,000
are trained on (whole batches; the 24 images of a ragged last batch are left out). After
every epoch the run

- computes the domain FID (`fashion_mnist` classifier features) of `validation_samples`
  generated images against the 5,000 held-out images;
- saves `last.keras` and, when the validation FID is the lowest so far, `best.keras`
  (each written to a temporary file and renamed: a kill never leaves a half file);
- appends the epoch to `history.json` (step, validation FID, losses, seconds).

The test split is never looked at. The run stops after `epochs`, or after the first
epoch that ends past the recipe's `max_minutes` of training time, counted as the
process's CPU time and summed over resumes: with one thread (`--threads 1`, the
default) that is the wall-clock time of a quiet machine, and it stays fair when the
machine is shared (both clocks are recorded per epoch). Then, unless `--no-export`, `best.keras` is exported to
`ganzoo/pretrained/` (float16) with its SHA-256, recipe, time and validation history,
and `docs/figures/reference/MODEL.json` records the history for the model card.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HISTORY = "history.json"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a registered model name (ganzoo.list_models())")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output from its last epoch")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2 epochs of 3 steps on 384 images, 256 validation images, no export")
    parser.add_argument("--output", default=None, help="run folder (default runs/reference/MODEL)")
    parser.add_argument("--backend", default=None, help="override the recipe's backend")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads of the backend (default 1: steady on a shared 2-core machine)")
    parser.add_argument("--no-export", action="store_true", help="do not write ganzoo/pretrained/ at the end")
    parser.add_argument("--export-only", action="store_true",
                        help="skip training: export the finished run in --output to ganzoo/pretrained/")
    return parser.parse_args(argv)


def limit_threads(threads: int) -> None:
    if threads and threads > 0:
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(threads))
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(threads))
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        if threads == 1:
            os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")


def split(images, labels, validation_size, seed):
    """(train images, train labels), (validation images, validation labels) from one seeded permutation."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(images))
    held, kept = order[:validation_size], order[validation_size:]
    return (images[kept], labels[kept]), (images[held], labels[held])


def read_history(output):
    path = os.path.join(output, HISTORY)
    if not os.path.exists(path):
        return {"epochs": [], "train_seconds": 0.0}
    with open(path) as f:
        return json.load(f)


def make_callbacks(output, model, validation, history, recipe, steps_per_epoch, deadline):
    import keras

    from ganzoo import callbacks as cb
    from ganzoo._files import atomic_write
    from ganzoo.evaluation import MetricMonitor

    class Record(keras.callbacks.Callback):
        """Adds the epoch to history.json after the checkpoint of that epoch is on disk,
        and stops after the first epoch that ends past the time budget."""

        def on_epoch_begin(self, epoch, logs=None):
            self.start, self.cpu_start = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            cpu_seconds = time.process_time() - self.cpu_start
            history["train_seconds"] += cpu_seconds
            history["wall_seconds"] = history.get("wall_seconds", 0.0) + seconds
            values = {k: float(v) for k, v in (logs or {}).items()}
            history["epochs"].append({"epoch": epoch + 1, "step": (epoch + 1) * steps_per_epoch,
                                      "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), **values})
            best = min(history["epochs"], key=lambda e: e.get("fid", float("inf")))
            history["best_epoch"] = best["epoch"]
            atomic_write(os.path.join(output, HISTORY),
                            lambda tmp: json.dump(history, open(tmp, "w"), indent=1))
            print(f"[{recipe.model}] epoch {epoch + 1}/{recipe.epochs}: validation FID {values.get('fid', 0):.3f} "
                  f"({seconds:.0f} s wall, {cpu_seconds:.0f} s CPU; {history['train_seconds'] / 60:.1f} CPU-min in all; "
                  f"best epoch "
                  f"{best['epoch']})", flush=True)
            if history["train_seconds"] >= deadline:
                print(f"[{recipe.model}] {deadline / 60:.0f}-minute budget reached; stopping", flush=True)
                self.model.stop_training = True

    # Order matters: the monitor adds `fid` to the logs before the checkpoint reads it.
    monitor = MetricMonitor(validation, every=1, metrics=("fid",), num_samples=recipe.validation_samples,
                            extractor="fashion_mnist", seed=0)
    guard = cb.DivergenceGuard(output)
    return guard, [guard, monitor, cb.AtomicCheckpoint(output, monitor="fid", mode="min"),
                   cb.SampleGrid(os.path.join(output, "samples"), n=64, seed=0, gif=False), Record()]


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    from ganzoo import launch
    from ganzoo.recipes import SPLIT_SEED, VALIDATION_SIZE
    from ganzoo.recipes import recipe as get_recipe

    recipe = get_recipe(args.model)  # imports nothing heavy: fails fast on a typo
    launch.prepare(args.backend or recipe.backend)
    limit_threads(args.threads)
    output = args.output or os.path.join(ROOT, "runs", "reference", args.model + ("-quick" if args.quick else ""))
    if args.export_only:
        import ganzoo.models  # noqa: F401  (registers the classes for load_model)

        export(args.model, recipe, read_history(output), os.path.join(output, "best.keras"))
        return
    if os.path.exists(os.path.join(output, "last.keras")) and not args.resume:
        if not args.quick:
            sys.exit(f"{output} already holds a run; pass --resume to continue it or remove the folder.")
        shutil.rmtree(output)
    os.makedirs(output, exist_ok=True)

    import keras

    import ganzoo
    from ganzoo import callbacks as cb
    from ganzoo.models import is_conditional  # also registers the classes for load_model

    images, labels = ganzoo.data.load(recipe.dataset, "train")
    (train_x, train_y), (val_x, _) = split(images, labels, VALIDATION_SIZE, SPLIT_SEED)
    epochs, samples = recipe.epochs, recipe.validation_samples
    if args.quick:
        train_x, train_y, val_x = train_x[:384], train_y[:384], val_x[:256]
        epochs, samples = 2, 256
        recipe = type(recipe)(**{**recipe.__dict__, "epochs": epochs, "validation_samples": samples})
    whole = len(train_x) // recipe.batch_size * recipe.batch_size
    train_x, train_y = train_x[:whole], train_y[:whole]
    steps_per_epoch = whole // recipe.batch_size

    history = read_history(output) if args.resume else {"epochs": [], "train_seconds": 0.0}
    found = cb.resume_state(output) if args.resume else None
    if found:
        path, initial_epoch = found
        model = keras.saving.load_model(path)
        # history.json is written after last.keras: drop epochs the checkpoint does not hold.
        history["epochs"] = [e for e in history["epochs"] if e["epoch"] <= initial_epoch]
        print(f"[{args.model}] resuming from {path} after epoch {initial_epoch}", flush=True)
    else:
        initial_epoch = 0
        model = recipe.build()
    history["recipe"] = recipe.describe()
    history["backend"] = keras.config.backend()
    history["threads"] = args.threads
    deadline = recipe.max_minutes * 60
    guard, callbacks = make_callbacks(output, model, val_x, history, recipe, steps_per_epoch, deadline)
    inputs = (train_x, train_y) if is_conditional(model) else (train_x,)
    print(f"[{args.model}] {keras.config.backend()}, {args.threads} thread(s): {whole} training images, "
          f"{len(val_x)} validation images, {steps_per_epoch} steps per epoch, epochs {initial_epoch + 1}-{epochs}",
          flush=True)
    if initial_epoch < epochs and history["train_seconds"] < deadline:
        model.fit(*inputs, batch_size=recipe.batch_size, epochs=epochs, initial_epoch=initial_epoch,
                  callbacks=callbacks, verbose=0)
    if guard.message:
        sys.exit(guard.message)
    history = read_history(output)
    best = history["best_epoch"]
    print(f"[{args.model}] done: {len(history['epochs'])} epochs, {history['train_seconds'] / 60:.1f} CPU-min, "
          f"{history.get('wall_seconds', 0) / 60:.1f} wall-min of training; best validation FID {history['epochs'][best - 1]['fid']:.3f} at epoch {best}", flush=True)
    if args.quick or args.no_export:
        return
    export(args.model, recipe, history, os.path.join(output, "best.keras"))


def export(name, recipe, history, path):
    """Write the shipped weights of the best checkpoint, and the history for the docs."""
    import keras
    import numpy as np

    import ganzoo
    import ganzoo.models  # noqa: F401  (registers the classes for load_model)
    from ganzoo import pretrained

    model = keras.saving.load_model(path)
    best = history["epochs"][history["best_epoch"] - 1]
    info = {"recipe": recipe.describe(), "epoch": best["epoch"], "step": best["step"],
            "validation_fid": best["fid"], "train_minutes": round(history["train_seconds"] / 60, 1),
            "wall_minutes": round(history.get("wall_seconds", 0) / 60, 1), "epochs_run": len(history["epochs"]),
            "backend": history["backend"], "threads": history["threads"], "ganzoo_version": ganzoo.__version__}
    record = pretrained.write(model, name, recipe.dataset, info)
    # What float16 storage costs, measured: validation FID of the reloaded weights.
    shipped = ganzoo.get(name, weights=recipe.dataset, compile=False)
    from ganzoo.evaluation import generate_samples
    from ganzoo.metrics import feature_extractor
    from ganzoo.metrics.distances import frechet_distance, gaussian_statistics

    images, labels = ganzoo.data.load(recipe.dataset, "train")
    from ganzoo.recipes import SPLIT_SEED, VALIDATION_SIZE

    _, (val_x, _) = split(images, labels, VALIDATION_SIZE, SPLIT_SEED)
    ext = feature_extractor("fashion_mnist")
    real = gaussian_statistics(ext.features(val_x))
    fids = {}
    for label, m in (("float32", model), ("float16", shipped)):
        feats = ext.features(generate_samples(m, recipe.validation_samples, 0))
        fids[label] = frechet_distance(*real, *gaussian_statistics(feats))
    info["validation_fid_float32"], info["validation_fid_float16"] = fids["float32"], fids["float16"]
    # What tests/test_pretrained.py checks on every backend: the domain FID of 2,000 samples
    # against the test images, and generate(64, seed=0) itself.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info["check_fid_2000"] = float(ganzoo.evaluate(shipped, recipe.dataset, metrics=("fid",),
                                                       num_samples=2000, seed=0)["fid"])
    record = pretrained.write(model, name, recipe.dataset, info)
    reference = os.path.join(ROOT, "tests", "fixtures", "pretrained")
    os.makedirs(reference, exist_ok=True)
    np.savez_compressed(os.path.join(reference, f"{name}-{recipe.dataset}.npz"),
                        generate_64_seed_0=shipped.generate(64, seed=0))
    diff = float(np.max(np.abs(model.generate(64, seed=0) - shipped.generate(64, seed=0))))
    print(f"[{name}] exported {record['file']} ({record['bytes'] / 1e6:.2f} MB, sha256 {record['sha256'][:12]}); "
          f"validation FID float32 {fids['float32']:.3f}, float16 {fids['float16']:.3f}; max |image diff| {diff:.4f}",
          flush=True)
    out = os.path.join(ROOT, "docs", "figures", "reference")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump({**history, "export": {k: v for k, v in record.items() if k != "recipe"}}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
