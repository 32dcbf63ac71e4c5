"""Run the Python peers on the splits that quality/splits.py wrote, and tabulate them.

Reads quality/work/manifest.json (or --work) and its CSV files, then runs
* reconstruction, per data set and code size k: scikit-learn PCA(k), and
  MLPRegressor(hidden_layer_sizes=(32, k, 32), solver="lbfgs", random_state=seed) trained
  X -> X (other arguments default; --mlp-max-iter raises its iteration limit); the metric is the test MSE, the mean over all elements of
  (reconstruction - test)^2; the MLP's fit time and whether it converged are kept too;
* anomaly detection, per case and seed: PyOD's AutoEncoder, IForest, PCA and LOF with their
  defaults (random_state=seed where there is one; AutoEncoder verbose=0), fitted on the training
  rows, without the columns that are constant on them (all 0, see splits.py); the metric is the
  ROC AUC of decision_function on the test rows.
Everything runs on one thread (OMP/OPENBLAS/MKL_NUM_THREADS=1, torch.set_num_threads(1)).
Writes quality/work/peers.json (records, versions, machine) and quality/work/peers.md (--out
names them), and prints the Markdown tables.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # `bash quality/setup.sh --no-torch`: no AutoEncoder
    torch = None

WORK = Path(__file__).resolve().parent / "work"


def load(path):
    """Read a header-less CSV of floats as a 2-D array."""
    return np.loadtxt(path, delimiter=",", ndmin=2)


def timed_fit(model, x, y=None):
    """Fit the model; return (seconds, warnings raised during the fit)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(x) if y is None else model.fit(x, y)
        seconds = time.perf_counter() - start
    return seconds, caught


def reconstruction(entry, work, seeds, mlp, max_iter):
    """Yield the PCA and MLPRegressor records of one data set."""
    train, test = load(work / entry["train"]), load(work / entry["test"])
    base = {"task": "reconstruction", "dataset": entry["dataset"]}
    for k in entry["k"]:
        pca = PCA(k, random_state=0)
        seconds, _ = timed_fit(pca, train)
        error = np.mean((pca.inverse_transform(pca.transform(test)) - test) ** 2)
        yield {**base, "k": k, "model": "pca", "seed": None, "test_mse": float(error),
               "fit_seconds": seconds}
        if not mlp:
            continue
        for seed in seeds:
            net = MLPRegressor(hidden_layer_sizes=(32, k, 32), solver="lbfgs", random_state=seed,
                               max_iter=max_iter)
            seconds, caught = timed_fit(net, train, train)
            error = np.mean((net.predict(test) - test) ** 2)
            converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
            yield {**base, "k": k, "model": "mlp_32_k_32", "seed": seed,
                   "test_mse": float(error), "fit_seconds": seconds,
                   "converged": converged, "n_iter": int(net.n_iter_), "max_iter": max_iter}


def detectors(seed):
    """Return the anomaly peers (name -> unfitted PyOD detector) for one seed."""
    from pyod.models.iforest import IForest
    from pyod.models.lof import LOF
    from pyod.models.pca import PCA as PyodPCA
    found = {}
    if torch is not None:
        from pyod.models.auto_encoder import AutoEncoder
        found["pyod_autoencoder"] = AutoEncoder(random_state=seed, verbose=0)
    found["pyod_iforest"] = IForest(random_state=seed)
    found["pyod_pca"] = PyodPCA(random_state=seed)
    found["pyod_lof"] = LOF()
    return found


def anomaly(case, work):
    """Yield one ROC AUC record per seed and detector of one anomaly case."""
    for split in case["files"]:
        train = load(work / split["train"])
        test = load(work / split["test"])
        # Columns constant on the training rows are 0 in both files (splits.py), so dropping
        # them loses nothing; PyOD's PCA with its defaults divides by their zero variance.
        used = np.ptp(train, axis=0) > 0
        train, x, y = train[:, used], test[:, :-1][:, used], test[:, -1]
        for name, model in detectors(split["seed"]).items():
            seconds, _ = timed_fit(model, train)
            scores = model.decision_function(x)
            record = {"task": "anomaly", "case": case["case"], "group": case["group"],
                      "digit": case["digit"], "seed": split["seed"], "model": name,
                      "roc_auc": None, "fit_seconds": seconds}
            bad = int(np.sum(~np.isfinite(scores)))
            if bad:  # PyOD's PCA on rank-deficient training rows: a zero eigenvalue
                record["error"] = f"{bad} of {len(scores)} scores not finite"
            else:
                record["roc_auc"] = float(roc_auc_score(y, scores))
            yield record


def environment():
    """Library versions, machine facts and the thread settings, for the JSON output."""
    import pyod
    import scipy
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
                "pyod": pyod.__version__, "torch": torch.__version__ if torch else None}
    machine = {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(),
               "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    threads = {"env": {v: os.environ[v] for v in
                       ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
               "torch": torch.get_num_threads() if torch else None,
               "blas": [(p["internal_api"], p["num_threads"]) for p in threadpool_info()]}
    return versions, machine, threads


def mean(values):
    """Mean of a non-empty list, or None for an empty one."""
    return float(np.mean(values)) if values else None


def tables(records, threads):
    """Return the Markdown tables of the records."""
    out = [f"Threads: {threads['env']}, torch {threads['torch']}, BLAS {threads['blas']}.", ""]
    recon = [r for r in records if r["task"] == "reconstruction"]
    out += ["| dataset | k | PCA test MSE | MLP (32,k,32) test MSE | MLP fit s | seeds "
            "| converged | iterations |", "|---|---|---|---|---|---|---|---|"]
    for d, k in dict.fromkeys((r["dataset"], r["k"]) for r in recon):
        pca = [r for r in recon if (r["dataset"], r["k"], r["model"]) == (d, k, "pca")][0]
        mlp = [r for r in recon if (r["dataset"], r["k"], r["model"]) == (d, k, "mlp_32_k_32")]
        cells = [f"{pca['test_mse']:.5f}", "not run", "", "", "", ""]
        if mlp:
            errors = [r["test_mse"] for r in mlp]
            cells[1:] = [f"{mean(errors):.5f} ({min(errors):.5f}..{max(errors):.5f})",
                         f"{mean([r['fit_seconds'] for r in mlp]):.2f}", str(len(mlp)),
                         f"{sum(r['converged'] for r in mlp)}/{len(mlp)}",
                         "/".join(str(r["n_iter"]) for r in mlp)]
        out.append(f"| {d} | {k} | " + " | ".join(cells) + " |")
    found = [r for r in records if r["task"] == "anomaly"]
    models = list(dict.fromkeys(r["model"] for r in found))
    if not found:
        return "\n".join(out)
    out += ["", "Anomaly detection: mean ROC AUC over seeds (and over digits for the "
            "`(mean)` rows); `failed`: splits whose scores were not all finite, left out of "
            "the mean.", "",
            "| case | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    rows = list(dict.fromkeys(r["case"] for r in found))
    rows += ["digits_normal (mean)", "digits_anomaly (mean)"]
    for row in rows:
        group = row.split(" ")[0]
        cells = []
        for m in models:
            aucs = [r["roc_auc"] for r in found if r["model"] == m and (
                r["case"] == row or r["group"] == group and row.endswith("(mean)"))]
            ok = [a for a in aucs if a is not None]
            failed = f" ({len(aucs) - len(ok)} failed)" if len(ok) < len(aucs) else ""
            cells.append(("-" if not ok else f"{mean(ok):.4f}") + failed)
        out.append(f"| {row} | " + " | ".join(cells) + " |")
    fit = [f"{m} {mean([r['fit_seconds'] for r in found if r['model'] == m]):.3f} s"
           for m in models]
    out += ["", "Mean fit time per split: " + ", ".join(fit) + "."]
    return "\n".join(out)


def main():
    """Run the peers named on the command line and write peers.json and peers.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--skip", default="", help="comma list of: recon (PCA and MLP), mlp, mnist-mlp, anomaly")
    parser.add_argument("--mlp-seeds", default="0,1,2",
                        help="MLPRegressor seeds (MNIST uses only the first)")
    parser.add_argument("--mlp-max-iter", type=int, default=200,
                        help="MLPRegressor's iteration limit (200: its default)")
    parser.add_argument("--only", default="",
                        help="comma list of data sets: only their reconstruction runs")
    parser.add_argument("--out", default="peers",
                        help="name of the records, {OUT}.json and {OUT}.md in --work")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    seeds = [int(s) for s in args.mlp_seeds.split(",")]
    manifest = json.loads((args.work / "manifest.json").read_text())
    versions, machine, threads = environment()
    records, start = [], time.perf_counter()
    if "recon" not in skip:
        only = set(filter(None, args.only.split(",")))
        for entry in manifest["reconstruction"]:
            if only and entry["dataset"] not in only:
                continue
            mnist = entry["dataset"] == "mnist"
            mlp = "mlp" not in skip and not (mnist and "mnist-mlp" in skip)
            for record in reconstruction(entry, args.work, seeds[:1] if mnist else seeds, mlp,
                                         args.mlp_max_iter):
                print(json.dumps(record), flush=True)
                records.append(record)
    if "anomaly" not in skip:
        for case in manifest["anomaly"]["cases"]:
            records += anomaly(case, args.work)
            print(f"anomaly {case['case']} done at {time.perf_counter() - start:.0f} s",
                  flush=True)
    result = {"versions": versions, "machine": machine, "threads": threads,
              "wall_seconds": time.perf_counter() - start, "records": records}
    (args.work / f"{args.out}.json").write_text(json.dumps(result, indent=1) + "\n")
    text = tables(records, threads)
    (args.work / f"{args.out}.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
