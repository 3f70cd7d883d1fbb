#!/usr/bin/env bash
# Issue 14, item 6, on one NVIDIA GPU, in about 5-8 minutes:
#   - the train-step table: the zoo's dcgan on each Keras backend (jit on and off), the
#     hand-written loop of each backend and native PyTorch, batch 64 and 256, on the GPU;
#   - generate and the fashion_mnist extractor's throughput on each backend.
# Each backend needs its CUDA build (tensorflow[and-cuda], jax[cuda12], torch from the
# CUDA index); one that does not see the GPU is left out and named in skipped.txt.
#
#   benchmarks/gpu.sh                                  # results in runs/bench-gpu/
#   PY=.venv/bin/python BACKENDS="jax torch" OUT=/tmp/gpu benchmarks/gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python}
OUT=${OUT:-runs/bench-gpu}
BACKENDS=${BACKENDS:-tensorflow jax torch}
THREADS=${THREADS:-4}          # CPU threads per backend (data feeding, host work)
export PYTHONPATH=.${PYTHONPATH:+:$PYTHONPATH}
# Three worker processes share the GPU: none may reserve all of its memory up front.
export XLA_PYTHON_CLIENT_PREALLOCATE=false TF_FORCE_GPU_ALLOW_GROWTH=true
mkdir -p "$OUT"
: > "$OUT/skipped.txt"

if ! nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"; then
    echo "gpu.sh: nvidia-smi failed: this machine has no usable NVIDIA GPU" >&2
    exit 1
fi

have=()
for b in $BACKENDS; do
    device=$(KERAS_BACKEND=$b timeout 300 "$PY" -c \
        "import sys; sys.path.insert(0, 'benchmarks'); from train_step import backend_device; print(backend_device('$b'))" \
        2>/dev/null | tail -n 1) || device="does not import"
    if [[ $device == gpu* ]]; then
        have+=("$b")
        echo "$b: $device"
    else
        echo "$b: left out (${device:-no output}; its CUDA build is not installed)" | tee -a "$OUT/skipped.txt"
    fi
done
if [ ${#have[@]} -eq 0 ]; then
    echo "gpu.sh: no Keras backend sees the GPU" >&2
    exit 1
fi
[[ " ${have[*]} " == *" torch "* ]] || echo "no CUDA torch: the table has no native PyTorch column" | tee -a "$OUT/skipped.txt"

list=$(IFS=,; echo "${have[*]}")
timeout 480 "$PY" benchmarks/train_step.py --gpu --backends "$list" --threads "$THREADS" \
    --batch-sizes 64,256 --rounds 3 --steps 20 --no-data --json "$OUT/train_step.json" | tee "$OUT/train_step.txt"
for b in "${have[@]}"; do
    KERAS_BACKEND=$b timeout 240 "$PY" benchmarks/inference.py --gpu --threads "$THREADS" --n 10000 --rounds 3 \
        --json "$OUT/inference-$b.json" | tee "$OUT/inference-$b.txt"
done
echo "gpu.sh: results in $OUT"
