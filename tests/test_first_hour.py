"""What a new user meets in the first hour (issue 13), checked in-process where possible.

Data mistakes caught by `fit`, no work at `import ganzoo`, a quiet and quick
`ganzoo --help`, "did you mean" for names, best.keras chosen by sample quality,
`ganzoo info` on every kind of checkpoint, and the smaller rough edges.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import BACKEND
from helpers import ROOT, fake_data, tiny

import ganzoo
from ganzoo import cli, training
from ganzoo.data import checks


# ---- 1: a distribution name of our own, and install lines that are true ------------
def test_the_distribution_is_keras_ganzoo_and_the_docs_install_it():
    import re

    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        pyproject = f.read()
    # "ganzoo" on PyPI is an unrelated 2018 project (0.0.1, empty modules).
    assert re.search(r'^name = "keras-ganzoo"$', pyproject, re.M)
    assert re.search(r'^all = \["keras-ganzoo\[tensorflow,jax,torch\]"\]$', pyproject, re.M)
    for page in ("README.md", "docs/install.md", "docs/index.md", "docs/quickstart.md"):
        with open(os.path.join(ROOT, page), encoding="utf-8") as f:
            text = f.read()
        assert not re.search(r"pip install [\"']?ganzoo\b", text), f"{page} installs somebody else's package"
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    # Every run folder the README names belongs to a registered model.
    for folder in re.findall(r"runs/(\w+)/", readme):
        assert folder in ganzoo.list_models(), folder


# ---- 3 and 9: data checks in fit, for every model --------------------------------
@pytest.mark.parametrize("name", ganzoo.list_models())
def test_fit_rejects_images_outside_minus_one_one(name):
    model = tiny(name, image_shape=(8, 8, 1))
    x, y = fake_data(model, n=16)
    for bad, found in (((x + 1) * 127.5).astype("uint8"), "dtype uint8"), ((x + 1) * 127.5, "range over [0"), \
                      ((x + 1) / 2, "looks like images in [0, 1]"):
        with pytest.raises(ValueError, match="images / 127.5 - 1") as info:
            model.fit(bad, y, epochs=1, batch_size=8, verbose=0)
        assert found in str(info.value) and "ganzoo.data.load" in str(info.value)


@pytest.mark.parametrize("name", [n for n in ganzoo.list_models() if n in ("cgan", "acgan", "cvae")])
def test_fit_rejects_one_hot_float_and_out_of_range_labels(name):
    model = tiny(name, image_shape=(8, 8, 1), num_classes=3)
    x, y = fake_data(model, n=16)
    cases = [(np.eye(3, dtype="float32")[y], "one-hot", "argmax"),
             (y.astype("float32"), "dtype float32", "astype('int32')"),
             (np.where(y == 0, 7, y), "for example 7", "num_classes=8"),
             (None, "conditional", "Received: y=None")]
    for labels, found, fix in cases:
        with pytest.raises(ValueError) as info:
            model.fit(x, labels, epochs=1, batch_size=8, verbose=0)
        assert found in str(info.value) and fix in str(info.value), str(info.value)
    with pytest.raises(ValueError, match="for example 5"):
        model.generate(2, labels=[0, 5])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # good data trains


def test_checks_see_the_first_batch_of_a_dataset():
    model = tiny("gan", image_shape=(8, 8, 1))
    x, _ = fake_data(model, n=32)
    with pytest.raises(ValueError, match=r"range over \[\d+, 25\d\]"):  # a shuffled batch, cast to float32
        model.fit(ganzoo.data.ImageDataset(((x + 1) * 127.5).astype("uint8"), batch_size=8), epochs=1, verbose=0)
    checks.check_images(np.array([[-1.04, 1.04]], "float32"))  # the margin
    with pytest.raises(ValueError, match="Received: images in \\[-1.2, 0.5\\]"):
        checks.check_images(np.array([[-1.2, 0.5]], "float32"))


def test_unconditional_generate_rejects_labels_by_name():
    for name in ("dcgan", "vae"):
        with pytest.raises(ValueError, match="unconditional: it takes no labels.*Received: labels=\\[1, 2\\]"):
            tiny(name, image_shape=(8, 8, 1)).generate(2, labels=[1, 2])


# ---- 4: import ganzoo does nothing; --help needs no Keras, prints no TensorFlow lines ---------
def _fresh(code, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**environ, "PYTHONPATH": ROOT, **env})
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.subprocess
def test_import_and_help_load_no_keras():
    code = """
import os, sys
sys.argv = ["ganzoo", "train", "--backend", "torch"]
import ganzoo
assert "keras" not in sys.modules and "KERAS_BACKEND" not in os.environ, "import ganzoo did work"
from ganzoo.cli import main
for command in ([], ["train"], ["sample"], ["info"], ["evaluate"], ["compare"], ["list"]):
    try:
        main([*command, "--help"])
    except SystemExit as e:
        assert e.code == 0
assert "keras" not in sys.modules, "--help imported keras"
print("ok")
"""
    proc = _fresh(code)
    assert proc.stdout.endswith("ok\n") and proc.stderr == ""


@pytest.mark.subprocess
def test_saving_under_any_backend_prints_no_tensorflow_lines(tmp_path):
    code = f"""
from ganzoo import launch
launch.prepare({BACKEND!r})
import ganzoo
ganzoo.get("gan", preset="tiny", image_shape=(8, 8, 1)).save({str(tmp_path / "m.keras")!r})
"""
    proc = _fresh(code)
    assert proc.stderr == "", proc.stderr
    # `import keras, ganzoo` registers the models at once, so plain keras.saving reloads the file.
    reload = f"""
import keras, ganzoo
print(type(keras.saving.load_model({str(tmp_path / "m.keras")!r})).__name__)
"""
    assert _fresh(reload, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="3").stdout.strip() == "GAN"


# ---- 6: the demo's backend is measured, not guessed --------------------------------
def test_fastest_backend_is_measured_once_and_cached(tmp_path):
    from ganzoo import launch

    calls = []
    speeds = {"tensorflow": 20.0, "jax": 80.0, "torch": 40.0}

    def measure(backend):
        calls.append(backend)
        return speeds[backend]

    path = str(tmp_path / "speed.json")
    installed = launch.installed_backends()
    best, timings = launch.fastest_backend(measure, path=path, log=lambda *a, **k: None)
    assert calls == installed and best == min(installed, key=speeds.get)
    assert launch.fastest_backend(measure, path=path, log=lambda *a, **k: None) == (best, timings)
    assert calls == installed  # the second call read the cache
    with open(path) as f:
        assert json.load(f) == {launch.machine_key(): timings}


@pytest.mark.subprocess
def test_the_probe_times_real_training_steps():
    from ganzoo import launch

    ms = launch.probe(BACKEND, steps=1, warmup=1)
    assert ms is not None and ms > 0


# ---- 7: best.keras by sample quality, VAEs included -------------------------------
@pytest.mark.parametrize("name", ["vae", "dcgan"])
def test_best_checkpoint_is_chosen_by_held_out_fid(name, tmp_path):
    images, _ = ganzoo.data.load("digits")
    held, _ = ganzoo.data.load("digits", split="test")
    model = tiny(name, image_shape=images.shape[1:], seed=0)
    result = training.run(model, images[:64], output=str(tmp_path), epochs=3, batch_size=16,
                          samples=4, quality_images=held[:100], verbose=0)
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["monitor"] == "fid" and result["best"] == str(tmp_path / "best.keras")
    assert result["quality_epochs"][0] == 1 and result["quality_epochs"][-1] == 3
    fids = {int(r.split(",")[0]) + 1: r.split(",")[header.index("fid")]
            for header in [(tmp_path / "logs" / "training.csv").read_text().splitlines()[0].split(",")]
            for r in (tmp_path / "logs" / "training.csv").read_text().splitlines()[1:]}
    measured = {e: float(v) for e, v in fids.items() if v != "NA"}
    assert state["best_epoch"] == min(measured, key=measured.get)
    # Without held-out images there is no best.keras (a loss says nothing about quality).
    other = tmp_path / "plain"
    assert training.run(tiny(name, image_shape=images.shape[1:]), images[:32], output=str(other), epochs=1,
                        batch_size=16, samples=4, verbose=0)["best"] is None
    assert not (other / "best.keras").exists()


# ---- 8: did you mean -------------------------------------------------------------
def test_names_suggest_the_right_spelling():
    with pytest.raises(ValueError, match="Unknown model 'DCGAN'. Did you mean 'dcgan'"):
        ganzoo.get("DCGAN")
    with pytest.raises(ValueError, match="Did you mean 'fashion_mnist'"):
        ganzoo.data.load("Fashion-MNIST")


# ---- 11: info on every kind of checkpoint; TensorBoard needs tensorboard ------------
@pytest.mark.parametrize("name", ["vae", "cvae", "infogan"])
def test_info_describes_every_kind_of_checkpoint(name, tmp_path, capsys):
    model = tiny(name, image_shape=(8, 8, 1))
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    assert cli.main(["info", path]) == 0
    out = capsys.readouterr().out
    assert f"model:            {name} (" in out
    networks = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    for network in networks:
        assert f"{network.name + ':':<18}{network.count_params():,} parameters" in out


def test_tensorboard_is_skipped_without_the_tensorboard_package(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    model = tiny("gan", image_shape=(8, 8, 1))
    result = training.run(model, fake_data(model, n=16)[0], output=str(tmp_path), epochs=1, batch_size=16,
                          samples=4, tensorboard=True, verbose=0)
    assert result["tensorboard"] is None and "pip install tensorboard" in capsys.readouterr().out


# ---- 12: the FID sample-size warning follows the extractor's dimension -------------
def test_fid_warning_uses_the_feature_dimension():
    import warnings

    from ganzoo.evaluation import fid_small_sample_warning

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fid_small_sample_warning(2000, 128)  # plenty for the 128-d domain features
    with pytest.warns(UserWarning, match="FID on 2000 < 2048 samples"):
        fid_small_sample_warning(2000, 2048)


# ---- 13: smaller edges ------------------------------------------------------------
def test_sngan_needs_a_power_iteration():
    with pytest.raises(ValueError, match="Received: power_iterations=0"):
        ganzoo.get("sngan", preset="tiny", power_iterations=0)


def test_sample_grid_rows_are_classes(tmp_path, capsys):
    model = tiny("cgan", image_shape=(8, 8, 1), num_classes=3)
    path = str(tmp_path / "c.keras")
    model.save(path)
    assert cli.main(["sample", path, "--labels", "2,0", "-n", "3", "--output", str(tmp_path / "g.png")]) == 2
    assert "multiple of its 2 rows" in capsys.readouterr().err
    assert cli.main(["sample", path, "--labels", "2,0", "-n", "4", "--output", str(tmp_path / "g.png")]) == 0
    from PIL import Image

    from ganzoo.callbacks import image_grid

    expected = image_grid(model.generate(4, seed=0, labels=[2, 2, 0, 0]), columns=2)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "g.png")), np.asarray(expected))
