"""Smoke test of an installed keras-ganzoo wheel (run by scripts/wheel_smoke.sh, outside the source tree).

Checks: the import comes from the venv, the package data is there, the registry
lists every model, and a tiny model trains two steps, generates and saves.
"""

import importlib.metadata
import os
import sys
import tempfile

venv = os.path.realpath(sys.argv[1])

import ganzoo  # noqa: E402

where = os.path.realpath(ganzoo.__file__)
assert where.startswith(venv), f"ganzoo imported from {where}, not from the wheel in {venv}"
assert importlib.metadata.version("keras-ganzoo") == ganzoo.__version__
# Every dependency the wheel declares (without an extra) is installed.
for requirement in importlib.metadata.requires("keras-ganzoo") or []:
    if "extra ==" not in requirement:
        name = requirement.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip()
        importlib.metadata.version(name)  # raises PackageNotFoundError when missing
package = os.path.dirname(where)
for data in ("metrics/weights/fashion_mnist.weights.h5", "metrics/weights/fashion_mnist.json", "py.typed"):
    assert os.path.isfile(os.path.join(package, data)), f"{data} is missing from the wheel"

import numpy as np  # noqa: E402

assert len(ganzoo.list_models()) >= 10, ganzoo.list_models()
model = ganzoo.get("dcgan", preset="tiny", image_shape=(8, 8, 1))
images = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
history = model.fit(images, epochs=1, batch_size=16, verbose=0)
assert np.isfinite(history.history["g_loss"][-1])
samples = model.generate(4, seed=0)
assert samples.shape == (4, 8, 8, 1) and np.abs(samples).max() <= 1
features = ganzoo.metrics.feature_extractor("fashion_mnist").features(np.zeros((2, 28, 28, 1), "float32"))
assert np.isfinite(features).all()
with tempfile.TemporaryDirectory() as tmp:
    model.save(os.path.join(tmp, "m.keras"))
shipped = ganzoo.list_weights()
assert "dcgan" in shipped, f"the shipped model weights are missing from the wheel: {shipped}"
for name, names in shipped.items():  # each file present and its SHA-256 as recorded
    for weights in names:
        assert ganzoo.get(name, weights=weights, compile=False).generate(2, seed=0).shape[0] == 2
print(f"ganzoo {ganzoo.__version__} from {where}: {len(ganzoo.list_models())} models, fit, generate, "
      f"save, the shipped extractor weights and the shipped weights of {', '.join(sorted(shipped))} work")
