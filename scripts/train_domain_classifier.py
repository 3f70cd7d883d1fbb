"""Train the domain classifier behind `ganzoo.metrics.feature_extractor(<dataset>)`.

Works for any labelled `ganzoo.data` set. Writes `<out>/<dataset>.weights.h5` and
`<out>/<dataset>.json` (architecture, seed, epochs, measured test accuracy).

    KERAS_BACKEND=jax python scripts/train_domain_classifier.py --dataset fashion_mnist --seed 0
"""

from __future__ import annotations

import argparse
import json
import os
import time

import keras
import numpy as np

import ganzoo.data
from ganzoo.metrics.classifier import accuracy, build_classifier, train_classifier

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ganzoo", "metrics", "weights")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="fashion_mnist", choices=sorted(set(ganzoo.data.LOADERS) - ganzoo.data.PAIRED))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--feature-dim", type=int, default=128)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    x_train, y_train = ganzoo.data.load(args.dataset, "train")
    x_test, y_test = ganzoo.data.load(args.dataset, "test")
    num_classes = int(max(y_train.max(), y_test.max())) + 1
    start = time.time()
    model = train_classifier(
        x_train, y_train, num_classes, epochs=args.epochs, batch_size=args.batch_size,
        learning_rate=args.learning_rate, seed=args.seed, validation_data=(x_test, y_test),
        verbose=2, feature_dim=args.feature_dim,
    )
    seconds = time.time() - start
    test_acc = accuracy(model, x_test, y_test)
    train_acc = accuracy(model, x_train, y_train)
    os.makedirs(args.out, exist_ok=True)
    # save_weights on a compiled model also writes the Adam moments (3x the size): save an
    # uncompiled copy so the package data holds only the network (~1 MB).
    bare = build_classifier(tuple(x_train.shape[1:]), num_classes, feature_dim=args.feature_dim)
    bare.set_weights(model.get_weights())
    bare.save_weights(os.path.join(args.out, f"{args.dataset}.weights.h5"))
    meta = {
        "dataset": args.dataset,
        "image_shape": list(x_train.shape[1:]),
        "num_classes": num_classes,
        "feature_dim": args.feature_dim,
        "filters": [32, 64, 128],
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "backend": keras.config.backend(),
        "train_accuracy": round(train_acc, 4),
        "test_accuracy": round(test_acc, 4),
        "train_seconds": round(seconds, 1),
        "preprocessing": "float32 in [-1, 1] (uint8 / 127.5 - 1), NHWC, native size",
    }
    with open(os.path.join(args.out, f"{args.dataset}.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(json.dumps(meta, indent=2))
    return float(np.asarray(test_acc))


if __name__ == "__main__":
    main()
