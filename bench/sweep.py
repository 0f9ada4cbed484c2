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

    bench/sweep.sh --model tpe [--budget 40] [--seeds 3]

A TPE search with ASHA early stopping over gradient-boosted trees on the UCI
Adult table (32,561 rows, 8 text columns, missing values), 5 stratified folds
as ASHA's resource: Data Lab's `search = { kind = "tpe" }` with
`early_stop = { kind = "asha", reduction = 3 }` against Optuna's TPESampler with
its SuccessiveHalvingPruner (reduction 3, the folds as steps) over LightGBM, on
the same space and budget, one trial at a time. Reported per seed: the best
mean accuracy, trials pruned, and the wall time of the whole search (Data Lab's
`datalab run`, which also trains each finished trial's final model; Optuna's
`study.optimize`).
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
ADULT = REPO / "assets" / "datasets" / "adult.csv"
# The search space of both tools (Data Lab's names; LightGBM's in optuna_search).
SPACE = {
    "rounds": (50, 400, True),
    "learning_rate": (0.01, 0.3, True),
    "max_leaves": (8, 128, True),
    "min_leaf": (5, 200, True),
}


def datalab_tpe(datalab: str, budget: int, seed: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "lab"
        subprocess.run([datalab, "init", str(project)], check=True, capture_output=True)
        subprocess.run([datalab, "--project", str(project), "dataset", "import", str(ADULT), "--name", "adult"],
                       check=True, capture_output=True)
        space = ", ".join(
            f"{name} = {{ min = {low}, max = {high}{', log = true' if log else ''} }}"
            for name, (low, high, log) in SPACE.items()
        )
        spec = Path(tmp) / "tpe.toml"
        spec.write_text(
            f'name = "tpe"\nseed = {seed}\nparallelism = 1\n[dataset]\nname = "adult"\n[task]\n'
            'kind = "classification"\ntarget = "income"\n[validation]\nkind = "k_fold"\nfolds = 5\n'
            f'[search]\nkind = "tpe"\nbudget = {budget}\nstartup = 10\n'
            '[early_stop]\nkind = "asha"\nreduction = 3\n'
            f'[[models]]\nmodel = "gradient_boosting"\nparams = {{ {space}, early_stopping = "off" }}\n'
        )
        started = time.perf_counter()
        out = subprocess.run([datalab, "--json", "--project", str(project), "run", str(spec)],
                             capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if out.returncode not in (0, 10):
            raise RuntimeError(out.stderr)
        runs = json.loads(out.stdout)["runs"]
        finished = [r for r in runs if r["status"] == "succeeded"]
        best = max(r["metrics"]["accuracy"]["mean"] for r in finished)
        return seconds, best, sum(r["status"] == "pruned" for r in runs)


def optuna_tpe(budget: int, seed: int) -> tuple[float, float, int]:
    import lightgbm
    import numpy as np
    import optuna
    import pandas as pd
    from sklearn.model_selection import StratifiedKFold

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    frame = pd.read_csv(ADULT)
    y = (frame.pop("income") == ">50K").to_numpy().astype(int)
    for name in frame.columns:
        if frame[name].dtype == object or str(frame[name].dtype).startswith(("str", "string")):
            frame[name] = frame[name].astype("category")
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(frame, y))

    def objective(trial):
        params = dict(
            n_estimators=trial.suggest_int("rounds", 50, 400, log=True),
            learning_rate=trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            num_leaves=trial.suggest_int("max_leaves", 8, 128, log=True),
            min_child_samples=trial.suggest_int("min_leaf", 5, 200, log=True),
            n_jobs=2, verbose=-1,
        )
        scores = []
        for step, (train, test) in enumerate(folds):
            model = lightgbm.LGBMClassifier(**params).fit(frame.iloc[train], y[train])
            scores.append(float((model.predict(frame.iloc[test]) == y[test]).mean()))
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return float(np.mean(scores))

    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=10),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    )
    started = time.perf_counter()
    study.optimize(objective, n_trials=budget)
    seconds = time.perf_counter() - started
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    return seconds, study.best_value, pruned


def tpe(args) -> int:
    print(f"TPE + ASHA over gradient boosting, Adult income, 5 folds, budget {args.budget}\n")
    print("| seed | Data Lab best acc | Data Lab pruned | Data Lab s | Optuna+LightGBM best acc | Optuna pruned | Optuna s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for seed in range(1, args.seeds + 1):
        ours = datalab_tpe(args.datalab, args.budget, seed)
        theirs = optuna_tpe(args.budget, seed)
        print(f"| {seed} | {ours[1]:.4f} | {ours[2]} | {ours[0]:.1f} | {theirs[1]:.4f} | {theirs[2]} | {theirs[0]:.1f} |",
              flush=True)
    return 0
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
    parser.add_argument("--model", choices=["forest", "tree", "tpe"], default="forest")
    parser.add_argument("--budget", type=int, default=40, help="trials of the TPE search")
    parser.add_argument("--seeds", type=int, default=3, help="TPE searches, one per seed")
    args = parser.parse_args()
    if args.model == "tpe":
        return tpe(args)
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
