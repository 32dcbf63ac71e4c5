"""Write the seeded train/test splits of the quality comparison, and a manifest listing them.

Reads the three data sets shipped in data/ and writes, under quality/work/ (or --out):

* reconstruction: {dataset}_train.csv and {dataset}_test.csv, an 80/20 split of the rows
  (MNIST: 4,000 / 1,000), features only, min-max scaled with the training rows' min and max;
* anomaly: anomaly/{case}_seed{s}_train.csv (half of the normal rows, features only) and
  anomaly/{case}_seed{s}_test.csv (the other half plus every anomaly, features then a last
  column 0 = normal, 1 = anomaly), scaled with that training file's min and max;
* manifest.json, which names every file (paths relative to the manifest's folder).

Scaling: x' = (x - min) / (max - min) per column, min and max over the training rows only,
applied unchanged to the test rows (nothing clipped, so test values may leave [0, 1]). A column
that is constant on the training rows maps to 0 on the training and the test rows alike.
Floats are written with %.17g, so they read back bit for bit. No header rows.
"""
import argparse
import gzip
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RECON_SEED = 0
ANOMALY_SEEDS = [0, 1, 2, 3, 4]
K_VALUES = {"wisconsin": [2, 3, 5], "digits": [2, 5, 10, 16], "mnist": [16, 30]}


def load(name):
    """Return (features as float64, labels as int) of one data set in data/."""
    if name == "wisconsin":
        # id, 9 features ('?' = missing, column 7 only), class 2 benign / 4 malignant
        lines = (ROOT / "data/breast-cancer-wisconsin.csv").read_text().split()
        rows = [line.split(",") for line in lines if "?" not in line]
        table = np.array(rows, dtype=np.int64)
        return table[:, 1:10].astype(np.float64), table[:, 10]
    if name == "digits":  # 64 pixels 0..16, then the label
        table = np.loadtxt(ROOT / "data/digits.csv", delimiter=",", dtype=np.int64)
    else:  # mnist: 784 pixels 0..255, then the label
        with gzip.open(ROOT / "data/mnist_5k.csv.gz", "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    return table[:, :-1].astype(np.float64), table[:, -1]


def minmax(train, test):
    """Scale both matrices with the training rows' per-column min and max (constant -> 0)."""
    lo, hi = train.min(axis=0), train.max(axis=0)
    span = hi - lo
    keep = span > 0
    scale = np.where(keep, 1.0 / np.where(keep, span, 1.0), 0.0)
    return (train - lo) * scale, (test - lo) * scale


def write(path, matrix):
    """Write a matrix as header-less CSV with %.17g floats."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, matrix, fmt="%.17g", delimiter=",")


def reconstruction(name, x, out):
    """Write the 80/20 reconstruction split of one data set; return its manifest entry."""
    n = len(x)
    n_test = 1000 if name == "mnist" else int(round(0.2 * n))
    order = np.random.default_rng(RECON_SEED).permutation(n)
    train, test = minmax(x[order[n_test:]], x[order[:n_test]])
    files = {"train": f"{name}_train.csv", "test": f"{name}_test.csv"}
    write(out / files["train"], train)
    write(out / files["test"], test)
    return {"dataset": name, "seed": RECON_SEED, "n_train": len(train), "n_test": len(test),
            "n_features": x.shape[1], "k": K_VALUES[name], **files}


def anomaly_cases(data):
    """Yield (case, group, dataset, normal mask, anomaly mask) for every anomaly case."""
    x, y = data["wisconsin"]
    yield "wisconsin", "wisconsin", "wisconsin", y == 2, y == 4
    x, y = data["digits"]
    for d in range(10):
        yield f"digits_normal_{d}", "digits_normal", "digits", y == d, y != d
    for d in range(10):
        yield f"digits_anomaly_{d}", "digits_anomaly", "digits", y != d, y == d


def anomaly(case, x, normal, anomalous, seed, out):
    """Write one anomaly split (train: half of the normal rows); return its manifest entry."""
    normal_rows = np.flatnonzero(normal)
    order = np.random.default_rng(seed).permutation(normal_rows)
    n_train = len(order) // 2
    test_rows = np.concatenate([order[n_train:], np.flatnonzero(anomalous)])
    train, test = minmax(x[order[:n_train]], x[test_rows])
    labels = np.concatenate([np.zeros(len(order) - n_train), np.ones(anomalous.sum())])
    files = {"train": f"anomaly/{case}_seed{seed}_train.csv",
             "test": f"anomaly/{case}_seed{seed}_test.csv"}
    write(out / files["train"], train)
    write(out / files["test"], np.column_stack([test, labels]))
    return {"seed": seed, "n_train": n_train, "n_test": len(test_rows),
            "n_anomalies": int(anomalous.sum()), **files}


def main():
    """Write every split and the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "quality/work")
    out = parser.parse_args().out
    data = {name: load(name) for name in K_VALUES}
    assert data["wisconsin"][0].shape == (683, 9), data["wisconsin"][0].shape
    assert data["digits"][0].shape == (1797, 64) and data["mnist"][0].shape == (5000, 784)
    recon = [reconstruction(name, data[name][0], out) for name in K_VALUES]
    cases = []
    for case, group, dataset, normal, anomalous in anomaly_cases(data):
        x = data[dataset][0]
        files = [anomaly(case, x, normal, anomalous, s, out) for s in ANOMALY_SEEDS]
        digit = int(case.rsplit("_", 1)[1]) if dataset == "digits" else None
        cases.append({"case": case, "group": group, "dataset": dataset, "digit": digit,
                      "n_features": x.shape[1], "files": files})
    manifest = {
        "format": 1,
        "written_by": "quality/splits.py",
        "paths_relative_to": "the folder of this manifest",
        "csv": "no header, comma-separated, floats as %.17g",
        "scaling": "min-max per column with the training rows' min and max, applied to the "
                   "test rows unclipped; a column constant on the training rows maps to 0",
        "reconstruction": recon,
        "anomaly": {"seeds": ANOMALY_SEEDS,
                    "test_label_column": "last; 0 = normal, 1 = anomaly",
                    "cases": cases},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    n_files = 2 * len(recon) + sum(2 * len(c["files"]) for c in cases)
    print(f"wrote {n_files} CSV files and manifest.json to {out}")


if __name__ == "__main__":
    main()
