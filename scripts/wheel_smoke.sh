#!/usr/bin/env bash
# The wheel as a user gets it: build it with `python -m build`, install it into a fresh
# venv outside the source tree, and run scripts/wheel_smoke.py there, so a file missing
# from the wheel (package data such as the extractor weights) fails CI.
#   PY=.venv/bin/python scripts/wheel_smoke.sh
# The fresh venv installs the wheel with the jax extra (the smallest backend), from the
# pip cache and package index like any user install.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ganzoo-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$SECONDS
"$PY" -m build --wheel --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
wheel="$(ls "$WORK"/dist/keras_ganzoo-*.whl)"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q "${wheel}[jax]" 2>&1 | grep -v "^WARNING: Location" || true
cd "$WORK"  # away from the source tree: only the installed wheel can be imported
KERAS_BACKEND=jax "$WORK/venv/bin/python" "$ROOT/scripts/wheel_smoke.py" "$WORK/venv"
"$WORK/venv/bin/ganzoo" --help >/dev/null
echo "wheel smoke test passed: $(basename "$wheel") in $((SECONDS - start)) s"
