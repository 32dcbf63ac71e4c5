#!/usr/bin/env bash
# One-command set-up of the quality peers' Python environment in quality/.venv (gitignored).
#   bash quality/setup.sh              # numpy, scikit-learn, PyOD and torch, as requirements.txt pins
#   bash quality/setup.sh --no-torch   # without torch (about 3 GB of wheels): no PyOD AutoEncoder
# PYTHON picks the interpreter the environment is made from (default: python3, 3.11 tested).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$PWD/.venv}"
REQ=requirements.txt
case "${1:-}" in
    "") ;;
    --no-torch)
        REQ="$(mktemp)"
        trap 'rm -f "$REQ"' EXIT
        grep -v '^torch' requirements.txt > "$REQ"
        ;;
    *) echo "usage: bash quality/setup.sh [--no-torch]" >&2; exit 2 ;;
esac
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r "$REQ"
"$VENV/bin/python" -c 'import numpy, sklearn, pyod; print("numpy", numpy.__version__, "scikit-learn", sklearn.__version__, "pyod", pyod.__version__)'
if [ "${1:-}" != --no-torch ]; then
    "$VENV/bin/python" -c 'import torch; print("torch", torch.__version__)'
fi
echo "ready: $VENV/bin/python quality/splits.py, then $VENV/bin/python quality/peers.py"
