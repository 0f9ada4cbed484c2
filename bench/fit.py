#!/usr/bin/env python3
"""Fit time and quality per algorithm: Data Lab against scikit-learn on the same
generated data (fixed seed), holdout 80/20, comparable settings.

    bench/fit.sh [--rows N]

Data Lab's fit time is `fit_ms` of the run's fold (runs/<id>/evaluation.json):
the model's fit alone, on preprocessed features. scikit-learn's is `fit()` on
standardised features. Both run one trial at a time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 7

MODELS = [
    # (task, datalab model, datalab params, sklearn factory)
    ("classification", "logistic_regression", "{ alpha = 1.0 }",
     "LogisticRegression(C=1.0, max_iter=200)"),
    ("classification", "decision_tree", "{ max_depth = 10 }",
     "DecisionTreeClassifier(max_depth=10, random_state=0)"),
    ("classification", "random_forest", '{ trees = 50, max_depth = 10, max_features = "all" }',
     "RandomForestClassifier(n_estimators=50, max_depth=10, max_features=None, random_state=0, n_jobs=-1)"),
    ("classification", "random_forest", '{ trees = 50, max_depth = 10, max_features = "sqrt" }',
     "RandomForestClassifier(n_estimators=50, max_depth=10, max_features='sqrt', random_state=0, n_jobs=-1)"),
    ("classification", "gaussian_nb", "{}", "GaussianNB()"),
    ("regression", "linear_regression", "{}", "LinearRegression()"),
    ("regression", "decision_tree_regressor", "{ max_depth = 10 }",
     "DecisionTreeRegressor(max_depth=10, random_state=0)"),
    ("regression", "random_forest_regressor", "{ trees = 50, max_depth = 10 }",
     "RandomForestRegressor(n_estimators=50, max_depth=10, random_state=0, n_jobs=-1)"),
    ("clustering", "kmeans", "{ clusters = 8, restarts = 1 }",
     "KMeans(n_clusters=8, n_init=1, random_state=0)"),
    ("clustering", "kmeans", "{ clusters = 8, restarts = 10 }",
     "KMeans(n_clusters=8, n_init=10, random_state=0)"),
]


def make_data(out: Path, rows: int) -> dict[str, Path]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(rows, 20))
    w = rng.normal(size=20)
    logits = x @ w + rng.normal(scale=2.0, size=rows)
    columns = [f"x{i:02d}" for i in range(20)]
    paths = {}
    frame = pd.DataFrame(x, columns=columns)
    frame["label"] = np.where(logits > 0, "yes", "no")
    paths["classification"] = out / f"fit_class_{rows}.csv"
    frame.to_csv(paths["classification"], index=False)
    frame = pd.DataFrame(x, columns=columns)
    frame["target"] = x @ w + rng.normal(scale=1.0, size=rows)
    paths["regression"] = out / f"fit_reg_{rows}.csv"
    frame.to_csv(paths["regression"], index=False)
    centers = rng.normal(scale=4.0, size=(8, 20))
    blobs = centers[rng.integers(0, 8, size=rows)] + rng.normal(size=(rows, 20))
    paths["clustering"] = out / f"fit_blobs_{rows}.csv"
    pd.DataFrame(blobs, columns=columns).to_csv(paths["clustering"], index=False)
    return paths


def datalab_fit(datalab: str, project: Path, dataset: str, task: str, model: str, params: str):
    target = {"classification": 'target = "label"\n', "regression": 'target = "target"\n', "clustering": ""}[task]
    spec = project / f"{model}.toml"
    spec.write_text(
        f'name = "{model}"\nseed = 1\nparallelism = 1\n[dataset]\nname = "{dataset}"\n[task]\nkind = "{task}"\n'
        f'{target}[validation]\nkind = "holdout"\ntest_fraction = 0.2\n[[models]]\nmodel = "{model}"\nparams = {params}\n'
    )
    out = subprocess.run([datalab, "--json", "--project", str(project), "run", str(spec)],
                         check=True, capture_output=True, text=True)
    run = json.loads(out.stdout)["runs"][0]
    folds = json.loads((project / "runs" / str(run["id"]) / "evaluation.json").read_text())
    quality = {"classification": "accuracy", "regression": "r2", "clustering": "inertia"}[task]
    return folds[0]["fit_ms"] / 1e3, run["metrics"][quality]["mean"]


def sklearn_fit(path: Path, task: str, factory: str):
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans  # noqa: F401
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor  # noqa: F401
    from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: F401
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import GaussianNB  # noqa: F401
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: F401

    frame = pd.read_csv(path)
    target = {"classification": "label", "regression": "target"}.get(task)
    x = frame.drop(columns=[target]).to_numpy() if target else frame.to_numpy()
    y = frame[target].to_numpy() if target else np.zeros(len(frame))
    stratify = y if task == "classification" else None
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=1, stratify=stratify)
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model = eval(factory)  # the factories above are this file's own constants
    if task == "clustering":
        x_all = scaler.transform(x)
        started = time.perf_counter()
        model.fit(x_all)
        return time.perf_counter() - started, model.inertia_
    started = time.perf_counter()
    model.fit(x_train, y_train)
    seconds = time.perf_counter() - started
    predicted = model.predict(x_test)
    quality = accuracy_score(y_test, predicted) if task == "classification" else r2_score(y_test, predicted)
    return seconds, quality


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datalab", required=True)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--only", help="only the models whose name contains this")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    paths = make_data(args.out, args.rows)
    print(f"Fit time and quality, {args.rows} rows x 20 features, holdout 80/20 (kmeans: all rows)\n")
    print("| model | Data Lab fit s | scikit-learn fit s | Data Lab quality | scikit-learn quality |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "lab"
        subprocess.run([args.datalab, "init", str(project)], check=True, capture_output=True)
        for task, path in paths.items():
            subprocess.run([args.datalab, "--project", str(project), "dataset", "import", str(path), "--name", task],
                           check=True, capture_output=True)
        for task, model, params, factory in MODELS:
            if args.only and args.only not in model:
                continue
            ours, our_quality = datalab_fit(args.datalab, project, task, task, model, params)
            theirs, their_quality = sklearn_fit(paths[task], task, factory)
            metric = {"classification": "accuracy", "regression": "R²", "clustering": "inertia*"}[task]
            label = f"{model} {params}" if model in ("kmeans", "random_forest") else model
            print(f"| {label} | {ours:.3f} | {theirs:.3f} | {metric} {our_quality:.4f} | {their_quality:.4f} |")
    print("\n* Data Lab's inertia is a sum of squared distances like scikit-learn's.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
