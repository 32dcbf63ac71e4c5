"""Write development splits: data and seeds that QUALITY.md's comparison does not use, for
choosing fit_auto's defaults without looking at its test rows.

Writes, under quality/dev/ (or --out), {name}_seed{s}_train.csv / _test.csv (80/20 splits,
min-max scaled as in splits.py) and a manifest.json with the same "reconstruction" entries the
quality example reads (`--dir quality/dev --skip anomaly`):

* digits (scikit-learn's copy, the same 1,797 rows as data/digits.csv) on seeds 10-14, at
  k = 2, 5, 10, 16 (QUALITY.md uses seed 0);
* the Wisconsin data (data/, 683 x 9) on seeds 10-14, at k = 2, 3, 5 (QUALITY.md: seed 0);
* scikit-learn's wine (178 x 13), breast cancer (569 x 30) and diabetes (442 x 10) data on
  seeds 10-12, at k = 2, 5 (breast cancer also 10); none of them is in QUALITY.md.
"""
import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine

from splits import ROOT, load as load_shipped, minmax, write


# Each set: a function returning its feature matrix, the code sizes, the seeds.
SETS = {
    "wisconsin": (lambda: load_shipped("wisconsin")[0], [2, 3, 5], range(10, 15)),
    "digits": (lambda: load_digits().data, [2, 5, 10, 16], range(10, 15)),
    "wine": (lambda: load_wine().data, [2, 5], range(10, 13)),
    "cancer30": (lambda: load_breast_cancer().data, [2, 5, 10], range(10, 13)),
    "diabetes": (lambda: load_diabetes().data, [2, 5], range(10, 13)),
}


def main():
    """Write every development split and the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "quality/dev")
    parser.add_argument("--seeds", type=int, nargs=2, metavar=("FIRST", "COUNT"),
                        help="every set on these seeds instead (e.g. 20 20: seeds 20-39), "
                             "for more cases where one split's noise would decide")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, (load, ks, seeds) in SETS.items():
        if args.seeds:
            seeds = range(args.seeds[0], args.seeds[0] + args.seeds[1])
        x = load().astype(np.float64)
        for seed in seeds:
            n_test = int(round(0.2 * len(x)))
            order = np.random.default_rng(seed).permutation(len(x))
            train, test = minmax(x[order[n_test:]], x[order[:n_test]])
            files = {"train": f"{name}_seed{seed}_train.csv",
                     "test": f"{name}_seed{seed}_test.csv"}
            write(out / files["train"], train)
            write(out / files["test"], test)
            entries.append({"dataset": f"{name}_seed{seed}", "seed": seed,
                            "n_train": len(train), "n_test": len(test),
                            "n_features": x.shape[1], "k": ks, **files})
    manifest = {"format": 1, "written_by": "quality/dev_splits.py",
                "paths_relative_to": "the folder of this manifest",
                "reconstruction": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {2 * len(entries)} CSV files and manifest.json to {out}")


if __name__ == "__main__":
    main()
