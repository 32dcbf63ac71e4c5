"""numpy peer: the benchmark workloads trained with hand-written gradients (see protocol.py).

  python numpy_peer.py -w W1 --mode online --dtype float64   # one sample at a time
  python numpy_peer.py -w W2 --threads 1                     # whole batches through BLAS
  python numpy_peer.py --check                               # gradients vs finite differences

Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset. Prints one JSON line.
"""

import argparse
import sys

import numpy as np

import protocol


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def batch_gradients(params, x, loss):
    """The batch loss and the gradients of it with respect to W, b1 and b2."""
    w, b1, b2 = params
    rows = x.shape[0]
    y = sigmoid(x @ w.T + b1)
    a2 = y @ w + b2
    z = sigmoid(a2)
    err = z - x
    if loss == "mse":
        value = 0.5 * float(np.sum(err * err)) / rows
        d_a2 = err * z * (1.0 - z) / rows
    else:
        value = float(np.sum(np.logaddexp(0.0, a2) - x * a2)) / rows
        d_a2 = err / rows  # the sigmoid's derivative cancels against BCE's
    d_a1 = (d_a2 @ w.T) * y * (1.0 - y)
    # W appears twice: in the encoder (x W^T) and in the decoder (y W).
    g_w = d_a1.T @ x + y.T @ d_a2
    return value, (g_w, d_a1.sum(axis=0), d_a2.sum(axis=0))


def momentum_step(params, velocity, grads, eta, mu):
    for p, v, g in zip(params, velocity, grads):
        v *= mu
        v -= eta * g
        p += v


def train_batches(params, x, batch, epochs, eta, mu, loss, n_batches):
    """Minibatch training in place; returns the last epoch's loss."""
    velocity = [np.zeros_like(p) for p in params]
    for _ in range(epochs):
        total = 0.0
        for i in range(n_batches):
            value, grads = batch_gradients(params, x[i * batch:(i + 1) * batch], loss)
            total += value
            momentum_step(params, velocity, grads, eta, mu)
        epoch_loss = total / n_batches
    return epoch_loss


def train_online(params, x, epochs, eta, mu, loss, n_rows):
    """One sample at a time on 1-D vectors (batch 1, the textbook loop); in place."""
    w, b1, b2 = params
    v_w, v_b1, v_b2 = (np.zeros_like(p) for p in params)
    mse = loss == "mse"
    for _ in range(epochs):
        total = 0.0
        for xi in x[:n_rows]:
            y = sigmoid(w @ xi + b1)
            a2 = y @ w + b2
            z = sigmoid(a2)
            err = z - xi
            if mse:
                total += 0.5 * float(err @ err)
                d_a2 = err * z * (1.0 - z)
            else:
                total += float(np.sum(np.logaddexp(0.0, a2) - xi * a2))
                d_a2 = err
            d_a1 = (w @ d_a2) * y * (1.0 - y)
            g_w = np.outer(d_a1, xi)
            g_w += np.outer(y, d_a2)
            v_w *= mu
            v_w -= eta * g_w
            w += v_w
            v_b1 *= mu
            v_b1 -= eta * d_a1
            b1 += v_b1
            v_b2 *= mu
            v_b2 -= eta * d_a2
            b2 += v_b2
        epoch_loss = total / n_rows
    return epoch_loss


def reference_run(loss, steps=2000):
    """What the other peers' --check compares with: float64 data, initial parameters, and the
    loss and parameters after `steps` steps of batch 1 (eta 0.1, mu 0.9)."""
    x = protocol.low_rank(steps, 9, 3, 1)
    start = protocol.initial_params(9, 5, 1)
    params = [p.copy() for p in start]
    value = train_batches(params, x, 1, 1, 0.1, 0.9, loss, steps)
    return x, start, value, params


def max_difference(value, params, ref_value, ref_params):
    return max(abs(value - ref_value),
               *(float(np.max(np.abs(np.asarray(p) - r))) for p, r in zip(params, ref_params)))


def check():
    """Analytic gradients against central differences, and the online loop against batch 1."""
    ok = True
    for d, h in ((9, 5), (64, 16)):
        x, params = protocol.check_case(8, d, h, 7)
        for loss in ("mse", "bce"):
            _, grads = batch_gradients(params, x, loss)
            worst = 0.0
            for p, g in zip(params, grads):
                numeric = np.empty_like(g)
                for idx in np.ndindex(p.shape):
                    keep = p[idx]
                    p[idx] = keep + 1e-6
                    up = batch_gradients(params, x, loss)[0]
                    p[idx] = keep - 1e-6
                    down = batch_gradients(params, x, loss)[0]
                    p[idx] = keep
                    numeric[idx] = (up - down) / 2e-6
                worst = max(worst, float(np.max(np.abs(numeric - g)) / np.max(np.abs(g))))
            # central differences (step 1e-6, float64) carry about 1e-9 of rounding error
            ok &= worst < 1e-6
            print(f"{d}-{h} {loss}: worst gradient error {worst:.1e} (of the largest)")
    x = protocol.low_rank(300, 9, 3, 11)
    for loss in ("mse", "bce"):
        a = list(protocol.initial_params(9, 5, 11))
        b = [p.copy() for p in a]
        la = train_online(a, x, 2, 0.1, 0.9, loss, 300)
        lb = train_batches(b, x, 1, 2, 0.1, 0.9, loss, 300)
        diff = max(abs(la - lb), *(float(np.max(np.abs(p - q))) for p, q in zip(a, b)))
        ok &= diff < 1e-12
        print(f"online vs batch 1, {loss}, 600 steps: max difference {diff:.1e}")
    print("check", "OK" if ok else "FAILED")
    return ok


def main():
    parser = protocol.add_arguments(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--mode", default="batch", choices=["batch", "online"])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        sys.exit(0 if check() else 1)

    import threadpoolctl

    with threadpoolctl.threadpool_limits(limits=args.threads):
        wl = protocol.workload_from(args)
        if args.mode == "online" and wl.batch != 1:
            sys.exit("--mode online trains batch 1 only (add --batch 1)")
        x = wl.x.astype(args.dtype)
        start = wl.params(args.dtype)

        def train(n_batches=wl.n_batches, epochs=wl.epochs):
            params = [p.copy() for p in start]
            if args.mode == "online":
                value = train_online(params, x, epochs, wl.eta, wl.mu, args.loss, n_batches)
            else:
                value = train_batches(params, x, wl.batch, epochs, wl.eta, wl.mu, args.loss,
                                      n_batches)
            train.params = params
            return value

        warm = max(1, int(wl.n_batches * args.warmup_frac))
        times, losses = protocol.measure(train, args.reps, lambda: train(warm, 1))
        protocol.emit(f"numpy-{args.mode}", wl, args, "cpu", times, losses,
                      protocol.loss_f64(train.params, wl.x, args.loss),
                      blas=protocol.blas_info(), warmup_batches=warm)


if __name__ == "__main__":
    main()
