"""The `ganzoo` command: list, train, sample, info, evaluate, compare.

```bash
ganzoo list
ganzoo train dcgan --dataset fashion_mnist --epochs 5 --batch-size 64 --backend jax --output runs/dcgan
ganzoo train dcgan --dataset fashion_mnist --epochs 10 --output runs/dcgan --resume
ganzoo sample runs/dcgan/last.keras -n 64 --output grid.png
ganzoo info runs/dcgan/last.keras
```

Arguments are parsed before Keras is imported, so `--backend` can set
`KERAS_BACKEND`. Mistakes in the input (an unknown model or data set, a
checkpoint that is missing or is not a ganzoo model, an output folder that
cannot be written) end with exit status 2 and one paragraph saying what to do,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zipfile

BACKENDS = ("tensorflow", "jax", "torch")
USAGE_ERROR = 2


class CLIError(Exception):
    """A mistake in the user's input: printed as one paragraph, exit status 2."""


# ---- helpers that need no Keras ------------------------------------------
def _set_backend(backend: str | None) -> str:
    """Choose the Keras backend; must run before Keras is imported."""
    if backend is None:
        return os.environ.get("KERAS_BACKEND", "tensorflow")
    loaded = sys.modules.get("keras")
    if loaded is not None:
        current = loaded.config.backend()
        if current != backend:
            raise CLIError(
                f"Keras was already imported with the {current!r} backend in this process, so "
                f"--backend {backend} cannot take effect. Run `ganzoo` in a fresh process "
                f"(or set KERAS_BACKEND={backend} before importing keras)."
            )
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return backend


def _writable_dir(path: str, what: str) -> str:
    """Create `path` if needed and check a file can be written there."""
    path = os.path.abspath(path)
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".ganzoo-write-test-", dir=path)
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise CLIError(
            f"Cannot write the {what} to {path!r} ({e.strerror or e}). Choose a folder you can "
            f"write to (for example one under your home directory) or fix its permissions."
        ) from None
    return path


def _checkpoint_path(path: str) -> str:
    """The `.keras` file of `path` (a file, or a run folder holding last.keras)."""
    if os.path.isdir(path):
        candidate = os.path.join(path, "last.keras")
        if not os.path.exists(candidate):
            raise CLIError(
                f"{path!r} is a folder without a last.keras checkpoint. Pass the checkpoint file "
                f"itself (a .keras file written by `ganzoo train` or model.save), or the --output "
                f"folder of a `ganzoo train` run."
            )
        return candidate
    if not os.path.exists(path):
        raise CLIError(
            f"No checkpoint at {path!r}. Check the path: `ganzoo train ... --output DIR` writes "
            f"DIR/last.keras and DIR/best.keras."
        )
    return path


def read_checkpoint_config(path: str) -> dict:
    """The `config.json` of a `.keras` file; raises CLIError when it is not a ganzoo model."""
    hint = "Pass a .keras file written by `ganzoo train` or by `model.save(...)` on a ganzoo model."
    if not zipfile.is_zipfile(path):
        raise CLIError(f"{path!r} is not a Keras .keras file (it is not a zip archive). {hint}")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in archive.namelist() else {}
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as e:
        raise CLIError(f"{path!r} is not a readable Keras .keras file ({e}). {hint}") from None
    registered = str(config.get("registered_name") or "")
    if not registered.startswith("ganzoo>"):
        raise CLIError(
            f"{path!r} holds a Keras model of class {config.get('class_name')!r}, not a ganzoo "
            f"model, so it cannot be sampled or trained here. {hint}"
        )
    config["_metadata"] = metadata
    return config


def _model_name_of(config: dict) -> str | None:
    """The registry name of the class in a checkpoint's config (needs ganzoo imported)."""
    import keras

    from ganzoo.registry import name_of

    cls = keras.saving.get_registered_object(config.get("registered_name"))
    return None if cls is None else name_of(cls)


def _load_checkpoint(path: str):
    """Load a ganzoo checkpoint with clear errors. Returns `(model, registry name)`."""
    path = _checkpoint_path(path)
    config = read_checkpoint_config(path)
    import keras

    import ganzoo  # noqa: F401  (registers the classes with keras.saving)

    name = _model_name_of(config)
    if name is None:
        raise CLIError(
            f"{path!r} holds the ganzoo class {config.get('registered_name')!r}, which this "
            f"version of ganzoo does not know (available: {', '.join(ganzoo.list_models())}). "
            f"Use the ganzoo version that wrote it."
        )
    try:
        model = keras.saving.load_model(path)
    except Exception as e:  # noqa: BLE001  (any load failure is a bad file here)
        raise CLIError(
            f"Could not load {path!r} ({type(e).__name__}: {str(e).splitlines()[0][:300]}). The file "
            f"may be truncated or corrupt: use another checkpoint (best.keras or last.keras)."
        ) from None
    return model, name


def _parse_labels(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        labels = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        labels = []
    if not labels:
        raise CLIError(
            f"--labels must be comma-separated class numbers such as 0,1,2. Received: --labels {text!r}"
        )
    return labels


def _header(backend: str) -> None:
    from ganzoo.backend.device import describe_device

    print(f"ganzoo: Keras backend {backend}, device {describe_device()}", flush=True)


# ---- commands -----------------------------------------------------------
def cmd_list(args) -> int:
    _set_backend(args.backend)
    from ganzoo.registry import list_models, spec

    names = list_models(args.pattern)
    if not names:
        raise CLIError(f"No model matches {args.pattern!r}. Run `ganzoo list` to see them all.")
    width = max(len(n) for n in names)
    for name in names:
        print(f"{name:<{width}}  {spec(name).description}")
    return 0


def _load_data(args):
    import ganzoo

    kwargs = {}
    if args.data_dir:
        kwargs["data_dir"] = args.data_dir
    if args.image_size:
        kwargs["image_size"] = args.image_size
    try:
        images, labels = ganzoo.data.load(args.dataset, split="train", **kwargs)
    except TypeError as e:
        raise CLIError(f"Data set {args.dataset!r} does not take this option ({e}). Remove it.") from None
    except (ValueError, FileNotFoundError, OSError) as e:
        raise CLIError(str(e)) from None
    if args.max_samples:
        images = images[: args.max_samples]
        labels = None if labels is None else labels[: args.max_samples]
    return images, labels


def _build_model(args, images, labels):
    import ganzoo
    from ganzoo.models import is_conditional
    from ganzoo.registry import spec

    try:
        model_spec = spec(args.model)
    except ValueError as e:
        raise CLIError(f"{e}. Run `ganzoo list` to see the models.") from None
    kwargs = {"image_shape": tuple(images.shape[1:])}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    if is_conditional(model_spec.cls):
        if labels is None:
            raise CLIError(
                f"{args.model!r} is conditional and needs class labels, but data set "
                f"{args.dataset!r} has none. Use a labelled data set (a folder with one "
                f"subfolder per class) or an unconditional model."
            )
        kwargs["num_classes"] = int(labels.max()) + 1
    try:
        return ganzoo.get(args.model, preset=args.preset, **kwargs)
    except ValueError as e:
        raise CLIError(
            f"Cannot build {args.model!r} (preset {args.preset!r}) for images of shape "
            f"{tuple(images.shape[1:])} from {args.dataset!r}: {e} Resize the images "
            f"(--image-size for folders) or choose another model."
        ) from None


def cmd_train(args) -> int:
    backend = _set_backend(args.backend)
    for option in ("epochs", "batch_size"):
        if getattr(args, option) < 1:
            raise CLIError(f"--{option.replace('_', '-')} must be at least 1. Received: {getattr(args, option)}")
    output = _writable_dir(args.output, "training run")
    last = os.path.join(output, "last.keras")
    if os.path.exists(last) and not args.resume:
        raise CLIError(
            f"{output!r} already holds a training run ({last}). Pass --resume to continue it, "
            f"or choose another --output folder to start a new one."
        )
    _header(backend)
    import keras

    import ganzoo  # noqa: F401
    from ganzoo import callbacks as cb

    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)
    images, labels = _load_data(args)
    print(f"ganzoo: data set {args.dataset}: {len(images)} images of shape {tuple(images.shape[1:])}", flush=True)

    initial_epoch = 0
    found = cb.resume_state(output) if args.resume else None
    if found:
        path, initial_epoch = found
        model, name = _load_checkpoint(path)
        if name != args.model:
            raise CLIError(
                f"{output!r} holds a {name!r} run, not {args.model!r}. Resume it with "
                f"`ganzoo train {name} ... --resume`, or choose another --output folder."
            )
        if tuple(model.image_shape) != tuple(images.shape[1:]):
            raise CLIError(
                f"The run in {output!r} trained on images of shape {tuple(model.image_shape)}, but "
                f"{args.dataset!r} gives {tuple(images.shape[1:])}. Resume with the same data set."
            )
        print(f"ganzoo: resuming {name} from {path} after epoch {initial_epoch}", flush=True)
    else:
        if args.resume:
            print(f"ganzoo: nothing to resume in {output}; starting a new run", flush=True)
        model = _build_model(args, images, labels)

    log_dir = os.path.join(output, "logs")
    os.makedirs(log_dir, exist_ok=True)
    csv_path = os.path.join(log_dir, "training.csv")
    guard = cb.DivergenceGuard(output)
    grid = cb.SampleGrid(os.path.join(output, "samples"), n=args.samples, seed=0)
    callbacks = [
        guard,
        cb.AtomicCheckpoint(output, monitor=args.monitor),
        grid,
        keras.callbacks.CSVLogger(csv_path, append=initial_epoch > 0),
    ]
    tensorboard_dir = None
    if args.tensorboard:
        import importlib.util

        if importlib.util.find_spec("tensorflow") is not None:
            tensorboard_dir = os.path.join(log_dir, "tensorboard")
            callbacks.append(keras.callbacks.TensorBoard(tensorboard_dir))
        else:
            print("ganzoo: TensorBoard logs skipped (needs the tensorflow package)", flush=True)

    start = time.perf_counter()
    if initial_epoch >= args.epochs:
        print(f"ganzoo: the run already has {initial_epoch} epochs (--epochs {args.epochs}); nothing to do")
    else:
        from ganzoo.models import is_conditional

        model.fit(
            images, labels if is_conditional(model) else None,
            batch_size=args.batch_size, epochs=args.epochs, initial_epoch=initial_epoch,
            steps_per_epoch=args.steps_per_epoch, callbacks=callbacks, verbose=args.verbose,
        )
    seconds = time.perf_counter() - start

    state = cb.read_state(output)
    frames = sorted(f for f in os.listdir(grid.directory) if f.startswith("epoch_")) if os.path.isdir(grid.directory) else []
    print()
    print(f"ganzoo: {args.model} on {args.dataset}, {state.get('epoch', 0)} epochs done "
          f"({backend}, {seconds:.1f} s this session)")
    print(f"  checkpoint: {last}")
    if state.get("best_epoch"):
        print(f"  best:       {os.path.join(output, 'best.keras')} (epoch {state['best_epoch']}, "
              f"{state['monitor']}={state['best']:.4f})")
    if frames:
        gif = os.path.join(grid.directory, "progress.gif")
        print(f"  samples:    {os.path.join(grid.directory, frames[-1])}"
              + (f" (animation: {gif})" if os.path.exists(gif) else ""))
    print(f"  logs:       {csv_path}")
    if tensorboard_dir:
        print(f"  tensorboard --logdir {tensorboard_dir}")
    if guard.message:
        print(f"ganzoo: {guard.message}", file=sys.stderr)
        return 1
    return 0


def cmd_sample(args) -> int:
    backend = _set_backend(args.backend)
    labels = _parse_labels(args.labels)
    if args.n < 1:
        raise CLIError(f"-n must be at least 1. Received: -n {args.n}")
    out_dir = _writable_dir(os.path.dirname(os.path.abspath(args.output)), "sample grid")
    if not args.output.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")):
        raise CLIError(f"--output must end in .png (or .jpg, .gif, .webp). Received: --output {args.output!r}")
    model, name = _load_checkpoint(args.checkpoint)
    _header(backend)
    from ganzoo import callbacks as cb
    from ganzoo.models import is_conditional

    if labels is not None:
        if not is_conditional(model):
            raise CLIError(f"{name!r} is not a conditional model, so it takes no --labels. Remove --labels.")
        bad = [label for label in labels if not 0 <= label < model.num_classes]
        if bad:
            raise CLIError(
                f"--labels must be class numbers from 0 to {model.num_classes - 1} for this {name!r} "
                f"checkpoint. Received: {bad}"
            )
    images = cb.generate_images(model, args.n, seed=args.seed, labels=labels)
    path = os.path.join(out_dir, os.path.basename(args.output))
    cb.image_grid(images, columns=args.columns).save(path)
    print(f"ganzoo: wrote {args.n} samples of {name} to {path}")
    return 0


def cmd_info(args) -> int:
    path = _checkpoint_path(args.checkpoint)
    config = read_checkpoint_config(path)
    _set_backend(args.backend)
    model, name = _load_checkpoint(path)
    from ganzoo import callbacks as cb

    metadata = config.get("_metadata", {})
    print(f"checkpoint:   {os.path.abspath(path)}")
    print(f"model:        {name} ({type(model).__name__})")
    print(f"saved:        {metadata.get('date_saved', '?')} with Keras {metadata.get('keras_version', '?')}")
    print(f"image shape:  {tuple(model.image_shape)}")
    print(f"latent dim:   {model.latent_dim}")
    from ganzoo.models import is_conditional

    if is_conditional(model):
        print(f"classes:      {model.num_classes}")
    print(f"generator:     {model.generator.count_params():,} parameters")
    print(f"discriminator: {model.discriminator.count_params():,} parameters")
    if getattr(model, "compiled", False):
        steps = {n: int(o.iterations.numpy()) if hasattr(o.iterations, "numpy") else int(o.iterations)
                 for n, o in zip(model.optimizer.names, model.optimizer.members)}
        print(f"optimizer steps: {steps}")
    state = cb.read_state(os.path.dirname(os.path.abspath(path)))
    if state:
        print(f"run state:    {state.get('epoch')} epochs; best {state.get('monitor')}={state.get('best')} "
              f"at epoch {state.get('best_epoch')}")
    print("config:       " + json.dumps(model.get_config(), default=str))
    return 0


def _evaluation_module():
    try:
        from ganzoo import evaluation
    except ImportError as e:
        raise CLIError(
            f"Evaluation needs the ganzoo.evaluation module, which could not be imported ({e}). "
            f"Install a ganzoo version that includes it (metrics: FID, IS, KID)."
        ) from None
    return evaluation


def _metric_kwargs(args) -> dict:
    kwargs = {"metrics": [m.strip() for m in args.metrics.split(",") if m.strip()]}
    if args.num_samples is not None:
        kwargs["num_samples"] = args.num_samples
    if args.extractor is not None:
        kwargs["extractor"] = args.extractor
    if args.extractor_weights is not None:
        from ganzoo.metrics import feature_extractor

        name = args.extractor or "inception_fid"
        try:
            kwargs["extractor"] = feature_extractor(name, weights=args.extractor_weights)
        except (ValueError, FileNotFoundError, OSError) as e:
            raise CLIError(f"cannot load the {name} feature extractor from {args.extractor_weights}: {e}") from None
    return kwargs


def cmd_evaluate(args) -> int:
    backend = _set_backend(args.backend)
    if args.output:
        _writable_dir(os.path.dirname(os.path.abspath(args.output)), "evaluation result")
    path = _checkpoint_path(args.checkpoint)
    read_checkpoint_config(path)
    evaluation = _evaluation_module()
    _header(backend)
    try:
        result = evaluation.evaluate_checkpoint(path, args.dataset, **_metric_kwargs(args))
    except (ValueError, FileNotFoundError) as e:
        raise CLIError(str(e)) from None
    text = json.dumps(result, indent=2, default=float)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    return 0


def cmd_compare(args) -> int:
    backend = _set_backend(args.backend)
    for target in (args.markdown, args.csv):
        if target:
            _writable_dir(os.path.dirname(os.path.abspath(target)), "comparison table")
    paths = [_checkpoint_path(p) for p in args.checkpoints]
    for path in paths:
        read_checkpoint_config(path)
    evaluation = _evaluation_module()
    _header(backend)
    try:
        rows = evaluation.compare_checkpoints(paths, args.dataset, **_metric_kwargs(args))
    except (ValueError, FileNotFoundError) as e:
        raise CLIError(str(e)) from None
    print(evaluation.format_table(rows, fmt="markdown"))
    for target, fmt in ((args.markdown, "markdown"), (args.csv, "csv")):
        if target:
            with open(target, "w") as f:
                f.write(evaluation.format_table(rows, fmt=fmt))
    return 0


# ---- argument parsing ---------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganzoo",
        description="Train, sample and inspect the GANs of the ganzoo on TensorFlow, JAX or PyTorch.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", choices=BACKENDS, default=None,
                        help="Keras backend (default: $KERAS_BACKEND, else tensorflow)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("list", parents=[common], help="list the models with one-line descriptions")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style filter, e.g. '*gan'")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("train", parents=[common], help="train a model, with checkpoints, sample grids and logs")
    p.add_argument("model", help="a name from `ganzoo list`")
    p.add_argument("--dataset", required=True, help="fashion_mnist, mnist, cifar10, digits or folder:PATH")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--output", required=True, help="run folder: checkpoints, samples/, logs/")
    p.add_argument("--resume", action="store_true", help="continue the run in --output from its last epoch")
    p.add_argument("--preset", default="default", help="model preset, e.g. tiny (default: default)")
    p.add_argument("--steps-per-epoch", type=int, default=None)
    p.add_argument("--max-samples", type=int, default=None, help="use only the first M images")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--data-dir", default=None, help="folder holding the data set files")
    p.add_argument("--image-size", type=int, default=None, help="resize folder images to this size")
    p.add_argument("--samples", type=int, default=64, help="images per sample grid (default 64)")
    p.add_argument("--monitor", default="g_loss", help="log that picks best.keras (default g_loss)")
    p.add_argument("--no-tensorboard", dest="tensorboard", action="store_false")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1, help="Keras progress output")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("sample", parents=[common], help="write a grid of samples from a checkpoint")
    p.add_argument("checkpoint", help="a .keras file, or a run folder with last.keras")
    p.add_argument("-n", type=int, default=64, help="number of images (default 64)")
    p.add_argument("--output", default="samples.png")
    p.add_argument("--labels", default=None, help="class labels for conditional models, e.g. 0,1,2")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--columns", type=int, default=None)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("info", parents=[common], help="describe a checkpoint")
    p.add_argument("checkpoint")
    p.set_defaults(func=cmd_info)

    for name, helptext in (("evaluate", "FID/IS/KID of a checkpoint"), ("compare", "compare checkpoints")):
        p = sub.add_parser(name, parents=[common], help=helptext)
        if name == "evaluate":
            p.add_argument("checkpoint")
            p.add_argument("--output", default=None, help="write the result as JSON")
            p.set_defaults(func=cmd_evaluate)
        else:
            p.add_argument("checkpoints", nargs="+")
            p.add_argument("--markdown", default=None, help="write a Markdown table")
            p.add_argument("--csv", default=None, help="write a CSV table")
            p.set_defaults(func=cmd_compare)
        p.add_argument("--dataset", required=True)
        p.add_argument("--metrics", default="fid,is,kid")
        p.add_argument("--num-samples", type=int, default=None)
        p.add_argument("--extractor", default=None,
                       help="feature network: fashion_mnist (default), inception_fid, inception_imagenet")
        p.add_argument("--extractor-weights", default=None, metavar="PATH",
                       help="weights for the extractor, e.g. pytorch-fid's pt_inception-2015-12-05-6726825d.pth "
                            "(implies --extractor inception_fid when --extractor is not given)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ganzoo` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CLIError as e:
        print(f"ganzoo {args.command}: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("\nganzoo: interrupted. Continue a training run with the same command and --resume.",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
