"""The only place in ganzoo that imports TensorFlow, JAX or PyTorch.

The backend is chosen once, at import, from `keras.config.backend()` (set it
with the `KERAS_BACKEND` environment variable before Keras is imported). On
every backend this package provides the same names (from the backend's module,
or from `generic` where a backend has no faster version):

- `AdversarialTrainer`: a mixin whose `train_step` runs every player of an
  adversarial model (discriminator, generator, ...) inside `keras.Model.fit`.
- `input_gradients(fn, x)`: the gradient of `sum(fn(x))` with respect to `x`,
  itself differentiable (double backprop), for gradient penalties.
- `inference_function(fn, variables, run_eagerly, jit_compile)`: `fn` (written
  in keras.ops, calling Keras networks statefully) as a gradient-free function
  compiled the way Keras compiles `predict`: `tf.function` (XLA when
  `jit_compile`) on TensorFlow, `jax.jit` over the values of `variables` on
  JAX, `torch.no_grad()` on PyTorch. Every call reads the variables' current
  values, so it follows training and `load_weights`; it is traced once per
  input shape (`run_eagerly=True` runs `fn` as it is, for debugging).
- `moving_average(targets, sources, decay)`: `t <- decay * t + (1 - decay) * s`
  over lists of variables (the generator's EMA); fused multi-tensor ops on
  PyTorch, a loop of `assign` elsewhere (traced once inside the compiled step).
- `noise_key(seed)`: the key a zoo model's noise is drawn with, from a Keras
  `SeedGenerator` seed (`ganzoo.models.player.NoiseGenerator`): on JAX the seed
  hashed once by `jax.random.fold_in`, elsewhere the seed itself. XLA's CPU
  backend compiles the DCGAN train step about 10% faster when `jax.random`
  gets the hashed key instead of the SeedGenerator's raw counter (same
  distribution; `python benchmarks/zoo_overhead.py`).
"""

import keras

BACKEND = keras.config.backend()

if BACKEND == "tensorflow":
    from ganzoo.backend.generic import moving_average, noise_key
    from ganzoo.backend.tensorflow import AdversarialTrainer, inference_function, input_gradients
elif BACKEND == "jax":
    from ganzoo.backend.generic import moving_average
    from ganzoo.backend.jax import AdversarialTrainer, inference_function, input_gradients, noise_key
elif BACKEND == "torch":
    from ganzoo.backend.generic import noise_key
    from ganzoo.backend.torch import AdversarialTrainer, inference_function, input_gradients, moving_average
else:
    raise ImportError(
        f"ganzoo trains on the 'tensorflow', 'jax' and 'torch' Keras backends. "
        f"Set KERAS_BACKEND to one of them before importing keras. "
        f"Received: KERAS_BACKEND={BACKEND!r}"
    )

#: Whether `ganzoo.models.networks.Conv2DTranspose` computes its stride-2 upsampling as
#: a sub-pixel convolution (same function, rearranged kernel). Only XLA's CPU backend
#: under JAX gains: there the kernel gradient of the plain transposed convolution is
#: 4x slower for DCGAN's layers; TensorFlow and PyTorch run the plain one faster
#: (`python benchmarks/conv_transpose.py`).
SUBPIXEL_UPSAMPLING = BACKEND == "jax"

#: The layout of image tensors inside the zoo's DCGAN-family networks and its
#: domain classifier. Inputs and outputs are channels-last on every backend; on
#: PyTorch those networks permute once after their input and once before their
#: output and run channels-first in between, the layout of torch's own kernels:
#: Keras' torch layers otherwise copy NHWC to NCHW and back around every
#: convolution and pooling (`python benchmarks/channels_first.py`). The weights are
#: the same in either layout (Keras' kernels and `Flatten` do not depend on it).
DATA_FORMAT = "channels_first" if BACKEND == "torch" else "channels_last"

__all__ = ["AdversarialTrainer", "BACKEND", "DATA_FORMAT", "SUBPIXEL_UPSAMPLING", "inference_function",
           "input_gradients", "moving_average", "noise_key"]
