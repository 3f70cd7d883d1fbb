"""`OptimizerGroup`: several named optimizers that travel as one.

Keras' JAX trainer threads exactly `model.optimizer.variables` through its jitted
step; any other optimizer would be baked in as constants and silently never
advance (keras-team/keras #18881). A GAN therefore compiles with one
`OptimizerGroup` whose `variables` are the concatenation of its members'
variables. Each member is built on, and only ever applied to, its own player's
variables.

`keras.optimizers.MultiOptimizer` routes variables by path pattern and applies
all gradients in one call; a GAN applies each player's gradients separately
(several times for the discriminator), so the group hands out its members by
name instead.
"""

from __future__ import annotations

from collections.abc import Callable

import keras


class OptimizerGroup(keras.optimizers.Optimizer):
    """Named optimizers whose state Keras sees as one optimizer's.

    Args:
        optimizers: dict. Player name to `keras.optimizers.Optimizer`, in update
            order.
        partition: callable. Returns, for a player name, the variables that
            player's optimizer updates. Used by `build`.
        loss_scale: bool. Wrap every member in a
            `keras.optimizers.LossScaleOptimizer` (dynamic loss scaling, for
            the `"mixed_float16"` policy). Keras' `compile` would otherwise
            wrap the group itself, and a wrapped group cannot hand out its
            members. Members already wrapped are kept. Defaults to False.
        name: str. Defaults to `"optimizer_group"`.
    """

    def __init__(
        self,
        optimizers: dict[str, keras.optimizers.Optimizer],
        partition: Callable[[str], list],
        loss_scale: bool = False,
        name: str = "optimizer_group",
    ):
        super().__init__(learning_rate=0.0, name=name)
        for key, opt in optimizers.items():
            if not isinstance(opt, keras.optimizers.Optimizer):
                raise ValueError(
                    f"The {key!r} optimizer must be a keras.optimizers.Optimizer "
                    f"instance, e.g. keras.optimizers.Adam(2e-4, beta_1=0.5). "
                    f"Received: {key}_optimizer={opt!r}"
                )
        if len({id(o) for o in optimizers.values()}) != len(optimizers):
            raise ValueError(
                "Each player needs its own optimizer instance (their moments must "
                "not mix). Pass a separate optimizer object for each."
            )
        if loss_scale:
            optimizers = {
                key: opt if isinstance(opt, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(opt, name=f"{key}_loss_scale")
                for key, opt in optimizers.items()
            }
        self._names = tuple(optimizers)
        self._members = tuple(optimizers.values())
        self._partition = partition

    def __getitem__(self, name: str) -> keras.optimizers.Optimizer:
        return self._members[self._names.index(name)]

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def members(self) -> tuple[keras.optimizers.Optimizer, ...]:
        return self._members

    def build(self, var_list=None):
        """Build every member on its own player's variables (`var_list` is unused)."""
        for name, opt in zip(self._names, self._members):
            if not opt.built:
                opt.build(self._partition(name))
        self.built = True

    @property
    def variables(self):
        return [v for opt in self._members for v in opt.variables]

    def variable_slices(self) -> dict[str, slice]:
        """Where each member's variables sit inside `self.variables`."""
        out, start = {}, 0
        for name, opt in zip(self._names, self._members):
            out[name] = slice(start, start + len(opt.variables))
            start += len(opt.variables)
        return out

    @property
    def iterations(self):
        # One fit() step is one update of the last player (the generator).
        return self._members[-1].iterations

    # The members are saved as children of this object by Keras' saving walk;
    # saving them here too would write every moment twice.
    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        pass

    def apply(self, grads, trainable_variables=None):
        raise NotImplementedError(
            "An OptimizerGroup is applied member by member: use "
            "group[name].apply(grads, variables)."
        )

    def get_config(self):
        raise NotImplementedError(
            "OptimizerGroup is not serialized itself; the model's "
            "get_compile_config serializes its members."
        )
