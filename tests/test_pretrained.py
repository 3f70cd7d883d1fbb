"""Shipped weights: `ganzoo.get(name, weights="fashion_mnist")`, on every backend.

The shipped files are checked against what `scripts/train_reference.py` recorded when it
exported them (on TensorFlow): `generate(64, seed=0)` within 1e-4, and the domain FID of
2,000 samples against the test images within 1% (backends differ by float round-off only).
The error paths use a tiny model written to a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings

import numpy as np
import pytest
from conftest import BACKEND
from helpers import FASHION_DIR, ROOT, fake_data, run_python, values

import ganzoo
from ganzoo import pretrained

SHIPPED = [(m, w) for m, names in ganzoo.list_weights().items() for w in names]
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "pretrained")


def test_list_weights_names_what_ships():
    shipped = ganzoo.list_weights()
    assert set(shipped) <= set(ganzoo.list_models())
    assert "dcgan" in shipped and "cgan" in shipped, "make demo samples from these two"
    assert ganzoo.list_weights("dcgan") == ["fashion_mnist"]
    assert ganzoo.list_weights("gan") == shipped.get("gan", [])
    with pytest.raises(ValueError, match="Did you mean 'dcgan'"):
        ganzoo.list_weights("dcgam")


def test_all_shipped_files_fit_the_size_budget():
    total = sum(os.path.getsize(os.path.join(pretrained.DIRECTORY, pretrained.entry(m, w)["file"]))
                for m, w in SHIPPED)
    assert total <= 30e6, f"shipped weights take {total / 1e6:.1f} MB; the budget is 30 MB"


@pytest.mark.parametrize("name,weights", SHIPPED)
def test_shipped_weights_reproduce_recorded_samples_and_fid(name, weights):
    ganzoo.get("gan", preset="tiny")  # other models built first in the same process
    model = ganzoo.get(name, weights=weights)
    recorded = np.load(os.path.join(FIXTURES, f"{name}-{weights}.npz"))["generate_64_seed_0"]
    np.testing.assert_allclose(model.generate(64, seed=0), recorded, atol=1e-4)
    if not os.path.exists(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz")):
        pytest.skip("Fashion-MNIST test images not installed (make data)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fid = ganzoo.evaluate(model, "fashion_mnist", metrics=("fid",), num_samples=2000, seed=0)["fid"]
    expected = pretrained.entry(name, weights)["check_fid_2000"]
    assert fid == pytest.approx(expected, rel=0.01), f"{name}: FID {fid:.3f}, recorded {expected:.3f}"


def test_shipped_weights_load_in_a_fresh_process():
    out = run_python(
        "import ganzoo, numpy as np\n"
        "m = ganzoo.get('dcgan', weights='fashion_mnist')\n"
        "print(float(np.abs(m.generate(64, seed=0)).sum()))\n", BACKEND)
    recorded = np.load(os.path.join(FIXTURES, "dcgan-fashion_mnist.npz"))["generate_64_seed_0"]
    assert float(out.strip().splitlines()[-1]) == pytest.approx(float(np.abs(recorded).sum()), rel=1e-5)


def test_shipped_weights_load_every_network_and_fit_continues():
    model = ganzoo.get("dcgan", weights="fashion_mnist")
    record = pretrained.entry("dcgan", "fashion_mnist")
    arrays = np.load(os.path.join(pretrained.DIRECTORY, record["file"]))
    # A model with an EMA ships only the average; its generator starts from it.
    assert "generator" not in record["networks"] and not any(k.startswith("generator/") for k in arrays.files)
    for network, source in (("generator", "ema_generator"), ("discriminator", "discriminator"),
                            ("ema_generator", "ema_generator")):
        stored = [arrays[f"{source}/{i:03d}"] for i in range(record["networks"][source])]
        loaded = values(getattr(model, network).weights)
        for a, b in zip(stored, loaded):
            np.testing.assert_array_equal(a.astype("float32"), b)
    before = values(model.discriminator.trainable_weights)
    images, _ = fake_data(model, n=32)
    model.fit(images, batch_size=16, epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 2 and int(model.g_optimizer.iterations) == 2
    assert any(not np.array_equal(a, b) for a, b in zip(before, values(model.discriminator.trainable_weights)))


# ---- error paths, on a tiny model written to a temporary folder ----------------------------
@pytest.fixture
def tiny_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "DIRECTORY", str(tmp_path))
    model = ganzoo.get("dcgan", preset="tiny", ema=0.9, seed=1)
    images, _ = fake_data(model, n=16)
    model.fit(images, batch_size=8, epochs=1, verbose=0)
    pretrained.write(model, "dcgan", "toy", {"note": "test"})
    return model, tmp_path


def test_written_weights_round_trip(tiny_weights):
    model, _ = tiny_weights
    loaded = ganzoo.get("dcgan", weights="toy")
    assert loaded.latent_dim == 16 and loaded.ema == 0.9  # the recorded constructor arguments
    np.testing.assert_allclose(loaded.generate(8, seed=3), model.generate(8, seed=3), atol=2e-3)  # float16
    # Only the averaged generator is stored; without an EMA copy the generator is the average.
    plain = ganzoo.get("dcgan", weights="toy", ema=None)
    assert plain.ema_generator is None
    for a, b in zip(values(plain.generator.weights), values(model.ema_generator.weights)):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=2e-3)  # float16 storage
    np.testing.assert_allclose(plain.generate(8, seed=3), model.generate(8, seed=3), atol=2e-3)


def test_unknown_weights_name_says_what_exists(tiny_weights):
    with pytest.raises(ValueError, match=r"No weights 'imagenet' ship for model 'dcgan' \(for 'dcgan': 'toy'"):
        ganzoo.get("dcgan", weights="imagenet")
    with pytest.raises(ValueError, match="for 'cgan': none"):
        ganzoo.get("cgan", weights="toy")


@pytest.mark.parametrize("kwargs,named", [
    ({"image_shape": (32, 32, 3)}, "image_shape=(32, 32, 3)"),
    ({"latent_dim": 64}, "latent_dim=64"),
])
def test_arguments_that_do_not_fit_the_weights_are_refused(tiny_weights, kwargs, named):
    with pytest.raises(ValueError, match=r"do not fit .*received " + named.replace("(", r"\(").replace(")", r"\)")):
        ganzoo.get("dcgan", weights="toy", **kwargs)


def test_tampered_file_is_refused(tiny_weights):
    _, directory = tiny_weights
    path = os.path.join(directory, "dcgan-toy.npz")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="damaged or was changed: its SHA-256 is"):
        ganzoo.get("dcgan", weights="toy")


def test_missing_file_is_a_clear_error(tiny_weights):
    _, directory = tiny_weights
    os.remove(os.path.join(directory, "dcgan-toy.npz"))
    with pytest.raises(ValueError, match="missing from the installed package"):
        ganzoo.get("dcgan", weights="toy")


def test_manifest_records_what_a_card_needs():
    manifest = json.load(open(os.path.join(pretrained.DIRECTORY, pretrained.MANIFEST)))
    for name, entries in manifest.items():
        for record in entries.values():
            for key in ("sha256", "recipe", "train_minutes", "validation_fid", "epoch", "constructor",
                        "validation_fid_float32", "validation_fid_float16", "check_fid_2000"):
                assert key in record, f"{name}: manifest entry lacks {key}"
            assert record["recipe"] == ganzoo.recipes.recipe(name).describe(), f"{name}: recipe changed since training"


def test_copied_package_folder_is_self_contained(tmp_path, monkeypatch):
    # What a wheel installs: the folder alone, no repository around it.
    copy = tmp_path / "pretrained"
    shutil.copytree(pretrained.DIRECTORY, copy)
    monkeypatch.setattr(pretrained, "DIRECTORY", str(copy))
    for name, weights in SHIPPED:
        assert ganzoo.get(name, weights=weights).generate(2, seed=0).shape == (2, 28, 28, 1)


# ---- the recipes keep working ------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ganzoo.recipes.RECIPES))
def test_every_recipe_builds_its_model_as_recorded(name):
    recipe = ganzoo.recipes.recipe(name)
    model = recipe.build()
    for key, value in recipe.model_kwargs.items():
        assert model.get_config()[key] == value
    optimizers = dict(zip(model.optimizer.names, model.optimizer.members))
    for arg, config in recipe.optimizers.items():
        player = {"d_optimizer": "discriminator", "g_optimizer": "generator"}.get(arg, next(iter(optimizers)))
        for key, value in config["config"].items():
            assert float(optimizers[player].get_config()[key]) == pytest.approx(value)
    # Recipes reproduce shipped *sampling* weights, chosen by the validation FID of generated images;
    # a translation model (pix2pix) has neither, so it has no recipe.
    assert set(ganzoo.recipes.RECIPES) == set(ganzoo.list_models(task="generation")), \
        "every generative model has a recipe"


@pytest.mark.skipif(not os.path.exists(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")),
                    reason="Fashion-MNIST not installed (make data)")
def test_train_reference_quick_runs_and_resumes(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run"
    command = [sys.executable, os.path.join(ROOT, "scripts", "train_reference.py"), "dcgan", "--quick",
               "--backend", BACKEND, "--output", str(out)]
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "epoch 2/2: validation FID" in proc.stdout and f"[dcgan] {BACKEND}" in proc.stdout
    history = json.load(open(out / "history.json"))
    assert [e["epoch"] for e in history["epochs"]] == [1, 2] and all(e["fid"] > 0 for e in history["epochs"])
    assert (out / "best.keras").exists() and (out / "last.keras").exists()
    # A finished run resumes to nothing more, and says so.
    proc = subprocess.run(command + ["--resume"], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0 and "resuming from" in proc.stdout, proc.stdout + proc.stderr[-3000:]


def test_command_line_takes_a_model_name_with_weights(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_BACKEND=BACKEND)

    def ganzoo_cli(*args):
        return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=600)

    proc = ganzoo_cli("sample", "dcgan", "--weights", "fashion_mnist", "-n", "16", "--output", "g.png")
    assert proc.returncode == 0, proc.stderr[-2000:]
    from PIL import Image

    with Image.open(tmp_path / "g.png") as grid:
        assert grid.size[0] > 28 * 4
    proc = ganzoo_cli("sample", "dcgan", "--weights", "imagenet", "--output", "g.png")
    assert proc.returncode == 2 and "No weights 'imagenet' ship for model 'dcgan'" in proc.stderr
    proc = ganzoo_cli("sample", "runs/dcgan/last.keras", "--weights", "fashion_mnist")
    assert proc.returncode == 2 and "name a model" in proc.stderr and "leave out --weights" in proc.stderr
