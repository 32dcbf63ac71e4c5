"""Training and scoring speed from Python, on the shared workloads of bench/peers/protocol.py.

    python python/benchmarks/speed.py                       # this package only
    python python/benchmarks/speed.py --peer-python bench/.venv/bin/python   # and the JAX peer

W1: 9-5-9 tied sigmoid, online SGD (batch 1) with momentum, one epoch over 100,000 rows, f64.
W2: the same model, batches of 256, one epoch over 1,000,000 rows, f32.
Both start from the protocol's initial weights and use its learning rate and momentum (the
crate's learning rate is eta * d / 2 for its mean-over-elements MSE, as in bench/), no
shuffling; times are medians of --reps runs after a warm-up, one thread, numpy arrays in:

  * "native": NativeModel.fit on the numpy array (the call a user makes on the thin layer);
  * "sklearn": Autoencoder(...).fit(X), the whole estimator call (validation, a new model,
    training, fitted attributes), from its own random initial weights.

Scoring: reconstruction errors of 1,000,000 rows of 9 features, 9-5-9 sigmoid f64:
Autoencoder.score_samples / NativeModel.reconstruction_errors against numpy's own forward
pass (two matrix products, two sigmoids, the row means; BLAS limited to one thread).
"""

import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS"):
    os.environ.setdefault(var, "1" if var != "XLA_FLAGS" else "--xla_cpu_multi_thread_eigen=false")

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
PEERS = os.path.join(REPO, "bench", "peers")
sys.path.insert(0, PEERS)

import protocol  # noqa: E402  (bench/peers/protocol.py: data, initial weights, workloads)

from autoencoder import Autoencoder, NativeModel  # noqa: E402


def median_time(fn, reps):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def training(name, dtype, reps):
    wl = protocol.Workload(name)
    x = wl.x.astype(dtype)
    w, b1, b2 = wl.params(dtype)
    settings = dict(
        optimizer="sgd", learning_rate=wl.eta * wl.d / 2, momentum=wl.mu, epochs=wl.epochs,
        batch_size=wl.batch, shuffle=False, loss="mse",
    )
    losses = []

    def native():
        model = NativeModel.from_parts(w, b1, b2)
        report = model.fit(x, settings)
        losses.append(report["epoch_losses"][-1] * wl.d / 2)  # the peers' loss (0.5 |z - x|^2)

    def sklearn():
        Autoencoder(
            wl.h, activation="sigmoid", output_activation="sigmoid", optimizer="sgd",
            learning_rate=wl.eta * wl.d / 2, momentum=wl.mu, epochs=wl.epochs,
            batch_size=wl.batch, shuffle=False, random_state=wl.seed,
        ).fit(x)

    rows = []
    for api, fn in (("native", native), ("sklearn", sklearn)):
        median, times = median_time(fn, reps)
        rows.append(dict(impl=f"autoencoder-python/{api}", workload=name, dtype=np.dtype(dtype).name,
                         n_trained=wl.n_trained, median_s=median, times_s=times,
                         samples_per_s=wl.n_trained * wl.epochs / median,
                         epoch_loss=losses[-1] if api == "native" else None))
    return rows


def scoring(reps, n=1_000_000):
    wl = protocol.Workload("W2")
    x = wl.x[:n]
    w, b1, b2 = wl.params()
    model = NativeModel.from_parts(w, b1, b2)
    est = Autoencoder.from_native(model)

    def numpy_forward():
        y = 1.0 / (1.0 + np.exp(-(x @ w.T + b1)))
        z = 1.0 / (1.0 + np.exp(-(y @ w + b2)))
        d = z - x
        return np.mean(d * d, axis=1)

    reference = numpy_forward()
    assert np.allclose(model.reconstruction_errors(x), reference, rtol=1e-12, atol=1e-15)
    rows = []
    for impl, fn in (
        ("numpy-forward", numpy_forward),
        ("autoencoder-python/native", lambda: model.reconstruction_errors(x)),
        ("autoencoder-python/sklearn", lambda: est.score_samples(x)),
    ):
        median, times = median_time(fn, reps)
        rows.append(dict(impl=impl, workload="score-1M", dtype="float64", n_trained=n,
                         median_s=median, times_s=times, samples_per_s=n / median))
    return rows


def peer(python, script, args):
    out = subprocess.run([python, os.path.join(PEERS, script), *args], cwd=PEERS, check=True,
                         capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--peer-python", help="an interpreter with jax (bench/setup.sh)")
    parser.add_argument("--torch-python", help="an interpreter with torch")
    parser.add_argument("--json", action="store_true", help="print JSON lines only")
    args = parser.parse_args()
    rows = training("W1", np.float64, args.reps) + training("W2", np.float32, args.reps) + scoring(args.reps)
    if args.peer_python:
        rows += peer(args.peer_python, "jax_peer.py", ["-w", "W1", "--dtype", "float64", "--reps", "5"])
        rows += peer(args.peer_python, "jax_peer.py", ["-w", "W2", "--threads", "1", "--reps", "5"])
    if args.torch_python:
        rows += peer(args.torch_python, "torch_peer.py", ["-w", "W1", "--n", "5000", "--dtype", "float64", "--threads", "1", "--reps", "3"])
        rows += peer(args.torch_python, "torch_peer.py", ["-w", "W2", "--threads", "1", "--reps", "3"])
    for row in rows:
        if args.json:
            print(json.dumps(row, sort_keys=True))
    if args.json:
        return
    print(f"{'impl':32} {'workload':9} {'dtype':8} {'median s':>10} {'samples/s':>12} {'loss':>12}")
    for r in rows:
        loss = r.get("epoch_loss")
        print(f"{r['impl']:32} {r['workload']:9} {r['dtype']:8} {r['median_s']:10.4f} "
              f"{r['samples_per_s'] / 1e6:10.2f} M {'' if loss is None else f'{loss:.8g}':>12}")
    by = {(r["impl"], r["workload"]): r["samples_per_s"] for r in rows}
    for w in ("W1", "W2"):
        for peer_impl in ("jax", "torch"):
            if (peer_impl, w) in by:
                for api in ("native", "sklearn"):
                    ratio = by[(f"autoencoder-python/{api}", w)] / by[(peer_impl, w)]
                    print(f"{w} {api} / {peer_impl}: {ratio:.2f}x")
    for api in ("native", "sklearn"):
        ratio = by[(f"autoencoder-python/{api}", "score-1M")] / by[("numpy-forward", "score-1M")]
        print(f"score-1M {api} / numpy forward: {ratio:.2f}x")


if __name__ == "__main__":
    main()
