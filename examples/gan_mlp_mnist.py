"""The classic GAN of Goodfellow et al. (2014): two MLPs on MNIST digits.

    KERAS_BACKEND=jax python examples/gan_mlp_mnist.py
    KERAS_BACKEND=tensorflow python examples/gan_mlp_mnist.py --quick

Done right: images scaled to [-1, 1] to match the generator's tanh, the
non-saturating generator loss, and Adam(2e-4, beta_1=0.5) for both players
(`ganzoo.get("gan")` sets all three). MNIST comes from the Keras cache or
$GANZOO_DATA_DIR (mnist.npz), else Keras downloads it; offline with no copy,
the example says so and trains on Fashion-MNIST instead.
"""

import argparse
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="tiny model, 512 images, 1 epoch, no download")
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--output", default="runs/gan_mlp_mnist")
args = parser.parse_args()

import keras  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.callbacks import AtomicCheckpoint, SampleGrid  # noqa: E402

try:
    images, _ = ganzoo.data.load("mnist", download=not args.quick)
    dataset = "MNIST"
except FileNotFoundError as e:
    print(f"MNIST is not available offline ({e})\n-> training on Fashion-MNIST instead.\n")
    images, _ = ganzoo.data.load("fashion_mnist")
    dataset = "Fashion-MNIST"

if args.quick:
    images = images[:512]
model = ganzoo.get("gan", preset="tiny" if args.quick else "default", image_shape=images.shape[1:], seed=0)
model.fit(
    images,
    batch_size=64,
    epochs=1 if args.quick else args.epochs,
    callbacks=[SampleGrid(os.path.join(args.output, "samples"), n=64), AtomicCheckpoint(args.output)],
)
print(f"\nTrained the MLP GAN on {dataset} with Keras on {keras.config.backend()}.")
print(f"Samples in {os.path.join(args.output, 'samples')}, checkpoint {os.path.join(args.output, 'last.keras')}")
