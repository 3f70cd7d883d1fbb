"""Reference tests: run only in the separate environment of scripts/reference_env.sh.

They need pytorch-fid and torchvision (which do not load beside the main
environment's torch), so the normal suite does not collect them. Run:

    GANZOO_REFERENCE=1 KERAS_BACKEND=jax .venv-reference/bin/python -m pytest -q tests/reference
"""

import os

if not os.environ.get("GANZOO_REFERENCE"):
    collect_ignore_glob = ["test_*.py"]
