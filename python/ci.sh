#!/usr/bin/env bash
# CI of the Python package: a fresh virtual environment under ${TMPDIR:-/tmp}, the build and
# test dependencies from the package index, `pip install ./python` (maturin builds the native
# module with cargo), then the tests. Run from anywhere: bash python/ci.sh
# CARGO_TARGET_DIR, when set, is where cargo builds (reused between runs); PYTHON picks the
# interpreter the environment is made from (default python3; CPython >= 3.9); PROFILE the cargo
# profile of the native module (default `ci`, see python/Cargo.toml: no LTO, opt-level 1, so
# that it builds in a few minutes; `release` is what a plain `pip install ./python` builds).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="$(mktemp -d "${TMPDIR:-/tmp}/autoencoder-python-ci.XXXXXX")"
trap 'rm -rf "$VENV"' EXIT
start=$SECONDS
"$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet maturin numpy scikit-learn pyod "dask[distributed,dataframe]" pytest tqdm
echo "ci: dependencies installed ($((SECONDS - start)) s)" >&2
MATURIN_PEP517_ARGS="--profile ${PROFILE:-ci}" "$PY" -m pip install ./python
echo "ci: package built and installed ($((SECONDS - start)) s)" >&2
"$PY" -m pytest python/tests -q -p no:cacheprovider
echo "ci: done in $((SECONDS - start)) s" >&2
