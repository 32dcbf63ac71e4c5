"""Joins the peers' records (peers.json, and peers_mlp_long.json when there is one: the
MLPRegressor runs with a raised iteration limit) and the crate's (crate.json, from
`cargo run --release --example quality`) into the Markdown tables of QUALITY.md.

Usage: python quality/report.py [FOLDER]   (default quality/work; quality/results holds a copy)
"""

import json
import sys
from collections import defaultdict
from pathlib import Path
from statistics import mean


def load(folder):
    peers = []
    for name in ("peers.json", "peers_mlp_long.json"):
        if name == "peers.json" or (folder / name).exists():
            found = json.loads((folder / name).read_text())
            peers += found["records"] if isinstance(found, dict) else found
    crate = json.loads((folder / "crate.json").read_text())
    return peers, crate


def reconstruction(peers, crate):
    # MLPRegressor at its default limit of 200 iterations, and with a raised one ("long").
    mlp = defaultdict(list)
    for r in peers:
        if r.get("task") == "reconstruction" and r.get("model", "").startswith("mlp"):
            mlp[(r["dataset"], r["k"], r.get("max_iter", 200) > 200)].append(r)
    long_runs = any(key[2] for key in mlp)
    header = "| data | k | PCA ×1e3 | crate auto ×1e3 (chosen) | auto / PCA | auto s | MLPRegressor ×1e3 (mean of seeds) | MLP s |"
    if long_runs:
        header += " MLP, raised limit ×1e3 | its s |"
    lines = [header, "|---" * header.count(" | ") + "|---|"]

    def columns(runs):
        if not runs:
            return ["–", "–"]
        return [f"{mean(x['test_mse'] for x in runs) * 1e3:.2f}",
                f"{mean(x['fit_seconds'] for x in runs):.2f}"]

    for r in (r for r in crate if r["task"] == "reconstruction"):
        cells = columns(mlp.get((r["dataset"], r["k"], False), []))
        if long_runs:
            cells += columns(mlp.get((r["dataset"], r["k"], True), []))
        lines.append(
            f"| {r['dataset']} | {r['k']} | {r['pca_test_mse'] * 1e3:.2f} | "
            f"{r['test_mse'] * 1e3:.2f} ({r['chosen']}) | {r['test_mse'] / r['pca_test_mse']:.3f} | "
            f"{r['fit_seconds']:.2f} | " + " | ".join(cells) + " |"
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
