"""Score the anomaly splits in other ways from the crate's own models, to compare with the
detector's two scorings (QUALITY.md, "Anomaly scores tried").

Reads the codes and reconstructions that the quality example writes with `--codes DIR` (the
fit_auto model of every anomaly split, on its training and test rows) and prints the mean ROC
AUC of each score per group (Wisconsin, digits with one digit normal, digits with one digit as
the anomaly class):

* reconstruction: each row's mean squared reconstruction error (the detector's default);
* code kNN mean k / kth k: the mean distance to the k nearest training codes (the detector's
  `Scoring::CodeNeighbours`, k = 5) or the distance to the k-th;
* decoded kNN mean k: the mean distance of the row to the k nearest reconstructed training rows
  (the reconstruction error and the distance in code space in one, in input units);
* input kNN mean k: the same to the training rows themselves (no model);
* sum of medians: reconstruction error and code kNN mean 5, each over its median on the
  training rows (a training row's code distance leaves the row itself out), added;
* code Mahalanobis: the squared Mahalanobis distance of the code from the training codes' mean;
* distance to the mean: the Euclidean distance of the row from the training rows' mean;
* code+residual kNN mean 5: code kNN mean 5 in the code space with one more coordinate, the
  row's reconstruction residual (its norm), so that a row far from the model's surface is far;
* standardised code kNN mean 5: each code unit divided by its standard deviation on the
  training rows first;
* rank sum: the ranks of the reconstruction error and of code kNN mean 5 among the test rows,
  added;
* code kNN mean √n: the mean over the √n nearest training codes (n training rows, at least 5);
* IsolationForest on codes / on inputs: scikit-learn's at its defaults (seeded as the split),
  fitted on the training codes or the training rows (no model).
"""
import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
NEIGHBOURS = [1, 3, 5, 10, 20]


def read(path):
    """A headerless CSV file as a 2-D array."""
    return np.loadtxt(path, delimiter=",", ndmin=2)


def sorted_distances(queries, reference, leave_out_self=False):
    """Each query row's Euclidean distances to every reference row, in increasing order."""
    squares = (queries**2).sum(1)[:, None] + (reference**2).sum(1)[None, :] - 2 * queries @ reference.T
    distances = np.sqrt(np.maximum(squares, 0.0))
    if leave_out_self:
        np.fill_diagonal(distances, np.inf)
    return np.sort(distances, axis=1)


def scores(train, test, codes, seed):
    """Every score of the test rows, by name (`seed` seeds the isolation forests)."""
    train_codes, train_rec, test_codes, test_rec = codes
    out = {}
    errors = ((test - test_rec) ** 2).mean(1)
    out["reconstruction"] = errors
    code = sorted_distances(test_codes, train_codes)
    decoded = sorted_distances(test, train_rec)
    plain = sorted_distances(test, train)
    for k in NEIGHBOURS:
        out[f"code kNN mean {k}"] = code[:, :k].mean(1)
        out[f"code kNN kth {k}"] = code[:, k - 1]
        out[f"decoded kNN mean {k}"] = decoded[:, :k].mean(1)
        out[f"input kNN mean {k}"] = plain[:, :k].mean(1)
    train_errors = ((train - train_rec) ** 2).mean(1)
    train_code = sorted_distances(train_codes, train_codes, leave_out_self=True)[:, :5].mean(1)
    out["sum of medians"] = errors / np.median(train_errors) + out["code kNN mean 5"] / np.median(train_code)
    centre = train_codes.mean(0)
    covariance = np.atleast_2d(np.cov(train_codes.T)) + 1e-9 * np.eye(train_codes.shape[1])
    offsets = test_codes - centre
    out["code Mahalanobis"] = np.einsum("ij,jk,ik->i", offsets, np.linalg.inv(covariance), offsets)
    out["distance to the mean"] = np.sqrt(((test - train.mean(0)) ** 2).sum(1))
    residual = np.sqrt(((test - test_rec) ** 2).sum(1))[:, None]
    train_residual = np.sqrt(((train - train_rec) ** 2).sum(1))[:, None]
    out["code+residual kNN mean 5"] = sorted_distances(
        np.hstack([test_codes, residual]), np.hstack([train_codes, train_residual]))[:, :5].mean(1)
    mean, deviation = train_codes.mean(0), train_codes.std(0) + 1e-12
    out["standardised code kNN mean 5"] = sorted_distances(
        (test_codes - mean) / deviation, (train_codes - mean) / deviation)[:, :5].mean(1)
    out["rank sum"] = rankdata(errors) + rankdata(out["code kNN mean 5"])
    root = max(5, round(np.sqrt(len(train_codes))))
    out["code kNN mean √n"] = code[:, :root].mean(1)
    forest = IsolationForest(random_state=seed)
    out["IsolationForest on codes"] = -forest.fit(train_codes).score_samples(test_codes)
    out["IsolationForest on inputs"] = -forest.fit(train).score_samples(test)
    return out


def main():
    """Print the mean ROC AUC of every score per group."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "quality/work",
                        help="folder of the splits' manifest.json")
    parser.add_argument("--codes", type=Path, default=ROOT / "quality/work/codes",
                        help="the quality example's --codes folder")
    args = parser.parse_args()
    manifest = json.loads((args.work / "manifest.json").read_text())
    aucs = defaultdict(lambda: defaultdict(list))
    for case in manifest["anomaly"]["cases"]:
        for split in case["files"]:
            train = read(args.work / split["train"])
            test = read(args.work / split["test"])
            d = train.shape[1]
            x, labels = test[:, :d], test[:, d] > 0.5
            stem = f"{case['case']}_seed{split['seed']}"
            codes = [read(args.codes / f"{stem}_{part}_{what}.csv")
                     for part in ("train", "test") for what in ("codes", "reconstructions")]
            for name, score in scores(train, x, codes, split["seed"]).items():
                aucs[name][case["group"]].append(roc_auc_score(labels, score))
    groups = sorted({g for by_group in aucs.values() for g in by_group})
    print("| score | " + " | ".join(groups) + " |")
    print("|---|" + "---|" * len(groups))
    for name, by_group in aucs.items():
        print(f"| {name} | " + " | ".join(f"{np.mean(by_group[g]):.4f}" for g in groups) + " |")


if __name__ == "__main__":
    main()
