"""Reader for the IDX format of (Fashion-)MNIST (LeCun et al.), gzip or raw."""

from __future__ import annotations

import gzip
import os

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (optionally .gz) into a NumPy array.

    Raises:
        ValueError: if the file is not IDX, or is truncated or has trailing bytes.
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"Could not read IDX file {path!r} ({e}). Delete it and fetch it again.") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise ValueError(f"{path!r} is not an IDX file (bad magic number). Delete it and fetch it again.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path!r} is truncated (header incomplete). Delete it and fetch it again.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path!r} holds {len(raw) - header} data bytes but its header promises {expected} "
            f"(shape {shape}): the file is truncated or corrupt. Delete it and fetch it again."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
