"""Import from a real MLflow tracking server (the full PyPI package, SQLite
backend, serving artifacts) holding runs the stock client logged: every
run, param, tag, metric point and artifact arrives in the Data Lab project."""

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric

from conftest import BIN


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", f"sqlite:///{tmp_path}/mlflow.db",
            "--artifacts-destination", str(tmp_path / "mlartifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "mlflow-server.log", "w"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2)
            break
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("mlflow server did not start: " + (tmp_path / "mlflow-server.log").read_text()[-2000:])
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)


def log_history_into(url, tmp_path):
    """What a team has in its MLflow server: two experiments, nested runs,
    long histories, odd values, nested artifact folders, a failed run."""
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    source = {}
    mlflow.set_experiment("churn")
    with mlflow.start_run(run_name="xgb-1") as run:
        mlflow.log_params({"model": "xgb", "lr": 0.05, "depth": 6})
        mlflow.set_tags({"team": "growth", "mlflow.note.content": "first try"})
        points = [Metric("loss", 1.0 / (1 + s), 1_700_000_000_000 + s, s) for s in range(3000)]
        for start in range(0, len(points), 1000):
            client.log_batch(run.info.run_id, metrics=points[start : start + 1000])
        mlflow.log_metric("auc", 0.91)
        mlflow.log_metric("odd", float("nan"))
        mlflow.log_dict({"features": ["a", "b"]}, "config/features.json")
        (tmp_path / "weights.bin").write_bytes(os.urandom(300_000))
        mlflow.log_artifact(str(tmp_path / "weights.bin"), "model/weights")
        mlflow.log_text("deep", "a/b/c/deep.txt")
        with mlflow.start_run(run_name="fold-0", nested=True) as child:
            mlflow.log_metric("loss", 0.3, step=0)
        source["xgb"] = run.info.run_id
        source["child"] = child.info.run_id
    mlflow.set_experiment("other")
    with mlflow.start_run(run_name="broken") as broken:
        mlflow.log_param("model", "rf")
        mlflow.log_metric("loss", 2.0)
    client.set_terminated(broken.info.run_id, "FAILED")
    source["broken"] = broken.info.run_id
    return source


def all_files(client, run_id, path=None):
    found = {}
    for item in client.list_artifacts(run_id, path):
        if item.is_dir:
            found.update(all_files(client, run_id, item.path))
        else:
            found[item.path] = item.file_size
    return found


def test_every_run_param_metric_point_and_artifact_arrives(lab, mlflow_server, tmp_path):
    source_ids = log_history_into(mlflow_server, tmp_path)
    origin = MlflowClient(mlflow_server)
    done = subprocess.run(
        [BIN, "--project", str(lab.root), "--json", "import", "mlflow", "--from", mlflow_server],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    tally = json.loads(done.stdout)
    assert tally["runs"] == 3 and tally["experiments"] >= 2
    assert tally["metric_points"] == 3000 + 1 + 1 + 1 + 1
    mlflow.set_tracking_uri(lab.uri)
    here = MlflowClient(lab.uri)
    imported = {}
    for experiment in here.search_experiments():
        for run in here.search_runs([experiment.experiment_id]):
            mark = run.data.tags.get("datalab.imported_from", "")
            imported[mark.rsplit("#", 1)[-1]] = run
    for name, source_id in source_ids.items():
        original = origin.get_run(source_id)
        copy = imported[source_id]
        assert copy.info.run_name == original.info.run_name, name
        assert copy.info.status == original.info.status, name
        assert copy.info.start_time == original.info.start_time, name
        assert copy.data.params == original.data.params, name
        for key, value in original.data.tags.items():
            if key != "mlflow.parentRunId":
                assert copy.data.tags.get(key) == value, (name, key)
        for key in original.data.metrics:
            a = [(m.step, m.timestamp, m.value) for m in origin.get_metric_history(source_id, key)]
            b = [(m.step, m.timestamp, m.value) for m in here.get_metric_history(copy.info.run_id, key)]
            assert len(a) == len(b), (name, key)
            for x, y in zip(a, b):
                assert x[:2] == y[:2] and (x[2] == y[2] or (math.isnan(x[2]) and math.isnan(y[2]))), (name, key, x, y)
        files = all_files(origin, source_id)
        assert all_files(here, copy.info.run_id) == files, name
        for path in files:
            a = open(mlflow.artifacts.download_artifacts(run_id=source_id, artifact_path=path, dst_path=str(tmp_path / "a" / name), tracking_uri=mlflow_server), "rb").read()
            b = open(mlflow.artifacts.download_artifacts(run_id=copy.info.run_id, artifact_path=path, dst_path=str(tmp_path / "b" / name), tracking_uri=lab.uri), "rb").read()
            assert a == b, (name, path)
    # Importing again copies nothing twice.
    again = subprocess.run(
        [BIN, "--project", str(lab.root), "--json", "import", "mlflow", "--from", mlflow_server],
        capture_output=True, text=True, timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["runs"] == 0 and json.loads(again.stdout)["skipped"] == 3
    missing = subprocess.run(
        [BIN, "--project", str(lab.root), "import", "mlflow", "--from", mlflow_server, "--experiment", "no-such"],
        capture_output=True, text=True, timeout=120,
    )
    assert missing.returncode != 0 and "no experiment named 'no-such'" in missing.stderr
    unreachable = subprocess.run(
        [BIN, "--project", str(lab.root), "import", "mlflow", "--from", "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120,
    )
    assert unreachable.returncode != 0 and "cannot reach the MLflow server" in unreachable.stderr
