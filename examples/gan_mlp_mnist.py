"""The classic GAN of Goodfellow et al. (2014): two MLPs on MNIST digits.

    python examples/gan_mlp_mnist.py              # the fastest backend here (see dcgan_fashion_mnist.py)
    python examples/gan_mlp_mnist.py --backend tensorflow --quick

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
parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                    help="Keras backend (default: $KERAS_BACKEND, else the fastest measured on this machine)")
parser.add_argument("--output", default="runs/gan_mlp_mnist")
args = parser.parse_args()

from ganzoo import launch  # noqa: E402

backend, _ = launch.choose_demo_backend(args.backend)

import ganzoo  # noqa: E402

try:
    images, _ = ganzoo.data.load("mnist", download=not args.quick)
    held_out, _ = ganzoo.data.load("mnist", split="test", download=not args.quick)
    dataset = "MNIST"
except FileNotFoundError as e:
    print(f"MNIST is not available offline ({e})\n-> training on Fashion-MNIST instead.\n")
    images, _ = ganzoo.data.load("fashion_mnist")
    held_out, _ = ganzoo.data.load("fashion_mnist", split="test")
    dataset = "Fashion-MNIST"

if args.quick:
    images = images[:512]
model = ganzoo.get("gan", preset="tiny" if args.quick else "default", image_shape=images.shape[1:], seed=0)
result = ganzoo.training.run(model, images, output=args.output, epochs=1 if args.quick else args.epochs,
                             batch_size=64, quality_images=held_out[:1000])
print(f"\nTrained the MLP GAN on {dataset} with Keras on {backend}.")
print(f"Samples in {os.path.dirname(result['samples'])}, checkpoint {result['last']}, best by FID {result['best']}")
