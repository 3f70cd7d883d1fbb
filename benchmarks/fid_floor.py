"""The floor of FID / KID / IS with a feature extractor: real train images vs real test images.

    KERAS_BACKEND=jax python benchmarks/fid_floor.py --dataset fashion_mnist --n 10000

A generator cannot be expected to beat these numbers at the same n: they measure the
train/test split difference plus the estimator's finite-sample bias (FID) or noise (KID).
"""

from __future__ import annotations

import argparse
import json

import keras
import numpy as np

import ganzoo.data
from ganzoo.metrics import (
    feature_extractor,
    frechet_distance,
    gaussian_statistics,
    inception_score,
    kernel_inception_distance,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--extractor", default="fashion_mnist")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    train, _ = ganzoo.data.load(args.dataset, "train")
    test, _ = ganzoo.data.load(args.dataset, "test")
    rng = np.random.default_rng(args.seed)
    train = train[rng.permutation(len(train))[: args.n]]
    test = test[: args.n]
    ext = feature_extractor(args.extractor)
    f_train, p_train = ext.outputs(train)
    f_test, p_test = ext.outputs(test)
    kid, kid_std = kernel_inception_distance(f_train, f_test, subsets=100, subset_size=1000, seed=args.seed)
    result = {
        "backend": keras.config.backend(), "dataset": args.dataset, "extractor": ext.name,
        "n_train": len(train), "n_test": len(test),
        "fid_train_vs_test": frechet_distance(*gaussian_statistics(f_train), *gaussian_statistics(f_test)),
        "kid_train_vs_test": kid, "kid_std": kid_std,
        "is_test": inception_score(p_test)[0], "is_train": inception_score(p_train)[0],
    }
    half = len(test) // 2
    result["fid_test_half_vs_half"] = frechet_distance(
        *gaussian_statistics(f_test[:half]), *gaussian_statistics(f_test[half:])
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
