"""PyTorch: backward() per player update, optimizer applied under no_grad."""

import torch

from ganzoo.backend.stateful import StatefulAdversarialTrainer


class AdversarialTrainer(StatefulAdversarialTrainer):
    def _player_update(self, player, optimizer, x, y):
        self.zero_grad(set_to_none=True)
        loss, logs = player.loss(x, y)
        optimizer.scale_loss(loss).backward()
        variables = player.variables
        grads = [v.value.grad for v in variables]
        with torch.no_grad():
            optimizer.apply(grads, variables)
        return {k: v.detach() for k, v in logs.items()}

    def _no_grad(self):
        return torch.no_grad()


def input_gradients(fn, x):
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    out = fn(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return grad
