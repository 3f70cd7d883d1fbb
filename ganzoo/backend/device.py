"""Which device the current Keras backend computes on, in words (for the CLI)."""

from __future__ import annotations

import keras


def describe_device() -> str:
    """A short description such as `"GPU (NVIDIA H100)"` or `"CPU"`.

    Returns:
        `"GPU (...)"` when the backend sees an accelerator, otherwise `"CPU"`.
    """
    backend = keras.config.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform == "cpu":
            return "CPU"
        return f"{device.platform.upper()} ({getattr(device, 'device_kind', device)})"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"GPU ({len(gpus)} visible)" if gpus else "CPU"
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return f"GPU ({torch.cuda.get_device_name(0)})"
        return "CPU"
    return "unknown"
