#!/usr/bin/env bash
# The wheel as a user gets it: build it with `python -m build`, install it into a fresh
# venv outside the source tree, and run scripts/wheel_smoke.py there, so a file missing
# from the wheel (package data such as the extractor weights) fails CI.
#   PY=.venv/bin/python scripts/wheel_smoke.sh
# To stay fast, the fresh venv installs the wheel itself (--no-deps) and borrows the
# dependencies from $PY's environment through a .pth path entry (a plain path: the
# editable ganzoo installed there is NOT activated, so `import ganzoo` can only find the
# wheel's copy; wheel_smoke.py checks that, and that every dependency the wheel
# declares is present). Set WHEEL_FULL_INSTALL=1 to resolve and install the
# dependencies from the index instead ("[jax]"; about 3-5 minutes here).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
BUILD_PY="${BUILD_PY:-$PY}"   # an interpreter with the `build` package (the test extra has it)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ganzoo-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$SECONDS
"$BUILD_PY" -m build --wheel --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
wheel="$(ls "$WORK"/dist/keras_ganzoo-*.whl)"
if [ "${WHEEL_FULL_INSTALL:-0}" = 1 ]; then
    "$PY" -m venv "$WORK/venv"
    "$WORK/venv/bin/python" -m pip install -q "${wheel}[jax]" 2>&1 | grep -v "^WARNING: Location" || true
else
    "$PY" -m venv --without-pip "$WORK/venv"
    "$PY" -m pip --python "$WORK/venv/bin/python" install -q --no-deps "$wheel"
    site="$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    "$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' >"$site/borrowed-dependencies.pth"
fi
cd "$WORK"  # away from the source tree: only the installed wheel can be imported
KERAS_BACKEND=jax "$WORK/venv/bin/python" "$ROOT/scripts/wheel_smoke.py" "$WORK/venv"
"$WORK/venv/bin/ganzoo" --help >/dev/null
echo "wheel smoke test passed: $(basename "$wheel") in $((SECONDS - start)) s"
