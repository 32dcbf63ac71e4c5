"""Joins the peers' records (peers.json) and the crate's (crate.json, from
`cargo run --release --example quality`) into the Markdown tables of QUALITY.md.

Usage: python quality/report.py [FOLDER]   (default quality/work; quality/results holds a copy)
"""

import json
import sys
from collections import defaultdict
from pathlib import Path
from statistics import mean


def load(folder):
    peers = json.loads((folder / "peers.json").read_text())
    peers = peers["records"] if isinstance(peers, dict) else peers
    crate = json.loads((folder / "crate.json").read_text())
    return peers, crate


def reconstruction(peers, crate):
    mlp = defaultdict(list)
    for r in peers:
        if r.get("task") == "reconstruction" and r.get("model", "").startswith("mlp"):
            mlp[(r["dataset"], r["k"])].append(r)
    lines = [
        "| data | k | PCA ×1e3 | crate auto ×1e3 (chosen) | auto / PCA | auto s | MLPRegressor ×1e3 (mean of seeds) | MLP s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in (r for r in crate if r["task"] == "reconstruction"):
        key = (r["dataset"], r["k"])
        m = mlp.get(key, [])
        mlp_mse = f"{mean(x['test_mse'] for x in m) * 1e3:.2f}" if m else "–"
        mlp_s = f"{mean(x['fit_seconds'] for x in m):.2f}" if m else "–"
        lines.append(
            f"| {r['dataset']} | {r['k']} | {r['pca_test_mse'] * 1e3:.2f} | "
            f"{r['test_mse'] * 1e3:.2f} ({r['chosen']}) | {r['test_mse'] / r['pca_test_mse']:.3f} | "
            f"{r['fit_seconds']:.2f} | {mlp_mse} | {mlp_s} |"
        )
    return "\n".join(lines)


def anomaly(peers, crate):
    aucs = defaultdict(list)
    groups = {}
    for r in peers + crate:
        if r.get("task") != "anomaly" or r.get("roc_auc") is None:
            continue
        aucs[(r["case"], r["model"])].append(r["roc_auc"])
        groups[r["case"]] = r["group"]
    models = ["crate_detector", "crate_neighbours", "pyod_autoencoder", "pyod_iforest", "pyod_pca", "pyod_lof"]
    header = "| case | " + " | ".join(models) + " |"
    lines = [header, "|---" * (len(models) + 1) + "|"]
    by_group = defaultdict(lambda: defaultdict(list))
    for case in sorted(groups):
        row = []
        for model in models:
            values = aucs.get((case, model))
            row.append(f"{mean(values):.4f}" if values else "–")
            if values:
                by_group[groups[case]][model].append(mean(values))
        lines.append(f"| {case} | " + " | ".join(row) + " |")
    for group, per_model in by_group.items():
        row = [f"{mean(per_model[m]):.4f}" if per_model.get(m) else "–" for m in models]
        lines.append(f"| **{group} (mean)** | " + " | ".join(row) + " |")
    return "\n".join(lines)


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "quality/work")
    peers, crate = load(folder)
    print("## Reconstruction (test MSE)\n")
    print(reconstruction(peers, crate))
    print("\n## Anomaly detection (mean ROC AUC over 5 seeds)\n")
    print(anomaly(peers, crate))


if __name__ == "__main__":
    main()
