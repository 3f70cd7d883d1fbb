"""keras.ops versions of small helpers, used by the backends without a faster one."""


def moving_average(targets, sources, decay):
    """`target <- decay * target + (1 - decay) * source` for every pair of variables."""
    for target, source in zip(targets, sources):
        target.assign(decay * target + (1.0 - decay) * source)


def noise_key(seed):
    """The seed itself: only JAX hashes it (`ganzoo.backend.jax.noise_key`)."""
    return seed
