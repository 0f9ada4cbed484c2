#!/usr/bin/env python3
"""A 24-trial sweep: Data Lab with 1 worker, with every core, and scikit-learn's
GridSearchCV (n_jobs=-1), on the same data, grid and 5-fold validation.

    bench/sweep.sh            (builds datalab in release and runs this)

Data: red wine quality (assets/datasets), quality as classes. Grid: a random
forest of 50 trees at max_depth 1..24 (--model forest, the default), or a
decision tree at max_depth 1..24 (--model tree). Data Lab's forests grow their
trees on every core already, so the forest sweep shows no gain from more
workers; the tree sweep shows the gain from running trials side by side. Data Lab's time is the whole
`datalab run` command (it also trains and saves each trial's final model);
scikit-learn's is `GridSearchCV.fit` (refit=False).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WINE = REPO / "assets" / "datasets" / "winequality-red.csv"
DEPTHS = list(range(1, 25))
TREES = 50


def datalab_sweep(datalab: str, parallelism: int, model: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "lab"
        subprocess.run([datalab, "init", str(project)], check=True, capture_output=True)
        subprocess.run([datalab, "--project", str(project), "dataset", "import", str(WINE), "--name", "wine"],
                       check=True, capture_output=True)
        spec = Path(tmp) / "sweep.toml"
        spec.write_text(
            'name = "sweep"\nseed = 1\n[dataset]\nname = "wine"\n[task]\nkind = "classification"\n'
            'target = "quality"\n[validation]\nkind = "k_fold"\nfolds = 5\n[[models]]\n'
            + (f'model = "random_forest"\nparams = {{ trees = {TREES}, feature_fraction = 1.0, max_depth = {DEPTHS} }}\n'
               if model == "forest" else f'model = "decision_tree"\nparams = {{ max_depth = {DEPTHS} }}\n')
        )
        started = time.perf_counter()
        out = subprocess.run([datalab, "--json", "--project", str(project), "run", str(spec),
                              "--parallelism", str(parallelism)], check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        runs = json.loads(out.stdout)["runs"]
        best = max(r["metrics"]["accuracy"]["mean"] for r in runs)
        return seconds, best


def sklearn_sweep(model: str) -> tuple[float, float]:
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    frame = pd.read_csv(WINE)
    x, y = frame.drop(columns=["quality"]).to_numpy(), frame["quality"].to_numpy()
    search = GridSearchCV(
        RandomForestClassifier(n_estimators=TREES, max_features=None, random_state=1)
        if model == "forest"
        else DecisionTreeClassifier(random_state=1),
        {"max_depth": DEPTHS},
        cv=StratifiedKFold(5, shuffle=True, random_state=1),
        n_jobs=-1,
        refit=False,
    )
    started = time.perf_counter()
    search.fit(x, y)
    return time.perf_counter() - started, float(max(search.cv_results_["mean_test_score"]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datalab", required=True)
    parser.add_argument("--model", choices=["forest", "tree"], default="forest")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    one, best_one = datalab_sweep(args.datalab, 1, args.model)
    many, best_many = datalab_sweep(args.datalab, cores, args.model)
    sk, best_sk = sklearn_sweep(args.model)
    what = f"random forest, {TREES} trees" if args.model == "forest" else "decision tree"
    print(f"24-trial sweep ({what}, max_depth 1..24, 5-fold, wine quality), {cores} cores\n")
    print("| tool | wall s | best mean accuracy |")
    print("|---|---:|---:|")
    print(f"| Data Lab, 1 worker | {one:.2f} | {best_one:.4f} |")
    print(f"| Data Lab, {cores} workers | {many:.2f} | {best_many:.4f} |")
    print(f"| scikit-learn GridSearchCV n_jobs=-1 | {sk:.2f} | {best_sk:.4f} |")
    print(f"\nspeed-up with {cores} workers: {one / many:.2f}x ({one / many / cores:.2f} x cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
