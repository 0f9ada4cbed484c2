"""Command trials: a sweep over the user's own script, each trial a child
process that logs into its Data Lab run through the stock mlflow client."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow import MlflowClient

from conftest import BIN

REPO = Path(__file__).resolve().parents[2]

TRAIN = '''
import argparse, os, sys, time
import mlflow

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--fail", action="store_true")
parser.add_argument("--sleep", type=float, default=0)
parser.add_argument("--pidfile")
parser.add_argument("--shout", type=int, default=0)
args = parser.parse_args()
if args.pidfile:
    open(args.pidfile, "w").write(str(os.getpid()))
print("training with lr", args.lr, flush=True)
with mlflow.start_run():
    mlflow.log_params({"lr": args.lr, "epochs": args.epochs})
    for epoch in range(args.epochs):
        mlflow.log_metric("loss", 1.0 / (1 + epoch * args.lr * 10), step=epoch)
    mlflow.log_metric("accuracy", 0.5 + args.lr)
    mlflow.log_text("notes", "notes.txt")
    for _ in range(args.shout):
        sys.stdout.write("x" * 1023 + "\\n")
    time.sleep(args.sleep)
if args.fail:
    print("something went wrong", file=sys.stderr)
    sys.exit(3)
'''


def spec(tmp_path, models, search="grid"):
    lines = [
        'name = "commands"',
        '[dataset]\nname = "iris"',
        '[task]\nkind = "classification"\ntarget = "species"',
        '[validation]\nkind = "holdout"\ntest_fraction = 0.25',
        f'[search]\nkind = "{search}"',
    ]
    for model in models:
        lines.append("[[models]]")
        for key, value in model.items():
            if key != "params":
                lines.append(f"{key} = {json.dumps(value)}")
        if "params" in model:
            lines.append("[models.params]")
            for key, value in model["params"].items():
                lines.append(f"{key} = {json.dumps(value)}")
    path = tmp_path / "spec.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def project(lab, tmp_path):
    subprocess.run(
        [BIN, "--project", str(lab.root), "dataset", "import", str(REPO / "assets/datasets/iris.csv"), "--name", "iris"],
        check=True,
        capture_output=True,
    )
    (tmp_path / "train.py").write_text(TRAIN)
    return lab


def run_spec(lab, path, env=None):
    return subprocess.run(
        [BIN, "--project", str(lab.root), "run", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def command(tmp_path, args):
    return f"{sys.executable} {tmp_path / 'train.py'} {args}"


def test_a_grid_sweeps_a_script_that_logs_per_epoch(project, tmp_path):
    path = spec(tmp_path, [{"command": command(tmp_path, "--lr {lr} --epochs {epochs}"), "params": {"lr": [0.1, 0.01, 0.001], "epochs": [2, 3]}}])
    done = run_spec(project, path)
    assert done.returncode == 0, done.stderr
    runs = project.datalab("runs", "list")
    assert len(runs) == 6
    assert {r["status"] for r in runs} == {"succeeded"}
    assert {r["origin"] for r in runs} == {"command"}
    assert {r["model"] for r in runs} == {"train.py"}
    assert sorted((r["params"]["lr"], r["params"]["epochs"]) for r in runs) == sorted(
        (lr, e) for lr in [0.1, 0.01, 0.001] for e in [2, 3]
    )
    client = MlflowClient()
    for r in runs:
        assert r["metrics"]["accuracy"]["mean"] == pytest.approx(0.5 + r["params"]["lr"])
        history = client.get_metric_history(r["uuid"], "loss")
        assert [m.step for m in history] == list(range(r["params"]["epochs"]))
        log = (project.root / "runs" / str(r["id"]) / "log.txt").read_text()
        assert f"training with lr {r['params']['lr']}" in log
        assert (project.root / "runs" / str(r["id"]) / "artifacts" / "notes.txt").read_text() == "notes"
    # The app's view of the same: the log through the API, the curves downsampled in Rust.
    first = runs[0]
    shown = subprocess.run([BIN, "--project", str(project.root), "runs", "log", str(first["id"])], capture_output=True, text=True, check=True)
    assert f"training with lr {first['params']['lr']}" in shown.stdout
    curves = project.datalab("call", "metric_history", json.dumps({"run": first["id"]}))
    loss = next(s for s in curves["series"] if s["name"] == "loss")
    assert loss["x"] == list(range(first["params"]["epochs"]))
    assert curves["running"] is False


def test_failures_timeouts_and_missing_commands_fail_their_runs_and_say_why(project, tmp_path):
    path = spec(
        tmp_path,
        [
            {"model": "failing", "command": command(tmp_path, "--fail")},
            {"model": "slow", "command": command(tmp_path, "--sleep 60"), "timeout": 2},
            {"model": "missing", "command": "no-such-command-for-data-lab --x 1"},
        ],
    )
    started = time.time()
    done = run_spec(project, path)
    assert done.returncode == 10, done.stderr  # every run failed
    assert time.time() - started < 45, "the timeout stops the slow trial"
    runs = {r["model"]: r for r in project.datalab("runs", "list")}
    assert runs["failing"]["status"] == "failed"
    assert "status 3" in runs["failing"]["error"] and "something went wrong" in runs["failing"]["error"]
    assert runs["slow"]["status"] == "failed" and "timed out after 2" in runs["slow"]["error"]
    assert runs["missing"]["status"] == "failed" and "command not found" in runs["missing"]["error"]
    # The failing script's own logging still landed before it failed.
    assert runs["failing"]["metrics"]["accuracy"]["mean"] == pytest.approx(0.6)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for every purpose but its entry.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.parametrize("how", ["interrupt", "kill -9"])
def test_a_stopped_sweep_leaves_no_trial_running(project, tmp_path, how):
    pidfile = tmp_path / "pid"
    path = spec(tmp_path, [{"command": command(tmp_path, f"--sleep 120 --pidfile {pidfile}")}])
    sweep = subprocess.Popen([BIN, "--project", str(project.root), "run", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert wait_for(pidfile.exists, 60), "the trial started"
    time.sleep(0.5)
    child = int(pidfile.read_text())
    assert alive(child)
    if how == "interrupt":
        sweep.send_signal(signal.SIGINT)
        assert sweep.wait(timeout=30) == 130
    else:
        sweep.kill()
        sweep.wait(timeout=30)
    assert wait_for(lambda: not alive(child), 15), f"the trial's process {child} outlived the sweep ({how})"
    (run,) = project.datalab("runs", "list")
    assert run["status"] == ("cancelled" if how == "interrupt" else "interrupted")


def test_a_script_that_prints_too_much_has_its_log_capped(project, tmp_path):
    path = spec(tmp_path, [{"command": command(tmp_path, "--shout 3000")}])
    done = run_spec(project, path, env={"DATALAB_COMMAND_LOG_MB": "1"})
    assert done.returncode == 0, done.stderr
    (run,) = project.datalab("runs", "list")
    log = project.root / "runs" / str(run["id"]) / "log.txt"
    assert log.stat().st_size < 1024 * 1024 + 1000
    assert "the log is capped at 1 MB" in log.read_text()


def test_a_notebook_trial_runs_through_papermill_and_keeps_the_executed_notebook(project):
    import shutil

    shutil.copytree(REPO / "assets/examples/notebook", project.root / "notebook")
    text = (REPO / "assets/examples/notebook/spec.toml").read_text()
    # The example's `python` is whichever has papermill: here, this venv's.
    text = text.replace('command = "python ', f'command = "{sys.executable} ')
    path = project.root / "notebook" / "spec.toml"
    path.write_text(text)
    done = run_spec(project, path)
    assert done.returncode == 0, done.stderr
    runs = project.datalab("runs", "list")
    assert sorted(r["params"]["lr"] for r in runs) == [0.1, 0.3]
    client = MlflowClient()
    for r in runs:
        assert r["status"] == "succeeded", r["error"]
        assert r["metrics"]["final_loss"]["mean"] == pytest.approx((1 - r["params"]["lr"]) ** 3)
        assert [m.step for m in client.get_metric_history(r["uuid"], "loss")] == [0, 1, 2]
        executed = json.loads((project.root / "runs" / str(r["id"]) / "artifacts" / "output.ipynb").read_text())
        printed = "".join(
            "".join(o.get("text", "")) for c in executed["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
        )
        assert f"with lr {r['params']['lr']}" in printed
        assert "datasets/" in printed, "the notebook was given the dataset's snapshot"
        # The run's page shows the executed notebook (the app renders its cells).
        shown = project.datalab("call", "run_notebook", json.dumps({"run": r["id"]}))
        assert shown["cells"] == executed["cells"]
