"""The `ganzoo` command: list, train, sample, info, evaluate, compare.

```bash
ganzoo list
ganzoo train dcgan --dataset fashion_mnist --epochs 5 --batch-size 64 --backend jax --output runs/dcgan
ganzoo train dcgan --dataset fashion_mnist --epochs 10 --output runs/dcgan --resume
ganzoo sample runs/dcgan/last.keras -n 64 --output grid.png
ganzoo info runs/dcgan/last.keras
```

Arguments are parsed before Keras is imported (`import ganzoo` loads nothing),
so `--help` is instant and `--backend` can still choose the Keras backend. The
backend is, in this order: `--backend`; for a command on an existing run
(`sample`, `info`, `evaluate`, `compare`, `train --resume`) the backend that run
trained on (its `state.json`); `$KERAS_BACKEND`; tensorflow. The header line
prints the backend actually in use. Mistakes in the input (an unknown model,
preset or data set, a checkpoint that is missing or is not a ganzoo model, an
output folder that cannot be written) end with exit status 2 and one paragraph
saying what to do, never a traceback, and before any data is loaded; a failed
start leaves no run folder behind.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import shutil
import sys
import tempfile
import warnings
import zipfile

from ganzoo import launch

BACKENDS = launch.BACKENDS
USAGE_ERROR = 2


class CLIError(Exception):
    """A mistake in the user's input: printed as one paragraph, exit status 2."""


# ---- helpers that need no Keras ------------------------------------------
def _run_backend(checkpoint: str) -> str | None:
    """The backend the run holding `checkpoint` (a file or a run folder) trained on."""
    folder = checkpoint if os.path.isdir(checkpoint) else os.path.dirname(os.path.abspath(checkpoint))
    try:
        with open(os.path.join(folder, "state.json")) as f:
            backend = json.load(f).get("backend")
    except (OSError, ValueError, AttributeError):
        return None
    return backend if backend in BACKENDS else None


def _choose_backend(args) -> str:
    """Set the Keras backend before Keras is imported (see the module docstring)."""
    backend = args.backend
    if backend is None and not getattr(args, "weights", None):
        if args.command == "train":
            run = args.output if args.resume else None
        else:
            run = (getattr(args, "checkpoints", None) or [getattr(args, "checkpoint", None)])[0]
        backend = _run_backend(run) if run else None
    try:
        return launch.prepare(backend)
    except ValueError as e:
        raise CLIError(str(e)) from None


def _did_you_mean(name: str, choices) -> str:
    close = difflib.get_close_matches(str(name).lower(), list(choices), n=2, cutoff=0.5)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _writable_dir(path: str, what: str, create: bool = True) -> str:
    """Check that a file can be written in folder `path` (creating it only if `create`)."""
    path = os.path.abspath(path)
    try:
        if create:
            os.makedirs(path, exist_ok=True)
        existing = path
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise NotADirectoryError(f"{existing} is a file")
        if existing != path:  # to be created later: its nearest existing parent must be writable
            if not os.access(existing, os.W_OK | os.X_OK):
                raise PermissionError(f"no permission to create folders in {existing}")
            return path
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

    import ganzoo
    import ganzoo.models  # noqa: F401  (registers the classes with keras.saving)

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


def _load_shipped(name: str, weights: str):
    """A registered model with its shipped weights (`--weights`). Returns `(model, name)`."""
    import ganzoo

    if name not in ganzoo.list_models():
        hint = " It looks like a checkpoint path: leave out --weights to load it." \
            if name.endswith(".keras") or os.path.sep in name else _did_you_mean(name, ganzoo.list_models())
        raise CLIError(f"With --weights, name a model (one of {', '.join(ganzoo.list_models())}), not a "
                       f"checkpoint. Received: {name!r}.{hint}")
    try:
        return ganzoo.get(name, weights=weights), name
    except ValueError as e:
        raise CLIError(str(e)) from None


def _load_model(args, target: str):
    """`(model, name)` from a checkpoint path, or from a model name with `--weights NAME`."""
    if args.weights:
        return _load_shipped(target, args.weights)
    return _load_checkpoint(target)


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


def _header() -> str:
    import keras

    from ganzoo.backend.device import describe_device

    backend = keras.config.backend()
    print(f"ganzoo: Keras backend {backend}, device {describe_device()}", flush=True)
    return backend


# ---- commands -----------------------------------------------------------
def cmd_list(args) -> int:
    import ganzoo.models  # noqa: F401  (registers the variants)
    from ganzoo.registry import list_models, spec

    names = list_models(args.pattern)
    if not names:
        raise CLIError(f"No model matches {args.pattern!r}. Run `ganzoo list` to see them all.")
    width = max(len(n) for n in names)
    for name in names:
        print(f"{name:<{width}}  {spec(name).description}")
    return 0


def _load_data(args):
    """`(images, labels, held-out images for best.keras or None)` of the data set."""
    import ganzoo

    kwargs = {}
    if args.data_dir:
        kwargs["data_dir"] = args.data_dir
    if args.image_size:
        kwargs["image_size"] = args.image_size
    try:
        images, labels = ganzoo.data.load(args.dataset, split="train", **kwargs)
        held_out = None
        if args.quality_samples and not args.dataset.startswith("folder:"):
            held_out = ganzoo.data.load(args.dataset, split="test", **kwargs)[0][: args.quality_samples]
    except TypeError as e:
        raise CLIError(f"Data set {args.dataset!r} does not take this option ({e}). Remove it.") from None
    except (ValueError, FileNotFoundError, OSError) as e:
        raise CLIError(str(e)) from None
    if args.quality_samples and held_out is None:  # a folder has one split: hold out its end
        images, labels, held_out = ganzoo.training.held_out(images, labels, limit=args.quality_samples)
    if args.max_samples:
        images = images[: args.max_samples]
        labels = None if labels is None else labels[: args.max_samples]
    return images, labels, held_out


def _check_names(args):
    """The model, preset and data set names, before any data is loaded."""
    import ganzoo.data
    import ganzoo.models  # noqa: F401  (registers the variants)
    from ganzoo.registry import spec

    try:
        model_spec = spec(args.model)
    except ValueError as e:
        raise CLIError(f"{e}. Run `ganzoo list` to see the models.") from None
    if args.preset not in model_spec.presets:
        raise CLIError(
            f"Model {args.model!r} has no preset {args.preset!r}.{_did_you_mean(args.preset, model_spec.presets)} "
            f"Available presets: {', '.join(sorted(model_spec.presets))}. Received: --preset {args.preset}"
        )
    if model_spec.task == "translation":
        raise CLIError(
            f"{args.model!r} is an image-to-image translation model: it trains on two sets of images (input "
            f"and target images: pairs for pix2pix, two unpaired domains for cyclegan), which `ganzoo train` "
            f"does not handle. Train it from Python as its docstring's example shows, e.g. "
            f"`inputs, targets = ganzoo.data.load('fashion_mnist_edges'); model = ganzoo.get('pix2pix'); "
            f"model.fit(inputs, targets)`, or `a, b = ganzoo.data.load('fashion_mnist_pair:7,9'); "
            f"model = ganzoo.get('cyclegan'); model.fit(a, b)`."
        )
    try:
        ganzoo.data.check_name(args.dataset)
    except ValueError as e:
        raise CLIError(str(e)) from None
    if ganzoo.data.returns_two_image_sets(args.dataset):
        raise CLIError(
            f"{args.dataset!r} is a data set of two image sets (input images, target images) for image-to-image "
            f"translation, not images with labels: `ganzoo train` cannot train {args.model!r} on it. "
            f"Use ganzoo.data.load({args.dataset!r}) from Python, or train on fashion_mnist."
        )


def _build_model(args, images, labels):
    import ganzoo
    from ganzoo.models import is_conditional
    from ganzoo.registry import spec

    model_spec = spec(args.model)
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
    for option in ("epochs", "batch_size"):
        if getattr(args, option) < 1:
            raise CLIError(f"--{option.replace('_', '-')} must be at least 1. Received: {getattr(args, option)}")
    _check_names(args)
    output = _writable_dir(args.output, "training run", create=False)
    last = os.path.join(output, "last.keras")
    if os.path.exists(last) and not args.resume:
        raise CLIError(
            f"{output!r} already holds a training run ({last}). Pass --resume to continue it, "
            f"or choose another --output folder to start a new one."
        )
    created = not os.path.exists(output)
    try:
        return _train(args, output)
    except BaseException:
        # A failed start leaves no folder behind (a run with a checkpoint is kept).
        if created and os.path.isdir(output) and not os.path.exists(last):
            shutil.rmtree(output, ignore_errors=True)
        raise


def _train(args, output) -> int:
    backend = _header()
    import keras

    import ganzoo
    from ganzoo import callbacks as cb

    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)
    images, labels, held_out = _load_data(args)
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

    if initial_epoch >= args.epochs:
        print(f"ganzoo: the run already has {_plural(initial_epoch, 'epoch')} (--epochs {args.epochs}); nothing to do")
    from ganzoo.models import is_conditional

    try:
        result = ganzoo.training.run(
            model, images, labels if is_conditional(model) else None, output=output, epochs=args.epochs,
            batch_size=args.batch_size, initial_epoch=initial_epoch, steps_per_epoch=args.steps_per_epoch,
            samples=args.samples, quality_images=held_out, tensorboard=args.tensorboard, verbose=args.verbose)
    except ValueError as e:  # the data checks of fit
        raise CLIError(str(e)) from None

    print()
    print(f"ganzoo: {args.model} on {args.dataset}, {_plural(result['epoch'], 'epoch')} done "
          f"({backend}, {result['seconds']:.1f} s this session)")
    print(f"  checkpoint: {result['last']}")
    if result["best"]:
        print(f"  best:       {result['best']} (epoch {result['best_epoch']}, "
              f"{result['monitor']}={result['best_value']:.4g}, domain FID on held-out images)")
    if result["samples"]:
        gif = os.path.join(os.path.dirname(result["samples"]), "progress.gif")
        print(f"  samples:    {result['samples']}" + (f" (animation: {gif})" if os.path.exists(gif) else ""))
    print(f"  logs:       {result['csv']}")
    if result["tensorboard"]:
        print(f"  tensorboard --logdir {result['tensorboard']}")
    if result["diverged"]:
        print(f"ganzoo: {result['diverged']}", file=sys.stderr)
        return 1
    return 0


def cmd_sample(args) -> int:
    labels = _parse_labels(args.labels)
    if args.n is not None and args.n < 1:
        raise CLIError(f"-n must be at least 1. Received: -n {args.n}")
    out_dir = _writable_dir(os.path.dirname(os.path.abspath(args.output)), "sample grid")
    if not args.output.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")):
        raise CLIError(f"--output must end in .png (or .jpg, .gif, .webp). Received: --output {args.output!r}")
    model, name = _load_model(args, args.checkpoint)
    _header()
    from ganzoo import callbacks as cb
    from ganzoo.models import is_conditional
    from ganzoo.registry import task_of

    if task_of(model) == "translation":
        raise CLIError(
            f"{name!r} translates input images to target images and has no samples to draw: load it "
            f"in Python and call model.translate(inputs) (keras.saving.load_model for a checkpoint)."
        )
    num_classes = model.num_classes if is_conditional(model) else None
    columns = args.columns
    if labels is not None and not num_classes:
        raise CLIError(f"{name!r} is not a conditional model, so it takes no --labels. Remove --labels.")
    if num_classes:  # one row per label (default: every class), -n a multiple of the rows
        bad = [label for label in labels or [] if not 0 <= label < num_classes]
        if bad:
            raise CLIError(
                f"--labels must be class numbers from 0 to {model.num_classes - 1} for this {name!r} "
                f"checkpoint. Received: {bad}"
            )
        rows = len(labels) if labels else num_classes
        n = args.n if args.n is not None else 8 * rows
        try:
            labels, columns = cb.label_rows(n, num_classes, labels)
        except ValueError as e:
            raise CLIError(f"{e} (-n {n} for {rows} rows)") from None
    else:
        n = args.n if args.n is not None else 64
    images = cb.generate_images(model, n, seed=args.seed, labels=labels)
    path = os.path.join(out_dir, os.path.basename(args.output))
    cb.image_grid(images, columns=columns).save(path)
    print(f"ganzoo: wrote {n} samples of {name} to {path}")
    return 0


def cmd_info(args) -> int:
    if args.weights:
        path, config = f"{args.checkpoint} --weights {args.weights} (shipped with ganzoo)", {}
        model, name = _load_shipped(args.checkpoint, args.weights)
    else:
        path = _checkpoint_path(args.checkpoint)
        config = read_checkpoint_config(path)
        model, name = _load_checkpoint(path)
    import keras

    from ganzoo import callbacks as cb

    def row(key, value):
        print(f"{key + ':':<18}{value}")

    metadata = config.get("_metadata", {})
    row("checkpoint", path if args.weights else os.path.abspath(path))
    row("model", f"{name} ({type(model).__name__})")
    row("backend", keras.config.backend())
    if not args.weights:
        row("saved", f"{metadata.get('date_saved', '?')} with Keras {metadata.get('keras_version', '?')}")
    row("image shape", tuple(model.image_shape))
    from ganzoo.models import is_conditional
    from ganzoo.registry import task_of

    if task_of(model) == "translation":
        row("input shape", tuple(model.input_image_shape))
    else:
        row("latent dim", model.latent_dim)

    if is_conditional(model):
        row("classes", model.num_classes)
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            row(layer.name, f"{layer.count_params():,} parameters")
    if getattr(model, "compiled", False) and hasattr(model.optimizer, "members"):
        steps = {n: int(keras.ops.convert_to_numpy(o.iterations))
                 for n, o in zip(model.optimizer.names, model.optimizer.members)}
        row("optimizer steps", steps)
    state = {} if args.weights else cb.read_state(os.path.dirname(os.path.abspath(path)))
    if args.weights:
        import ganzoo

        record = ganzoo.pretrained.entry(name, args.weights)
        row("weights", f"{args.weights}: epoch {record['epoch']}, step {record['step']}, validation FID "
                       f"{record['validation_fid']:.3g}, {record['train_minutes']:g} CPU-minutes on {record['backend']}")
    if state:
        best = state.get("best")
        best_text = (f"; best {state.get('monitor')}={best:.4g} at epoch {state.get('best_epoch')}"
                     if isinstance(best, (int, float)) else "")
        row("run state", f"{_plural(int(state.get('epoch', 0)), 'epoch')} on {state.get('backend', '?')}{best_text}")
    row("config", json.dumps(model.get_config(), default=str))
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


@contextlib.contextmanager
def _warnings_as_notes(command: str):
    """Python warnings as one `ganzoo COMMAND: note:` line each (no source line), once each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"ganzoo {command}: note: {message}", file=sys.stderr)


def cmd_evaluate(args) -> int:
    if args.output:
        _writable_dir(os.path.dirname(os.path.abspath(args.output)), "evaluation result")
    if args.weights:
        model, name = _load_shipped(args.checkpoint, args.weights)
    else:
        path = _checkpoint_path(args.checkpoint)
        read_checkpoint_config(path)
    evaluation = _evaluation_module()
    _header()
    try:
        with _warnings_as_notes("evaluate"):
            if args.weights:
                result = {"weights": f"{name}:{args.weights}",
                          **evaluation.evaluate(model, args.dataset, **_metric_kwargs(args))}
            else:
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
    for target in (args.markdown, args.csv):
        if target:
            _writable_dir(os.path.dirname(os.path.abspath(target)), "comparison table")
    paths = [_checkpoint_path(p) for p in args.checkpoints]
    for path in paths:
        read_checkpoint_config(path)
    evaluation = _evaluation_module()
    _header()
    try:
        with _warnings_as_notes("compare"):
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
                        help="Keras backend (default: the run's own backend for an existing run, "
                             "else $KERAS_BACKEND, else tensorflow)")
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
    p.add_argument("--quality-samples", type=int, default=1000, metavar="N",
                   help="held-out images for the domain FID that picks best.keras (default 1000; 0: no best.keras)")
    p.add_argument("--no-tensorboard", dest="tensorboard", action="store_false")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1, help="Keras progress output")
    p.set_defaults(func=cmd_train)

    shipped = argparse.ArgumentParser(add_help=False)
    shipped.add_argument("--weights", default=None, metavar="NAME",
                         help="use a model's shipped weights instead of a checkpoint: give a model name, "
                              "e.g. `dcgan --weights fashion_mnist` (see ganzoo.list_weights())")

    p = sub.add_parser("sample", parents=[common, shipped], help="write a grid of samples from a checkpoint")
    p.add_argument("checkpoint", help="a .keras file, a run folder with last.keras, or with --weights a model name")
    p.add_argument("-n", type=int, default=None,
                   help="number of images (default 64; conditional models: 8 per row, one row per label)")
    p.add_argument("--output", default="samples.png")
    p.add_argument("--labels", default=None,
                   help="conditional models: the class of each row, e.g. 0,1,2 (default: every class); "
                        "-n must be a multiple of their number")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--columns", type=int, default=None)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("info", parents=[common, shipped], help="describe a checkpoint")
    p.add_argument("checkpoint", help="a .keras file, a run folder with last.keras, or with --weights a model name")
    p.set_defaults(func=cmd_info)

    for name, helptext in (("evaluate", "FID/IS/KID of a checkpoint"), ("compare", "compare checkpoints")):
        p = sub.add_parser(name, parents=[common, shipped] if name == "evaluate" else [common], help=helptext)
        if name == "evaluate":
            p.add_argument("checkpoint", help="a .keras file, a run folder, or with --weights a model name")
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
        _choose_backend(args)  # the one place the command sets the backend, before Keras loads
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
