"""Differentiable augmentation (DiffAugment) for training GANs on little data.

A discriminator trained on few images memorises them, and the generator's
quality collapses. DiffAugment (Zhao et al. 2020) applies the same family of
random, differentiable transforms T to every image the discriminator sees,
real and generated, in both players' losses:

    L_D = f(D(T(x))) + g(D(T(stop_gradient(G(z)))))
    L_G = h(D(T(G(z))))

Because T is differentiable, the generator is trained through it; because T
is applied to real and generated images alike, the generator is not pushed to
reproduce the transforms (augmenting only the real images would make it
generate translated, cut-out images). Each call draws its own transform for
every image, from the same distribution for real and generated batches.

Policies (comma-separated in the models' `augment=` argument, applied in the
order given):

- `"color"`: brightness, then saturation, then contrast, each with one random
  factor per image: add `U(-0.5, 0.5)`; scale each pixel's deviation from its
  channel mean by `U(0, 2)` (no effect on grey images); scale each image's
  deviation from its mean over all pixels and channels by `U(0.5, 1.5)`.
- `"translation"`: shift each image by a random integer number of pixels in
  `[-s, s]` along the height and along the width, independently,
  `s = round(size / 8)`, filling the uncovered border with zeros.
- `"cutout"`: set to zero a square of half the image size (`round(size / 2)`
  per side) centred at a random pixel (the square is clipped at the border).

All transforms are written in `keras.ops` and `keras.random` (one code path
on TensorFlow, JAX and PyTorch, inside a jitted step too). Translation is a
product with one-hot shift matrices, so its gradient is exact (the adjoint
shift) and twice differentiable, as a gradient penalty needs.

Reference: Zhao, Liu, Lin, Zhu & Han, "Differentiable Augmentation for
Data-Efficient GAN Training", NeurIPS 2020 (arXiv:2006.10738). The factor
ranges, the 1/8 translation and the 1/2 cutout are the paper's defaults.
Images are channels-last `(batch, height, width, channels)` in [-1, 1].
"""

from __future__ import annotations

import difflib

import keras
from keras import ops

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _factor(x, seed, low=0.0, high=1.0):
    """One uniform factor per image, shaped to broadcast over `x`."""
    dtype = keras.backend.standardize_dtype(x.dtype)
    return keras.random.uniform((ops.shape(x)[0], 1, 1, 1), low, high, dtype=dtype, seed=seed)


def brightness(x, seed=None):
    """Add `U(-0.5, 0.5)` to every pixel of each image (one value per image)."""
    x = ops.convert_to_tensor(x)
    return x + _factor(x, seed, -0.5, 0.5)


def saturation(x, seed=None):
    """Scale each pixel's deviation from its mean over channels by `U(0, 2)`."""
    x = ops.convert_to_tensor(x)
    mean = ops.mean(x, axis=-1, keepdims=True)
    return (x - mean) * _factor(x, seed, 0.0, 2.0) + mean


def contrast(x, seed=None):
    """Scale each image's deviation from its mean (all pixels, channels) by `U(0.5, 1.5)`."""
    x = ops.convert_to_tensor(x)
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * _factor(x, seed, 0.5, 1.5) + mean


def _shift_matrices(shifts, size, dtype):
    """`(batch, size, size)` one-hot matrices M with `M[b, i, j] = 1` iff `j = i + shifts[b]`.

    `M @ v` reads `v[i + shift]` into position i, zero where that is outside.
    """
    offsets = ops.arange(size)[None, :] - ops.arange(size)[:, None]  # j - i
    return ops.cast(ops.equal(offsets[None], ops.reshape(shifts, (-1, 1, 1))), dtype)


def translation(x, seed=None, ratio: float = TRANSLATION_RATIO):
    """Shift each image by up to `round(ratio * size)` pixels per axis, zero padded."""
    x = ops.convert_to_tensor(x)
    batch, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
    dtype = keras.backend.standardize_dtype(x.dtype)
    max_h, max_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    shift_h = keras.random.randint((batch,), -max_h, max_h + 1, seed=seed)
    shift_w = keras.random.randint((batch,), -max_w, max_w + 1, seed=seed)
    rows = _shift_matrices(shift_h, height, dtype)
    cols = _shift_matrices(shift_w, width, dtype)
    x = ops.einsum("bij,bjwc->biwc", rows, x)
    return ops.einsum("bkw,bhwc->bhkc", cols, x)


def _inside(size, square, centres):
    """`(batch, size)` booleans: positions covered by a `square`-wide span at `centres`."""
    start = ops.reshape(centres - square // 2, (-1, 1))
    positions = ops.arange(size)[None, :]
    return ops.logical_and(positions >= start, positions < start + square)


def cutout(x, seed=None, ratio: float = CUTOUT_RATIO):
    """Zero a square of `round(ratio * size)` pixels per side at a random centre in each image."""
    x = ops.convert_to_tensor(x)
    batch, height, width = ops.shape(x)[0], x.shape[1], x.shape[2]
    square_h, square_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    # An even square is centred between pixels: one more centre keeps it symmetric.
    centre_h = keras.random.randint((batch,), 0, height + 1 - square_h % 2, seed=seed)
    centre_w = keras.random.randint((batch,), 0, width + 1 - square_w % 2, seed=seed)
    rows = _inside(height, square_h, centre_h)[:, :, None]
    cols = _inside(width, square_w, centre_w)[:, None, :]
    keep = ops.logical_not(ops.logical_and(rows, cols))
    return x * ops.cast(keep, keras.backend.standardize_dtype(x.dtype))[..., None]


#: Policy name -> its transforms, applied in this order.
POLICIES = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def parse_policy(augment) -> tuple[str, ...]:
    """The policy names of an `augment=` argument, validated.

    Args:
        augment: str or None. Comma-separated names from `POLICIES`, e.g.
            `"color,translation,cutout"`; None or `""` for no augmentation.

    Returns:
        A tuple of names in the order given (empty for none).

    Raises:
        ValueError: a name is unknown or repeated, or `augment` is not a string.
    """
    valid = ", ".join(POLICIES)
    if augment is None:
        return ()
    if not isinstance(augment, str):
        raise ValueError(
            f"augment must be None or a comma-separated string of policies from {valid}, "
            f'e.g. augment="color,translation,cutout". Received: augment={augment!r}'
        )
    names = tuple(part.strip().lower() for part in augment.split(",") if part.strip())
    for name in names:
        if name not in POLICIES:
            close = difflib.get_close_matches(name, list(POLICIES), n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Unknown augmentation policy {name!r}.{hint} Valid policies: {valid} "
                f'(comma-separated, e.g. augment="color,translation,cutout"), or None for none. '
                f"Received: augment={augment!r}"
            )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"Augmentation policy {repeated[0]!r} is listed twice; name each of {valid} at most once. "
            f"Received: augment={augment!r}"
        )
    return names


def diff_augment(x, policy, seed=None):
    """Apply the transforms of `policy` to a batch of images, differentiably.

    Args:
        x: tensor `(batch, height, width, channels)`, channels last.
        policy: str, tuple of names, or None. As for `parse_policy`.
        seed: `keras.random.SeedGenerator`, int or None. Where the random
            factors are drawn from (a model passes its `noise_seed(training)`).

    Returns:
        A tensor of the shape and dtype of `x`; `x` itself when `policy` is empty.

    Example:
    ```python
    import keras, numpy as np
    from ganzoo.augment import diff_augment
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    out = diff_augment(images, "translation,cutout", seed=keras.random.SeedGenerator(0))
    ```
    """
    names = policy if isinstance(policy, tuple) else parse_policy(policy)
    if not names:
        return x
    for name in names:
        for transform in POLICIES[name]:
            x = transform(x, seed=seed)
    return x
