#!/usr/bin/env bash
# Side-by-side throughput run: the Python peers, then the crate's throughput example, one after
# another (never in parallel: 2-core machine). JSON lines go to bench/results/latest.jsonl, the
# Markdown table (bench/summarize.py) to bench/results/latest.md and stdout.
#   bash bench/setup.sh                   # once: the peers' environment in bench/.venv
#   bash bench/run.sh                     # everything (about 6 to 8 minutes)
#   PEERS="jax numpy" bash bench/run.sh   # a subset of the peers
# PY: interpreter with numpy, jax (and torch), by default bench/.venv's (`bash bench/setup.sh`
# makes it); PEER_DIR: the peers' scripts, by default bench/peers/. For a quick look (numbers not
# comparable): PEER_ARGS="--n 2048 --reps 1" CRATE_REPS=1, appended to every peer command, with
# RESULTS=/tmp/quick so that the committed bench/results/latest.* stay as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-$PWD/bench/.venv/bin/python}"
PEER_DIR="${PEER_DIR:-$PWD/bench/peers}"
if [ ! -x "$PY" ]; then
    echo "no Python environment at $PY: run \`bash bench/setup.sh\` (or set PY)" >&2
    exit 1
fi
PEERS="${PEERS:-jax numpy torch}"
PEER_ARGS="${PEER_ARGS:-}"
CRATE_REPS="${CRATE_REPS:-5}"
RESULTS="$(realpath -m "${RESULTS:-bench/results/latest}")"
OUT="$RESULTS.jsonl"
mkdir -p "$(dirname "$RESULTS")"
: > "$OUT"
export PYTHONUNBUFFERED=1
NOBLAS="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"

run() {  # run <command...>: echo it, append its JSON lines
    echo "+ $* $PEER_ARGS" >&2
    "$@" $PEER_ARGS | grep '^{' | tee -a "$OUT" | cut -c1-150 >&2 || echo "  (failed)" >&2
}

peer_jax() {
    for t in 1 2; do
        for w in W4 W4m; do run "$PY" jax_peer.py -w $w --threads $t --reps 5; done
    done
    run "$PY" jax_peer.py -w W1 --dtype float64 --reps 5
    for w in W1 W2 W2b W3; do run "$PY" jax_peer.py -w $w --threads 1 --reps 5; done
}
peer_numpy() {
    run $NOBLAS "$PY" numpy_peer.py -w W1 --mode online --dtype float64 --reps 3
    for w in W2 W2b W3 W4 W4m; do run $NOBLAS "$PY" numpy_peer.py -w $w --threads 1 --reps 5; done
}
peer_torch() {
    # one step costs ~0.3-0.7 ms in torch: W1 and W2b are cut short (samples/s is what counts)
    run "$PY" torch_peer.py -w W1 --n 5000 --dtype float64 --threads 1 --reps 3
    run "$PY" torch_peer.py -w W2 --threads 1 --reps 3
    run "$PY" torch_peer.py -w W2b --n 100000 --threads 1 --reps 3
    run "$PY" torch_peer.py -w W3 --threads 1 --reps 3
    for t in 1 2; do
        for w in W4 W4m; do run "$PY" torch_peer.py -w $w --threads $t --reps 5; done
    done
}

cargo build --release --features threading --example throughput >&2
for p in $PEERS; do (cd "$PEER_DIR" && "peer_$p"); done
crate() {
    PEER_ARGS="" run cargo run -q --release --features threading --example throughput -- \
        --reps "$CRATE_REPS" "$@"
}
crate --workload W1 --dtype all
for w in W2 W2b W3; do crate --workload $w --dtype f32; done
for t in 1 2; do
    for w in W4 W4m; do crate --workload $w --dtype f32 --threads $t; done
done
"$PY" bench/summarize.py "$OUT" | tee "$RESULTS.md"
