"""Inference throughput on the current backend: compiled vs eager, and vs native PyTorch.

    PYTHONPATH=. KERAS_BACKEND=jax python benchmarks/inference.py              # ~1-3 min
    PYTHONPATH=. KERAS_BACKEND=torch python benchmarks/inference.py --n 2000   # quicker
    PYTHONPATH=. KERAS_BACKEND=jax python benchmarks/inference.py --gpu        # native PyTorch on cuda too

Cases, all in this process, each run once per round in a shuffled order (the figures
come from the same minutes of the same machine); a figure is the median over rounds
after one warm-up round (tracing / compilation):

- `generate`: `dcgan` (default preset) `generate(n, seed=0)`, batch 256, the compiled,
  gradient-free path (`ganzoo.backend.inference_function`);
- `generate-eager`: the same batches through the generator called eagerly, as
  `generate` ran before (on torch with autograd recording);
- `pytorch-forward`: a native PyTorch generator of the identical architecture
  (`benchmarks/train_step.py`'s `PyTorchLoop`), eval mode, `torch.no_grad()`, NCHW;
- `extractor`: the `fashion_mnist` feature extractor's `raw_outputs` on `n` test images;
- `extractor-predict`: the same batches through `model.predict_on_batch`, the
  extractor's previous path.

Ratios printed: generate-eager / generate (above 1: compiled is faster), pytorch-forward
/ generate (the issue's target: at least 0.9), extractor-predict / extractor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import (  # noqa: E402  (benchmarks/ is not a package)
    PyTorchLoop,
    _set_threads_after_import,
    _set_threads_before_import,
    backend_device,
)


def _cases(n, batch_size):
    import keras

    import ganzoo
    import ganzoo.data
    from ganzoo.metrics import feature_extractor

    model = ganzoo.get("dcgan", seed=0)
    latent = model.latent_numpy(n, np.random.default_rng(0))

    def generate_eager():
        out = []
        for start in range(0, n, batch_size):
            images = model.sample_generator(latent[start:start + batch_size], training=False)
            out.append(keras.ops.convert_to_numpy(images))
        return np.concatenate(out)

    import torch

    loop = PyTorchLoop(batch_size, latent=model.latent_dim)  # on cuda under --gpu
    native = loop.gen.eval()
    torch_latent = torch.as_tensor(latent, device=loop.device)

    def pytorch_forward():
        with torch.no_grad():
            return np.concatenate([native(torch_latent[s:s + batch_size]).cpu().numpy()
                                   for s in range(0, n, batch_size)])

    pytorch_forward.device = loop.device
    images, _ = ganzoo.data.load("fashion_mnist", "test")
    images = images[:n]
    extractor = feature_extractor("fashion_mnist")

    def extractor_predict():
        return [extractor.model.predict_on_batch(extractor.prepare(images[s:s + extractor.batch_size]))
                for s in range(0, len(images), extractor.batch_size)]

    return {
        "generate": lambda: model.generate(n, seed=0, batch_size=batch_size),
        "generate-eager": generate_eager,
        "pytorch-forward": pytorch_forward,
        "extractor": lambda: extractor.raw_outputs(images),
        "extractor-predict": extractor_predict,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10000, help="images generated / extracted per case")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (after one warm-up round)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--gpu", action="store_true", help="native PyTorch on cuda; the backend must see a GPU")
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args(argv)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    _set_threads_before_import(backend, args.threads)
    import keras

    if keras.config.backend() != backend:
        parser.error(f"set KERAS_BACKEND (Keras picked {keras.config.backend()!r} from its config file)")
    _set_threads_after_import(backend, args.threads)
    import torch

    torch.set_num_threads(args.threads)  # the native PyTorch case runs on every backend
    device = backend_device(backend)
    if args.gpu:
        if not device.startswith("gpu"):
            parser.error(f"--gpu: the {backend} backend computes on the {device}: install its CUDA build")
        # Native PyTorch on cuda where this torch has it (else it stays on the CPU, as reported).
        os.environ["GANZOO_BENCH_GPU"] = "1" if torch.cuda.is_available() else "0"
    cases = _cases(args.n, args.batch_size)
    times = {name: [] for name in cases}
    order = list(cases)
    for round_ in range(args.rounds + 1):
        random.Random(round_).shuffle(order)
        for name in order:
            start = time.perf_counter()
            cases[name]()
            if round_:  # round 0 warms up (tracing, compilation)
                times[name].append(time.perf_counter() - start)
    seconds = {name: float(np.median(t)) for name, t in times.items()}
    result = {
        "backend": backend, "device": device, "native_pytorch_device": cases["pytorch-forward"].device,
        "n": args.n, "batch_size": args.batch_size, "threads": args.threads,
        "rounds": args.rounds, "images_per_second": {k: round(args.n / v, 1) for k, v in seconds.items()},
        "ratios": {
            "generate_vs_eager": round(seconds["generate-eager"] / seconds["generate"], 3),
            "generate_vs_native_pytorch": round(seconds["pytorch-forward"] / seconds["generate"], 3),
            "extractor_vs_predict_on_batch": round(seconds["extractor-predict"] / seconds["extractor"], 3),
        },
    }
    print(json.dumps(result, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
