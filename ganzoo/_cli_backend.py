"""Apply the `ganzoo` command's `--backend` before `ganzoo/__init__.py` imports Keras.

`python -m ganzoo` and the `ganzoo` console script both import the `ganzoo`
package (which imports Keras) before `ganzoo.cli.main` can parse arguments.
This module imports nothing heavy: when the process *is* the ganzoo command
and Keras is not loaded yet, it copies `--backend X` into `KERAS_BACKEND`.
`ganzoo.cli` then validates the arguments properly.
"""

from __future__ import annotations

import os
import sys

_BACKENDS = ("tensorflow", "jax", "torch")


def _is_cli_process(argv: list[str]) -> bool:
    if not argv:
        return False
    # During `python -m ganzoo`, argv[0] is "-m" until the package is imported.
    name = os.path.basename(argv[0]).lower()
    return argv[0] == "-m" or name in ("ganzoo", "ganzoo.exe", "ganzoo-script.py")


def backend_from_argv(argv: list[str]) -> str | None:
    """The value of `--backend X` / `--backend=X` in `argv`, if it names a backend."""
    for i, arg in enumerate(argv):
        value = None
        if arg == "--backend" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--backend="):
            value = arg.split("=", 1)[1]
        if value in _BACKENDS:
            return value
    return None


def apply(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    if "keras" in sys.modules or not _is_cli_process(argv):
        return
    backend = backend_from_argv(argv[1:])
    if backend:
        os.environ["KERAS_BACKEND"] = backend
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
