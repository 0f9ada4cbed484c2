"""The stock `mlflow` client (3.x) against Data Lab's tracking server: what a
notebook does, unchanged, and what lands in the project."""

import hashlib
import json
import math
import os
import time

import mlflow
import numpy as np
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.exceptions import MlflowException


@pytest.fixture(autouse=True)
def no_active_run():
    yield
    while mlflow.active_run():
        mlflow.end_run()


def test_a_notebook_logs_a_run_with_everything(lab, tmp_path):
    experiment = mlflow.set_experiment("churn")
    with mlflow.start_run(run_name="baseline") as run:
        mlflow.log_param("model", "xgb")
        mlflow.log_params({"lr": 0.1, "depth": 6})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, timestamp=1_700_000_000_000 + step)
        mlflow.log_metrics({"acc": 0.91, "auc": 0.95})
        mlflow.set_tag("team", "growth")
        mlflow.set_tags({"stage": "dev", "owner": "ana"})
        mlflow.log_dict({"features": ["a", "b"]}, "config/features.json")
        mlflow.log_text("hello from the notebook", "notes/readme.txt")
        local = tmp_path / "report.csv"
        local.write_text("a,b\n1,2\n")
        mlflow.log_artifact(str(local), artifact_path="reports")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots()
        axes.plot([1, 2, 3], [3, 1, 2])
        mlflow.log_figure(figure, "plots/curve.png")
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metric("loss", 0.5)
    client = MlflowClient()
    got = client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.info.run_name == "baseline"
    assert got.info.experiment_id == experiment.experiment_id
    assert got.data.params == {"model": "xgb", "lr": "0.1", "depth": "6"}
    assert got.data.metrics["loss"] == pytest.approx(0.2)
    assert got.data.metrics["acc"] == pytest.approx(0.91)
    assert got.data.tags["team"] == "growth" and got.data.tags["owner"] == "ana"
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.value, m.timestamp) for m in history] == [
        (s, 1.0 / (s + 1), 1_700_000_000_000 + s) for s in range(5)
    ]
    assert client.get_metric_history(run.info.run_id, "no-such-metric") == []
    child_run = client.get_run(child.info.run_id)
    assert child_run.data.tags["mlflow.parentRunId"] == run.info.run_id
    paths = sorted(a.path for a in client.list_artifacts(run.info.run_id))
    assert paths == ["config", "notes", "plots", "reports"]
    assert [a.path for a in client.list_artifacts(run.info.run_id, "plots")] == ["plots/curve.png"]
    out = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="config/features.json", dst_path=str(tmp_path / "down"))
    assert json.load(open(out)) == {"features": ["a", "b"]}
    text = mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/notes/readme.txt")
    assert text == "hello from the notebook"
    png = open(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="plots/curve.png", dst_path=str(tmp_path / "png")), "rb").read()
    assert png.startswith(b"\x89PNG")
    # The runs are Data Lab runs: in the project's runs table, with their params.
    runs = {r["id"]: r for r in lab.datalab("runs", "list")}
    assert len(runs) == 2
    mine = [r for r in runs.values() if r["params"].get("model") == "xgb"]
    assert len(mine) == 1 and mine[0]["status"] == "succeeded"
    assert (lab.root / "runs" / str(mine[0]["id"]) / "artifacts" / "plots" / "curve.png").is_file()


def test_nan_and_infinities_round_trip(lab):
    mlflow.set_experiment("odd-values")
    with mlflow.start_run() as run:
        mlflow.log_metric("nan", float("nan"))
        mlflow.log_metric("inf", float("inf"))
        mlflow.log_metric("neg", float("-inf"))
    metrics = MlflowClient().get_run(run.info.run_id).data.metrics
    assert math.isnan(metrics["nan"])
    assert metrics["inf"] == float("inf")
    assert metrics["neg"] == float("-inf")
    history = MlflowClient().get_metric_history(run.info.run_id, "nan")
    assert len(history) == 1 and math.isnan(history[0].value)


def test_a_long_metric_history_reads_back_exactly(lab):
    mlflow.set_experiment("long")
    client = MlflowClient()
    with mlflow.start_run() as run:
        rng = np.random.default_rng(7)
        values = rng.normal(size=50_000).tolist()
        points = [Metric("loss", v, 1_700_000_000_000 + i, i) for i, v in enumerate(values)]
        for start in range(0, len(points), 1000):
            client.log_batch(run.info.run_id, metrics=points[start : start + 1000])
    history = client.get_metric_history(run.info.run_id, "loss")
    assert len(history) == 50_000
    assert [m.value for m in history] == values
    assert [m.step for m in history] == list(range(50_000))


def test_search_filters_orders_and_pages(lab):
    experiment = mlflow.set_experiment("sweep")
    ids = {}
    for i in range(10):
        with mlflow.start_run(run_name=f"r{i}") as run:
            mlflow.log_param("model", "xgb" if i % 2 == 0 else "rf")
            mlflow.log_metric("rmse", i / 10)
            mlflow.log_metric("acc", 1 - i / 10)
            mlflow.set_tag("note", f"try {i} of the day")
            ids[run.info.run_id] = i
        if i == 9:
            mlflow.MlflowClient().set_terminated(run.info.run_id, "FAILED")
    client = MlflowClient()
    found = client.search_runs(
        [experiment.experiment_id], "metrics.rmse < 0.55 and params.model = 'xgb'", order_by=["metrics.acc DESC"]
    )
    assert [ids[r.info.run_id] for r in found] == [0, 2, 4]
    liked = client.search_runs([experiment.experiment_id], "tags.note LIKE '%of the%' and metrics.rmse >= 0.8")
    assert sorted(ids[r.info.run_id] for r in liked) == [8, 9]
    failed = client.search_runs([experiment.experiment_id], "attributes.status = 'FAILED'")
    assert [ids[r.info.run_id] for r in failed] == [9]
    by_name = client.search_runs([experiment.experiment_id], "attributes.run_name = 'r3'")
    assert [ids[r.info.run_id] for r in by_name] == [3]
    frame = mlflow.search_runs(experiment_names=["sweep"], order_by=["metrics.rmse ASC"])
    assert list(frame["metrics.rmse"]) == [i / 10 for i in range(10)]
    pages, token = [], None
    while True:
        page = client.search_runs([experiment.experiment_id], max_results=3, page_token=token, order_by=["metrics.rmse"])
        pages.append([ids[r.info.run_id] for r in page])
        token = page.token
        if not token:
            break
    assert pages == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    with pytest.raises(MlflowException) as bad:
        client.search_runs([experiment.experiment_id], "metrics.rmse <")
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "character" in bad.value.message
    # Experiments: Default always exists, and the new one is found by name.
    names = [e.name for e in client.search_experiments()]
    assert "Default" in names and "sweep" in names


def test_autolog_a_scikit_learn_fit_then_register_and_load_by_alias(lab):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_experiment("iris")
    X, y = load_iris(return_X_y=True, as_frame=True)
    mlflow.sklearn.autolog()
    try:
        with mlflow.start_run() as run:
            model = LogisticRegression(max_iter=500).fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)
    client = MlflowClient()
    auto = client.get_run(run.info.run_id)
    assert auto.info.status == "FINISHED"
    assert auto.data.metrics["training_accuracy_score"] == pytest.approx(model.score(X, y))
    assert auto.data.params["max_iter"] == "500"
    assert auto.inputs.dataset_inputs, "autolog records the training dataset"
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="model", input_example=X.iloc[:2])
    version = mlflow.register_model(info.model_uri, "iris-clf")
    assert version.version == "1" and version.status == "READY"
    client.set_registered_model_alias("iris-clf", "champion", version.version)
    assert client.get_model_version_by_alias("iris-clf", "champion").version == "1"
    loaded = mlflow.pyfunc.load_model("models:/iris-clf@champion")
    assert (loaded.predict(X.iloc[:20]) == model.predict(X.iloc[:20])).all()
    # Registering from the run's URI finds the logged model too.
    again = mlflow.register_model(f"runs:/{run.info.run_id}/model", "iris-clf")
    assert again.version == "2"
    # Data Lab lists the versions, and says it cannot serve them itself.
    versions = [v for v in lab.datalab("model", "list") if v["name"] == "iris-clf"]
    assert [v["version"] for v in versions] == [1, 2]
    assert all(v["format"] == "mlflow" for v in versions)


def run_id_of(lab, uuid):
    """The Data Lab run id of an MLflow run."""
    return next(r["id"] for r in lab.datalab("runs", "list") if r["uuid"] == uuid)


def test_an_outside_run_is_registered_published_and_fetched_as_an_mlflow_package(lab, tmp_path):
    import subprocess

    from conftest import BIN
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_experiment("own-code")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(C=0.5, max_iter=500).fit(X, y)
    with mlflow.start_run(run_name="logistic") as run:
        mlflow.log_param("C", 0.5)
        mlflow.log_metric("train_acc", model.score(X, y))
        mlflow.set_tag("team", "growth")
        mlflow.log_text("trained on iris", "notes/readme.txt")
        mlflow.sklearn.log_model(model, name="model", input_example=X.iloc[:2])
    run_id = run_id_of(lab, run.info.run_id)
    detail = lab.datalab("model", "register", str(run_id), "--name", "iris-own", "--alias", "champion")
    info, manifest = detail["info"], detail["info"]["manifest"]
    assert info["format"] == "mlflow" and info["run"] == run_id
    assert "mlflow models serve" in info["not_servable"]
    assert manifest["kind"] == "mlflow"
    assert {"sklearn", "python_function"} <= set(manifest["flavors"])
    paths = {f["path"] for f in manifest["files"]}
    # The MLflow model at the root, the run's other files under artifacts/, a card.
    assert {"MLmodel", "MODEL_CARD.md", "artifacts/notes/readme.txt", "evaluation/run.json"} <= paths
    assert not any(p.startswith("artifacts/model/") for p in paths)
    assert [f["name"] for f in manifest["input_schema"]] == list(X.columns)
    assert all(f["kind"] == "number" for f in manifest["input_schema"])
    card = detail["model_card"]
    assert "| C | 0.5 |" in card and "train_acc" in card and "growth" in card
    assert "mlflow models serve" in card
    # The package loads as the model it holds, from the folder and through the registry.
    package = lab.root / info["package_dir"]
    loaded = mlflow.pyfunc.load_model(str(package))
    assert (loaded.predict(X) == model.predict(X)).all()
    by_alias = mlflow.pyfunc.load_model("models:/iris-own@champion")
    assert (by_alias.predict(X.iloc[:30]) == model.predict(X.iloc[:30])).all()
    # Serving is refused up front, saying what serves it.
    served = subprocess.run(
        [BIN, "--project", str(lab.root), "serve", "iris-own:1", "--port", "0"],
        capture_output=True, text=True, timeout=60,
    )
    assert served.returncode != 0
    assert "mlflow models serve" in served.stderr and "iris-own:1" in served.stderr
    # Published like any package, and fetched into another project, every file checked.
    shelf = tmp_path / "shelf"
    lab.datalab("storage", "add", "shelf", "--folder", str(shelf))
    outcome = lab.datalab("model", "publish", "iris-own:1", "--to", "shelf")
    assert not outcome["already_published"]
    other = tmp_path / "other"
    subprocess.run([BIN, "init", str(other)], check=True, capture_output=True)
    def in_other(*args):
        out = subprocess.run([BIN, "--project", str(other), "--json", *args], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)
    in_other("storage", "add", "shelf", "--folder", str(shelf))
    fetched = in_other("model", "fetch", "iris-own:1", "--from", "shelf")
    assert fetched["info"]["format"] == "mlflow"
    assert fetched["info"]["manifest"]["files"] == manifest["files"]
    again = mlflow.pyfunc.load_model(str(other / fetched["info"]["package_dir"]))
    assert (again.predict(X) == model.predict(X)).all()


def test_an_mlflow_registered_version_is_packaged_when_published(lab, tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_experiment("registered")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model")
    mlflow.register_model(info.model_uri, "iris-proto")
    lab.datalab("storage", "add", "shelf", "--folder", str(tmp_path / "shelf"))
    lab.datalab("model", "publish", "iris-proto:1", "--to", "shelf")
    version = lab.datalab("model", "show", "iris-proto:1")["info"]
    assert version["package_dir"] == "models/iris-proto/1"
    assert version["manifest"]["kind"] == "mlflow"
    published = tmp_path / "shelf"
    assert any(p.name == "MLmodel" for p in published.rglob("MLmodel"))
    # MLflow clients still load the version, now from its package.
    loaded = mlflow.pyfunc.load_model("models:/iris-proto/1")
    assert (loaded.predict(X) == model.predict(X)).all()
    # Publishing again finds the same package there.
    assert lab.datalab("model", "publish", "iris-proto:1", "--to", "shelf")["already_published"]


def test_a_run_with_two_models_says_which_to_register(lab):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_experiment("two-models")
    X, y = load_iris(return_X_y=True, as_frame=True)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(LogisticRegression(C=0.01, max_iter=500).fit(X, y), name="stump")
        mlflow.sklearn.log_model(LogisticRegression(C=10, max_iter=500).fit(X, y), name="deep")
    run_id = run_id_of(lab, run.info.run_id)
    import subprocess

    from conftest import BIN

    refused = subprocess.run(
        [BIN, "--project", str(lab.root), "model", "register", str(run_id), "--name", "iris-two"],
        capture_output=True, text=True,
    )
    assert refused.returncode != 0
    assert "'stump'" in refused.stderr and "'deep'" in refused.stderr
    assert lab.datalab("model", "list") == [] or all(v["name"] != "iris-two" for v in lab.datalab("model", "list"))
    chosen = lab.datalab("model", "register", str(run_id), "--name", "iris-two", "--logged-model", "deep")
    card = chosen["model_card"]
    assert "`deep`" in card


def test_a_200_mb_artifact_streams_up_and_down(lab, tmp_path):
    mlflow.set_experiment("big")
    big = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with open(big, "wb") as out:
        chunk = os.urandom(1 << 20)
        for i in range(200):
            block = bytes([i]) + chunk[1:]
            out.write(block)
            digest.update(block)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big))
    down = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="big.bin", dst_path=str(tmp_path / "d"))
    check = hashlib.sha256()
    with open(down, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            check.update(block)
    assert check.hexdigest() == digest.hexdigest()
    # Streamed: the server never held the file in memory.
    assert lab.peak_rss_mib() < 150, f"server peak RSS {lab.peak_rss_mib():.0f} MiB"


def test_the_token_is_required(lab):
    response = requests.get(f"{lab.uri}/api/2.0/mlflow/experiments/search?max_results=5")
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"
    wrong = requests.get(
        f"{lab.uri}/api/2.0/mlflow/experiments/search?max_results=5", headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    right = requests.get(
        f"{lab.uri}/api/2.0/mlflow/experiments/search?max_results=5", headers={"Authorization": f"Bearer {lab.token}"}
    )
    assert right.status_code == 200
    basic = requests.get(f"{lab.uri}/api/2.0/mlflow/experiments/search?max_results=5", auth=("alice", lab.token))
    assert basic.status_code == 200
    # Another site's page cannot reach it through a name that points here.
    rebound = requests.get(
        f"{lab.uri}/api/2.0/mlflow/experiments/search",
        headers={"Authorization": f"Bearer {lab.token}", "Host": "evil.example:80"},
    )
    assert rebound.status_code == 403


def test_bad_requests_get_clear_4xx_answers(lab, tmp_path):
    client = MlflowClient()
    client.create_experiment("taken")
    with pytest.raises(MlflowException) as taken:
        client.create_experiment("taken")
    assert taken.value.error_code == "RESOURCE_ALREADY_EXISTS"
    mlflow.set_experiment("bad")
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.1")
        with pytest.raises(MlflowException) as changed:
            mlflow.log_param("lr", "0.2")
        assert changed.value.error_code == "INVALID_PARAMETER_VALUE"
        assert "Changing param values is not allowed" in changed.value.message
        with pytest.raises(MlflowException) as long_key:
            mlflow.log_metric("k" * 251, 1.0)
        assert long_key.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as missing:
        client.get_run("0" * 32)
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    headers = {"Authorization": f"Bearer {lab.token}", "Content-Type": "application/json"}
    malformed = requests.post(f"{lab.uri}/api/2.0/mlflow/runs/log-batch", data="{not json", headers=headers)
    assert malformed.status_code == 400 and malformed.json()["error_code"] == "BAD_REQUEST"
    artifact_root = f"{lab.uri}/api/2.0/mlflow-artifacts/artifacts/{run.info.experiment_id}/{run.info.run_id}/artifacts"
    escape = requests.put(
        f"{artifact_root}/../../../escaped.txt", data=b"x", headers={"Authorization": f"Bearer {lab.token}"}
    )
    # requests normalises ../ away unless the path is sent as is: send it raw.
    prepared = requests.Request("PUT", f"{artifact_root}/x", data=b"x", headers={"Authorization": f"Bearer {lab.token}"}).prepare()
    prepared.url = f"{artifact_root}/%2E%2E/%2E%2E/escaped.txt"
    raw = requests.Session().send(prepared)
    assert raw.status_code == 400, raw.text
    assert escape.status_code in (400, 404)
    assert not any(p.name == "escaped.txt" for p in lab.root.rglob("*"))
    unknown = requests.get(f"{lab.uri}/api/2.0/mlflow/no-such-endpoint", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "ENDPOINT_NOT_FOUND"
