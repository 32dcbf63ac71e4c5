#!/usr/bin/env bash
# One-command set-up of the benchmark peers' Python environment in bench/.venv (gitignored).
#   bash bench/setup.sh              # numpy, JAX and PyTorch, as bench/peers/requirements.txt pins
#   bash bench/setup.sh --no-torch   # numpy and JAX only (PyTorch's wheel is about 4 GB)
# PYTHON picks the interpreter the environment is made from (default: python3, 3.11 tested).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$PWD/.venv}"
REQ=peers/requirements.txt
case "${1:-}" in
    "") ;;
    --no-torch)
        REQ="$(mktemp)"
        trap 'rm -f "$REQ"' EXIT
        grep -v '^torch' peers/requirements.txt > "$REQ"
        ;;
    *) echo "usage: bash bench/setup.sh [--no-torch]" >&2; exit 2 ;;
esac
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install -r "$REQ"
"$VENV/bin/python" -c 'import numpy, jax; print("numpy", numpy.__version__, "jax", jax.__version__)'
if [ "${1:-}" != --no-torch ]; then
    "$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)'
fi
echo "ready: PY=$VENV/bin/python (bench/run.sh uses it by default)"
