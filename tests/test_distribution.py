"""Data-parallel training on two virtual CPU devices.

JAX: `keras.distribution.DataParallel`. The device count must be fixed before
JAX is imported (`XLA_FLAGS=--xla_force_host_platform_device_count=2`), so each
case runs in a fresh interpreter. The same global batch on one and on two
devices must give the same weights, BatchNorm statistics and optimizer state
(XLA partitions the jitted step; the batch mean of BatchNorm becomes a
cross-device reduction, so its statistics are those of the global batch).

TensorFlow: `tf.distribute.MirroredStrategy` over two logical CPU devices runs
the core's step; what works is tested here, what differs from a single device
is documented in benchmarks/README.md ("Scale").
"""

import json

import pytest
from conftest import BACKEND
from helpers import run_python

pytestmark = pytest.mark.subprocess

COMMON = """
import json, numpy as np, keras
import ganzoo
x = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")

def train(model, init):
    model.set_weights(init)
    history = model.fit(x, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    return history

def arrays(variables):
    return [keras.ops.convert_to_numpy(v.value).astype("float64") for v in variables]
"""

JAX_CODE = """
import os
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
""" + COMMON + """
import jax
single = ganzoo.get("dcgan", preset="tiny", seed=1)
init = single.get_weights()
h1 = train(single, init)
distribution = keras.distribution.DataParallel(devices=jax.devices())
keras.distribution.set_distribution(distribution)
dp = ganzoo.get("dcgan", preset="tiny", seed=1)
h2 = train(dp, init)
def diff(a, b):
    return max(float(np.max(np.abs(u - v))) for u, v in zip(arrays(a), arrays(b)))
print(json.dumps({
    "devices": len(jax.devices()),
    "data_axes": list(distribution.get_data_layout((32, 28, 28, 1)).axes),
    "iterations": [int(dp.d_optimizer.iterations), int(dp.g_optimizer.iterations)],
    "replicated": all(all(a is None for a in v.value.sharding.spec)
                      for v in dp.variables + dp.optimizer.variables),
    "on_all_devices": all(len(v.value.sharding.device_set) == 2 for v in dp.variables),
    "weights": diff(single.trainable_variables, dp.trainable_variables),
    "stats": diff(single.non_trainable_variables, dp.non_trainable_variables),
    "optimizer": diff(single.optimizer.variables, dp.optimizer.variables),
    "moved": max(float(np.max(np.abs(a - np.asarray(b, "float64"))))
                 for a, b in zip(arrays(dp.weights), init)),
    "losses": [h1, h2],
}))
"""

TF_CODE = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
""" + COMMON + """
init = ganzoo.get("dcgan", preset="tiny", seed=1).get_weights()
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = ganzoo.get("dcgan", preset="tiny", seed=1)
history = train(model, init)
def spread(variables):
    # Largest difference between the two replicas' copies of each variable.
    out = 0.0
    for v in variables:
        copies = [np.asarray(c.numpy(), "float64") for c in v.value.values]
        out = max(out, float(np.max(np.abs(copies[0] - copies[1]))))
    return out
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "iterations": [int(model.d_optimizer.iterations.numpy()), int(model.g_optimizer.iterations.numpy())],
    "weights_spread": spread(model.trainable_variables),
    "optimizer_spread": spread(model.optimizer.variables),
    "moved": max(float(np.max(np.abs(a - np.asarray(b, "float64"))))
                 for a, b in zip(arrays(model.weights), init)),
    "losses": history,
}))
"""


def _last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution.DataParallel is tested on JAX (TF: MirroredStrategy below)")
def test_jax_data_parallel_matches_single_device():
    out = _last_json(run_python(JAX_CODE, "jax", timeout=300))
    assert out["devices"] == 2
    assert out["data_axes"][0] == "batch"  # the batch really is split across devices
    assert out["iterations"] == [4, 4]
    assert out["replicated"] and out["on_all_devices"]
    assert out["moved"] > 0
    # Same global batch, same noise: equal up to float32 reduction order.
    assert out["weights"] < 1e-5, out
    assert out["stats"] < 1e-5, out  # BatchNorm statistics are global-batch ones
    assert out["optimizer"] < 1e-5, out
    single, parallel = out["losses"]
    for key in single:
        assert all(abs(a - b) < 1e-4 for a, b in zip(single[key], parallel[key])), out["losses"]


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute.MirroredStrategy exists only on TensorFlow")
def test_tensorflow_mirrored_strategy_trains_in_sync():
    out = _last_json(run_python(TF_CODE, "tensorflow", timeout=300))
    assert out["replicas"] == 2
    assert out["iterations"] == [4, 4]
    assert out["moved"] > 0
    # The replicas' copies of the weights and of both optimizers' state agree.
    assert out["weights_spread"] == 0.0 and out["optimizer_spread"] == 0.0, out
    for series in out["losses"].values():
        assert all(map(lambda v: v == v and abs(v) < 1e3, series)), out["losses"]
