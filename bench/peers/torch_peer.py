"""PyTorch peer: one nn.Parameter W used by encoder and decoder, autograd, torch.optim.SGD
(see protocol.py).

  python torch_peer.py -w W2 --threads 1
  python torch_peer.py -w W1 --n 5000 --dtype float64
  python torch_peer.py --check        # gradients and a short run against numpy_peer

torch.optim.SGD with momentum mu and no dampening keeps v <- mu v + g, p <- p - eta v, the
protocol's classical momentum for a constant eta. Batches are slices of one tensor (no
DataLoader). Prints one JSON line.
"""

import argparse
import sys

import numpy as np
import torch
import torch.nn.functional as F

import protocol


class TiedAutoencoder(torch.nn.Module):
    def __init__(self, params, dtype):
        super().__init__()
        w, b1, b2 = (torch.nn.Parameter(torch.tensor(p, dtype=dtype)) for p in params)
        self.w, self.b1, self.b2 = w, b1, b2

    def forward(self, x):
        """The output logits."""
        y = torch.sigmoid(F.linear(x, self.w, self.b1))
        return F.linear(y, self.w.t(), self.b2)

    def numpy_params(self):
        return [p.detach().double().numpy() for p in (self.w, self.b1, self.b2)]


def batch_loss(logits, x, loss):
    if loss == "mse":
        return 0.5 * (torch.sigmoid(logits) - x).square().sum() / x.shape[0]
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]


def train(model, x, batch, epochs, eta, mu, loss, n_batches):
    """Trains in place; returns the last epoch's loss."""
    sgd = torch.optim.SGD(model.parameters(), lr=eta, momentum=mu)
    for _ in range(epochs):
        total = torch.zeros((), dtype=x.dtype)
        for i in range(n_batches):
            xb = x[i * batch:(i + 1) * batch]
            sgd.zero_grad()
            value = batch_loss(model(xb), xb, loss)
            value.backward()
            sgd.step()
            total += value.detach()
    return total.item() / n_batches


def check():
    """float64: autograd against numpy_peer's gradients, then 2,000 steps of batch 1."""
    import numpy_peer

    ok = True
    for loss in ("mse", "bce"):
        x, params = protocol.check_case(32, 9, 5, 5)
        _, expected = numpy_peer.batch_gradients(params, x, loss)
        model = TiedAutoencoder(params, torch.float64)
        xt = torch.tensor(x)
        batch_loss(model(xt), xt, loss).backward()
        got = [p.grad.numpy() for p in (model.w, model.b1, model.b2)]
        diff = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected))
        ok &= diff < 1e-12
        print(f"gradients vs numpy ({loss}): max difference {diff:.1e}")

        x, start, ref_value, ref_params = numpy_peer.reference_run(loss)
        model = TiedAutoencoder(start, torch.float64)
        value = train(model, torch.tensor(x), 1, 1, 0.1, 0.9, loss, len(x))
        diff = numpy_peer.max_difference(value, model.numpy_params(), ref_value, ref_params)
        ok &= diff < 1e-9
        print(f"2,000 steps of batch 1 vs numpy ({loss}): max difference {diff:.1e}")
    print("check", "OK" if ok else "FAILED")
    return ok


def main():
    parser = protocol.add_arguments(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.check:
        sys.exit(0 if check() else 1)

    wl = protocol.workload_from(args)
    dtype = getattr(torch, args.dtype)
    x = torch.tensor(wl.x, dtype=dtype)
    start = wl.params()

    def run(n_batches=wl.n_batches, epochs=wl.epochs):
        model = TiedAutoencoder(start, dtype)
        value = train(model, x, wl.batch, epochs, wl.eta, wl.mu, args.loss, n_batches)
        run.model = model
        return value

    warm = max(1, int(wl.n_batches * args.warmup_frac))
    times, losses = protocol.measure(run, args.reps, lambda: run(warm, 1))
    protocol.emit("torch", wl, args, "cpu", times, losses,
                  protocol.loss_f64(run.model.numpy_params(), wl.x, args.loss),
                  torch=torch.__version__, warmup_batches=warm)


if __name__ == "__main__":
    main()
