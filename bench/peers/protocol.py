"""What every peer shares: the data, the workloads, the initial weights, the timing and the
JSON line printed per measurement (numpy and the standard library only).

The model the peers train is the crate's tied-weight autoencoder with sigmoid units,
    y = sigmoid(x W^T + b1),   z = sigmoid(y W + b2),   W: [h, d], b1: [h], b2: [d],
in the peers' own conventions (the crate converts, see BENCHMARKS.md):
  * per-sample loss 0.5 * |z - x|^2 (mse) or sum_j softplus(a2_j) - x_j a2_j (bce, a2 the output
    logits), averaged over the batch;
  * classical momentum on every parameter: v <- mu v - eta g, p <- p + v;
  * batches are consecutive rows in file order, the same every epoch, a short last batch dropped;
  * the epoch loss is the mean of the batch losses, each from the forward pass before its step.

Random numbers come from SplitMix64 so that the Rust side (benches/workloads/mod.rs) can produce
the very same data and initial weights: value i (from 1) of the stream with state s is the
SplitMix64 output for the state s + i * 0x9E3779B97F4A7C15, as a double (top 53 bits) in [0, 1).
"""

import gzip
import json
import math
import os
import platform
import statistics
import time

import numpy as np

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA_DIR = os.environ.get("BENCH_DATA_DIR", os.path.join(REPO, "data"))

_GOLDEN = 0x9E3779B97F4A7C15
_SUBSTREAM = 0x632BE59BD9B4E019  # distance between the four streams that one seed owns
_U64 = (1 << 64) - 1


def splitmix_uniform(state, count):
    """The first `count` SplitMix64 values of `state`, as float64 in [0, 1)."""
    with np.errstate(over="ignore"):  # SplitMix64 is arithmetic modulo 2^64
        z = np.uint64(state & _U64) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(_GOLDEN)
        for shift, mul in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            z = (z ^ (z >> np.uint64(shift))) * np.uint64(mul)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def signed_uniform(seed, stream, shape):
    """Values in [-1, 1) of stream `stream` (1..4) of `seed`, filled row-major into `shape`."""
    state = (seed + stream * _SUBSTREAM) & _U64
    return 2.0 * splitmix_uniform(state, math.prod(shape)).reshape(shape) - 1.0


def low_rank(n, d, k, seed):
    """[n, d] samples in (0, 1): sigmoid((3 / sqrt k) Z A^T + 0.1 E) with A [d, k] (stream 1),
    Z [n, k] (stream 2) and noise E [n, d] (stream 3), all uniform in [-1, 1)."""
    a = signed_uniform(seed, 1, (d, k))
    z = signed_uniform(seed, 2, (n, k))
    e = signed_uniform(seed, 3, (n, d))
    logits = (3.0 / math.sqrt(k)) * (z @ a.T) + 0.1 * e
    return 1.0 / (1.0 + np.exp(-logits))


def initial_params(d, h, seed):
    """W uniform in [-r, r), r = sqrt(6 / (d + h)), from stream 4 (row-major [h, d]); zero
    biases."""
    r = math.sqrt(6.0 / (d + h))
    return signed_uniform(seed, 4, (h, d)) * r, np.zeros(h), np.zeros(d)


def read_csv_pixels(name, width, scale):
    """The first `width` columns of a headerless CSV in the repository's data/ folder, / scale."""
    path = os.path.join(DATA_DIR, name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    return table[:, :width] / scale


# name: (d, h, n, batch, epochs, eta, mu, data source, rank k of low-rank data, seed)
WORKLOADS = {
    "W1": (9, 5, 100_000, 1, 1, 0.1, 0.9, "lowrank", 3, 1),
    "W2": (9, 5, 1_000_000, 256, 1, 2.0, 0.9, "lowrank", 3, 2),
    "W2b": (9, 5, 1_000_000, 32, 1, 0.5, 0.9, "lowrank", 3, 2),  # W2's problem at batch 32
    "W3": (64, 16, 1797, 32, 50, 0.5, 0.9, "digits", None, 3),
    "W4": (784, 128, 60_000, 256, 1, 0.1, 0.9, "lowrank", 16, 4),
    "W4m": (784, 128, 5000, 256, 12, 0.1, 0.9, "mnist", None, 4),  # 12 epochs: about W4's samples
}


class Workload:
    """One workload with its data (float64, only the rows that are trained)."""

    def __init__(self, name, n=None, batch=None, epochs=None, eta=None):
        d, h, n0, b, ep, lr, mu, source, k, seed = WORKLOADS[name]
        self.name, self.d, self.h, self.mu, self.seed = name, d, h, mu, seed
        self.batch = batch or b
        self.epochs = epochs or ep
        self.eta = lr if eta is None else eta
        if source == "lowrank":
            x = low_rank(n or n0, d, k, seed)
        elif source == "digits":
            x = read_csv_pixels("digits.csv", 64, 16.0)[:n]
        else:
            x = read_csv_pixels("mnist_5k.csv.gz", 784, 255.0)[:n]
        self.n_batches = x.shape[0] // self.batch
        self.n_trained = self.n_batches * self.batch
        self.x = np.ascontiguousarray(x[: self.n_trained])

    def params(self, dtype=np.float64):
        return tuple(p.astype(dtype) for p in initial_params(self.d, self.h, self.seed))

    def flops_per_sample(self, loss):
        """Arithmetic per sample: five products of h*d multiply-adds, the element-wise work
        (activations, loss, output error, bias sums) and the step spread over the batch."""
        d, h = self.d, self.h
        elementwise = 7 * h + (10 if loss == "mse" else 8) * d
        return 10 * h * d + elementwise + 4.0 * (h * d + h + d) / self.batch


def loss_f64(params, x, loss):
    """The batch loss of float64 parameters over x (not timed; for the `eval_loss` field)."""
    w, b1, b2 = (np.asarray(p, dtype=np.float64) for p in params)
    y = 1.0 / (1.0 + np.exp(-(x @ w.T + b1)))
    a2 = y @ w + b2
    if loss == "mse":
        e = 1.0 / (1.0 + np.exp(-a2)) - x
        return 0.5 * float(np.sum(e * e)) / x.shape[0]
    return float(np.sum(np.logaddexp(0.0, a2) - x * a2)) / x.shape[0]


def check_case(n, d, h, seed):
    """A small batch and parameters with non-zero biases (so that their gradients count), for
    the peers' --check."""
    x = low_rank(n, d, 3, seed)
    w, _, _ = initial_params(d, h, seed)
    return x, [w, 0.1 * signed_uniform(seed, 1, (h,)), 0.1 * signed_uniform(seed, 2, (d,))]


def measure(train_once, reps, warm_up):
    """Run warm_up() untimed, then train_once() `reps` times; the times and returned losses."""
    warm_up()
    times, losses = [], []
    for _ in range(reps):
        start = time.perf_counter()
        loss = train_once()
        times.append(time.perf_counter() - start)
        losses.append(float(loss))
    return times, losses


def blas_info():
    try:
        import threadpoolctl
    except ImportError:
        return None
    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer")
    return [{k: lib.get(k) for k in keys} for lib in threadpoolctl.threadpool_info()]


def emit(impl, wl, args, device, times, losses, eval_loss, **extra):
    """Print the JSON line of one measurement (the fields bench/summarize.py reads and more)."""
    median = statistics.median(times)
    samples = wl.n_trained * wl.epochs
    per_sample = wl.flops_per_sample(args.loss)
    record = dict(
        impl=impl, workload=wl.name, loss=args.loss, dtype=args.dtype, threads=args.threads,
        device=device, d=wl.d, h=wl.h, batch=wl.batch, epochs=wl.epochs,
        n_trained=wl.n_trained, eta=wl.eta, mu=wl.mu, n_override=args.n,
        times_s=[round(t, 6) for t in times], median_s=round(median, 6),
        samples_per_s=samples / median, spread=(max(times) - min(times)) / median,
        epoch_loss=losses[-1], epoch_losses=losses, eval_loss=eval_loss,
        flops_per_sample=per_sample, gflops=samples * per_sample / median / 1e9,
        python=platform.python_version(), numpy=np.__version__, host=platform.node(),
    )
    record.update(extra)
    print(json.dumps(record, sort_keys=True), flush=True)


def add_arguments(parser):
    """The command-line options every peer takes."""
    parser.add_argument("-w", "--workload", default="W1", choices=sorted(WORKLOADS))
    parser.add_argument("--loss", default="mse", choices=["mse", "bce"])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--n", type=int, help="fewer (or more) samples than the workload's")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--eta", type=float)
    parser.add_argument("--reps", type=int, default=3, help="timed runs; the median counts")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup-frac", type=float, default=0.1,
                        help="untimed warm-up epoch on this fraction of the batches")
    return parser


def workload_from(args):
    return Workload(args.workload, n=args.n, batch=args.batch, epochs=args.epochs, eta=args.eta)
