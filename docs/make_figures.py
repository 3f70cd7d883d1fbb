"""Train every registered model on Fashion-MNIST within a CPU budget; write the docs' figures.

For each model (`ganzoo.list_models()` unless `--models` names some) this script

1. trains `ganzoo.get(name, seed=SEED)` (the published defaults) on the real Fashion-MNIST
   training set (`ganzoo.data.load("fashion_mnist")`, 60000 images, batch 64) until
   `--budget-seconds` of wall time is spent (or for exactly `--steps` steps);
2. saves a sample grid, `<out>/<name>.png`: 8 columns, fixed seed; 8 rows, or for
   conditional models one row per class, for InfoGAN one row per categorical code;
3. evaluates it with `ganzoo.evaluate` under one protocol for every model: the
   `fashion_mnist` domain-classifier extractor, `--num-samples` generated images against
   as many real *test* images, seed 0 (FID, KID, IS);
4. for class-conditional models (`num_classes`): the Classification Accuracy Score and
   the same classifier trained on real data; for InfoGAN: how often the Q head recovers
   the categorical code it was given (no matching: code k must be predicted as k).

Once per protocol it also measures the floor: real *train* images against real *test*
images through the same pipeline (the FID/KID a perfect generator would get at this n).

Results accumulate in `<out>/results.json` (one entry per model, replaced when a model is
re-run) and `<out>/results.md` is rewritten from it after every model, so the script is
resumable: re-run one model with `--models dcgan`. Trained weights are kept in
`--checkpoints` (default `runs/figures/`, not committed) so `--eval-only` can re-evaluate.

Run from the repository root (the command that made the committed figures is in
`results.json`, under each model's "command"):

    KERAS_BACKEND=jax python docs/make_figures.py --budget-seconds 100
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEED = 0
GRID = 8
SCALE = 2
PAD = 2
CAS_BN_MOMENTUM = 0.9


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-seconds", type=float, default=90.0,
                        help="Training budget per model in seconds of --clock (default 90).")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="cpu: the process's CPU time, all threads (fair on a shared machine; "
                             "the default); wall: elapsed time.")
    parser.add_argument("--steps", type=int, default=None,
                        help="Train exactly this many steps instead of a time budget (reproduces a run).")
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "jax"),
                        choices=("jax", "tensorflow", "torch"), help="Keras backend (default: $KERAS_BACKEND or jax).")
    parser.add_argument("--models", nargs="*", default=None,
                        help="Models to (re)run; default: every registered model.")
    parser.add_argument("--out", default=os.path.join("docs", "figures"), help="Output folder (default docs/figures).")
    parser.add_argument("--checkpoints", default=os.path.join("runs", "figures"),
                        help="Where trained models are saved (default runs/figures).")
    parser.add_argument("--num-samples", type=int, default=5000,
                        help="Generated (and real test) images per evaluation and CAS training set (default 5000).")
    parser.add_argument("--batch-size", type=int, default=64, help="Training batch size (default 64).")
    parser.add_argument("--cas-epochs", type=int, default=5, help="Epochs of the CAS classifier (default 5).")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads per backend (default 1: the most steps per CPU-second on a shared machine; "
                             "0 leaves the backend's default).")
    parser.add_argument("--eval-only", action="store_true",
                        help="Skip training: load each model from --checkpoints and evaluate it.")
    parser.add_argument("--no-eval", action="store_true", help="Train and draw grids only.")
    parser.add_argument("--grids-only", action="store_true",
                        help="Only redraw the sample grids of models saved in --checkpoints (no training, no eval).")
    parser.add_argument("--weights", default=None,
                        help="Evaluate the shipped weights of this name (e.g. fashion_mnist) instead of training: "
                             "grids, metrics (with precision/recall) and the validation-FID plot of each model's "
                             "reference run, into docs/figures/reference/ (default --num-samples there: 10000).")
    args = parser.parse_args(argv)
    if args.weights:
        if args.out == os.path.join("docs", "figures"):
            args.out = os.path.join("docs", "figures", "reference")
        if args.num_samples == 5000 and "--num-samples" not in " ".join(argv if argv is not None else sys.argv):
            args.num_samples = 10000
    return args


# ---------------------------------------------------------------- training --
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def budget_callback(seconds=None, max_steps=None, clock="cpu"):
    import keras

    class Budget(keras.callbacks.Callback):
        """Stops `fit` after the first batch that ends past the budget (or at
        `max_steps`); counts the steps. The clock starts when `fit` starts, so jit
        compilation is part of the budget."""

        def __init__(self):
            super().__init__()
            self.steps = 0
            self.start = None

        def on_train_begin(self, logs=None):
            self.start = CLOCKS[clock]()

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            if max_steps is not None and self.steps >= max_steps:
                self.model.stop_training = True
            if seconds is not None and CLOCKS[clock]() - self.start >= seconds:
                self.model.stop_training = True

    return Budget()


def is_conditional(model) -> bool:
    from ganzoo.models import is_conditional

    return is_conditional(model)


def train(name, images, labels, args):
    """Build `name` with its defaults and train it; returns (model, info dict)."""
    import ganzoo

    model = ganzoo.get(name, seed=SEED)
    if args.steps:
        budget = budget_callback(max_steps=args.steps)
    else:
        budget = budget_callback(seconds=args.budget_seconds, clock=args.clock)
    steps_per_epoch = len(images) // args.batch_size
    inputs = (images, labels) if is_conditional(model) else (images,)
    start, cpu_start = time.perf_counter(), time.process_time()
    # Many epochs: the callback ends training. Partial last batches are dropped by
    # slicing to whole batches so every step sees `batch_size` images.
    whole = steps_per_epoch * args.batch_size
    history = model.fit(*(a[:whole] for a in inputs), batch_size=args.batch_size, epochs=10_000,
                        callbacks=[budget], verbose=0)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    last = {k: float(v[-1]) for k, v in history.history.items()}
    info = {"steps": budget.steps, "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
            "epochs": round(budget.steps / steps_per_epoch, 2), "batch_size": args.batch_size, "final_logs": last,
            "budget": f"{args.steps} steps" if args.steps else f"{args.budget_seconds:g} s ({args.clock} clock)"}
    print(f"[{name}] trained {budget.steps} steps in {seconds:.0f} s wall, {cpu_seconds:.0f} s CPU; {last}",
          flush=True)
    return model, info


def shipped(name, args):
    """The model with its shipped weights, and its entry from the weights' manifest record."""
    import ganzoo

    model = ganzoo.get(name, weights=args.weights)
    record = ganzoo.pretrained.entry(name, args.weights)
    recipe = record["recipe"]
    train = {"steps": record["step"], "epochs": record["epoch"], "epochs_run": record["epochs_run"],
             "batch_size": recipe["batch_size"], "cpu_seconds": record["train_minutes"] * 60,
             "seconds": record["wall_minutes"] * 60, "budget": f"{recipe['max_minutes']:g} CPU-minutes"}
    entry = {"train": train, "backend": record["backend"], "machine": machine(), "weights": args.weights,
             "recipe": recipe, "validation_fid": record["validation_fid"],
             "validation_fid_float32": record["validation_fid_float32"],
             "validation_fid_float16": record["validation_fid_float16"],
             "description": ganzoo.registry.spec(name).description, "command": args.command,
             "train_command": f"python scripts/train_reference.py {name}"}
    history = os.path.join(args.out, f"{name}.json")
    if os.path.exists(history):
        plot_validation(json.load(open(history)), name, record, os.path.join(args.out, f"{name}_validation_fid.png"))
        entry["plot"] = f"{name}_validation_fid.png"
    return model, entry


def plot_validation(history, name, record, path):
    """Validation FID against training step for the reference run (the chosen checkpoint marked)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [e for e in history["epochs"] if "fid" in e]
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=100)
    ax.plot([e["step"] for e in epochs], [e["fid"] for e in epochs], marker="o", markersize=3, color="#3f51b5")
    ax.plot([record["step"]], [record["validation_fid"]], marker="*", markersize=12, color="#e91e63",
            linestyle="none", label=f"shipped: epoch {record['epoch']}")
    ax.set_yscale("log")
    ax.set_xlabel("generator step")
    ax.set_ylabel("validation FID (log scale)")
    ax.set_title(f"{name}: {len(epochs)} epochs, {record['train_minutes']:.0f} CPU-min")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ------------------------------------------------------------------ grids --
def grid_samples(model):
    """8 columns; 8 rows, or one row per class (conditional) / categorical code (InfoGAN)."""
    if is_conditional(model):
        rows = np.repeat(np.arange(model.num_classes), GRID)
        return model.generate(len(rows), labels=rows, seed=SEED), "row i: class i"
    from ganzoo.models import InfoGAN

    if isinstance(model, InfoGAN):
        rows = np.repeat(np.arange(model.num_categories), GRID)
        return model.generate(len(rows), categories=rows, seed=SEED), "row i: categorical code i"
    return model.generate(GRID * GRID, seed=SEED), "unconditional"


def save_grid(images, path):
    from PIL import Image

    images = np.clip((np.asarray(images) + 1.0) * 127.5, 0, 255).round().astype("uint8")
    n, h, w, c = images.shape
    rows = -(-n // GRID)
    size_h, size_w = h * SCALE, w * SCALE
    canvas = np.full((rows * (size_h + PAD) + PAD, GRID * (size_w + PAD) + PAD, c), 255, "uint8")
    for i, image in enumerate(images):
        r, col = divmod(i, GRID)
        big = image.repeat(SCALE, axis=0).repeat(SCALE, axis=1)
        top, left = PAD + r * (size_h + PAD), PAD + col * (size_w + PAD)
        canvas[top:top + size_h, left:left + size_w] = big
    Image.fromarray(canvas[..., 0] if c == 1 else canvas).save(path, optimize=True)


# ------------------------------------------------------------- evaluation --
class RealSamples:
    """Real images behind the `generate` interface, so they go through `ganzoo.evaluate`
    and `classification_accuracy_score` exactly like a model's samples."""

    name = "real (train split)"

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def generate(self, n, labels=None, seed=None):
        rng = np.random.default_rng(seed)
        if labels is None:
            return self.images[rng.permutation(len(self.images))[:n]]
        labels = np.asarray(labels)
        index = np.empty(len(labels), "int64")
        for k in np.unique(labels):
            pool = np.flatnonzero(self.labels == k)
            where = np.flatnonzero(labels == k)
            index[where] = rng.choice(pool, size=len(where), replace=len(where) > len(pool))
        return self.images[index]


def protocol(args):
    metrics = ["fid", "is", "kid"] + (["precision_recall"] if args.weights else [])
    return {"dataset": "fashion_mnist", "split": "test", "extractor": "fashion_mnist",
            "num_samples": args.num_samples, "seed": SEED, "metrics": metrics}


def evaluate(model, args):
    import ganzoo

    p = protocol(args)
    result = ganzoo.evaluate(model, p["dataset"], metrics=tuple(p["metrics"]), num_samples=p["num_samples"],
                             extractor=p["extractor"], split=p["split"], seed=p["seed"])
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in result.items()}


def cas(model, test, args, num_classes=None):
    from ganzoo.metrics import classification_accuracy_score

    # BatchNorm momentum 0.9: a few hundred classifier steps leave 0.99-momentum moving
    # statistics stale (see ganzoo.metrics.classifier.build_classifier).
    result = classification_accuracy_score(model, test[0], test[1], num_classes=num_classes,
                                           num_samples=args.num_samples,
                                           epochs=args.cas_epochs, seed=SEED, batch_norm_momentum=CAS_BN_MOMENTUM)
    return float(result["cas"])


def code_recovery(model, args):
    """Fraction of samples whose categorical code the Q head predicts back (code k -> k),
    plus the domain classifier's class agreement after the best code-to-class matching."""
    from scipy.optimize import linear_sum_assignment

    from ganzoo.metrics import feature_extractor

    k = model.num_categories
    codes = np.random.default_rng(SEED).permutation(np.arange(args.num_samples) % k)
    images = model.generate(args.num_samples, categories=codes, seed=SEED)
    probabilities, _ = model.predict_codes(images)
    recovery = float(np.mean(np.argmax(probabilities, -1) == codes))
    _, class_probs = feature_extractor("fashion_mnist").outputs(images)
    classes = np.argmax(class_probs, -1)
    counts = np.zeros((k, int(class_probs.shape[-1])))
    np.add.at(counts, (codes, classes), 1)
    rows, cols = linear_sum_assignment(-counts)
    return {"code_recovery": recovery, "code_class_agreement": float(counts[rows, cols].sum() / len(codes)),
            "code_to_class": {int(r): int(c) for r, c in zip(rows, cols)}}


# ---------------------------------------------------------------- results --
def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()}-core CPU ({cpu}), no GPU"


def short_machine(text):
    """"2-core CPU (AMD EPYC), no GPU" -> "2-core AMD EPYC CPU" for the table."""
    if text.endswith(", no GPU") and " CPU (" in text:
        cores, cpu = text[: -len(", no GPU")].split(" CPU (", 1)
        return f"{cores} {cpu.rstrip(')')} CPU"
    return text


def load_results(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"models": {}}


def save_results(results, out):
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(results_markdown(results))


def fmt(value, digits=2):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"
    return str(value)


def results_markdown(results):
    models = results["models"]
    lines = [
        "| model | FID ↓ | KID ↓ | IS ↑ | n | steps | CPU s | wall s | backend | machine |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = sorted(models, key=lambda m: (models[m].get("eval", {}).get("fid", float("inf")), m))
    for name in order:
        r = models[name]
        e = r.get("eval", {})
        lines.append(f"| [{name}](../models.md#{name}) | {fmt(e.get('fid'))} | {fmt(e.get('kid'), 4)} | {fmt(e.get('is'))} | "
                     f"{e.get('n', '–')} | {r['train']['steps']} | {r['train']['cpu_seconds']:.0f} | "
                     f"{r['train']['seconds']:.0f} | "
                     f"{r['backend']} | {short_machine(r['machine'])} |")
    floor = results.get("floor")
    if floor:
        lines.append(f"| *real train vs test (floor)* | {fmt(floor.get('fid'))} | {fmt(floor.get('kid'), 4)} | "
                     f"{fmt(floor.get('is'))} | {floor['n']} | – | – | – | – | – |")
    text = "\n".join(lines) + "\n"
    extra = []
    for name in sorted(models):
        r = models[name]
        if "cas" in r:
            real = results.get("cas_real")
            ratio = f" = {r['cas'] / real:.2f} x real ({real:.3f})" if real else ""
            extra.append(f"- **{name}** Classification Accuracy Score: {r['cas']:.3f}{ratio}")
        if "code_recovery" in r:
            extra.append(f"- **{name}** categorical code recovered by the Q head: {r['code_recovery']:.1%} "
                         f"(domain-classifier class agreement after matching codes to classes: "
                         f"{r['code_class_agreement']:.1%})")
    if extra:
        text += "\n" + "\n".join(extra) + "\n"
    return text


def run_model(name, data, results, args):
    import ganzoo

    images, labels = data["train"]
    path = os.path.join(args.checkpoints, f"{name}.keras")
    if args.weights:
        model, entry = shipped(name, args)
    elif args.eval_only or args.grids_only:
        import keras

        model = keras.saving.load_model(path)
        entry = results["models"][name]
    else:
        model, info = train(name, images, labels, args)
        os.makedirs(args.checkpoints, exist_ok=True)
        model.save(path)
        entry = {"train": info, "backend": args.backend, "machine": machine(),
                 "description": ganzoo.registry.spec(name).description, "command": args.command}
    grid, layout = grid_samples(model)
    save_grid(grid, os.path.join(args.out, f"{name}.png"))
    entry["grid"] = {"file": f"{name}.png", "seed": SEED, "layout": layout}
    if not (args.no_eval or args.grids_only):
        start = time.perf_counter()
        entry["eval"] = evaluate(model, args)
        if is_conditional(model):
            entry["cas"] = cas(model, data["test"], args)
        if isinstance(model, ganzoo.models.InfoGAN):
            entry.update(code_recovery(model, args))
        entry["eval_seconds"] = round(time.perf_counter() - start, 1)
        print(f"[{name}] FID {entry['eval']['fid']:.2f} KID {entry['eval']['kid']:.4f} IS {entry['eval']['is']:.2f}"
              + (f" CAS {entry['cas']:.3f}" if "cas" in entry else "")
              + (f" code recovery {entry['code_recovery']:.3f}" if "code_recovery" in entry else ""), flush=True)
    results["models"][name] = entry


def main(argv=None):
    args = parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend
    if args.threads:
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(args.threads))
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(args.threads))
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
        if args.threads == 1:
            os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    sys.path.insert(0, ROOT)
    import ganzoo

    names = args.models or (sorted(ganzoo.list_weights()) if args.weights else ganzoo.list_models())
    for name in names:
        ganzoo.registry.spec(name)  # fails early on a typo
    os.makedirs(args.out, exist_ok=True)
    results_path = os.path.join(args.out, "results.json")
    results = load_results(results_path)
    p = protocol(args)
    if results.get("protocol") not in (None, p):
        print(f"Protocol changed ({results.get('protocol')} -> {p}): old entries and the floor are dropped.")
        results = {"models": {}}
    results["protocol"] = p
    args.command = "python docs/make_figures.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if "--backend" not in args.command:
        args.command += f" --backend {args.backend}"
    data = {"train": ganzoo.data.load("fashion_mnist", "train"), "test": ganzoo.data.load("fashion_mnist", "test")}
    if args.grids_only:
        args.no_eval = True
    if not args.no_eval and "floor" not in results:
        floor = evaluate(RealSamples(*data["train"]), args)
        results["floor"] = floor
        print(f"[floor] real train vs test: FID {floor['fid']:.3f} KID {floor['kid']:.5f} IS {floor['is']:.2f}",
              flush=True)
        save_results(results, args.out)
    conditional = any(is_conditional(ganzoo.get(n, preset="tiny", compile=False)) for n in names)
    cas_protocol = {"num_samples": args.num_samples, "epochs": args.cas_epochs, "seed": SEED,
                    "batch_norm_momentum": CAS_BN_MOMENTUM}
    if results.get("cas_protocol") != cas_protocol:
        results.pop("cas_real", None)
    if not args.no_eval and conditional and "cas_real" not in results:
        results["cas_protocol"] = cas_protocol
        results["cas_real"] = cas(RealSamples(*data["train"]), data["test"], args, num_classes=10)
        print(f"[cas] classifier trained on {args.num_samples} real images: {results['cas_real']:.3f}", flush=True)
        save_results(results, args.out)
    for name in names:
        run_model(name, data, results, args)
        save_results(results, args.out)


if __name__ == "__main__":
    main()
