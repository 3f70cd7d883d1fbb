"""JAX: a pure train_step(state, data) -> (logs, state).

Keras' JAX trainer passes the model's state as four lists (trainable,
non-trainable, optimizer and metrics variables) and jits this function. Each
player's loss method is written statefully; here it runs inside a
`keras.StatelessScope` that maps every model variable to its traced value, so
the same method serves all backends. Updated non-trainable values (BatchNorm
statistics, SeedGenerator state) are read back from the scope and threaded on.
Variables are matched to positions by identity, never by index arithmetic.
"""

import jax
import jax.numpy as jnp
import keras


class AdversarialTrainer:
    def train_step(self, state, data):
        trainable, non_trainable, optimizer_values, metrics_values = state
        trainable, non_trainable = list(trainable), list(non_trainable)
        optimizer_values = list(optimizer_values)
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        # Without jit the batch arrives as NumPy; Keras layers refuse a mix of
        # NumPy and JAX arrays in one call (e.g. images with cast labels).
        x, y = jax.tree_util.tree_map(jnp.asarray, (x, y))

        position = {id(v): i for i, v in enumerate(self.trainable_variables)}
        slices = self.optimizer.variable_slices()
        all_logs = []
        for player in self.players():
            optimizer = self.optimizer[player.name]
            index = [position[id(v)] for v in player.variables]
            for _ in range(player.steps):
                grad_fn = jax.value_and_grad(_player_loss, has_aux=True)
                (_, (logs, non_trainable)), grads = grad_fn(
                    [trainable[i] for i in index],
                    self, player, index, trainable, non_trainable, x, y,
                    optimizer_values[slices[player.name]],
                )
                new_values, new_opt = optimizer.stateless_apply(
                    optimizer_values[slices[player.name]],
                    grads,
                    [trainable[i] for i in index],
                )
                for i, value in zip(index, new_values):
                    trainable[i] = value
                optimizer_values[slices[player.name]] = new_opt
                all_logs.append(logs)

        # Work after the updates (e.g. the generator's EMA) sees the new weights
        # and writes non-trainable state, which is read back like BatchNorm's.
        mapping = list(zip(self.trainable_variables, trainable))
        mapping += list(zip(self.non_trainable_variables, non_trainable))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            self.after_step()
        non_trainable = [
            _current(scope, v, old) for v, old in zip(self.non_trainable_variables, non_trainable)
        ]
        results, metrics_values = _update_metrics(self, all_logs, metrics_values)
        return results, (trainable, non_trainable, optimizer_values, metrics_values)

    def test_step(self, state, data):
        trainable, non_trainable, metrics_values = state
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        # Without jit the batch arrives as NumPy; Keras layers refuse a mix of
        # NumPy and JAX arrays in one call (e.g. images with cast labels).
        x, y = jax.tree_util.tree_map(jnp.asarray, (x, y))
        mapping = list(zip(self.trainable_variables, trainable))
        mapping += list(zip(self.non_trainable_variables, non_trainable))
        all_logs = []
        with keras.StatelessScope(state_mapping=mapping) as scope:
            for player in self.players():
                all_logs.append(player.loss(x, y, training=False)[1])
        non_trainable = [
            _current(scope, v, old) for v, old in zip(self.non_trainable_variables, non_trainable)
        ]
        results, metrics_values = _update_metrics(self, all_logs, metrics_values)
        return results, (trainable, non_trainable, metrics_values)


def _update_metrics(model, all_logs, metrics_values):
    with keras.StatelessScope(
        state_mapping=list(zip(model.metrics_variables, metrics_values))
    ) as scope:
        for logs in all_logs:
            model._update_trackers(logs)
        results = model._tracker_results()
    metrics_values = [
        _current(scope, v, old) for v, old in zip(model.metrics_variables, metrics_values)
    ]
    return results, metrics_values


def _player_loss(player_values, model, player, index, trainable, non_trainable, x, y, optimizer_values):
    trainable = list(trainable)
    for i, value in zip(index, player_values):
        trainable[i] = value
    optimizer = model.optimizer[player.name]
    mapping = list(zip(model.trainable_variables, trainable))
    mapping += list(zip(model.non_trainable_variables, non_trainable))
    # The optimizer's state too: a LossScaleOptimizer's scale_loss reads its
    # current (traced) dynamic scale, not the value baked in at trace time.
    mapping += list(zip(optimizer.variables, optimizer_values))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        loss, logs = player.loss(x, y)
        scaled = optimizer.scale_loss(loss)
    non_trainable = [
        _current(scope, v, old) for v, old in zip(model.non_trainable_variables, non_trainable)
    ]
    return scaled, (logs, non_trainable)


def _current(scope, variable, old):
    value = scope.get_current_value(variable)
    return old if value is None else value


def input_gradients(fn, x):
    return jax.grad(lambda inputs: jnp.sum(fn(inputs)))(x)


def noise_key(seed):
    """A `SeedGenerator` seed (a raw uint32 key) hashed by `jax.random.fold_in`.

    The noise is equally random either way; XLA's CPU backend compiles the whole
    DCGAN train step about 10% faster around `jax.random.normal` of the hashed
    key than of the SeedGenerator's counter itself (the paired rounds of
    `benchmarks/zoo_overhead.py`, batch 64). Why is XLA's to say.
    """
    return jax.random.fold_in(seed, 0)


def inference_function(fn, variables, run_eagerly=False, jit_compile=True):
    # What Keras' JAX predict does with `stateless_call`: the variables' values
    # are arguments of the jitted function (read at every call), never
    # constants baked in at trace time. `fn` must read no variable outside
    # `variables` (it would be baked in); callers pass all of a model's.
    if run_eagerly or not jit_compile:
        return fn
    variables = list(variables)

    def stateless(values, *inputs):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return fn(*inputs)

    compiled = jax.jit(stateless)

    def call(*inputs):
        return compiled([v.value for v in variables], *inputs)

    return call
