"""DiffAugment on little data: DCGAN on 10% and on 100% of Fashion-MNIST, with and without it.

    python examples/diffaugment_small_data.py                  # 4 runs of 2,000 steps each
    python examples/diffaugment_small_data.py --resume         # continue a killed study
    python examples/diffaugment_small_data.py --fractions 0.01,0.1,1   # add a 1% pair
    python examples/diffaugment_small_data.py --quick          # a smoke test, seconds

Zhao et al. (2020) report that a GAN trained on a tenth of its data collapses because
its discriminator memorises the few real images, and that augmenting every image the
discriminator sees, real and generated alike, with differentiable transforms
(`augment="color,translation,cutout"`, see `ganzoo.augment`) recovers much of the loss.
This script measures that claim on Fashion-MNIST with the zoo's DCGAN.

Each run trains `ganzoo.get("dcgan", ema=0.999, seed=0)` with the DCGAN paper's
Adam(2e-4, beta_1=0.5) for both players, batch 64, for the same number of generator
steps (`--steps`), on a fraction of the training images, with or without `augment`.
The images: of the 60,000 training images, the 5,000 held out for validation by the
reference recipes (`ganzoo.recipes`, seeded permutation) are never trained on; a
fraction f trains on the first f x 55,000 of the rest. The same step budget means a 10%
run passes over its images ten times as often as the 100% run.

Every `--chunk` steps each run records its validation FID (2,000 samples against the
5,000 held-out images, `fashion_mnist` features) and saves `last.keras` atomically, so a
killed study loses at most one chunk. At the end each run's final model (not the best
chunk: the same budget for all) is evaluated on the 10,000 test images: domain FID and
KID of 10,000 samples.

The output folder holds `results.json`, `results.md` (the table), `curves.png`
(validation FID against step, one line per run), `samples.png` (one row of samples per
run) and a folder per run.
"""

import argparse
import json
import os
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--fractions", default="0.1,1",
                    help="comma-separated fractions of the 55,000 training images (default: 0.1,1)")
parser.add_argument("--policy", default="color,translation,cutout", help="the DiffAugment policy of the augmented runs")
parser.add_argument("--steps", type=int, default=2000, help="generator steps per run (default 2000)")
parser.add_argument("--chunk", type=int, default=500, help="steps between validation FIDs and checkpoints")
parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                    help="Keras backend (default: $KERAS_BACKEND, else the fastest measured on this machine)")
parser.add_argument("--output", default="runs/diffaugment")
parser.add_argument("--resume", action="store_true", help="continue the runs in --output where they stopped")
parser.add_argument("--quick", action="store_true", help="tiny models, 2 chunks of 3 steps, 256 samples")
args = parser.parse_args()

try:  # checked before any training: the curves are drawn at the end
    import matplotlib
except ImportError:
    raise SystemExit("this example draws its curves with matplotlib: pip install matplotlib "
                     "(or the examples extra: pip install \".[examples]\")") from None

from ganzoo import launch  # noqa: E402  (imports nothing heavy: --help stays instant)

fractions = []
for text in args.fractions.split(","):
    try:
        fractions.append(float(text))
    except ValueError:
        parser.error(f"--fractions takes numbers such as 0.1,1. Received: {args.fractions!r}")
if not fractions or any(not 0 < f <= 1 for f in fractions):
    parser.error(f"every fraction must be in (0, 1]. Received: --fractions {args.fractions}")
if args.steps < 1 or args.chunk < 1:
    parser.error(f"--steps and --chunk must be positive. Received: --steps {args.steps} --chunk {args.chunk}")

backend, _ = launch.choose_demo_backend(args.backend)

import keras  # noqa: E402  (Keras loads here, with that backend)
import numpy as np  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo import callbacks as cb  # noqa: E402
from ganzoo._files import atomic_write  # noqa: E402
from ganzoo.augment import parse_policy  # noqa: E402
from ganzoo.evaluation import MetricMonitor  # noqa: E402
from ganzoo.metrics.extractors import feature_extractor  # noqa: E402
from ganzoo.recipes import SPLIT_SEED, VALIDATION_SIZE  # noqa: E402

policy = ",".join(parse_policy(args.policy))  # a typo fails here, before any training
BATCH = 64
images, _ = ganzoo.data.load("fashion_mnist", "train")
order = np.random.default_rng(SPLIT_SEED).permutation(len(images))  # the recipes' split
validation, pool = images[order[:VALIDATION_SIZE]], images[order[VALIDATION_SIZE:]]
steps, chunk, val_samples, test_samples = args.steps, args.chunk, 2000, 10000
preset = "default"
if args.quick:
    steps, chunk, val_samples, test_samples, preset = 6, 3, 256, 256, "tiny"
    validation = validation[:512]
chunks = -(-steps // chunk)


def run_name(fraction, augment):
    return f"{fraction * 100:g}pct-" + ("augment" if augment else "plain")


def train(fraction, augment):
    """Train one run for `steps` generator steps in chunks; returns (model, history)."""
    name = run_name(fraction, augment)
    folder = os.path.join(args.output, name)
    subset = pool[:max(BATCH, int(round(fraction * len(pool))))]
    # One "epoch" of fit is a chunk: the subset repeated (in a fresh seeded order each
    # chunk) to fill `chunk` whole batches, so every run takes the same steps.
    history_path = os.path.join(folder, "history.json")
    found = cb.resume_state(folder) if args.resume else None
    if found:
        path, start = found
        model = keras.saving.load_model(path)
        with open(history_path) as handle:
            history = [h for h in json.load(handle) if h["chunk"] <= start]
        print(f"{name}: resuming from {path} after chunk {start}", flush=True)
    else:
        if os.path.exists(os.path.join(folder, "last.keras")):
            raise SystemExit(f"{folder} already holds a run; pass --resume to continue it or remove the folder.")
        start, history = 0, []
        model = ganzoo.get("dcgan", preset=preset, ema=0.999, seed=0, augment=policy if augment else None,
                           compile=False)
        model.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                      g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    monitor = MetricMonitor(validation, every=1, metrics=("fid",), num_samples=val_samples, seed=0)
    checkpoint = cb.AtomicCheckpoint(folder)
    for index in range(start, chunks):
        rng = np.random.default_rng([0, index])  # the same orders whether or not the run was resumed
        picks = np.concatenate([rng.permutation(len(subset)) for _ in range(-(-chunk * BATCH // len(subset)))])
        batch = subset[picks[:chunk * BATCH]]
        began = time.process_time()
        logs = model.fit(batch, batch_size=BATCH, epochs=index + 1, initial_epoch=index, shuffle=False,
                         verbose=0, callbacks=[monitor, checkpoint]).history
        history.append({"chunk": index + 1, "step": (index + 1) * chunk, "fid": float(logs["fid"][-1]),
                        "cpu_seconds": round(time.process_time() - began, 1),
                        **{k: float(v[-1]) for k, v in logs.items() if k != "fid"}})
        os.makedirs(folder, exist_ok=True)
        atomic_write(history_path, lambda tmp: json.dump(history, open(tmp, "w"), indent=1))
        print(f"{name}: step {history[-1]['step']}/{chunks * chunk}, validation FID {history[-1]['fid']:.2f} "
              f"({history[-1]['cpu_seconds']:.0f} CPU-s)", flush=True)
    return model, history


results = {"backend": backend, "steps": chunks * chunk, "batch_size": BATCH, "policy": policy,
           "validation_samples": val_samples, "test_samples": test_samples,
           "training_images": {f"{f:g}": max(BATCH, int(round(f * len(pool)))) for f in fractions}, "runs": {}}
results["extractor"] = feature_extractor("fashion_mnist").describe()
grids = []
for fraction in fractions:
    for augment in (False, True):
        model, history = train(fraction, augment)
        scores = ganzoo.evaluate(model, "fashion_mnist", metrics=("fid", "kid"), num_samples=test_samples, seed=0,
                                 kid_subsets=10 if args.quick else 100,
                                 kid_subset_size=100 if args.quick else 1000)
        results["runs"][run_name(fraction, augment)] = {
            "fraction": fraction, "augment": policy if augment else None, "history": history,
            "test_fid": float(scores["fid"]), "test_kid": float(scores["kid"]),
            "best_validation_fid": min(h["fid"] for h in history),
            "cpu_minutes": round(sum(h["cpu_seconds"] for h in history) / 60, 1)}
        grids.append(model.generate(12, seed=0))

os.makedirs(args.output, exist_ok=True)
with open(os.path.join(args.output, "results.json"), "w") as handle:
    json.dump(results, handle, indent=1)
cb.image_grid(np.concatenate(grids), columns=12).save(os.path.join(args.output, "samples.png"))

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

figure, axis = plt.subplots(figsize=(6.4, 4.0))
for name, run in results["runs"].items():
    axis.plot([h["step"] for h in run["history"]], [h["fid"] for h in run["history"]], marker="o",
              linestyle="-" if run["augment"] else "--", label=name)
axis.set_xlabel("generator step")
axis.set_ylabel(f"validation FID ({val_samples} samples)")
axis.set_yscale("log")
axis.grid(alpha=0.3)
axis.legend()
figure.tight_layout()
figure.savefig(os.path.join(args.output, "curves.png"), dpi=100)

lines = ["| training images | augment | test FID | test KID | best validation FID | CPU-min |",
         "|---:|:---|---:|---:|---:|---:|"]
for run in results["runs"].values():
    count = results["training_images"][f"{run['fraction']:g}"]
    lines.append(f"| {count:,} ({run['fraction'] * 100:g}%) "
                 f"| {run['augment'] or 'none'} | {run['test_fid']:.2f} | {run['test_kid']:.4f} "
                 f"| {run['best_validation_fid']:.2f} | {run['cpu_minutes']} |")
with open(os.path.join(args.output, "results.md"), "w") as handle:
    handle.write("\n".join(lines) + "\n")

print(f"\nKeras backend: {backend}; {results['steps']} steps of batch {BATCH} per run; "
      f"test FID/KID on {test_samples} samples against the test images")
print("\n".join(lines))
print(f"Curves:  {os.path.join(args.output, 'curves.png')}")
print(f"Samples: {os.path.join(args.output, 'samples.png')} (one row per run, in the table's order)")
