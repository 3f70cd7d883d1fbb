"""pix2pix on Fashion-MNIST edge maps, offline, against the same U-Net trained on L1 alone.

    python examples/pix2pix_edges.py                 # 3 epochs of 60,000 pairs per model
    python examples/pix2pix_edges.py --resume        # continue a killed run where it stopped
    python examples/pix2pix_edges.py --quick         # a smoke test, seconds

Trains two models on the pairs of `ganzoo.data.load("fashion_mnist_edges")` (binary
Sobel edge maps -> the images they were made from), same data, epochs, batch size and
optimizer (Adam(2e-4, beta_1=0.5)):

- **pix2pix** (`ganzoo.get("pix2pix")`): the U-Net with a PatchGAN adversary, loss
  adversarial + 100 * L1 (Isola et al. 2017);
- **L1 only**: the same U-Net alone, trained on the L1 loss (the paper's baseline: it
  shows what the adversary adds).

Then on the 10,000 test pairs it reports for each model:

- `l1`: mean |translation - true image| over pixels in [-1, 1] (lower: closer);
- `fid`: domain FID of the translations against the true test images (features of the
  `fashion_mnist` domain classifier, as on the model cards; lower: more like real images);
- `class_accuracy`: how often the domain classifier gives a translation the class of its
  true image (the classifier's accuracy on the true images is reported beside it).

The run folder holds `translations.png` (rows: edge map, pix2pix, L1 only, true image, for
the first 12 test pairs), `results.json`, and per model `last.keras` (written atomically
after every epoch, so a killed run loses at most one epoch) with `logs.csv`.
"""

import argparse
import json
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="tiny models, 512 pairs, 1 epoch, 256 test pairs")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--images", type=int, default=60000, help="train on the first N pairs (60000: all)")
parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                    help="Keras backend (default: $KERAS_BACKEND, else the fastest measured on this machine)")
parser.add_argument("--output", default="runs/pix2pix_edges")
parser.add_argument("--resume", action="store_true", help="continue the run in --output from its last epochs")
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

edges, images = ganzoo.data.load("fashion_mnist_edges")  # (60000, 28, 28, 1) each, in [-1, 1]
test_edges, test_images = ganzoo.data.load("fashion_mnist_edges", split="test")
_, test_labels = ganzoo.data.load("fashion_mnist", split="test")  # the same images, in the same order
n_train, n_test = (512, 256) if args.quick else (args.images, len(test_images))
edges, images = edges[:n_train], images[:n_train]
test_edges, test_images, test_labels = test_edges[:n_test], test_images[:n_test], test_labels[:n_test]
epochs = 1 if args.quick else args.epochs
preset = "tiny" if args.quick else "default"


def train(name, model):
    """Fit `model` on the pairs into OUTPUT/NAME, resuming from its last.keras when asked."""
    folder = os.path.join(args.output, name)
    found = cb.resume_state(folder) if args.resume else None
    start = 0
    if found:
        path, start = found
        model = keras.saving.load_model(path)
        print(f"{name}: resuming from {path} after epoch {start}", flush=True)
    if start < epochs:
        model.fit(edges, images, batch_size=64, epochs=epochs, initial_epoch=start, verbose=2,
                  callbacks=[cb.AtomicCheckpoint(folder),
                             cb.CSVLog(os.path.join(folder, "logs.csv"), append=start > 0)])
    return model


pix2pix = train("pix2pix", ganzoo.get("pix2pix", preset=preset, seed=0))
# The same U-Net (architecture and initial weights: the same seed), trained on the L1 loss alone.
unet = ganzoo.get("pix2pix", preset=preset, seed=0).generator
unet.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), loss="mean_absolute_error")
unet = train("l1_only", unet)

translations = {
    "pix2pix": pix2pix.translate(test_edges),
    "l1_only": np.clip(unet.predict(test_edges, batch_size=256, verbose=0), -1.0, 1.0),
}
extractor = feature_extractor("fashion_mnist")
real_features, real_probabilities = extractor.outputs(test_images)  # one pass: features and classes
real_stats = gaussian_statistics(real_features)
true_class = real_probabilities.argmax(axis=1)
results = {
    "backend": backend, "epochs": epochs, "train_pairs": len(edges), "test_pairs": len(test_edges),
    "extractor": extractor.describe(),
    "classifier_accuracy_on_true_images": float(np.mean(true_class == test_labels)),
    "models": {},
}
for name, fake in translations.items():
    fake_features, fake_probabilities = extractor.outputs(fake)
    results["models"][name] = {
        "l1": float(np.abs(fake - test_images).mean()),
        "fid": frechet_distance(*real_stats, *gaussian_statistics(fake_features)),
        "class_accuracy": float(np.mean(fake_probabilities.argmax(axis=1) == test_labels)),
    }

os.makedirs(args.output, exist_ok=True)
with open(os.path.join(args.output, "results.json"), "w") as handle:
    json.dump(results, handle, indent=2)
shown = slice(0, 12)
rows = [test_edges[shown], translations["pix2pix"][shown], translations["l1_only"][shown], test_images[shown]]
cb.image_grid(np.concatenate(rows), columns=12).save(os.path.join(args.output, "translations.png"))

print(f"\nKeras backend: {backend}; {epochs} epoch(s) of {len(edges)} pairs; {len(test_edges)} test pairs")
print(f"{'model':<10} {'L1':>7} {'FID':>8} {'class accuracy':>15}")
for name, row in results["models"].items():
    print(f"{name:<10} {row['l1']:>7.4f} {row['fid']:>8.2f} {row['class_accuracy']:>15.3f}")
print(f"(the classifier on the true test images: {results['classifier_accuracy_on_true_images']:.3f})")
print(f"Translations:  {os.path.join(args.output, 'translations.png')} (rows: edges, pix2pix, L1 only, true)")
print(f"Results:       {os.path.join(args.output, 'results.json')}")
