"""The lab's own models against the references people trust, on real data.

Each test runs an experiment through the `datalab` binary on a real dataset
(the samples, and scikit-learn's bundled digits), then refits the reference
(scikit-learn, LightGBM) on exactly the training rows of each of Data Lab's
folds, reading the data from the very snapshot Data Lab trained on, and
compares predictions (exact models) or quality (randomised ones).
"""

import json
import math
import os
import subprocess
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import (
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    precision_recall_curve,
    precision_score,
    r2_score,
    recall_score,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

DATALAB = os.environ.get("DATALAB_BIN", "datalab")


def datalab(project, *args):
    done = subprocess.run(
        [DATALAB, "--project", str(project), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"datalab {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    subprocess.run([DATALAB, "demo"], cwd=root, check=True, capture_output=True, timeout=600)
    project = root / "datalab-demo"
    digits = load_digits(as_frame=True).frame
    digits["target"] = "d" + digits["target"].astype(str)
    digits.to_csv(root / "digits.csv", index=False)
    datalab(project, "dataset", "import", str(root / "digits.csv"), "--name", "digits")
    # An imbalanced binary task from real data: 14 % of the red wines are good (quality ≥ 7).
    wine = pd.read_csv(Path(__file__).resolve().parents[2] / "assets" / "datasets" / "winequality-red.csv")
    wine["grade"] = np.where(wine.pop("quality") >= 7, "good", "other")
    wine.to_csv(root / "wine_good.csv", index=False)
    datalab(project, "dataset", "import", str(root / "wine_good.csv"), "--name", "wine_good")
    # A larger real table: census income, 8 text columns with missing values.
    adult = Path(__file__).resolve().parents[2] / "assets" / "datasets" / "adult.csv"
    datalab(project, "dataset", "import", str(adult), "--name", "adult")
    return project


class Experiment:
    def __init__(self, project, spec):
        self.project = project
        path = project.parent / f"spec-{abs(hash(spec))}.toml"
        path.write_text(spec)
        ran = json.loads(datalab(project, "--json", "run", str(path)))
        self.all_runs = ran["runs"]
        self.runs = {run["model"]: run for run in ran["runs"]}
        for run in ran["runs"]:
            assert run["status"] == "succeeded", run

    def folds(self, model):
        run = self.runs[model]
        return json.loads((self.project / "runs" / str(run["id"]) / "evaluation.json").read_text())


def table(project, dataset, target):
    """The dataset's snapshot as Data Lab reads it, without the rows whose target is missing."""
    shown = json.loads(datalab(project, "--json", "dataset", "show", dataset))
    frame = pd.read_parquet(project / "datasets" / f"{shown['snapshot_sha256']}.parquet")
    return frame[frame[target].notna()].reset_index(drop=True)


def standardized(frame, features, train):
    """Data Lab's encoding for linear models: training means fill gaps, numbers
    to unit variance, text one-hot over the training categories (sorted)."""
    parts = []
    for name in features:
        column = frame[name]
        if column.dtype == object or str(column.dtype).startswith(("string", "str")):
            categories = sorted(column.iloc[train].dropna().unique())
            for category in categories:
                parts.append((column == category).astype(float).to_numpy())
        else:
            values = column.astype(float)
            mean = values.iloc[train].mean()
            std = values.iloc[train].std(ddof=0)
            filled = values.fillna(mean).to_numpy()
            parts.append((filled - mean) / std if std > 0 else filled)
    return np.column_stack(parts)


def train_rows(fold, rows):
    test = set(fold["test_rows"])
    return [r for r in range(rows) if r not in test]


def spec(name, dataset, kind, target, models, folds=5):
    return f"""
name = "{name}"
seed = 11
[dataset]
name = "{dataset}"
[task]
kind = "{kind}"
target = "{target}"
[validation]
kind = "k_fold"
folds = {folds}
{models}
"""


def test_linear_regression_matches_scikit_learn_with_categories_beside_the_intercept(project):
    # Species, island and sex one-hot beside the intercept: a singular design.
    # linfa's QR answered in multiples of 512 here; lstsq gives the minimum-norm fit.
    experiment = Experiment(
        project,
        spec("mass", "penguins", "regression", "body_mass_g", '[[models]]\nmodel = "linear_regression"'),
    )
    frame = table(project, "penguins", "body_mass_g")
    features = [c for c in frame.columns if c != "body_mass_g"]
    y = frame["body_mass_g"].astype(float).to_numpy()
    for fold in experiment.folds("linear_regression"):
        train = train_rows(fold, len(frame))
        x = standardized(frame, features, train)
        reference = LinearRegression().fit(x[train], y[train]).predict(x[fold["test_rows"]])
        ours = np.array(fold["predictions"]["Values"])
        np.testing.assert_allclose(ours, reference, rtol=1e-7, atol=1e-6)
        # Rows whose sex is missing are predicted too, and sanely.
        assert np.all(np.abs(ours - y.mean()) < 10 * y.std())


@pytest.mark.parametrize(
    "dataset,target,alpha,class_weight",
    [("digits", "target", 1.0, "none"), ("penguins", "sex", 0.1, "none"), ("wine_good", "grade", 1.0, "balanced")],
)
def test_logistic_regression_matches_scikit_learn(project, dataset, target, alpha, class_weight):
    # Digits has pixels that are almost always 0: standardised, one row reaches
    # ~40. linfa's solver stalled there; L-BFGS must converge and agree.
    experiment = Experiment(
        project,
        spec(
            f"logistic {dataset}",
            dataset,
            "classification",
            target,
            f'[[models]]\nmodel = "logistic_regression"\nparams = {{ alpha = {alpha}, class_weight = "{class_weight}" }}',
        ),
    )
    frame = table(project, dataset, target)
    features = [c for c in frame.columns if c != target]
    labels = sorted(frame[target].unique())
    y = frame[target].map({label: i for i, label in enumerate(labels)}).to_numpy()
    for fold in experiment.folds("logistic_regression"):
        train = train_rows(fold, len(frame))
        x = standardized(frame, features, train)
        reference = LogisticRegression(
            C=1.0 / alpha,
            tol=1e-10,
            max_iter=20_000,
            class_weight=None if class_weight == "none" else "balanced",
        )
        reference.fit(x[train], y[train])
        expected = reference.predict_proba(x[fold["test_rows"]])
        ours = np.array(fold["predictions"]["Classes"]["probabilities"])
        assert ours.shape == expected.shape
        np.testing.assert_allclose(ours, expected, atol=2e-4)


def test_a_regression_tree_matches_scikit_learn(project):
    experiment = Experiment(
        project,
        spec(
            "tree",
            "diabetes",
            "regression",
            "target",
            '[[models]]\nmodel = "decision_tree_regressor"\nparams = { max_depth = 4 }',
        ),
    )
    frame = table(project, "diabetes", "target")
    x = frame.drop(columns="target").astype(float).to_numpy()
    y = frame["target"].astype(float).to_numpy()
    for fold in experiment.folds("decision_tree_regressor"):
        train = train_rows(fold, len(frame))
        reference = DecisionTreeRegressor(max_depth=4, random_state=0).fit(x[train], y[train])
        expected = reference.predict(x[fold["test_rows"]])
        ours = np.array(fold["predictions"]["Values"])
        # Ties between equally good splits may break differently; they are rare.
        assert np.mean(np.isclose(ours, expected, rtol=1e-9)) > 0.95


def test_a_balanced_tree_matches_scikit_learn(project):
    experiment = Experiment(
        project,
        spec(
            "balanced tree",
            "wine_good",
            "classification",
            "grade",
            '[[models]]\nmodel = "decision_tree"\nparams = { max_depth = 3, class_weight = "balanced" }',
        ),
    )
    frame = table(project, "wine_good", "grade")
    x = frame.drop(columns="grade").astype(float).to_numpy()
    labels = sorted(frame["grade"].unique())
    y = frame["grade"].map({label: i for i, label in enumerate(labels)}).to_numpy()
    for fold in experiment.folds("decision_tree"):
        train = train_rows(fold, len(frame))
        reference = DecisionTreeClassifier(max_depth=3, class_weight="balanced", random_state=0)
        reference.fit(x[train], y[train])
        expected = reference.predict_proba(x[fold["test_rows"]])
        ours = np.array(fold["predictions"]["Classes"]["probabilities"])
        same = np.all(np.isclose(ours, expected, atol=1e-9), axis=1)
        assert same.mean() > 0.95, same.mean()


def test_balanced_boosting_finds_the_rare_class_as_lightgbm_does(project):
    experiment = Experiment(
        project,
        spec(
            "balanced boosting",
            "wine_good",
            "classification",
            "grade",
            '[[models]]\nmodel = "gradient_boosting"\nparams = { class_weight = ["none", "balanced"] }',
        ),
    )
    frame = table(project, "wine_good", "grade")
    features = [c for c in frame.columns if c != "grade"]
    x = lightgbm_frame(frame, features)
    y = frame["grade"].to_numpy()
    recall = {}
    for run in experiment.all_runs:
        folds = json.loads((project / "runs" / str(run["id"]) / "evaluation.json").read_text())
        ours = [balanced_accuracy_score(y[f["test_rows"]], np.array(["good", "other"])[f["predictions"]["Classes"]["predicted"]]) for f in folds]
        recall[run["params"]["class_weight"]] = np.mean(ours)
    theirs = []
    for fold in experiment.folds("gradient_boosting"):
        train, test = train_rows(fold, len(frame)), fold["test_rows"]
        reference = lightgbm.LGBMClassifier(**LIGHTGBM, class_weight="balanced").fit(x.iloc[train], y[train])
        theirs.append(balanced_accuracy_score(y[test], reference.predict(x.iloc[test])))
    # Weighing the rare class up finds more of it, and as well as LightGBM does.
    assert recall["balanced"] > recall["none"], recall
    assert recall["balanced"] >= np.mean(theirs) - 0.03, (recall, theirs)


def test_random_forests_are_as_good_as_scikit_learns(project):
    regression = Experiment(
        project,
        spec("forest wine", "winequality-red", "regression", "quality", '[[models]]\nmodel = "random_forest_regressor"'),
    )
    frame = table(project, "winequality-red", "quality")
    x = frame.drop(columns="quality").astype(float).to_numpy()
    y = frame["quality"].astype(float).to_numpy()
    ours, theirs = [], []
    for fold in regression.folds("random_forest_regressor"):
        train = train_rows(fold, len(frame))
        reference = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=2)
        reference.fit(x[train], y[train])
        theirs.append(r2_score(y[fold["test_rows"]], reference.predict(x[fold["test_rows"]])))
        ours.append(fold["metrics"]["r2"])
    assert np.mean(ours) >= np.mean(theirs) - 0.03, (ours, theirs)

    # Digits: 64 features, where sampling √p features at every split matters.
    classification = Experiment(
        project,
        spec("forest digits", "digits", "classification", "target", '[[models]]\nmodel = "random_forest"'),
    )
    frame = table(project, "digits", "target")
    x = frame.drop(columns="target").astype(float).to_numpy()
    y = frame["target"].to_numpy()
    ours, theirs = [], []
    for fold in classification.folds("random_forest"):
        train = train_rows(fold, len(frame))
        reference = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2)
        reference.fit(x[train], y[train])
        theirs.append(accuracy_score(y[fold["test_rows"]], reference.predict(x[fold["test_rows"]])))
        ours.append(fold["metrics"]["accuracy"])
    assert np.mean(ours) >= np.mean(theirs) - 0.01, (ours, theirs)


def lightgbm_frame(frame, features):
    out = frame[features].copy()
    for name in features:
        if out[name].dtype == object or str(out[name].dtype).startswith(("string", "str")):
            out[name] = out[name].astype("category")
        else:
            out[name] = out[name].astype(float)
    return out


LIGHTGBM = dict(
    n_estimators=100,
    learning_rate=0.1,
    num_leaves=31,
    min_child_samples=20,
    reg_lambda=0.0,
    max_bin=255,
    subsample=1.0,
    colsample_bytree=1.0,
    n_jobs=2,
    deterministic=True,
    verbose=-1,
    random_state=0,
)


@pytest.mark.parametrize(
    "dataset,target,margin",
    [("winequality-red", "quality", 0.03), ("penguins", "body_mass_g", 0.03), ("diabetes", "target", 0.05)],
)
def test_boosting_regression_is_as_good_as_lightgbm(project, dataset, target, margin):
    experiment = Experiment(
        project,
        spec(f"boost {dataset}", dataset, "regression", target, '[[models]]\nmodel = "gradient_boosting_regressor"'),
    )
    frame = table(project, dataset, target)
    features = [c for c in frame.columns if c != target]
    x = lightgbm_frame(frame, features)
    y = frame[target].astype(float).to_numpy()
    ours, theirs, hist = [], [], []
    for fold in experiment.folds("gradient_boosting_regressor"):
        train, test = train_rows(fold, len(frame)), fold["test_rows"]
        reference = lightgbm.LGBMRegressor(**LIGHTGBM).fit(x.iloc[train], y[train])
        theirs.append(r2_score(y[test], reference.predict(x.iloc[test])))
        numeric = x.select_dtypes("number")
        sk = HistGradientBoostingRegressor(max_iter=100, early_stopping=False, random_state=0)
        sk.fit(numeric.iloc[train], y[train])
        hist.append(r2_score(y[test], sk.predict(numeric.iloc[test])))
        ours.append(fold["metrics"]["r2"])
        assert math.isfinite(fold["metrics"]["r2"])
    assert np.mean(ours) >= np.mean(theirs) - margin, (ours, theirs, hist)


@pytest.mark.parametrize(
    "dataset,target",
    [("penguins", "species"), ("digits", "target"), ("penguins", "sex")],
)
def test_boosting_classification_is_as_good_as_lightgbm(project, dataset, target):
    experiment = Experiment(
        project,
        spec(f"boost {dataset} {target}", dataset, "classification", target, '[[models]]\nmodel = "gradient_boosting"'),
    )
    frame = table(project, dataset, target)
    features = [c for c in frame.columns if c != target]
    x = lightgbm_frame(frame, features)
    y = frame[target].to_numpy()
    ours, theirs = [], []
    for fold in experiment.folds("gradient_boosting"):
        train, test = train_rows(fold, len(frame)), fold["test_rows"]
        reference = lightgbm.LGBMClassifier(**LIGHTGBM).fit(x.iloc[train], y[train])
        theirs.append(accuracy_score(y[test], reference.predict(x.iloc[test])))
        ours.append(fold["metrics"]["accuracy"])
        probabilities = np.array(fold["predictions"]["Classes"]["probabilities"])
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert np.mean(ours) >= np.mean(theirs) - 0.02, (ours, theirs)


def pooled(folds, positive, y):
    """Each fold's positive-class probabilities and truths."""
    return [
        (np.array(fold["predictions"]["Classes"]["probabilities"])[:, positive], y[fold["test_rows"]] == positive)
        for fold in folds
    ]


def best_by_scikit_learn(truth, scores, metric, precision=None):
    """The best F1, or the best recall at `precision`, over every threshold
    of scikit-learn's precision-recall curve."""
    p, r, _ = precision_recall_curve(truth, scores)
    if metric == "f1":
        return np.max(np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-300), 0.0))
    return np.max(r[p >= precision - 1e-12])


def achieved(truth, scores, threshold, metric):
    decided = scores >= threshold
    if metric == "f1":
        return f1_score(truth, decided)
    return recall_score(truth, decided)


@pytest.mark.parametrize(
    "model,metric,precision",
    [("logistic_regression", "f1", None), ("decision_tree", "recall_at_precision", 0.6)],
)
def test_a_decision_threshold_is_chosen_out_of_fold_as_well_as_scikit_learn_can(project, model, metric, precision):
    # 14 % of the wines are good: the most probable class misses most of them.
    rule = f'[task.threshold]\nmetric = "{metric}"\npositive = "good"\n'
    if precision is not None:
        rule += f"precision = {precision}\n"
    params = "{ max_depth = 5 }" if model == "decision_tree" else "{ alpha = 1.0 }"
    experiment = Experiment(
        project,
        spec(f"threshold {model}", "wine_good", "classification", "grade", rule + f'[[models]]\nmodel = "{model}"\nparams = {params}'),
    )
    frame = table(project, "wine_good", "grade")
    labels = sorted(frame["grade"].unique())
    positive = labels.index("good")
    y = frame["grade"].map({label: i for i, label in enumerate(labels)}).to_numpy()
    folds = experiment.folds(model)
    scored = pooled(folds, positive, y)
    for k, fold in enumerate(folds):
        threshold = fold["metrics"]["positive"]["threshold"]
        # Chosen from the other folds only, and as good there as any threshold.
        scores = np.concatenate([s for j, (s, _) in enumerate(scored) if j != k])
        truth = np.concatenate([t for j, (_, t) in enumerate(scored) if j != k])
        assert achieved(truth, scores, threshold, metric) == pytest.approx(
            best_by_scikit_learn(truth, scores, metric, precision), abs=1e-12
        )
        if precision is not None:
            assert precision_score(truth, scores >= threshold) >= precision - 1e-12
        # The fold is decided and scored at that threshold.
        own_scores, own_truth = scored[k]
        decided = np.where(own_scores >= threshold, positive, 1 - positive)
        assert fold["predictions"]["Classes"]["predicted"] == decided.tolist()
        assert fold["metrics"]["positive"]["f1"] == pytest.approx(f1_score(own_truth, own_scores >= threshold), abs=1e-12)
        assert fold["metrics"]["positive"]["recall"] == pytest.approx(recall_score(own_truth, own_scores >= threshold), abs=1e-12)
        assert fold["metrics"]["accuracy"] == pytest.approx(accuracy_score(y[fold["test_rows"]], decided), abs=1e-12)
    # The model the run keeps decides at the threshold all folds choose.
    run = experiment.runs[model]
    kept = json.loads((project / "runs" / str(run["id"]) / "model.json").read_text())
    assert kept["decision"]["positive"] == positive
    scores = np.concatenate([s for s, _ in scored])
    truth = np.concatenate([t for _, t in scored])
    assert achieved(truth, scores, kept["decision"]["threshold"], metric) == pytest.approx(
        best_by_scikit_learn(truth, scores, metric, precision), abs=1e-12
    )
    if metric == "f1":
        # Better F1 for the rare class than deciding by the most probable class.
        argmax = np.array([0.5 <= s for s in scores])
        assert f1_score(truth, scores >= kept["decision"]["threshold"]) > f1_score(truth, argmax)


def test_on_the_census_table_every_tree_model_and_logistic_regression_hold_their_own(project):
    """The Adult table (32,561 rows; text columns one-hot or native; missing
    values): logistic regression to scikit-learn's probabilities, the forest
    within 0.01 of scikit-learn's accuracy, boosting within 0.01 of LightGBM's."""
    models = (
        '[[models]]\nmodel = "logistic_regression"\nparams = { alpha = 1.0 }\n'
        '[[models]]\nmodel = "random_forest"\nparams = { trees = 100 }\n'
        '[[models]]\nmodel = "gradient_boosting"\nparams = { early_stopping = "off" }\n'
    )
    experiment = Experiment(project, spec("census", "adult", "classification", "income", models, folds=3))
    frame = table(project, "adult", "income")
    features = [c for c in frame.columns if c != "income"]
    labels = sorted(frame["income"].unique())
    y = frame["income"].map({label: i for i, label in enumerate(labels)}).to_numpy()
    native = lightgbm_frame(frame, features)
    forest, their_forest, boost, their_boost = [], [], [], []
    for k, fold in enumerate(experiment.folds("logistic_regression")):
        train, test = train_rows(fold, len(frame)), fold["test_rows"]
        x = standardized(frame, features, train)
        reference = LogisticRegression(C=1.0, tol=1e-8, max_iter=20_000).fit(x[train], y[train])
        ours = np.array(fold["predictions"]["Classes"]["probabilities"])
        np.testing.assert_allclose(ours, reference.predict_proba(x[test]), atol=2e-4)

        forest_fold = experiment.folds("random_forest")[k]
        assert forest_fold["test_rows"] == test
        reference = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2).fit(x[train], y[train])
        their_forest.append(accuracy_score(y[test], reference.predict(x[test])))
        forest.append(forest_fold["metrics"]["accuracy"])

        boost_fold = experiment.folds("gradient_boosting")[k]
        reference = lightgbm.LGBMClassifier(**LIGHTGBM).fit(native.iloc[train], y[train])
        their_boost.append(accuracy_score(y[test], reference.predict(native.iloc[test])))
        boost.append(boost_fold["metrics"]["accuracy"])
    assert np.mean(forest) >= np.mean(their_forest) - 0.01, (forest, their_forest)
    assert np.mean(boost) >= np.mean(their_boost) - 0.01, (boost, their_boost)

