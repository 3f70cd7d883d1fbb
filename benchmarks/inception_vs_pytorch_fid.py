"""Feature-extraction speed of our `inception_fid` (each backend) against pytorch-fid's own network.

    make reference     # once: .venv-reference, the environment with pytorch-fid (scripts/reference_env.sh)
    PYTHONPATH=. .venv-reference/bin/python benchmarks/inception_vs_pytorch_fid.py            # 100 images, ~10 min
    PYTHONPATH=. .venv-reference/bin/python benchmarks/inception_vs_pytorch_fid.py --n 50 --rounds 1

Both networks get the same weights file (random weights in the layout of pytorch-fid's
`pt_inception-2015-12-05` file, made as in tests/reference: no weights can be downloaded
here; the cost of a forward pass does not depend on the values) and the same images: the
first `--n` Fashion-MNIST test images, grey 28x28, which each implementation resizes to
299x299 and tiles to RGB itself. Each case runs in its own process with `--threads`
threads (torch, TensorFlow and XLA set alike), batch `--batch-size` (50: pytorch-fid's
default), one warm-up batch, then `--rounds` timed passes over the `n` images; the figure
is the median pass. The cases run one after another, so the machine must be quiet.

- `pytorch-fid`: `pytorch_fid.inception.InceptionV3([3])` (the 2048-d pool block), eval
  mode, `torch.no_grad()`, on float images in [0, 1] (its `resize_input` and
  `normalize_input` on, as `pytorch_fid.fid_score` uses it);
- `ganzoo-<backend>`: `ganzoo.metrics.feature_extractor("inception_fid", weights=FILE)`,
  `features(images)` on the images in [-1, 1], for each Keras backend.

The features of every case are compared with pytorch-fid's (largest absolute difference
over the largest feature, printed), so the figures are for the same function.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")


def _threads_env(threads: int) -> dict:
    flags = f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}"
    return {"OMP_NUM_THREADS": str(threads), "TF_NUM_INTRAOP_THREADS": str(threads),
            "TF_NUM_INTEROP_THREADS": "1", "XLA_FLAGS": flags, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _images(n: int) -> np.ndarray:
    """The first `n` Fashion-MNIST test images, (n, 28, 28, 1) float32 in [-1, 1]."""
    import ganzoo.data

    images, _ = ganzoo.data.load("fashion_mnist", "test")
    return images[:n]


def write_weights(path: str) -> None:
    """Random weights with the state-dict layout of pytorch-fid's FID Inception file."""
    import torch
    import torchvision

    torch.manual_seed(0)
    donor = torchvision.models.inception_v3(weights=None, aux_logits=False, num_classes=1008, init_weights=False)
    for module in donor.modules():
        if isinstance(module, torch.nn.BatchNorm2d):  # statistics of real-looking scale
            module.momentum = None
    donor.train()
    with torch.no_grad():
        donor(torch.rand(4, 3, 299, 299) * 2 - 1)
    torch.save(donor.eval().state_dict(), path)


def time_case(case: str, weights: str, images_file: str, batch_size: int, rounds: int, threads: int,
              out: str) -> dict:
    """Runs in the case's own process: warm-up, timed passes, features saved to `out`."""
    images = np.load(images_file)
    n = len(images)
    if case == "pytorch-fid":
        import pytorch_fid.inception as pfi
        import torch

        torch.set_num_threads(threads)
        pfi.load_state_dict_from_url = lambda *args, **kwargs: torch.load(weights)
        net = pfi.InceptionV3([pfi.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
        grey = torch.from_numpy((images.transpose(0, 3, 1, 2) + 1.0) / 2.0)  # NCHW in [0, 1]

        def features(batch_images):
            with torch.no_grad():
                return net(batch_images.repeat(1, 3, 1, 1))[0].flatten(1).numpy()

        def run():
            return np.concatenate([features(grey[i:i + batch_size]) for i in range(0, n, batch_size)])

        features(grey[:batch_size])
    else:
        from ganzoo.metrics import feature_extractor

        extractor = feature_extractor("inception_fid", weights=weights, batch_size=batch_size)
        extractor.features(images[:batch_size])

        def run():
            return extractor.features(images)

    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        feats = run()
        times.append(time.perf_counter() - start)
    np.save(out, feats)
    return {"case": case, "seconds": times, "images_per_second": n / statistics.median(times)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100, help="images per timed pass")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="timed passes per case (median reported)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case in this process
    parser.add_argument("--weights", help=argparse.SUPPRESS)
    parser.add_argument("--images", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case:
        result = time_case(args.case, args.weights, args.images, args.batch_size, args.rounds, args.threads, args.out)
        print("RESULT " + json.dumps(result))
        return

    folder = tempfile.mkdtemp(prefix="inception_bench_")
    weights = os.path.join(folder, "random_fid_inception.pth")
    images = os.path.join(folder, "images.npy")
    os.environ.setdefault("KERAS_BACKEND", "jax")  # this process only reads the data set
    np.save(images, _images(args.n))
    env = dict(os.environ, **_threads_env(args.threads))
    # torch and TensorFlow never share a process here (the CUDA torch wheel's triton crashes
    # when loaded after TensorFlow; see tests/reference).
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
                    f"import inception_vs_pytorch_fid as b; b.write_weights({weights!r})"], env=env, check=True)
    cases = ["pytorch-fid"] + [f"ganzoo-{b}" for b in args.backends.split(",")]
    print(f"{args.n} Fashion-MNIST test images (28x28 grey, resized to 299x299 by each network), batch "
          f"{args.batch_size}, {args.threads} thread(s), median of {args.rounds} pass(es); "
          f"load average at start {os.getloadavg()[0]:.2f}")
    results = {}
    for case in cases:
        case_env = dict(env, KERAS_BACKEND=case.split("-", 1)[1]) if case.startswith("ganzoo-") else env
        out = os.path.join(folder, f"{case}.npy")
        proc = subprocess.run([sys.executable, __file__, "--case", case, "--weights", weights, "--images", images, "--out", out,
                               "--batch-size", str(args.batch_size), "--rounds", str(args.rounds),
                               "--threads", str(args.threads)], env=case_env, capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        if proc.returncode or not lines:
            raise SystemExit(f"{case} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        results[case] = json.loads(lines[-1][len("RESULT "):])
    reference = np.load(os.path.join(folder, "pytorch-fid.npy"))
    base = results["pytorch-fid"]["images_per_second"]
    scale = float(np.abs(reference).max())
    print(f"{'case':<18} {'images/s':>9} {'vs pytorch-fid':>15} {'max |feature diff| / max |feature|':>36}")
    for case, row in results.items():
        row["max_abs_feature_difference"] = float(np.abs(np.load(os.path.join(folder, f"{case}.npy")) - reference).max())
        row["relative_feature_difference"] = row["max_abs_feature_difference"] / scale
        row["vs_pytorch_fid"] = row["images_per_second"] / base
        print(f"{case:<18} {row['images_per_second']:>9.2f} {row['vs_pytorch_fid']:>15.2f} "
              f"{row['relative_feature_difference']:>36.1e}")
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
