"""GAN samples as training data: a classifier with N labelled images per class, alone or with cGAN / cVAE samples.

    python examples/augment_classifier.py                     # N = 10, 50, 100
    python examples/augment_classifier.py --resume            # reuse the generators a killed run trained
    python examples/augment_classifier.py --quick             # a smoke test, seconds

For each N, only N labelled Fashion-MNIST training images per class are used (10 N in
all, a seeded choice; the rest of the 60,000 are never seen). On those images alone it
trains

- a class-conditional GAN (`ganzoo.get("cgan")`, EMA 0.999, the DCGAN paper's Adam, batch
  64; DiffAugment `--augment` on by default, since these are tiny data sets), and
- a conditional VAE (`ganzoo.get("cvae")`, Adam(1e-3), batch 64),

each for `--gan-steps` steps. Then the same small CNN (`ganzoo.metrics.classifier`, the
network of the CAS metric) is trained for `--classifier-steps` steps of batch 64 on

- **real**: the 10 N real images;
- **real + cGAN**: the real images and `--samples-per-class` cGAN samples per class,
  the real images repeated so that half of the training images are real;
- **real + cVAE**: the same with cVAE samples;

and tested on the 10,000 test images. Each classifier is trained with `--seeds` seeds
(initialisation, dropout and order); the table gives the mean and standard deviation of
the test accuracy. A classifier trained the same way on all 60,000 real training images
gives the ceiling.

The output folder holds `results.json`, `results.md` (the table), `accuracy.png`
(accuracy against N), `samples_N.png` (rows: real images of each class, cGAN samples,
cVAE samples), and the trained generators (`N/cgan.keras`, `N/cvae.keras`, written
atomically: `--resume` reuses them).
"""

import argparse
import json
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--per-class", default="10,50,100", help="comma-separated N, labelled images per class")
parser.add_argument("--gan-steps", type=int, default=1000, help="training steps of each cGAN and cVAE (default 1000)")
parser.add_argument("--classifier-steps", type=int, default=500, help="training steps of each classifier")
parser.add_argument("--samples-per-class", type=int, default=500, help="generated images per class added")
parser.add_argument("--seeds", type=int, default=2, help="classifier seeds per setting (default 2)")
parser.add_argument("--augment", default="color,translation,cutout",
                    help="the cGAN's DiffAugment policy ('none' to train without)")
parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                    help="Keras backend (default: $KERAS_BACKEND, else the fastest measured on this machine)")
parser.add_argument("--output", default="runs/augment_classifier")
parser.add_argument("--resume", action="store_true", help="reuse the generators saved in --output")
parser.add_argument("--quick", action="store_true", help="tiny models, N = 3, a few steps, 500 test images")
args = parser.parse_args()

try:
    per_class = sorted({int(text) for text in args.per_class.split(",")})
except ValueError:
    parser.error(f"--per-class takes integers such as 10,50,100. Received: {args.per_class!r}")
if not per_class or per_class[0] < 1:
    parser.error(f"every N must be at least 1. Received: --per-class {args.per_class}")
for flag in ("gan_steps", "classifier_steps", "samples_per_class", "seeds"):
    if getattr(args, flag) < 1:
        parser.error(f"--{flag.replace('_', '-')} must be at least 1. Received: {getattr(args, flag)}")

try:  # checked before any training: the curves are drawn at the end
    import matplotlib
except ImportError:
    raise SystemExit("this example draws its curves with matplotlib: pip install matplotlib "
                     "(or the examples extra: pip install \".[examples]\")") from None

from ganzoo import launch  # noqa: E402  (imports nothing heavy: --help stays instant)

backend, _ = launch.choose_demo_backend(args.backend)

import keras  # noqa: E402  (Keras loads here, with that backend)
import numpy as np  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo import callbacks as cb  # noqa: E402
from ganzoo._files import atomic_write  # noqa: E402
from ganzoo.metrics.classifier import accuracy, build_classifier  # noqa: E402

BATCH, CLASSES = 64, 10
augment = None if args.augment.lower() == "none" else args.augment
preset, gan_steps, classifier_steps = "default", args.gan_steps, args.classifier_steps
samples_per_class, seeds = args.samples_per_class, args.seeds
train_x, train_y = ganzoo.data.load("fashion_mnist", "train")
test_x, test_y = ganzoo.data.load("fashion_mnist", "test")
if args.quick:
    per_class, preset, gan_steps, classifier_steps, samples_per_class, seeds = [3], "tiny", 4, 8, 8, 1
    test_x, test_y = test_x[:500], test_y[:500]
    train_x, train_y = train_x[:2000], train_y[:2000]


def repeat_to(count, size, seed):
    """Indices into `size` items, whole seeded permutations, cut to `count`."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(size) for _ in range(-(-count // size))])[:count]


def labelled_subset(n):
    """The first n images of each class in a seeded order of the training set."""
    order = np.random.default_rng(0).permutation(len(train_y))
    picks = np.concatenate([order[train_y[order] == k][:n] for k in range(CLASSES)])
    return train_x[picks], train_y[picks]


def train_generator(name, x, y, folder):
    """A cGAN or cVAE trained for `gan_steps` steps on (x, y), saved to FOLDER/NAME.keras."""
    path = os.path.join(folder, f"{name}.keras")
    if args.resume and os.path.exists(path):
        print(f"N={len(y) // CLASSES}: reusing {path}", flush=True)
        return keras.saving.load_model(path)
    if name == "cgan":
        model = ganzoo.get("cgan", preset=preset, ema=0.999, seed=0, augment=augment)
    else:
        model = ganzoo.get("cvae", preset=preset, seed=0, compile=False)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
    picks = repeat_to(gan_steps * BATCH, len(y), seed=1)
    model.fit(x[picks], y[picks], batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    os.makedirs(folder, exist_ok=True)
    atomic_write(path, model.save)
    return model


def classifier_accuracy(x, y, seed):
    """Test accuracy of the CAS network trained `classifier_steps` steps on (x, y)."""
    keras.utils.set_random_seed(seed)
    model = build_classifier(x.shape[1:], CLASSES, batch_norm_momentum=0.9)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    picks = repeat_to(classifier_steps * BATCH, len(y), seed)
    model.fit(x[picks], y[picks], batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return accuracy(model, test_x, test_y)


def scores(x, y):
    values = [classifier_accuracy(x, y, seed) for seed in range(seeds)]
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "values": values}


results = {"backend": backend, "gan_steps": gan_steps, "classifier_steps": classifier_steps, "batch_size": BATCH,
           "samples_per_class": samples_per_class, "seeds": seeds, "cgan_augment": augment,
           "test_images": len(test_y), "per_class": {}}
results["all_real"] = {"images": len(train_y), **scores(train_x, train_y)}
print(f"all {len(train_y)} real images: test accuracy {results['all_real']['mean']:.4f}", flush=True)
for n in per_class:
    folder = os.path.join(args.output, str(n))
    real_x, real_y = labelled_subset(n)
    row = {"real": scores(real_x, real_y)}
    labels = np.repeat(np.arange(CLASSES), samples_per_class).astype("int32")
    shown = [real_x[[np.flatnonzero(real_y == k)[0] for k in range(CLASSES)]]]
    for name in ("cgan", "cvae"):
        generator = train_generator(name, real_x, real_y, folder)
        fake_x = generator.generate(len(labels), labels=labels, seed=0)
        # Half real: the real images repeated to as many as the generated ones.
        real_picks = repeat_to(len(labels), len(real_y), seed=2)
        row[name] = scores(np.concatenate([real_x[real_picks], fake_x]),
                           np.concatenate([real_y[real_picks], labels]))
        shown.append(generator.generate(CLASSES, labels=np.arange(CLASSES), seed=1))
    results["per_class"][str(n)] = row
    cb.image_grid(np.concatenate(shown), columns=CLASSES).save(os.path.join(args.output, f"samples_{n}.png"))
    print(f"N={n}: real {row['real']['mean']:.4f}, +cGAN {row['cgan']['mean']:.4f}, "
          f"+cVAE {row['cvae']['mean']:.4f}", flush=True)
    os.makedirs(args.output, exist_ok=True)
    atomic_write(os.path.join(args.output, "results.json"),
                 lambda tmp: json.dump(results, open(tmp, "w"), indent=1))

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

figure, axis = plt.subplots(figsize=(6.4, 4.0))
for key, label in (("real", "real only"), ("cgan", "real + cGAN"), ("cvae", "real + cVAE")):
    rows = [results["per_class"][str(n)][key] for n in per_class]
    axis.errorbar(per_class, [r["mean"] for r in rows], yerr=[r["std"] for r in rows], marker="o", capsize=3,
                  label=label)
axis.axhline(results["all_real"]["mean"], color="grey", linestyle=":",
             label=f"all {results['all_real']['images']:,} real images")
axis.set_xscale("log")
axis.set_xticks(per_class, [str(n) for n in per_class])
axis.set_xlabel("labelled real images per class (N)")
axis.set_ylabel(f"test accuracy ({len(test_y):,} images)")
axis.grid(alpha=0.3)
axis.legend()
figure.tight_layout()
figure.savefig(os.path.join(args.output, "accuracy.png"), dpi=100)

lines = ["| N per class | real only | real + cGAN | real + cVAE |", "|---:|---:|---:|---:|"]
for n in per_class:
    row = results["per_class"][str(n)]
    lines.append(f"| {n} | " + " | ".join(f"{row[k]['mean']:.3f} ± {row[k]['std']:.3f}"
                                          for k in ("real", "cgan", "cvae")) + " |")
lines.append(f"| all ({results['all_real']['images']:,} images) | {results['all_real']['mean']:.3f} "
             f"± {results['all_real']['std']:.3f} | | |")
with open(os.path.join(args.output, "results.md"), "w") as handle:
    handle.write("\n".join(lines) + "\n")

print(f"\nKeras backend: {backend}; generators {gan_steps} steps, classifiers {classifier_steps} steps of batch "
      f"{BATCH}, {seeds} seed(s); test accuracy on {len(test_y):,} images (mean ± std)")
print("\n".join(lines))
print(f"Plot:    {os.path.join(args.output, 'accuracy.png')}")
print(f"Samples: {os.path.join(args.output, 'samples_N.png')} (rows: real, cGAN, cVAE; one column per class)")
