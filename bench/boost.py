#!/usr/bin/env python3
"""Gradient-boosted trees: Data Lab's against LightGBM, XGBoost and
scikit-learn's HistGradientBoosting, at the same settings (100 rounds,
learning rate 0.1, 31 leaves, at least 20 rows a leaf, 255 bins, no L2, no
subsampling, no early stopping, 2 threads), on the same 80/20 holdout rows.

    bench/boost.sh [--rows 50000,500000] [--datasets ...]

Data Lab's time is the fold's `fit_ms` (the fit alone, on encoded features;
binning included); the others' is `fit()` alone, on the same rows, with
text columns as pandas categories (native categorical splits).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = dict(rounds=100, learning_rate=0.1, leaves=31, min_leaf=20, bins=255, threads=2)


def generated(out: Path, rows: int, task: str) -> Path:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    x = rng.normal(size=(rows, 20))
    signal = np.sin(x[:, 0] * 2) + x[:, 1] * x[:, 2] + np.abs(x[:, 3]) + 0.5 * x[:, 4:10].sum(axis=1)
    frame = pd.DataFrame(x, columns=[f"x{i:02d}" for i in range(20)])
    if task == "classification":
        frame["target"] = np.where(signal + rng.normal(scale=1.0, size=rows) > 0.8, "yes", "no")
    else:
        frame["target"] = signal + rng.normal(scale=0.5, size=rows)
    path = out / f"boost_{task}_{rows}.csv"
    frame.to_csv(path, index=False)
    return path


def forest_row(datalab, project, name, path):
    """Data Lab's random forest against scikit-learn's (one-hot text, mean-filled
    numbers), 100 trees, √p features per split, 2 threads, one 80/20 holdout fit,
    on the UCI Adult table (32,561 rows, 6 numbers, 8 text columns with missing values)."""
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score

    spec = project / "forest.toml"
    spec.write_text(
        f'name = "forest"\nseed = 1\nparallelism = 1\n[dataset]\nname = "{name}"\n[task]\n'
        'kind = "classification"\ntarget = "income"\n[validation]\nkind = "holdout"\ntest_fraction = 0.2\n'
        '[[models]]\nmodel = "random_forest"\nparams = { trees = 100 }\n'
    )
    out = subprocess.run([datalab, "--json", "--project", str(project), "run", str(spec)],
                         check=True, capture_output=True, text=True)
    run = json.loads(out.stdout)["runs"][0]
    fold = json.loads((project / "runs" / str(run["id"]) / "evaluation.json").read_text())[0]
    frame = pd.read_csv(path)
    y = frame.pop("income").to_numpy()
    x = pd.get_dummies(frame.fillna(frame.mean(numeric_only=True))).to_numpy(dtype=float)
    test = fold["test_rows"]
    train = sorted(set(range(len(frame))) - set(test))
    model = RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0)
    started = time.perf_counter()
    model.fit(x[train], y[train])
    seconds = time.perf_counter() - started
    theirs = accuracy_score(y[test], model.predict(x[test]))
    print("\n| random forest, Adult: 32,561 rows × 6 numbers + 8 text columns | Data Lab | scikit-learn |")
    print("|---|---:|---:|")
    print(f"| fit s (100 trees, 2 threads) | {fold['fit_ms'] / 1e3:.2f} | {seconds:.2f} |")
    print(f"| accuracy | {fold['metrics']['accuracy']:.4f} | {theirs:.4f} |", flush=True)


def datalab_fit(datalab, project, dataset, task, target):
    model = "gradient_boosting" if task == "classification" else "gradient_boosting_regressor"
    s = SETTINGS
    spec = project / f"{dataset}-{target}.toml"
    spec.write_text(
        f'name = "{dataset}"\nseed = 1\nparallelism = 1\n[dataset]\nname = "{dataset}"\n'
        f'[task]\nkind = "{task}"\ntarget = "{target}"\n'
        f'[validation]\nkind = "holdout"\ntest_fraction = 0.2\n'
        f'[[models]]\nmodel = "{model}"\n'
        f'params = {{ rounds = {s["rounds"]}, learning_rate = {s["learning_rate"]}, max_leaves = {s["leaves"]}, '
        f'min_leaf = {s["min_leaf"]}, max_bins = {s["bins"]}, early_stopping = "off" }}\n'
    )
    out = subprocess.run([datalab, "--json", "--project", str(project), "run", str(spec)],
                         check=True, capture_output=True, text=True)
    run = json.loads(out.stdout)["runs"][0]
    fold = json.loads((project / "runs" / str(run["id"]) / "evaluation.json").read_text())[0]
    quality = fold["metrics"]["accuracy" if task == "classification" else "r2"]
    return fold["fit_ms"] / 1e3, quality, fold["test_rows"]


def references(frame, target, task, test_rows):
    import lightgbm
    import numpy as np
    import xgboost
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score

    s = SETTINGS
    test = set(test_rows)
    train = [r for r in range(len(frame)) if r not in test]
    x = frame.drop(columns=[target]).copy()
    for name in x.columns:
        if x[name].dtype == object or str(x[name].dtype).startswith(("str", "string")):
            x[name] = x[name].astype("category")
    y = frame[target]
    if task == "classification":
        labels = sorted(y.dropna().unique())
        y = y.map({label: i for i, label in enumerate(labels)})
    y = y.to_numpy()
    score = accuracy_score if task == "classification" else r2_score
    classification = task == "classification"
    models = {
        "LightGBM": (lightgbm.LGBMClassifier if classification else lightgbm.LGBMRegressor)(
            n_estimators=s["rounds"], learning_rate=s["learning_rate"], num_leaves=s["leaves"],
            min_child_samples=s["min_leaf"], max_bin=s["bins"], n_jobs=s["threads"], verbose=-1),
        "XGBoost": (xgboost.XGBClassifier if classification else xgboost.XGBRegressor)(
            n_estimators=s["rounds"], learning_rate=s["learning_rate"], max_leaves=s["leaves"], max_depth=0,
            grow_policy="lossguide", tree_method="hist", max_bin=s["bins"], min_child_weight=1e-3,
            reg_lambda=0.0, n_jobs=s["threads"], enable_categorical=True),
        "HistGradientBoosting": (HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor)(
            max_iter=s["rounds"], learning_rate=s["learning_rate"], max_leaf_nodes=s["leaves"],
            min_samples_leaf=s["min_leaf"], max_bins=s["bins"], early_stopping=False,
            categorical_features="from_dtype"),
    }
    results = {}
    xt, yt = x.iloc[train], y[train]
    for name, model in models.items():
        started = time.perf_counter()
        model.fit(xt, yt)
        seconds = time.perf_counter() - started
        predicted = model.predict(x.iloc[test_rows])
        results[name] = (seconds, score(y[test_rows], predicted))
    return results


def main() -> int:
    import pandas as pd

    parser = argparse.ArgumentParser()
    parser.add_argument("--datalab", required=True)
    parser.add_argument("--rows", default="50000,500000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tables = []
    for rows in [int(r) for r in args.rows.split(",") if r]:
        for task in ("classification", "regression"):
            tables.append((f"generated {rows // 1000}k×20 {task}", generated(args.out, rows, task), task, "target"))
    samples = ROOT / "assets" / "datasets"
    tables += [
        ("penguins (species; text, missing)", samples / "penguins.csv", "classification", "species"),
        ("penguins (body mass)", samples / "penguins.csv", "regression", "body_mass_g"),
        ("winequality-red", samples / "winequality-red.csv", "regression", "quality"),
        ("diabetes", samples / "diabetes.csv", "regression", "target"),
        ("adult (income; 8 text columns, missing)", samples / "adult.csv", "classification", "income"),
    ]
    print("| table | Data Lab s | LightGBM s | XGBoost s | HistGB s | Data Lab | LightGBM | XGBoost | HistGB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "lab"
        subprocess.run([args.datalab, "init", str(project)], check=True, capture_output=True)
        imported: dict[Path, str] = {}
        for k, (label, path, task, target) in enumerate(tables):
            # A file is imported once (again, it would be "already imported" under its first name).
            if path not in imported:
                imported[path] = f"t{k}"
                subprocess.run([args.datalab, "--project", str(project), "dataset", "import", str(path),
                                "--name", imported[path]], check=True, capture_output=True)
            name = imported[path]
            ours, quality, test_rows = datalab_fit(args.datalab, project, name, task, target)
            shown = json.loads(subprocess.run([args.datalab, "--json", "--project", str(project), "dataset", "show", name],
                                              check=True, capture_output=True, text=True).stdout)
            frame = pd.read_parquet(project / "datasets" / f"{shown['snapshot_sha256']}.parquet")
            frame = frame[frame[target].notna()].reset_index(drop=True)
            theirs = references(frame, target, task, test_rows)
            metric = "acc" if task == "classification" else "R²"
            times = " | ".join(f"{theirs[n][0]:.2f}" for n in ("LightGBM", "XGBoost", "HistGradientBoosting"))
            scores = " | ".join(f"{theirs[n][1]:.4f}" for n in ("LightGBM", "XGBoost", "HistGradientBoosting"))
            print(f"| {label} ({metric}) | {ours:.2f} | {times} | {quality:.4f} | {scores} |", flush=True)
        adult = samples / "adult.csv"
        forest_row(args.datalab, project, imported[adult], adult)
    return 0


if __name__ == "__main__":
    sys.exit(main())
