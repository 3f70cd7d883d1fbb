"""PyTorch: backward() per player update, optimizer applied under no_grad.

Speed: while a player is updated, every other trainable parameter of the model
has `requires_grad` switched off (torch-level only; Keras' `.trainable` is never
touched). Autograd then neither records the generator's forward pass inside the
discriminator's loss (its output is detached anyway) nor computes discriminator
gradients during the generator's update, the waste of a naive loop.

Memory. On Linux with glibc, importing this module tells glibc's allocator to
keep freed memory for reuse (`mallopt`: trim threshold 1 GiB, mmap threshold
32 MiB) instead of returning every large tensor's pages to the system and
faulting them in again on the next allocation. PyTorch's CPU tensors come
straight from malloc, and the zoo's small networks allocate and free tens of
megabytes per layer call: the `fashion_mnist` extractor ran 2.4x faster on
this 2-core CPU (143 -> 59 ms per batch of 256). The cost: the process keeps
up to about 1 GiB of freed memory. Set `GANZOO_TORCH_MALLOPT=0` (or your own
`GLIBC_TUNABLES` / `MALLOC_*_` settings, which are then left alone) to keep
glibc's defaults. `MALLOPT_APPLIED` says whether it was applied.
"""

import ctypes
import os
import sys

import torch

from ganzoo.backend.stateful import StatefulAdversarialTrainer

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>


def _keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds (see the module docstring); True if applied."""
    if os.environ.get("GANZOO_TORCH_MALLOPT", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    user_set = "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", "") or any(
        key in os.environ for key in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"))
    if user_set:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_TRIM_THRESHOLD, 1 << 30)) and bool(mallopt(_M_MMAP_THRESHOLD, 1 << 25))


MALLOPT_APPLIED = _keep_freed_memory()


class AdversarialTrainer(StatefulAdversarialTrainer):
    """The per-step plan (players, their parameters, what to freeze) is built at
    the first step of each `fit` (Keras calls `make_train_function` at its
    start) and reused: the players' variable lists are fixed during a fit."""

    def make_train_function(self, force=False):
        # A new fit (or a new compile): look the players' variables up again.
        self._torch_plan = None
        return super().make_train_function(force)

    def train_step(self, data):
        if getattr(self, "_torch_plan", None) is None:
            self._torch_plan = _StepPlan(self)
        return super().train_step(data)

    def _step_players(self):
        return self._torch_plan.players

    def _player_update(self, player, optimizer, x, y):
        params, frozen = self._torch_plan.parameters(player)
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


class _StepPlan:
    """`players()` and, per player, its parameters and the trainable parameters of
    the rest of the model that track gradients (switched off during its update).

    A plain object: an attribute holding lists of variables directly would be
    tracked by Keras as more weights of the model.
    """

    def __init__(self, model):
        self.players = model.players()
        self._parameters = {}
        for player in self.players:
            params = [v.value for v in player.variables]
            own = {id(p) for p in params}
            frozen = [
                v.value for v in model.trainable_variables
                if id(v.value) not in own and v.value.requires_grad
            ]
            self._parameters[player.name] = (params, frozen)

    def parameters(self, player):
        return self._parameters[player.name]


def moving_average(targets, sources, decay):
    """`target <- decay * target + (1 - decay) * source` for every pair, as two
    fused multi-tensor ops (`torch._foreach_*`) instead of a loop over weights."""
    values = [t.value for t in targets]
    torch._foreach_mul_(values, decay)
    torch._foreach_add_(values, torch._foreach_mul([s.value for s in sources], 1.0 - decay))


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
