"""ganzoo.callbacks in-process: sample grids, atomic checkpoints, divergence guard."""

import json
import os

import keras
import numpy as np
import pytest
from helpers import fake_data, tiny
from PIL import Image

from ganzoo import callbacks as cb
from ganzoo.models import Conditional


def test_sample_grid_uses_fixed_noise_and_writes_a_gif(tmp_path):
    model = tiny("dcgan", image_shape=(8, 8, 1), seed=0)
    x, _ = fake_data(model, n=32)
    grid = cb.SampleGrid(str(tmp_path / "s"), n=6, seed=7)
    model.fit(x, epochs=2, batch_size=16, verbose=0, callbacks=[grid])
    frames = [tmp_path / "s" / f"epoch_{e:03d}.png" for e in (1, 2)]
    assert all(f.is_file() for f in frames)
    # The last frame is exactly what the trained model draws from the fixed seed.
    expected = np.asarray(cb.image_grid(model.generate(6, seed=7)))
    np.testing.assert_array_equal(np.asarray(Image.open(frames[-1])), expected)
    # 6 images -> 3 columns x 2 rows of 8x8 with 2-pixel padding.
    assert expected.shape == (2 * 10 + 2, 3 * 10 + 2)
    # Training changed the generator, so the two frames differ.
    assert not np.array_equal(np.asarray(Image.open(frames[0])), expected)
    with Image.open(tmp_path / "s" / "progress.gif") as gif:
        assert gif.n_frames == 2


def test_image_grid_maps_range_and_rgb():
    images = np.stack([np.full((4, 4, 3), -1.0), np.full((4, 4, 3), 1.0)]).astype("float32")
    grid = np.asarray(cb.image_grid(images, columns=2, padding=0))
    assert grid.shape == (4, 8, 3)
    assert grid[:, :4].max() == 0 and grid[:, 4:].min() == 255
    with pytest.raises(ValueError, match="Received: shape"):
        cb.image_grid(np.zeros((2, 4, 4, 2)))


def test_conditional_grids_have_one_class_per_row():
    calls = {}

    class Labelled(Conditional):  # the protocol: a model that declares itself conditional
        def generate(self, n, seed=None, labels=None):
            calls["labels"] = labels
            return np.zeros((n, 4, 4, 1), "float32")

    cb.generate_images(Labelled(num_classes=3), 6, seed=0)
    np.testing.assert_array_equal(calls["labels"], [0, 0, 1, 1, 2, 2])
    with pytest.raises(ValueError, match="multiple of its 3 rows.*Received: n=7"):
        cb.generate_images(Labelled(num_classes=3), 7, seed=0)
    labels, columns = cb.label_rows(6, 3, labels=[2, 0])
    assert labels.tolist() == [2, 2, 2, 0, 0, 0] and columns == 3
    with pytest.raises(ValueError, match="unconditional.*Received: labels=\\[0\\]"):
        cb.generate_images(tiny("gan"), 2, labels=[0])


def test_checkpoints_have_normal_permissions_and_no_best_without_monitor(tmp_path):
    old = os.umask(0o022)
    try:
        model = tiny("gan", seed=0)
        model.fit(fake_data(model, n=16)[0], epochs=1, batch_size=16, verbose=0,
                  callbacks=[cb.AtomicCheckpoint(str(tmp_path))])
    finally:
        os.umask(old)
    assert sorted(os.listdir(tmp_path)) == ["last.keras", "state.json"]  # no best.keras by a loss
    assert os.stat(tmp_path / "last.keras").st_mode & 0o777 == 0o644
    assert json.loads((tmp_path / "state.json").read_text())["backend"] == keras.config.backend()


def test_csv_log_has_no_empty_validation_columns(tmp_path):
    model = tiny("gan", seed=0)
    path = tmp_path / "log.csv"
    model.fit(fake_data(model, n=16)[0], epochs=2, batch_size=16, verbose=0, callbacks=[cb.CSVLog(str(path))])
    header = path.read_text().splitlines()[0].split(",")
    assert header == ["epoch", "d_loss", "g_loss"], header


def test_checkpoint_writes_last_best_and_state(tmp_path):
    model = tiny("gan", seed=0)
    x, _ = fake_data(model, n=32)
    ckpt = cb.AtomicCheckpoint(str(tmp_path), monitor="g_loss")
    history = model.fit(x, epochs=3, batch_size=16, verbose=0, callbacks=[ckpt])
    state = json.loads((tmp_path / "state.json").read_text())
    g_losses = history.history["g_loss"]
    assert state["epoch"] == 3
    assert state["best_epoch"] == int(np.argmin(g_losses)) + 1
    assert state["best"] == pytest.approx(min(g_losses))
    assert sorted(os.listdir(tmp_path)) == ["best.keras", "last.keras", "state.json"]  # no temp files
    last = keras.saving.load_model(tmp_path / "last.keras")
    np.testing.assert_array_equal(last.generate(3, seed=1), model.generate(3, seed=1))
    assert cb.resume_state(str(tmp_path)) == (str(tmp_path / "last.keras"), 3)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def failing(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cb.atomic_write(str(path), failing)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_divergence_guard_stops_saves_and_names_the_loss(tmp_path, capsys):
    model = tiny("gan", seed=0)
    x, _ = fake_data(model, n=64)
    x[16:] = np.nan  # the second batch poisons the discriminator's loss
    guard = cb.DivergenceGuard(str(tmp_path))
    ckpt = cb.AtomicCheckpoint(str(tmp_path))
    history = model.fit(x, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[guard, ckpt])
    assert len(history.history["d_loss"]) == 1  # stopped in the first epoch
    assert "d_loss" in guard.message and "epoch 1, batch 2" in guard.message
    assert "diverged" in capsys.readouterr().out
    assert (tmp_path / "diverged.keras").is_file()
    keras.saving.load_model(tmp_path / "diverged.keras")
    # The non-finite epoch is not written as a good checkpoint.
    assert not (tmp_path / "last.keras").exists()


@pytest.mark.parametrize("check_every, where", [(1, "at epoch 1, batch 2"), (8, "in epoch 1 (seen in its mean")])
def test_divergence_guard_checks_every_n_batches_and_at_epoch_end(tmp_path, check_every, where):
    model = tiny("gan", seed=0)
    x, _ = fake_data(model, n=64)
    x[16:32] = np.nan  # batch 2 of 4; with check_every=8 only the epoch's mean losses show it
    guard = cb.DivergenceGuard(str(tmp_path), check_every=check_every)
    history = model.fit(x, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[guard])
    assert len(history.history["d_loss"]) == 1
    assert where in guard.message and "d_loss" in guard.message
    # Saved at the epoch's end, on the main thread: the weights the model ended with
    # (on JAX, after Keras has written the jitted state back to the variables).
    saved = keras.saving.load_model(tmp_path / "diverged.keras")
    for a, b in zip(saved.weights, model.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_divergence_guard_batch_check_leaves_the_jax_state_alone():
    # The batch check runs in a worker thread; on JAX `Callback.model` writes the
    # step's state into the variables, racing the main loop's buffer donation
    # (CI saw "Buffer has been deleted or donated"). It must stop via `_model`.
    model = tiny("gan", seed=0)
    guard = cb.DivergenceGuard()
    guard.set_model(model)
    syncs = []
    model.jax_state_sync = lambda: syncs.append(1)
    guard.on_train_batch_end(1, {"d_loss": float("nan"), "g_loss": 0.5})
    assert model.stop_training and syncs == []
    assert guard._found == (1, ["d_loss"])


@pytest.mark.parametrize("check_every", [0, 1.5, True])
def test_divergence_guard_rejects_bad_check_every(check_every):
    with pytest.raises(ValueError, match="check_every"):
        cb.DivergenceGuard(check_every=check_every)
