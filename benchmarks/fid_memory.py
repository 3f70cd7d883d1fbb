"""Peak memory of FID's statistics: streaming (`ganzoo.metrics.FID`) against storing every feature.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/fid_memory.py                 # 10k and 50k samples
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/fid_memory.py --n 2000,10000 --dim 64

For each sample count N, the features of N real and N generated images arrive in batches
of `--batch-size` (as a feature extractor hands them over; here random float32 features
of `--dim` dimensions, 2048 by default: the Inception pool3 size, the largest of our
extractors), and FID is computed two ways:

- **streaming**: `ganzoo.metrics.FID().update_features` per batch, then `result()`: what
  `ganzoo.evaluate` and the CLI do (two float64 running sums and outer-product sums);
- **stored**: every batch kept, concatenated to (N, d) float32, then `np.mean` and
  `np.cov` of it and the same Frechet distance: what pytorch-fid's `calculate_activation_statistics`
  does after extracting all activations.

Memory is the peak of the bytes allocated by NumPy and Python (`tracemalloc`, which NumPy
reports its buffers to) above what was allocated before the computation started (the
feature network is outside it), twice: until both Gaussians' statistics exist
("statistics": what the method keeps while features arrive), and overall, with the
Frechet distance (its matrix square root of a d x d product costs the same either way).
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc

import numpy as np


def batches(n: int, dim: int, batch_size: int, seed: int):
    """`n` random float32 features in batches, made one batch at a time."""
    rng = np.random.default_rng(seed)
    for start in range(0, n, batch_size):
        yield rng.standard_normal((min(batch_size, n - start), dim), dtype=np.float32) + 1.0


def streaming(fid, n, dim, batch_size, mark):
    fid.reset_state()
    for real, fake in zip(batches(n, dim, batch_size, 0), batches(n, dim, batch_size, 1)):
        fid.update_features(real=real, generated=fake)
    mark()  # every feature seen; the accumulators are all that is kept
    return fid.result()


def stored(fid, n, dim, batch_size, mark):
    from ganzoo.metrics.distances import frechet_distance

    real = np.concatenate(list(batches(n, dim, batch_size, 0)))
    fake = np.concatenate(list(batches(n, dim, batch_size, 1)))
    stats = [(x.mean(axis=0), np.cov(x, rowvar=False)) for x in (real, fake)]
    mark()
    return frechet_distance(*stats[0], *stats[1])


def measure(fn, *args):
    """Runs fn(*args, mark); returns the FID, the peak until `mark()` and the overall peak (MiB)."""
    marked = {}

    def mark():
        marked["peak"] = tracemalloc.get_traced_memory()[1]

    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    start = time.perf_counter()
    value = fn(*args, mark)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"fid": float(value), "statistics_peak_mib": (marked["peak"] - before) / 2**20,
            "peak_mib": (peak - before) / 2**20, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", default="10000,50000", help="comma-separated sample counts (real and generated each)")
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    from ganzoo.metrics import FID

    # Built before measuring: its feature network is not counted (features are fed directly).
    fid = FID()

    rows = []
    print(f"features: {args.dim} dims, batches of {args.batch_size}; peak memory above the start (tracemalloc)")
    print(f"{'N':>8} {'method':<10} {'statistics MiB':>15} {'peak MiB':>9} {'seconds':>8} {'FID':>10}")
    for n in (int(v) for v in args.n.split(",")):
        for name, fn in (("streaming", streaming), ("stored", stored)):
            row = {"n": n, "method": name, **measure(fn, fid, n, args.dim, args.batch_size)}
            rows.append(row)
            print(f"{n:>8} {name:<10} {row['statistics_peak_mib']:>15.1f} {row['peak_mib']:>9.1f} {row['seconds']:>8.1f} {row['fid']:>10.4f}", flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"dim": args.dim, "batch_size": args.batch_size, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
