"""DCGAN on Fashion-MNIST, offline, on TensorFlow, JAX or PyTorch.

    KERAS_BACKEND=jax python examples/dcgan_fashion_mnist.py            # a few minutes on a CPU
    KERAS_BACKEND=torch python examples/dcgan_fashion_mnist.py --quick  # a smoke test, seconds

The data comes from the Debian package `dataset-fashion-mnist` (or the Keras
cache, or a folder in $GANZOO_DATA_DIR). The run folder it prints holds a
sample grid per epoch (from the same noise, so progress is visible frame to
frame), progress.gif, last.keras / best.keras and logs/training.csv. Continue
it later with `ganzoo train dcgan --dataset fashion_mnist --output DIR --resume`.
"""

import argparse
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="tiny model, 512 images, 1 epoch")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--images", type=int, default=6000, help="train on the first N images (60000: all)")
parser.add_argument("--output", default="runs/dcgan_fashion_mnist")
args = parser.parse_args()

import keras  # noqa: E402  (after argparse: --help stays instant)

import ganzoo  # noqa: E402
from ganzoo.callbacks import AtomicCheckpoint, DivergenceGuard, SampleGrid  # noqa: E402

images, _ = ganzoo.data.load("fashion_mnist")  # float32 in [-1, 1], (60000, 28, 28, 1)
images = images[: 512 if args.quick else args.images]
epochs = 1 if args.quick else args.epochs

# Radford et al.'s DCGAN with its published optimizers (Adam, 2e-4, beta_1=0.5).
model = ganzoo.get("dcgan", preset="tiny" if args.quick else "default", image_shape=images.shape[1:], seed=0)

os.makedirs(os.path.join(args.output, "logs"), exist_ok=True)
model.fit(
    images,
    batch_size=64,
    epochs=epochs,
    callbacks=[
        SampleGrid(os.path.join(args.output, "samples"), n=64),
        AtomicCheckpoint(args.output),
        DivergenceGuard(args.output),
        keras.callbacks.CSVLogger(os.path.join(args.output, "logs", "training.csv")),
    ],
)

print(f"\nKeras backend: {keras.config.backend()}")
print(f"Sample grid:   {os.path.join(args.output, 'samples', f'epoch_{epochs:03d}.png')}")
print(f"Checkpoint:    {os.path.join(args.output, 'last.keras')}")
print(f"Logs:          {os.path.join(args.output, 'logs', 'training.csv')}")
