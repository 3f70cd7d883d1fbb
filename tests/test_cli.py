"""The `ganzoo` command, run as users run it: `python -m ganzoo ...` in a subprocess.

Every bad input must end with exit status 2 and a one-paragraph message, no traceback.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import ROOT
from PIL import Image

import ganzoo

pytestmark = pytest.mark.subprocess

TINY_TRAIN = ["--dataset", "digits", "--preset", "tiny", "--batch-size", "16", "--no-tensorboard",
              "--verbose", "2", "--samples", "9", "--quality-samples", "200"]
OTHER_BACKEND = {"tensorflow": "jax", "jax": "torch", "torch": "tensorflow"}[BACKEND]


def ganzoo_cmd(*args, timeout=240, check=None, backend=BACKEND):
    # No TF_CPP_MIN_LOG_LEVEL here: the command itself must keep TensorFlow quiet.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(PYTHONPATH=ROOT, KERAS_BACKEND=backend, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "ganzoo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check is not None and proc.returncode != check:
        raise AssertionError(f"exit {proc.returncode} != {check}\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return proc


def cli_in_process(capsys, *args):
    """`ganzoo ARGS` through `ganzoo.cli.main` in this process, as a CompletedProcess."""
    from ganzoo import cli

    capsys.readouterr()
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as e:  # argparse's own usage errors
        code = e.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def assert_usage_error(proc, *needles):
    """Exit 2, one paragraph on stderr naming the problem, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    message = [line for line in proc.stderr.splitlines() if line.startswith("ganzoo")]
    assert len(message) == 1, proc.stderr
    for needle in needles:
        assert needle in message[0], (needle, message[0])


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A 2-epoch tiny DCGAN run on digits, shared by the checks that need a checkpoint."""
    out = tmp_path_factory.mktemp("run")
    proc = ganzoo_cmd("train", "dcgan", *TINY_TRAIN, "--epochs", "2", "--steps-per-epoch", "3",
                      "--output", str(out), "--backend", BACKEND, check=0)
    return out, proc


def test_list_shows_every_model_with_description():
    proc = ganzoo_cmd("list", check=0)
    lines = proc.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ganzoo.list_models()
    from ganzoo.registry import spec

    for line in lines:
        name = line.split()[0]
        assert spec(name).description in line


def test_train_leaves_checkpoint_grids_and_logs(trained_run):
    out, proc = trained_run
    assert f"Keras backend {BACKEND}, device CPU" in proc.stdout
    assert "2 epochs done" in proc.stdout
    for noise in ("cpu_feature_guard", "oneDNN", "absl::InitializeLog"):  # TensorFlow's start-up lines
        assert noise not in proc.stderr + proc.stdout, proc.stderr
    for path in ("last.keras", "best.keras", "samples/epoch_001.png", "samples/epoch_002.png",
                 "samples/progress.gif", "logs/training.csv"):
        assert (out / path).is_file(), path
    for path in ("last.keras", "best.keras", "samples/epoch_002.png", "logs/training.csv"):
        assert str(out / path) in proc.stdout, path  # the final summary says where things are
    with open(out / "logs" / "training.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert set(rows[0]) == {"epoch", "d_loss", "g_loss", "fid"}  # no val_* columns of NA
    state = json.loads((out / "state.json").read_text())
    assert state["epoch"] == 2 and state["model"] == "dcgan" and state["backend"] == BACKEND
    # best.keras is the epoch with the lowest held-out domain FID (evaluated after both epochs).
    assert state["monitor"] == "fid" and state["best"] == min(float(r["fid"]) for r in rows)
    assert oct(os.stat(out / "last.keras").st_mode & 0o077) == oct(0o044 & ~_umask() & 0o077)
    model = keras.saving.load_model(out / "last.keras")
    assert [int(keras.ops.convert_to_numpy(o.iterations)) for o in model.optimizer.members] == [6, 6]
    with Image.open(out / "samples" / "progress.gif") as gif:
        assert gif.n_frames == 2


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_commands_on_a_run_use_its_backend(trained_run, tmp_path):
    """Without --backend, sample and info run on the backend the run trained on."""
    out, _ = trained_run
    proc = ganzoo_cmd("sample", str(out), "-n", "4", "--output", str(tmp_path / "g.png"),
                      backend=OTHER_BACKEND, check=0)
    assert f"Keras backend {BACKEND}," in proc.stdout
    info = ganzoo_cmd("info", str(out / "last.keras"), backend=OTHER_BACKEND, check=0).stdout
    assert f"backend:          {BACKEND}" in info and "run state:        2 epochs on" in info
    for noise in ("cpu_feature_guard", "oneDNN"):
        assert noise not in proc.stderr


def test_sample_and_info(trained_run, tmp_path, capsys):
    out, _ = trained_run
    grid = tmp_path / "grid.png"
    proc = cli_in_process(capsys, "sample", out / "last.keras", "-n", "4", "--output", grid, "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    # The grid holds exactly what the checkpoint generates from that seed.
    from ganzoo.callbacks import generate_images, image_grid

    model = keras.saving.load_model(out / "last.keras")
    expected = np.asarray(image_grid(generate_images(model, 4, seed=3)))
    np.testing.assert_array_equal(np.asarray(Image.open(grid)), expected)

    proc = cli_in_process(capsys, "info", out)
    assert proc.returncode == 0, proc.stderr
    info = proc.stdout
    assert "model:            dcgan (DCGAN)" in info
    assert "image shape:      (8, 8, 1)" in info
    assert "'generator': 6" in info
    # Every line's value starts in the same column.
    assert {line.index(line.split(":", 1)[1].strip()) for line in info.splitlines()} == {18}


def test_bad_inputs_exit_2_with_a_message(trained_run, tmp_path, capsys):
    out, _ = trained_run
    train = ["train", "dcgan", *TINY_TRAIN, "--epochs", "1"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"\x00" * 100)
    plain = tmp_path / "plain.keras"
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(plain)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes((out / "last.keras").read_bytes()[:3000])
    grid = str(tmp_path / "g.png")
    for i in range(2):
        Image.fromarray(np.full((5, 5), 40 * i, np.uint8)).save(tmp_path / f"odd{i}.png")
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [  # (arguments, what the message must say)
        # Names are checked before any data is loaded (MNIST is not here: loading it would fail).
        (["train", "dcgann", "--dataset", "mnist", "--data-dir", str(empty), "--output", str(tmp_path / "a")],
         ["Unknown model 'dcgann'", "Did you mean 'dcgan'"]),
        (["train", "dcgan", "--dataset", "mnist", "--data-dir", str(empty), "--preset", "small",
          "--output", str(tmp_path / "a")], ["no preset 'small'", "Available presets: default, tiny"]),
        (["train", "dcgan", "--dataset", "fashion-mnist", "--output", str(tmp_path / "b")],
         ["Unknown data set 'fashion-mnist'", "Did you mean 'fashion_mnist'"]),
        (["train", "dcgan", "--dataset", "fashion_mnist_edges", "--output", str(tmp_path / "e")],
         ["'fashion_mnist_edges' is a data set of two image sets", "cannot train 'dcgan' on it"]),
        ([*train, "--output", str(a_file / "run")], ["Cannot write", "Choose a folder"]),
        # DCGAN cannot halve 5x5 images.
        (["train", "dcgan", "--dataset", f"folder:{tmp_path}", "--output", str(tmp_path / "c")],
         ["Cannot build 'dcgan'", "(5, 5, 1)", "--image-size"]),
        # An existing run is never overwritten by accident.
        ([*train, "--output", str(out)], ["already holds", "--resume"]),
        # Resuming a run of another model kind.
        (["train", "gan", *TINY_TRAIN, "--epochs", "3", "--output", str(out), "--resume"],
         ["holds a 'dcgan' run, not 'gan'"]),
        (["sample", str(tmp_path / "missing.keras")], ["No checkpoint at"]),
        (["info", str(tmp_path)], ["folder without a last.keras"]),
        (["info", str(garbage)], ["not a Keras .keras file"]),
        (["sample", str(plain)], ["not a ganzoo model", "Sequential"]),
        (["info", str(truncated)], ["truncated.keras"]),
        (["sample", str(out), "--labels", "0,x", "--output", grid], ["--labels must be comma-separated"]),
        (["sample", str(out), "--labels", "0,1", "--output", grid], ["not a conditional model"]),
        (["sample", str(out), "--output", str(tmp_path / "g.txt")], ["--output must end in .png"]),
        (["train", "gan", *TINY_TRAIN, "--epochs", "1", "--max-samples", "1", "--batch-size", "1",
          "--data-dir", str(empty), "--image-size", "8", "--output", str(tmp_path / "d")],
         ["does not take this option"]),
    ]
    # The first case as users meet it, in its own process; the rest through the same
    # `ganzoo.cli.main` in this one (17 processes importing Keras took 1-2 minutes).
    assert_usage_error(ganzoo_cmd(*cases[0][0]), *cases[0][1])
    for arguments, needles in cases[1:]:
        assert_usage_error(cli_in_process(capsys, *arguments), *needles)
    # A failed start leaves no run folder behind.
    assert not any((tmp_path / name).exists() for name in "abcd")


def test_evaluate_and_compare_write_results(trained_run, tmp_path):
    out, _ = trained_run
    metrics = ["--dataset", "digits", "--extractor", "fashion_mnist", "--metrics", "fid,kid",
               "--num-samples", "64"]
    result_file = tmp_path / "result.json"
    proc = ganzoo_cmd("evaluate", str(out / "last.keras"), *metrics, "--output", str(result_file), check=0)
    # Warnings are one-line notes (no Python source line), measured against the extractor's 128 features.
    assert "UserWarning" not in proc.stderr and "ganzoo evaluate: note: FID on 64 < 128 samples" in proc.stderr
    result = json.loads(result_file.read_text())
    assert result["n"] == 64 and result["extractor"] == "fashion_mnist"
    assert np.isfinite(result["fid"]) and result["fid"] >= 0 and np.isfinite(result["kid"])
    assert result["kid_units"].startswith("raw squared MMD") and "not multiplied by 1000" in result["kid_units"]
    assert result["comparable_with_papers"] is False

    table = tmp_path / "table.csv"
    proc = ganzoo_cmd("compare", str(out / "last.keras"), str(out / "best.keras"), *metrics,
                      "--csv", str(table), check=0)
    # The Markdown table: a header, a rule, one row per checkpoint in the order given.
    lines = [line for line in proc.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[:2] == ["checkpoint", "model"] and {"fid", "kid", "n"} <= set(header)
    assert len(lines) == 4 and set(lines[1]) <= set("|-")
    assert str(out / "last.keras") in lines[2] and str(out / "best.keras") in lines[3]
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == 2 and all(float(r["fid"]) >= 0 for r in rows)


def test_argument_parsing_of_every_command():
    from ganzoo.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["train", "gan", "--dataset", "digits", "--output", "o", "--epochs", "3",
                              "--batch-size", "8", "--backend", "jax", "--resume", "--preset", "tiny",
                              "--steps-per-epoch", "2", "--max-samples", "40", "--seed", "1"])
    assert (args.model, args.epochs, args.batch_size, args.backend, args.resume, args.preset,
            args.steps_per_epoch, args.max_samples, args.seed) == ("gan", 3, 8, "jax", True, "tiny", 2, 40, 1)
    args = parser.parse_args(["evaluate", "c.keras", "--dataset", "digits", "--metrics", "fid,kid",
                              "--num-samples", "100", "--extractor", "digits", "--output", "r.json"])
    from ganzoo.cli import _metric_kwargs

    assert _metric_kwargs(args) == {"metrics": ["fid", "kid"], "num_samples": 100, "extractor": "digits"}
    from ganzoo.cli import CLIError

    args = parser.parse_args(["evaluate", "c.keras", "--dataset", "cifar10", "--extractor-weights", "nowhere.pth"])
    with pytest.raises(CLIError, match="cannot load the inception_fid feature extractor from nowhere.pth"):
        _metric_kwargs(args)
    args = parser.parse_args(["compare", "a.keras", "b.keras", "--dataset", "digits", "--markdown", "t.md"])
    assert args.checkpoints == ["a.keras", "b.keras"] and args.markdown == "t.md"
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "gan", "--dataset", "digits", "--output", "o", "--backend", "numpy"])


def test_killed_run_resumes_to_the_same_epoch_count(tmp_path):
    """SIGKILL a training process mid-run, resume, and compare with an uninterrupted run."""
    out = tmp_path / "run"
    epochs, steps = 5, 30
    args = ["train", "gan", *TINY_TRAIN, "--epochs", str(epochs), "--steps-per-epoch", str(steps),
            "--output", str(out), "--seed", "0"]
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "ganzoo", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    try:
        while time.time() < deadline:
            state = out / "state.json"
            if state.exists() and json.loads(state.read_text() or "{}").get("epoch", 0) >= 2:
                break
            assert proc.poll() is None, "training ended before it could be killed"
            time.sleep(0.05)
        else:
            raise AssertionError("no epoch finished in time")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at = json.loads((out / "state.json").read_text())["epoch"]
    assert killed_at < epochs, "the run finished before the kill; make it longer"

    resumed = ganzoo_cmd(*args, "--resume", check=0)
    assert f"after epoch {killed_at}" in resumed.stdout

    state = json.loads((out / "state.json").read_text())
    assert state["epoch"] == epochs
    with open(out / "logs" / "training.csv") as f:
        logged = [int(r["epoch"]) for r in csv.DictReader(f)]
    assert logged[-1] == epochs - 1 and len(logged) == len(set(logged))
    # Every checkpoint file is complete and loads; no temporary file is left behind.
    for name in os.listdir(out):
        assert not name.startswith("."), f"stale temporary file {name}"
    for path in (out / "last.keras", out / "best.keras"):
        model = keras.saving.load_model(path)
        assert isinstance(model, ganzoo.models.AdversarialModel)
    # The same optimizer step count an uninterrupted run reaches: epochs x steps per player.
    last = keras.saving.load_model(out / "last.keras")
    iterations = [int(keras.ops.convert_to_numpy(o.iterations)) for o in last.optimizer.members]
    assert iterations == [epochs * steps, epochs * steps]


@pytest.mark.parametrize("name", ["acgan", "cgan", "cvae"])
def test_conditional_models_get_the_number_of_classes_of_the_data(name):
    # AC-GAN's constructor hides num_classes in **kwargs: asking the signature gave it
    # the default 10, and labels 10 and 11 were then out of range.
    from types import SimpleNamespace

    from ganzoo.cli import _build_model

    args = SimpleNamespace(model=name, preset="tiny", seed=0, dataset="folder")
    images = np.zeros((12, 28, 28, 1), "float32")
    model = _build_model(args, images, np.arange(12, dtype="int32"))
    assert ganzoo.models.is_conditional(model) and model.num_classes == 12


def test_a_translation_model_is_refused_by_train_and_sample_with_a_message(tmp_path, capsys):
    # In-process through ganzoo.cli.main (the entry point is tested in its own process above).
    proc = cli_in_process(capsys, "train", "pix2pix", "--dataset", "fashion_mnist_edges",
                          "--output", tmp_path / "run")
    assert_usage_error(proc, "image-to-image translation model", "model.fit(inputs, targets)")
    assert not (tmp_path / "run").exists()
    ganzoo.get("pix2pix", preset="tiny").save(tmp_path / "p.keras")
    proc = cli_in_process(capsys, "sample", tmp_path / "p.keras", "--output", tmp_path / "g.png")
    assert_usage_error(proc, "'pix2pix' translates input images", "model.translate(inputs)")
    proc = cli_in_process(capsys, "info", tmp_path / "p.keras")
    assert proc.returncode == 0 and "input shape:      (28, 28, 1)" in proc.stdout
    proc = cli_in_process(capsys, "train", "cyclegan", "--dataset", "fashion_mnist_pair:7,9",
                          "--output", tmp_path / "c")
    assert_usage_error(proc, "image-to-image translation model", "ganzoo.get('cyclegan'); model.fit(a, b)")
    proc = cli_in_process(capsys, "train", "dcgan", "--dataset", "fashion_mnist_pair:7,9", "--output", tmp_path / "d")
    assert_usage_error(proc, "two image sets", "train on fashion_mnist")
