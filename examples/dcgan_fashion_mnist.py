"""DCGAN on Fashion-MNIST, offline, on TensorFlow, JAX or PyTorch.

    python examples/dcgan_fashion_mnist.py                   # the fastest backend here, a few minutes
    python examples/dcgan_fashion_mnist.py --backend torch --quick   # a smoke test, seconds

Without --backend (and without $KERAS_BACKEND) the example trains on the
backend that was fastest on this machine, measured once by a few DCGAN steps
per installed backend and cached in ~/.cache/ganzoo (`ganzoo.launch`), and
says how long the run will take. The data comes from the Debian package
`dataset-fashion-mnist` (or the Keras cache, or $GANZOO_DATA_DIR). The run
folder it prints holds a sample grid per epoch, progress.gif, last.keras,
best.keras (lowest domain FID on 1000 held-out test images) and
logs/training.csv. Continue it later with
`ganzoo train dcgan --dataset fashion_mnist --output DIR --resume`.
"""

import argparse

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="tiny model, 512 images, 1 epoch")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--images", type=int, default=6000, help="train on the first N images (60000: all)")
parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=None,
                    help="Keras backend (default: $KERAS_BACKEND, else the fastest measured on this machine)")
parser.add_argument("--output", default="runs/dcgan_fashion_mnist")
args = parser.parse_args()

from ganzoo import launch  # noqa: E402  (imports nothing heavy: --help stays instant)

backend, ms_per_step = launch.choose_demo_backend(args.backend)

import ganzoo  # noqa: E402  (Keras loads here, with that backend)

images, _ = ganzoo.data.load("fashion_mnist")  # float32 in [-1, 1], (60000, 28, 28, 1)
held_out, _ = ganzoo.data.load("fashion_mnist", split="test")
images = images[: 512 if args.quick else args.images]
epochs = 1 if args.quick else args.epochs

# Radford et al.'s DCGAN with its published optimizers (Adam, 2e-4, beta_1=0.5).
model = ganzoo.get("dcgan", preset="tiny" if args.quick else "default", image_shape=images.shape[1:], seed=0)
steps = epochs * -(-len(images) // 64)
if ms_per_step and not args.quick:
    print(f"ganzoo: {steps} steps x {ms_per_step:.0f} ms (measured here) = about "
          f"{steps * ms_per_step / 60000:.1f} min of training, plus start-up and the FID checks", flush=True)

result = ganzoo.training.run(model, images, output=args.output, epochs=epochs, batch_size=64,
                             quality_images=held_out[: 200 if args.quick else 1000])

print(f"\nKeras backend: {backend}")
print(f"Sample grid:   {result['samples']}")
print(f"Checkpoint:    {result['last']}")
print(f"Best by FID:   {result['best']} (epoch {result['best_epoch']})")
print(f"Logs:          {result['csv']}")
shipped = ganzoo.pretrained.entry("dcgan", "fashion_mnist")
print(f"\nThe shipped weights (ganzoo.get('dcgan', weights='fashion_mnist')) come from its recipe: "
      f"{shipped['epochs_run']} epochs of 55,000 training images, {shipped['train_minutes']:g} CPU-minutes on "
      f"{shipped['backend']} (one thread); train them again with:\n    python scripts/train_reference.py dcgan")
