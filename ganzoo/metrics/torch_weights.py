"""Read a PyTorch `.pth` state dict into NumPy arrays without importing torch.

Used once, to convert pytorch-fid's Inception weights into Keras weights, so the
conversion works on every Keras backend. Both of torch's file layouts are read:
the zip archive (`torch.save` since PyTorch 1.6) and the older "legacy" stream
(magic number, pickles, then raw storages). Only what a state dict of dense
tensors needs is accepted; any other pickled object is refused.
"""

from __future__ import annotations

import collections
import pickle
import zipfile

import numpy as np

_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _StorageType:
    def __init__(self, name):
        self.dtype = np.dtype(_DTYPES[name])


class _Storage:
    def __init__(self, key, dtype):
        self.key, self.dtype = str(key), dtype


class _Pending:
    """A tensor whose storage bytes may come later in the file (legacy layout)."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def materialize(self, buffers):
        flat = np.frombuffer(buffers[self.storage.key], dtype=self.storage.dtype)
        if not self.size:
            return flat[self.offset].copy()
        itemsize = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[self.offset:], shape=self.size, strides=[s * itemsize for s in self.stride]
        )
        return np.array(view)


def _rebuild_tensor(storage, offset, size, stride, *unused):
    return _Pending(storage, offset, size, stride)


def _rebuild_parameter(data, *unused):
    return data


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(
            f"Unsupported object {module}.{name} in the .pth file: only state dicts of dense tensors are read. "
            "Save the weights with torch.save(module.state_dict(), path)."
        )

    def persistent_load(self, pid):
        # zip: ('storage', type, key, location, numel); legacy adds view metadata.
        if pid[0] != "storage":
            raise pickle.UnpicklingError(f"Unsupported persistent id {pid[0]!r} in the .pth file")
        return _Storage(pid[2], pid[1].dtype)


def _materialize(obj, buffers):
    if isinstance(obj, _Pending):
        return obj.materialize(buffers)
    if isinstance(obj, dict):
        return {key: _materialize(value, buffers) for key, value in obj.items()}
    return obj


def load_torch_state_dict(path: str) -> dict[str, np.ndarray]:
    """Read a `.pth` file holding a state dict; return `{name: numpy array}`.

    Args:
        path: str. A file written by `torch.save(module.state_dict(), path)`,
            in the zip layout or the legacy one.

    Returns:
        A dict from parameter/buffer name to a NumPy array (a copy).
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
            if not pickles:
                raise ValueError(f"{path} is a zip file without data.pkl, not a torch checkpoint. Received: path={path!r}")
            prefix = pickles[0][: -len("data.pkl")]
            with archive.open(pickles[0]) as handle:
                state = _Unpickler(handle).load()
            buffers = {}
            for name in names:
                if name.startswith(prefix + "data/"):
                    buffers[name[len(prefix + "data/"):]] = archive.read(name)
        return _materialize(state, buffers)
    with open(path, "rb") as handle:
        try:
            magic = _Unpickler(handle).load()
        except Exception as error:  # not a pickle at all
            raise ValueError(f"{path} is not a torch checkpoint ({error}). Received: path={path!r}") from None
        if magic != _LEGACY_MAGIC:
            raise ValueError(f"{path} is not a torch checkpoint (bad magic number). Received: path={path!r}")
        _Unpickler(handle).load()  # protocol version
        _Unpickler(handle).load()  # system info
        state = _Unpickler(handle).load()
        keys = _Unpickler(handle).load()
        # Map key -> dtype from the tensors seen in the pickle.
        dtypes = {}

        def collect(obj):
            if isinstance(obj, _Pending):
                dtypes[obj.storage.key] = obj.storage.dtype
            elif isinstance(obj, dict):
                for value in obj.values():
                    collect(value)

        collect(state)
        buffers = {}
        for key in keys:
            numel = int(np.frombuffer(handle.read(8), dtype="<i8")[0])
            itemsize = np.dtype(dtypes.get(str(key), np.float32)).itemsize
            buffers[str(key)] = handle.read(numel * itemsize)
    return _materialize(state, buffers)
