"""PyTorch: backward() per player update, optimizer applied under no_grad.

Speed: while a player is updated, every other trainable parameter of the model
has `requires_grad` switched off (torch-level only; Keras' `.trainable` is never
touched). Autograd then neither records the generator's forward pass inside the
discriminator's loss (its output is detached anyway) nor computes discriminator
gradients during the generator's update, the waste of a naive loop.
"""

import torch

from ganzoo.backend.stateful import StatefulAdversarialTrainer


class AdversarialTrainer(StatefulAdversarialTrainer):
    def _player_update(self, player, optimizer, x, y):
        params = [v.value for v in player.variables]
        frozen = self._torch_frozen(player, params)
        for p in frozen:
            p.requires_grad_(False)
        try:
            for p in params:
                p.grad = None
            loss, logs = player.loss(x, y)
            optimizer.scale_loss(loss).backward()
        finally:
            for p in frozen:
                p.requires_grad_(True)
        grads = [p.grad for p in params]
        with torch.no_grad():
            optimizer.apply(grads, player.variables)
        return {k: v.detach() for k, v in logs.items()}

    def _no_grad(self):
        return torch.no_grad()

    def _torch_frozen(self, player, params):
        """Trainable parameters of the model outside `player` that track gradients."""
        own = {id(p) for p in params}
        return [
            v.value for v in self.trainable_variables
            if id(v.value) not in own and v.value.requires_grad
        ]


# Under `jit_compile=True` (torch.compile), AOTAutograd cannot differentiate
# twice ("does not currently support double backward"); the penalty's critic
# pass and its input gradient therefore run eagerly, outside the compiled graph.
# `evaluate()` runs the losses under `torch.no_grad()`; the penalty's input
# gradient is taken with autograd switched back on (its result stays attached
# only inside a training step, where the caller records gradients).
@torch.compiler.disable
def input_gradients(fn, x):
    recording = torch.is_grad_enabled()
    with torch.enable_grad():
        if not x.requires_grad:
            x = x.detach().requires_grad_(True)
        out = fn(x)
        (grad,) = torch.autograd.grad(out.sum(), x, create_graph=recording)
    return grad


def inference_function(fn, variables, run_eagerly=False, jit_compile=False):
    # Eager, as Keras' torch predict is under "auto", but without recording an
    # autograd graph. torch.compile is not applied (graph breaks on these
    # networks; see DESIGN.md), whatever `jit_compile` says.
    def call(*inputs):
        with torch.no_grad():
            return fn(*inputs)

    return call
