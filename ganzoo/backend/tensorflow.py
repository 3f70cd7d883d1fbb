"""TensorFlow: one GradientTape per player update."""

import contextlib

import tensorflow as tf

from ganzoo.backend.stateful import StatefulAdversarialTrainer


class AdversarialTrainer(StatefulAdversarialTrainer):
    def _player_update(self, player, optimizer, x, y):
        with tf.GradientTape() as tape:
            loss, logs = player.loss(x, y)
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
