"""ROC AUC and fit time of autoencoder.AutoencoderDetector next to PyOD's AutoEncoder.

    python python/benchmarks/pyod_comparison.py            # needs pyod, and torch for PyOD's AutoEncoder
    python python/benchmarks/pyod_comparison.py --seeds 3

Data (scikit-learn's copies):
  * breast cancer: 569 rows, 30 features; the 212 malignant tumours are the anomalies (37 %);
  * digits: 8x8 images, 64 features; each digit in turn is the anomaly class: the other nine
    digits (about 1,620 rows) are normal and 90 images of that digit, drawn at random (seeded),
    are the anomalies (about 5 %). The table gives the mean over the ten digits.
Protocol (PyOD's benchmark): per seed a stratified 60/40 split; fit on the training part
(contamination = its anomaly fraction), ROC AUC of decision_function on the test part; both
detectors standardise the features themselves (their default preprocessing). Fit time is the
wall time of fit, one thread each (torch.set_num_threads(1)). Reported: mean and standard
deviation over the seeds. Both detectors run with their defaults:
  * AutoencoderDetector(): tied ReLU encoder, linear output, code size n_features // 4,
    Adam 3e-3, batch 32, 100 epochs;
  * pyod AutoEncoder(): 64-32 hidden layers with batch norm and dropout 0.2, Adam 1e-3,
    batch 32, 10 epochs.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from autoencoder import AutoencoderDetector


def breast_cancer():
    data = load_breast_cancer()
    return data.data, (data.target == 0).astype(int)


def digits(anomaly, seed=0):
    data = load_digits()
    normal = data.target != anomaly
    candidates = np.flatnonzero(~normal)
    picked = np.random.RandomState(seed).choice(candidates, 90, replace=False)
    keep = np.concatenate([np.flatnonzero(normal), np.sort(picked)])
    return data.data[keep], (data.target[keep] == anomaly).astype(int)


def detectors(seed, contamination):
    made = {"autoencoder.AutoencoderDetector": lambda: AutoencoderDetector(contamination=contamination, random_state=seed)}
    try:
        import torch
        from pyod.models.auto_encoder import AutoEncoder

        torch.set_num_threads(1)
        made["pyod.models.auto_encoder.AutoEncoder"] = lambda: AutoEncoder(
            contamination=contamination, random_state=seed, verbose=0
        )
    except ImportError as e:  # torch or pyod missing
        print(f"(PyOD's AutoEncoder skipped: {e})")
    return made


def run(name, datasets, seeds):
    results = {}
    for (X, y), seed in ((d, s) for d in datasets for s in range(seeds)):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)
        for label, make in detectors(seed, float(y_train.mean())).items():
            det = make()
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                det.fit(X_train)
            seconds = time.perf_counter() - start
            auc = roc_auc_score(y_test, det.decision_function(X_test))
            results.setdefault(label, []).append((auc, seconds))
    rows = []
    for label, values in results.items():
        auc, sec = np.array(values).T
        rows.append((name, label, auc.mean(), auc.std(), sec.mean(), sec.std(), len(values)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = run("breast cancer (malignant = anomaly)", [breast_cancer()], args.seeds)
    rows += run("digits (each digit as the anomaly, 5 %)", [digits(k) for k in range(10)], args.seeds)
    print("| data | detector | ROC AUC (test) | fit time | runs |")
    print("|---|---|---|---|---|")
    for name, label, auc, auc_sd, sec, sec_sd, n in rows:
        print(f"| {name} | `{label}` | {auc:.3f} ± {auc_sd:.3f} | {sec * 1000:.1f} ± {sec_sd * 1000:.1f} ms | {n} |")


if __name__ == "__main__":
    main()
