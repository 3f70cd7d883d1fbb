"""Writing files so that a crash never leaves a half-written one (no Keras import)."""

from __future__ import annotations

import hashlib
import os
import secrets


def sha256(path: str) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write(path: str, write) -> None:
    """Call `write(tmp_path)` on a temporary file next to `path`, then rename it to `path`.

    The rename is atomic on POSIX and Windows, so `path` is always either the
    old complete file or the new complete one, never a half-written file. The
    file gets the permissions of any new file (0644 under the usual umask 022),
    not the 0600 of `tempfile.mkstemp`.
    """
    directory, name = os.path.split(os.path.abspath(path))
    # The whole ending (".weights.h5", not ".h5"): Keras checks it before writing.
    suffix = name[name.index("."):] if "." in name else ""
    while True:
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp{suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
