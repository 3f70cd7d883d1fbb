"""TensorFlow: one GradientTape per player update.

Under a `tf.distribute` strategy each replica's loss is the mean over its own
shard of the batch and Keras' optimizers all-reduce gradients with a SUM, so
the loss is divided by the number of replicas before differentiation (what
Keras' own `compute_loss` does); the logged loss stays unscaled.
"""

import contextlib

import tensorflow as tf

from ganzoo.backend.stateful import StatefulAdversarialTrainer


class AdversarialTrainer(StatefulAdversarialTrainer):
    def _player_update(self, player, optimizer, x, y):
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            loss, logs = player.loss(x, y)
            if replicas > 1:
                loss = loss / tf.cast(replicas, loss.dtype)
            scaled = optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, player.variables)
        optimizer.apply(grads, player.variables)
        return logs

    def _no_grad(self):
        return contextlib.nullcontext()


def input_gradients(fn, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = fn(x)
    return tape.gradient(out, x)


def inference_function(fn, variables, run_eagerly=False, jit_compile=False):
    # tf.function reads the variables it captures at every call; `variables`
    # is only needed by JAX. One trace per input shape and dtype (the inputs
    # are converted to tensors first: NumPy arguments would be traced by value).
    if run_eagerly:
        return fn
    graph = tf.function(fn, jit_compile=bool(jit_compile))

    def call(*inputs):
        return graph(*[tf.convert_to_tensor(x) for x in inputs])

    return call
