#!/usr/bin/env python3
"""Fit time and quality per algorithm: Data Lab against scikit-learn.

    bench/fit.sh [--rows N]      generated data (fixed seed), holdout 80/20
    bench/fit.sh --real          real tables with text and missing values, 5 folds

Generated data: Data Lab's fit time is `fit_ms` of the run's fold
(runs/<id>/evaluation.json): the model's fit alone, on preprocessed features.
scikit-learn's is `fit()` on standardised features. Both run one trial at a time.

Real tables (the sample datasets and the UCI Adult table in assets/datasets):
every catalog model of the table's task, 5-fold cross-validation plus the
final fit on every row, as a user runs it. Data Lab's time is the trial's
wall time (`wall_ms`: encoding, every fold's fit and prediction, the final
fit, writing its files); scikit-learn's is the same folds (Data Lab's own
test rows) through a pipeline that encodes as Data Lab does (numbers
mean-filled and standardised, text one-hot with missing as a level), each
fold fitted and predicted, then the final fit. Boosting gets text as pandas
categories (native categorical splits) on both sides.
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


ASSETS = Path(__file__).resolve().parent.parent / "assets" / "datasets"

# (label, file, task, target)
REAL_TABLES = [
    ("adult (income)", "adult.csv", "classification", "income"),
    ("penguins (species)", "penguins.csv", "classification", "species"),
    ("winequality-red (quality)", "winequality-red.csv", "regression", "quality"),
    ("diabetes", "diabetes.csv", "regression", "target"),
]

# (task, datalab model, datalab params, sklearn estimator, how sklearn gets the features)
REAL_MODELS = [
    # Both at scikit-learn's default tolerance (Data Lab's own default is 1e-8).
    ("classification", "logistic_regression", "{ alpha = 1.0, tolerance = 1e-4 }",
     "LogisticRegression(C=1.0, tol=1e-4, max_iter=1000)", "encoded"),
    ("classification", "decision_tree", "{ max_depth = 10 }",
     "DecisionTreeClassifier(max_depth=10, random_state=0)", "encoded"),
    ("classification", "random_forest", "{ trees = 100 }",
     "RandomForestClassifier(n_estimators=100, max_features='sqrt', n_jobs=2, random_state=0)", "encoded"),
    ("classification", "gradient_boosting",
     '{ rounds = 100, learning_rate = 0.1, max_leaves = 31, min_leaf = 20, early_stopping = "off" }',
     "HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, "
     "early_stopping=False, categorical_features='from_dtype')", "categories"),
    ("classification", "gaussian_nb", "{}", "GaussianNB()", "encoded"),
    ("regression", "linear_regression", "{}", "LinearRegression()", "encoded"),
    ("regression", "elastic_net", "{ penalty = 0.1, l1_ratio = 0.5 }",
     "ElasticNet(alpha=0.1, l1_ratio=0.5, max_iter=1000)", "encoded"),
    ("regression", "decision_tree_regressor", "{ max_depth = 10 }",
     "DecisionTreeRegressor(max_depth=10, random_state=0)", "encoded"),
    ("regression", "random_forest_regressor", "{ trees = 100 }",
     "RandomForestRegressor(n_estimators=100, max_features=1.0, n_jobs=2, random_state=0)", "encoded"),
    ("regression", "gradient_boosting_regressor",
     '{ rounds = 100, learning_rate = 0.1, max_leaves = 31, min_leaf = 20, early_stopping = "off" }',
     "HistGradientBoostingRegressor(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, "
     "early_stopping=False, categorical_features='from_dtype')", "categories"),
]


def datalab_cv(datalab: str, project: Path, dataset: str, task: str, target: str, model: str, params: str):
    """A 5-fold trial of one model: its wall time, mean score and folds' test rows."""
    spec = project / f"{dataset}-{model}.toml"
    spec.write_text(
        f'name = "{dataset}-{model}"\nseed = 1\nparallelism = 1\n[dataset]\nname = "{dataset}"\n'
        f'[task]\nkind = "{task}"\ntarget = "{target}"\n[validation]\nkind = "k_fold"\nfolds = 5\n'
        f'[[models]]\nmodel = "{model}"\nparams = {params}\n'
    )
    out = subprocess.run([datalab, "--json", "--project", str(project), "run", str(spec)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"<!-- {model} on {dataset}: {out.stderr.strip()} -->", file=sys.stderr)
        return None
    run = json.loads(out.stdout)["runs"][0]
    if run["status"] != "succeeded":
        print(f"<!-- {model} on {dataset}: {run.get('error')} -->", file=sys.stderr)
        return None
    folds = json.loads((project / "runs" / str(run["id"]) / "evaluation.json").read_text())
    metric = "accuracy" if task == "classification" else "r2"
    return run["wall_ms"] / 1e3, run["metrics"][metric]["mean"], [f["test_rows"] for f in folds]


def sklearn_cv(frame, task: str, target: str, factory: str, features: str, folds):
    """The same folds through scikit-learn, then the final fit on every row."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,  # noqa: F401
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import ElasticNet, LinearRegression, LogisticRegression  # noqa: F401
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.naive_bayes import GaussianNB  # noqa: F401
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: F401

    estimators = {
        name: globals_[name] for globals_ in [locals()] for name in (
            "HistGradientBoostingClassifier", "HistGradientBoostingRegressor", "RandomForestClassifier",
            "RandomForestRegressor", "ElasticNet", "LinearRegression", "LogisticRegression", "GaussianNB",
            "DecisionTreeClassifier", "DecisionTreeRegressor")
    }
    x = frame.drop(columns=[target])
    y = frame[target].to_numpy()
    from pandas.api.types import is_numeric_dtype

    text = [c for c in x.columns if not is_numeric_dtype(x[c].dtype)]
    numbers = [c for c in x.columns if c not in text]
    if features == "categories":
        x = x.copy()
        for c in text:
            x[c] = x[c].astype("category")
        make = lambda: eval(factory, estimators)  # noqa: E731 (this file's own constants)
    else:
        encode = ColumnTransformer([
            ("numbers", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numbers),
            ("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), text),
        ])
        make = lambda: Pipeline([("encode", encode), ("model", eval(factory, estimators))])  # noqa: E731
    score = accuracy_score if task == "classification" else r2_score
    scores = []
    started = time.perf_counter()
    for test in folds:
        test_set = set(test)
        train = [r for r in range(len(frame)) if r not in test_set]
        model = make().fit(x.iloc[train], y[train])
        scores.append(score(y[test], model.predict(x.iloc[test])))
    make().fit(x, y)
    return time.perf_counter() - started, sum(scores) / len(scores)


def real(args) -> int:
    import pandas as pd

    print("5-fold cross-validation plus the final fit, one trial at a time\n")
    print("| table | model | Data Lab s | scikit-learn s | ratio | Data Lab score | scikit-learn score |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "lab"
        subprocess.run([args.datalab, "init", str(project)], check=True, capture_output=True)
        for k, (label, file, task, target) in enumerate(REAL_TABLES):
            name = f"t{k}"
            subprocess.run([args.datalab, "--project", str(project), "dataset", "import", str(ASSETS / file),
                            "--name", name], check=True, capture_output=True)
            shown = json.loads(subprocess.run([args.datalab, "--json", "--project", str(project), "dataset", "show",
                                               name], check=True, capture_output=True, text=True).stdout)
            # The rows Data Lab's folds index: the snapshot's rows with a target.
            frame = pd.read_parquet(project / "datasets" / f"{shown['snapshot_sha256']}.parquet")
            frame = frame[frame[target].notna()].reset_index(drop=True)
            for model_task, model, params, factory, features in REAL_MODELS:
                if model_task != task or (args.only and args.only not in model):
                    continue
                ours = datalab_cv(args.datalab, project, name, task, target, model, params)
                if ours is None:
                    print(f"| {label} | {model} | failed | | | | |", flush=True)
                    continue
                seconds, quality, folds = ours
                theirs, their_quality = sklearn_cv(frame, task, target, factory, features, folds)
                metric = "acc" if task == "classification" else "R²"
                print(f"| {label} | {model} | {seconds:.3f} | {theirs:.3f} | {seconds / theirs:.2f}× | "
                      f"{metric} {quality:.4f} | {their_quality:.4f} |", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datalab", required=True)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--real", action="store_true", help="real tables, 5 folds and the final fit")
    parser.add_argument("--only", help="only the models whose name contains this")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    if args.real:
        return real(args)
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
