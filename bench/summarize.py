"""JSON lines of bench/run.sh -> Markdown table of samples/s, crate vs peers (stdlib only).

  python bench/summarize.py bench/results/latest.jsonl
"""
import json
import sys

WL = ["W1", "W2", "W2b", "W3", "W4", "W4m"]
PEERS = ["jax", "numpy-online", "numpy-batch", "torch"]


def rate(x):
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.1f} k"


def main():
    recs = [json.loads(l) for p in sys.argv[1:] for l in open(p) if l.startswith("{")]
    rows = {}
    for r in recs:
        if r.get("loss", "mse") != "mse":
            continue
        key = (r["workload"], r["dtype"], r.get("threads") or 1)
        rows.setdefault(key, {})[r["impl"]] = r
    print("| workload | dtype | threads | autoencoder | " + " | ".join(PEERS)
          + " | / jax | / torch | loss: crate vs jax |")
    print("|---|---|---|---|" + "---|" * len(PEERS) + "---|---|---|")
    for key in sorted(rows, key=lambda k: (WL.index(k[0]), k[1], k[2])):
        impls = rows[key]
        ours = impls.get("autoencoder")
        if ours is None:
            continue
        cells = [rate(impls[p]["samples_per_s"]) if p in impls else "" for p in PEERS]
        ratio = {p: f"{ours['samples_per_s'] / impls[p]['samples_per_s']:.2f}x" if p in impls else ""
                 for p in ("jax", "torch")}
        loss = ""
        if "jax" in impls:
            a, b = ours["epoch_loss"], impls["jax"]["epoch_loss"]
            loss = f"{a:.6g} vs {b:.6g} ({abs(a - b) / abs(b):.0e})"
        print(f"| {key[0]} | {key[1].replace('float', 'f')} | {key[2]} | "
              f"**{rate(ours['samples_per_s'])}** | " + " | ".join(cells)
              + f" | {ratio['jax']} | {ratio['torch']} | {loss} |")


if __name__ == "__main__":
    main()
