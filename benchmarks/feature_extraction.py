"""Feature-extraction throughput (images/s) of ganzoo's extractors on the current backend.

    KERAS_BACKEND=jax python benchmarks/feature_extraction.py --extractor fashion_mnist --n 10000
    KERAS_BACKEND=jax python benchmarks/feature_extraction.py --extractor inception_imagenet --n 100
    KERAS_BACKEND=jax python benchmarks/feature_extraction.py --extractor inception_fid --n 100

The two Inception extractors run with random weights unless `--weights` is given (same
cost as the real weights, which need a download). Input: Fashion-MNIST test images (28x28 grey, resized/tiled as needed).
One warm-up batch is excluded from the timing.
"""

from __future__ import annotations

import argparse
import json
import time

import keras
import numpy as np

import ganzoo.data
from ganzoo.metrics import feature_extractor


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extractor", default="fashion_mnist")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--weights", default=None, help="weights file (Inception extractors: default random)")
    args = parser.parse_args(argv)
    images, _ = ganzoo.data.load("fashion_mnist", "test")
    images = images[: args.n]
    kwargs = {"batch_size": args.batch_size} if args.batch_size else {}
    weights = args.weights or ("random" if args.extractor.startswith("inception") else None)
    ext = feature_extractor(args.extractor, weights=weights, **kwargs) if (weights or kwargs) \
        else feature_extractor(args.extractor)
    ext.features(images[: ext.batch_size])  # warm-up (tracing / compilation)
    start = time.perf_counter()
    feats = ext.features(images)
    seconds = time.perf_counter() - start
    result = {
        "backend": keras.config.backend(), "extractor": ext.name, "n": len(images), "batch_size": ext.batch_size,
        "seconds": round(seconds, 2), "images_per_second": round(len(images) / seconds, 1),
        "feature_dim": int(feats.shape[1]), "finite": bool(np.all(np.isfinite(feats))),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
