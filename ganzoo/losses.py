"""Adversarial losses as small pure functions of discriminator logits.

Each loss is a pair: `discriminator(real_logits, fake_logits)` and
`generator(fake_logits)`, both returning a scalar mean over the batch.
"Logits" are the raw, unbounded outputs of the discriminator (or critic): no
sigmoid is applied inside a model, which keeps the log-likelihood forms
numerically stable (`log sigmoid(x) = -softplus(-x)`).

| name | discriminator minimises | generator minimises | reference |
|---|---|---|---|
| `non_saturating` | `softplus(-D(x)) + softplus(D(G(z)))` | `softplus(-D(G(z)))` | Goodfellow et al. 2014, sec. 3 |
| `minimax` | same | `-softplus(D(G(z)))` = `log(1 - sigmoid(D(G(z))))` | Goodfellow et al. 2014, eq. 1 |
| `least_squares` | `((D(x) - 1)^2 + D(G(z))^2) / 2` | `(D(G(z)) - 1)^2 / 2` | Mao et al. 2017, eq. 9 (a=0, b=c=1) |
| `wasserstein` | `D(G(z)) - D(x)` | `-D(G(z))` | Arjovsky et al. 2017 |
| `hinge` | `relu(1 - D(x)) + relu(1 + D(G(z)))` | `-D(G(z))` | Lim & Ye 2017; Miyato et al. 2018 |
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from typing import NamedTuple

from keras import ops


class AdversarialLoss(NamedTuple):
    """A pair of loss functions on discriminator logits."""

    discriminator: Callable
    generator: Callable


def _mean(x):
    return ops.mean(ops.cast(x, "float32"))


def float32_logits(fn: Callable) -> Callable:
    """Cast a loss's logits to float32 before any arithmetic.

    Under a mixed-precision policy the discriminator's logits arrive in
    float16/bfloat16; softplus and squares of large float16 logits lose
    precision or overflow, so every loss here is computed in float32.
    """

    @functools.wraps(fn)
    def wrapper(*logits):
        return fn(*(ops.cast(x, "float32") for x in logits))

    return wrapper


@float32_logits
def non_saturating_d(real_logits, fake_logits):
    return _mean(ops.softplus(-real_logits)) + _mean(ops.softplus(fake_logits))


@float32_logits
def non_saturating_g(fake_logits):
    return _mean(ops.softplus(-fake_logits))


@float32_logits
def minimax_g(fake_logits):
    return -_mean(ops.softplus(fake_logits))


@float32_logits
def least_squares_d(real_logits, fake_logits):
    return 0.5 * (_mean(ops.square(real_logits - 1.0)) + _mean(ops.square(fake_logits)))


@float32_logits
def least_squares_g(fake_logits):
    return 0.5 * _mean(ops.square(fake_logits - 1.0))


@float32_logits
def wasserstein_d(real_logits, fake_logits):
    return _mean(fake_logits) - _mean(real_logits)


@float32_logits
def wasserstein_g(fake_logits):
    return -_mean(fake_logits)


@float32_logits
def hinge_d(real_logits, fake_logits):
    return _mean(ops.relu(1.0 - real_logits)) + _mean(ops.relu(1.0 + fake_logits))


LOSSES: dict[str, AdversarialLoss] = {
    "non_saturating": AdversarialLoss(non_saturating_d, non_saturating_g),
    "minimax": AdversarialLoss(non_saturating_d, minimax_g),
    "least_squares": AdversarialLoss(least_squares_d, least_squares_g),
    "wasserstein": AdversarialLoss(wasserstein_d, wasserstein_g),
    "hinge": AdversarialLoss(hinge_d, wasserstein_g),
}


def get(name: str) -> AdversarialLoss:
    """The `AdversarialLoss` registered as `name` (see the module table)."""
    if name not in LOSSES:
        close = difflib.get_close_matches(str(name), list(LOSSES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown adversarial loss {name!r}.{hint} "
            f"Available: {', '.join(LOSSES)}. Received: loss={name!r}"
        )
    return LOSSES[name]


def gradient_penalty(critic: Callable, points, target: float = 1.0, epsilon: float = 1e-12):
    """`E[(||grad_x critic(x)||_2 - target)^2]` over a batch of `points`.

    The gradient is flattened per sample before its norm, and `epsilon` sits
    inside the square root so the penalty's own gradient stays finite when a
    gradient vanishes (Gulrajani et al. 2017, eq. 3). The input gradient is
    taken by `ganzoo.backend.input_gradients` (double backprop on every backend).
    """
    from ganzoo.backend import input_gradients

    grads = input_gradients(critic, points)
    flat = ops.reshape(ops.cast(grads, "float32"), (ops.shape(grads)[0], -1))
    norms = ops.sqrt(ops.sum(ops.square(flat), axis=1) + epsilon)
    return ops.mean(ops.square(norms - target))
