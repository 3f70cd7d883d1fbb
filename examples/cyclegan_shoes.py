"""CycleGAN between two Fashion-MNIST classes, sneakers <-> ankle boots, offline, measured.

    python examples/cyclegan_shoes.py                 # 4 epochs of 6,000 + 6,000 unpaired images
    python examples/cyclegan_shoes.py --resume        # continue a killed run where it stopped
    python examples/cyclegan_shoes.py --quick         # a smoke test, seconds

Trains `ganzoo.get("cyclegan")` on the unpaired task `ganzoo.data.load("fashion_mnist_pair:7,9")`:
domain A is the sneakers (class 7), domain B the ankle boots (class 9), 6,000 training images
each with no pairing between them. Optimizers: the paper's Adam(2e-4, beta_1=0.5) for both
pairs of players, the learning rate decayed linearly to 0 over the run (the paper holds it
for the first half, then decays it; a straight line is Keras' `PolynomialDecay(power=1)`).

Then on the 1,000 + 1,000 test images of the two classes it reports, for each direction:

- `share_classified_as_target`: how often the `fashion_mnist` domain classifier puts a
  translation in the target class (a2b: a translated sneaker called an ankle boot); the
  classifier's accuracy on the real test images of the two classes is reported beside it;
- `cycle_l1`: mean |F(G(a)) - a| (a2b, then back) over pixels in [-1, 1];
- `fid`: domain FID of the translations against the real test images of the target class
  (1,000 against 1,000; features of the same classifier). Two references put it on a
  scale: `fid_source_vs_target` (the untranslated test images of the source class against
  the target class: what doing nothing scores) and `fid_train_vs_test` (1,000 real training
  images of the target class against its test images: the floor at this sample size).

The run folder holds `translations.png` (rows: sneaker, its translation to a boot, back
again; ankle boot, its translation to a sneaker, back again; 12 test images each),
`results.json`, `last.keras` (written atomically after every epoch, so a killed run loses
at most one epoch) and `logs.csv`.
"""

import argparse
import json
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="tiny model, 128 images per domain, 1 epoch, 128 test images")
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--classes", default="7,9", help="the two Fashion-MNIST classes A,B (default 7,9: sneaker, ankle boot)")
parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                    help="Keras backend (default: $KERAS_BACKEND, else the fastest measured on this machine)")
parser.add_argument("--output", default="runs/cyclegan_shoes")
parser.add_argument("--resume", action="store_true", help="continue the run in --output from its last epoch")
args = parser.parse_args()

from ganzoo import launch  # noqa: E402  (imports nothing heavy: --help stays instant)

backend, _ = launch.choose_demo_backend(args.backend)

import keras  # noqa: E402  (Keras loads here, with that backend)
import numpy as np  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo import callbacks as cb  # noqa: E402
from ganzoo.metrics import frechet_distance  # noqa: E402
from ganzoo.metrics.distances import gaussian_statistics  # noqa: E402
from ganzoo.metrics.extractors import feature_extractor  # noqa: E402

pair = f"fashion_mnist_pair:{args.classes}"
class_a, class_b = ganzoo.data.pair_classes(pair)
train_a, train_b = ganzoo.data.load(pair)  # (6000, 28, 28, 1) each, in [-1, 1]
test_a, test_b = ganzoo.data.load(pair, split="test")  # (1000, 28, 28, 1) each
n_train, n_test = (128, 128) if args.quick else (len(train_a), len(test_a))
train_a, train_b, test_a, test_b = train_a[:n_train], train_b[:n_train], test_a[:n_test], test_b[:n_test]
epochs = 1 if args.quick else args.epochs
steps = epochs * (n_train // args.batch_size)

found = cb.resume_state(args.output) if args.resume else None
start = 0
if found:
    path, start = found
    model = keras.saving.load_model(path)
    print(f"resuming from {path} after epoch {start}", flush=True)
else:
    model = ganzoo.get("cyclegan", preset="tiny" if args.quick else "default", seed=0, compile=False)
    linear = keras.optimizers.schedules.PolynomialDecay(2e-4, decay_steps=steps, end_learning_rate=0.0, power=1.0)
    model.compile(d_optimizer=keras.optimizers.Adam(linear, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(linear, beta_1=0.5))
if start < epochs:
    model.fit(train_a, train_b, batch_size=args.batch_size, epochs=epochs, initial_epoch=start, verbose=2,
              callbacks=[cb.AtomicCheckpoint(args.output),
                         cb.CSVLog(os.path.join(args.output, "logs.csv"), append=start > 0)])

extractor = feature_extractor("fashion_mnist")
# One pass of the classifier per image set: its features (FID) and class probabilities together.
outputs = {name: extractor.outputs(images)
           for name, images in (("a", test_a), ("b", test_b), ("train_a", train_a[:n_test]), ("train_b", train_b[:n_test]))}
stats = {name: gaussian_statistics(feats) for name, (feats, _) in outputs.items()}
directions = {"a2b": (test_a, "a", "b", class_b), "b2a": (test_b, "b", "a", class_a)}
results = {
    "backend": backend, "epochs": epochs, "batch_size": args.batch_size, "classes": [class_a, class_b],
    "train_images_per_domain": n_train, "test_images_per_domain": n_test, "extractor": extractor.describe(),
    "classifier_accuracy_on_real_test_images": float(np.mean(np.concatenate([
        outputs["a"][1].argmax(axis=1) == class_a, outputs["b"][1].argmax(axis=1) == class_b]))),
    "directions": {},
}
pictures = []
for direction, (source, source_name, target, target_class) in directions.items():
    translated = model.translate(source, direction=direction)
    restored = model.translate(translated, direction=f"{target}2{source_name}")
    feats, probabilities = extractor.outputs(translated)
    results["directions"][direction] = {
        "share_classified_as_target": float(np.mean(probabilities.argmax(axis=1) == target_class)),
        "cycle_l1": float(np.abs(restored - source).mean()),
        "fid": frechet_distance(*stats[target], *gaussian_statistics(feats)),
        "fid_source_vs_target": frechet_distance(*stats[target], *stats[source_name]),
        "fid_train_vs_test": frechet_distance(*stats[target], *stats[f"train_{target}"]),
    }
    pictures += [source[:12], translated[:12], restored[:12]]

os.makedirs(args.output, exist_ok=True)
with open(os.path.join(args.output, "results.json"), "w") as handle:
    json.dump(results, handle, indent=2)
cb.image_grid(np.concatenate(pictures), columns=12).save(os.path.join(args.output, "translations.png"))

print(f"\nKeras backend: {backend}; {epochs} epoch(s) of {n_train} + {n_train} unpaired images, batch "
      f"{args.batch_size}; {n_test} + {n_test} test images (classes {class_a} -> {class_b})")
print(f"{'direction':<10} {'as target':>10} {'cycle L1':>9} {'FID':>8} {'FID, untranslated':>18} {'FID floor':>10}")
for direction, row in results["directions"].items():
    print(f"{direction:<10} {row['share_classified_as_target']:>10.3f} {row['cycle_l1']:>9.4f} {row['fid']:>8.2f} "
          f"{row['fid_source_vs_target']:>18.2f} {row['fid_train_vs_test']:>10.2f}")
print(f"(the classifier on the real test images of both classes: "
      f"{results['classifier_accuracy_on_real_test_images']:.3f})")
print(f"Translations:  {os.path.join(args.output, 'translations.png')} "
      "(rows: A, A->B, A->B->A, B, B->A, B->A->B)")
print(f"Results:       {os.path.join(args.output, 'results.json')}")
