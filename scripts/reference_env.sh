#!/usr/bin/env bash
# The separate environment of the reference tests (tests/reference/): our Keras port of
# the FID Inception against pytorch-fid's own module. pytorch-fid needs torchvision, and
# PyPI's torchvision does not import beside the torch 2.13.0 CPU build of the main
# environment, so this one pins torch 2.14.1 + torchvision 0.29.1 (a CUDA build that runs
# on the CPU; about 7 GB installed) and installs ganzoo with its TensorFlow and JAX extras.
#
#   scripts/reference_env.sh     # creates .venv-reference (or $REFERENCE_VENV)
#   make reference               # creates it if needed, runs tests/reference on 3 backends
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${REFERENCE_VENV:-.venv-reference}"
PYTHON="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q -e ".[tensorflow,jax]" "torch==2.14.1" "torchvision==0.29.1" "pytorch-fid==0.3.0" "pytest>=8"
"$PY" - <<'PY'
import pytorch_fid, torch, torchvision
print("reference env ok: torch", torch.__version__, "torchvision", torchvision.__version__,
      "pytorch-fid", pytorch_fid.__version__)
PY
touch "$VENV/.installed"
