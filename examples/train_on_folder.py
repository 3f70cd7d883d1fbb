"""Train DCGAN on your own images: a folder with one subfolder per class.

    python examples/train_on_folder.py ~/pictures/flowers --image-size 32 --epochs 20
    python examples/train_on_folder.py --quick     # makes a small demo folder first

Images are read with Keras' image utilities (PNG, JPEG, BMP, GIF, WebP),
resized to --image-size and scaled to [-1, 1]. Grey images stay grey; colour
images train an RGB model. The same run from the terminal:
`ganzoo train dcgan --dataset folder:PATH --image-size 32 --output runs/mine`.
"""

import argparse
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("folder", nargs="?", help="image folder (default: a demo folder made from digits)")
parser.add_argument("--image-size", type=int, default=32)
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--quick", action="store_true", help="tiny model, 1 epoch")
parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                    help="Keras backend (default: $KERAS_BACKEND, else the fastest measured on this machine)")
parser.add_argument("--output", default="runs/train_on_folder")
args = parser.parse_args()

from ganzoo import launch  # noqa: E402

launch.choose_demo_backend(args.backend)

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import ganzoo  # noqa: E402


def make_demo_folder(path):
    """Writes scikit-learn's 8x8 digits 0 and 1 as PNG files, one subfolder per class."""
    from sklearn.datasets import load_digits

    digits = load_digits(n_class=2)
    for i, (image, label) in enumerate(zip(digits.images[:200], digits.target[:200])):
        os.makedirs(os.path.join(path, f"digit_{label}"), exist_ok=True)
        Image.fromarray((image * 255 / 16).astype(np.uint8)).save(os.path.join(path, f"digit_{label}", f"{i}.png"))
    return path


folder = args.folder or make_demo_folder(os.path.join(args.output, "demo_images"))
images, labels = ganzoo.data.load(f"folder:{folder}", image_size=args.image_size)
classes = "no class subfolders" if labels is None else f"{labels.max() + 1} classes"
print(f"{len(images)} images of shape {images.shape[1:]} from {folder} ({classes})")

images, labels, held_out = ganzoo.training.held_out(images, labels)  # the last 10% pick best.keras
model = ganzoo.get("dcgan", preset="tiny" if args.quick else "default", image_shape=images.shape[1:], seed=0)
result = ganzoo.training.run(model, images, output=args.output, epochs=1 if args.quick else args.epochs,
                             batch_size=32, samples=36, quality_images=held_out)
print(f"Samples in {os.path.dirname(result['samples'])}, checkpoint {result['last']}")
