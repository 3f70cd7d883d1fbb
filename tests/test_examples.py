"""Each example runs offline with --quick on the current backend and leaves its outputs."""

import json
import os
import subprocess
import sys

import keras
import pytest
from conftest import BACKEND
from helpers import FASHION_DIR, ROOT

pytestmark = pytest.mark.subprocess
needs_fashion = pytest.mark.skipif(not os.path.exists(FASHION_DIR), reason="apt-get install dataset-fashion-mnist")


def run_example(name, tmp_path, *args):
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="3",
               OMP_NUM_THREADS="1", KERAS_HOME=str(tmp_path / "keras_home"))
    env.pop("GANZOO_DATA_DIR", None)
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), "--quick", "--output", str(out),
                           *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (out / "samples" / "epoch_001.png").is_file()
    keras.saving.load_model(out / "last.keras")  # a complete, loadable checkpoint
    return out, proc.stdout


@needs_fashion
def test_dcgan_fashion_mnist(tmp_path):
    out, stdout = run_example("dcgan_fashion_mnist.py", tmp_path)
    assert (out / "logs" / "training.csv").is_file()
    assert f"Keras backend: {BACKEND}" in stdout and str(out / "last.keras") in stdout


@needs_fashion
def test_gan_mlp_mnist_falls_back_to_fashion_offline(tmp_path):
    _, stdout = run_example("gan_mlp_mnist.py", tmp_path)
    assert "training on Fashion-MNIST instead" in stdout  # no mnist.npz in the empty Keras cache


def test_train_on_folder(tmp_path):
    out, stdout = run_example("train_on_folder.py", tmp_path, "--image-size", "16")
    assert "2 classes" in stdout and "(16, 16, 1)" in stdout
    model = keras.saving.load_model(out / "last.keras")
    assert tuple(model.image_shape) == (16, 16, 1)


@needs_fashion
def test_pix2pix_edges_compares_with_l1_only(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1")
    command = [sys.executable, os.path.join(ROOT, "examples", "pix2pix_edges.py"), "--quick", "--output", str(out)]
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert set(results["models"]) == {"pix2pix", "l1_only"} and results["test_pairs"] == 256
    for row in results["models"].values():
        assert 0 < row["l1"] < 2 and row["fid"] > 0 and 0 <= row["class_accuracy"] <= 1
    assert results["classifier_accuracy_on_true_images"] > 0.8  # the classifier itself works
    assert (out / "translations.png").is_file()
    for name in ("pix2pix", "l1_only"):
        keras.saving.load_model(out / name / "last.keras")  # complete, loadable checkpoints


def run_quick(name, tmp_path, *args):
    """Run examples/NAME --quick into tmp_path/run; returns (output folder, stdout)."""
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1")
    command = [sys.executable, os.path.join(ROOT, "examples", name), "--quick", "--output", str(out), *args]
    proc = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, proc.stdout


@needs_fashion
def test_diffaugment_small_data_trains_both_arms_and_resumes(tmp_path):
    out, _ = run_quick("diffaugment_small_data.py", tmp_path, "--fractions", "0.5")
    results = json.loads((out / "results.json").read_text())
    assert set(results["runs"]) == {"50pct-plain", "50pct-augment"}
    assert results["runs"]["50pct-augment"]["augment"] == "color,translation,cutout"
    assert results["runs"]["50pct-plain"]["augment"] is None
    for run in results["runs"].values():
        assert [h["step"] for h in run["history"]] == [3, 6] and run["test_fid"] > 0
    model = keras.saving.load_model(out / "50pct-augment" / "last.keras")
    assert model.get_config()["augment"] == "color,translation,cutout"  # saved in the config
    assert {"results.md", "curves.png", "samples.png"} <= {p.name for p in out.iterdir()}
    # A finished study resumed trains nothing and scores the same models the same.
    _, stdout = run_quick("diffaugment_small_data.py", tmp_path, "--fractions", "0.5", "--resume")
    assert stdout.count("resuming from") == 2
    again = json.loads((out / "results.json").read_text())
    assert again["runs"]["50pct-plain"]["test_fid"] == pytest.approx(results["runs"]["50pct-plain"]["test_fid"])


@needs_fashion
def test_augment_classifier_reports_every_arm(tmp_path):
    out, stdout = run_quick("augment_classifier.py", tmp_path)
    results = json.loads((out / "results.json").read_text())
    row = results["per_class"]["3"]
    assert set(row) == {"real", "cgan", "cvae"}
    for arm in row.values():
        assert 0 <= arm["mean"] <= 1 and len(arm["values"]) == 1
    assert 0 <= results["all_real"]["mean"] <= 1
    for name in ("cgan", "cvae"):
        keras.saving.load_model(out / "3" / f"{name}.keras")  # complete, loadable generators
    assert {"results.md", "accuracy.png", "samples_3.png"} <= {p.name for p in out.iterdir()}
    assert "| 3 |" in stdout


@needs_fashion
def test_cyclegan_shoes_measures_both_directions(tmp_path):
    out, stdout = run_quick("cyclegan_shoes.py", tmp_path)
    results = json.loads((out / "results.json").read_text())
    assert results["classes"] == [7, 9] and results["test_images_per_domain"] == 128
    assert set(results["directions"]) == {"a2b", "b2a"}
    for row in results["directions"].values():
        assert 0 <= row["share_classified_as_target"] <= 1 and 0 < row["cycle_l1"] < 2
        assert row["fid"] > 0 and row["fid_source_vs_target"] > row["fid_train_vs_test"] > 0
    assert results["classifier_accuracy_on_real_test_images"] > 0.8  # the classifier itself works
    assert (out / "translations.png").is_file() and "a2b" in stdout
    keras.saving.load_model(out / "last.keras")  # a complete, loadable checkpoint
