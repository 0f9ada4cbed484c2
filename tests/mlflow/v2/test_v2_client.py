"""An MLflow 2.x client (mlflow-skinny 2.22) against Data Lab: the basic
calls of a notebook, which use the older endpoints (runs/log-model, run
artifacts under the run, no logged models)."""

import json
import math

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException


def test_a_2x_client_logs_and_reads_back(lab, tmp_path):
    assert mlflow.__version__.startswith("2.")
    experiment = mlflow.set_experiment("legacy")
    with mlflow.start_run(run_name="old-client") as run:
        mlflow.log_params({"lr": "0.01", "layers": "3"})
        for step in range(3):
            mlflow.log_metric("loss", 1.0 - step / 10, step=step)
        mlflow.log_metric("odd", float("nan"))
        mlflow.set_tag("client", "two")
        mlflow.log_dict({"a": 1}, "cfg/a.json")
        mlflow.log_text("text", "t.txt")
    client = MlflowClient()
    got = client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.info.experiment_id == experiment.experiment_id
    assert got.data.params == {"lr": "0.01", "layers": "3"}
    assert got.data.metrics["loss"] == pytest.approx(0.8)
    assert math.isnan(got.data.metrics["odd"])
    assert [m.value for m in client.get_metric_history(run.info.run_id, "loss")] == pytest.approx([1.0, 0.9, 0.8])
    found = client.search_runs([experiment.experiment_id], "params.lr = '0.01' and metrics.loss < 0.85")
    assert [r.info.run_id for r in found] == [run.info.run_id]
    assert sorted(a.path for a in client.list_artifacts(run.info.run_id)) == ["cfg", "t.txt"]
    path = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="cfg/a.json", dst_path=str(tmp_path))
    assert json.load(open(path)) == {"a": 1}
    # The client turns a JSON RESOURCE_DOES_NOT_EXIST into None; anything else raises.
    assert client.get_experiment_by_name("no such") is None
    with pytest.raises(MlflowException) as changed:
        client.log_param(run.info.run_id, "lr", "0.5")
    assert "Changing param values is not allowed" in changed.value.message
    runs = lab.datalab("runs", "list")
    assert [r["params"] for r in runs] == [{"lr": "0.01", "layers": "3"}]
