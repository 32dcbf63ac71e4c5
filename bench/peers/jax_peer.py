"""JAX peer: gradients by jax.value_and_grad, one jit-compiled lax.scan per epoch (see
protocol.py).

  python jax_peer.py -w W2 --threads 1
  python jax_peer.py -w W4 --threads 2 --dtype float64
  python jax_peer.py --check          # gradients and a short run against numpy_peer

The warm-up is one whole epoch, which compiles for the exact shapes, so the timed runs leave
compilation out. With --threads 1 the process is pinned to one CPU and XLA's multi-threaded
Eigen is off; with more threads XLA keeps its defaults. Prints one JSON line.
"""

import argparse
import os
import sys


def configure_before_import(argv):
    """Thread and precision settings only take effect before jax is imported."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--check", action="store_true")
    known, _ = parser.parse_known_args(argv)
    if known.threads == 1:
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if known.dtype == "float64" or known.check:
        os.environ["JAX_ENABLE_X64"] = "1"


configure_before_import(sys.argv[1:])

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import protocol  # noqa: E402


def batch_loss(params, x, loss):
    w, b1, b2 = params
    y = jax.nn.sigmoid(x @ w.T + b1)
    a2 = y @ w + b2
    if loss == "mse":
        err = jax.nn.sigmoid(a2) - x
        return 0.5 * jnp.sum(err * err) / x.shape[0]
    return jnp.sum(jax.nn.softplus(a2) - x * a2) / x.shape[0]


def epoch_function(loss, eta, mu):
    """A compiled epoch: (params, velocity, batches [n, B, d]) -> (params, velocity, loss)."""
    loss_and_grad = jax.value_and_grad(batch_loss)

    def step(carry, xb):
        params, velocity, total = carry
        value, grads = loss_and_grad(params, xb, loss)
        velocity = tuple(mu * v - eta * g for v, g in zip(velocity, grads))
        params = tuple(p + v for p, v in zip(params, velocity))
        return (params, velocity, total + value), None

    @jax.jit
    def epoch(params, velocity, batches):
        start = (params, velocity, jnp.zeros((), batches.dtype))
        (params, velocity, total), _ = jax.lax.scan(step, start, batches)
        return params, velocity, total / batches.shape[0]

    return epoch


def check():
    """float64: autodiff against numpy_peer's gradients, then 2,000 steps of batch 1."""
    import numpy_peer

    ok = True
    for loss in ("mse", "bce"):
        x, params = protocol.check_case(32, 9, 5, 5)
        _, expected = numpy_peer.batch_gradients(params, x, loss)
        got = jax.grad(batch_loss)(tuple(map(jnp.asarray, params)), jnp.asarray(x), loss)
        diff = max(float(np.max(np.abs(np.asarray(g) - e))) for g, e in zip(got, expected))
        ok &= diff < 1e-12
        print(f"gradients vs numpy ({loss}): max difference {diff:.1e}")

        x, start, ref_value, ref_params = numpy_peer.reference_run(loss)
        params = tuple(map(jnp.asarray, start))
        velocity = tuple(jnp.zeros_like(p) for p in params)
        batches = jnp.asarray(x[:, None, :])  # [steps, 1, 9]
        params, _, value = epoch_function(loss, 0.1, 0.9)(params, velocity, batches)
        diff = numpy_peer.max_difference(float(value), params, ref_value, ref_params)
        ok &= diff < 1e-9
        print(f"2,000 steps of batch 1 vs numpy ({loss}): max difference {diff:.1e}")
    print("check", "OK" if ok else "FAILED")
    return ok


def main():
    parser = protocol.add_arguments(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        sys.exit(0 if check() else 1)

    wl = protocol.workload_from(args)
    batches = jnp.asarray(wl.x.astype(args.dtype).reshape(wl.n_batches, wl.batch, wl.d))
    start = tuple(jnp.asarray(p) for p in wl.params(args.dtype))
    epoch = epoch_function(args.loss, wl.eta, wl.mu)

    def train(epochs=wl.epochs):
        params, velocity = start, tuple(jnp.zeros_like(p) for p in start)
        for _ in range(epochs):
            params, velocity, value = epoch(params, velocity, batches)
        train.params = params
        return float(value)  # waits for the device

    times, losses = protocol.measure(train, args.reps, lambda: train(1))
    protocol.emit("jax", wl, args, str(jax.devices()[0]), times, losses,
                  protocol.loss_f64(train.params, wl.x, args.loss),
                  jax=jax.__version__, warmup_batches=wl.n_batches)


if __name__ == "__main__":
    main()
