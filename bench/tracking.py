"""Tracking throughput: the same MLflow client script against Data Lab's
tracking server, `mlflow server` (SQLite backend) and FastTrackML (SQLite),
side by side in one run.

  1. logging: RUNS runs x 20 params x 10 metrics x STEPS steps through log_batch;
  2. search_runs over SEARCH runs with a filter (median of 5);
  3. get_metric_history of HISTORY points (median of 3);
  4. Data Lab only: a command trial's overhead over running its script by hand.

Prints a table (and --json for the figures)."""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from mlflow import MlflowClient
from mlflow.entities import Metric, Param


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, process, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {url} exited")
        try:
            urllib.request.urlopen(f"{url}/api/2.0/mlflow/experiments/get?experiment_id=0", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not start")


def start(kind, work, datalab, fml):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, f"{kind}.log"), "w")
    if kind == "Data Lab":
        project = os.path.join(work, "project")
        subprocess.run([datalab, "init", project], check=True, capture_output=True)
        cmd = [datalab, "--project", project, "tracking", "serve", "--port", str(port), "--no-auth"]
    elif kind == "mlflow server":
        cmd = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{work}/mlflow.db",
               "--artifacts-destination", f"{work}/mlartifacts", "--host", "127.0.0.1", "--port", str(port), "--workers", "4"]
    else:
        cmd = [fml, "server", "--listen-address", f"127.0.0.1:{port}", "--database-uri", f"sqlite://{work}/fml.db",
               "--default-artifact-root", f"{work}/fml-artifacts"]
    process = subprocess.Popen(cmd, stdout=log, stderr=log)
    wait_up(url, process)
    return url, process


def bench_logging(client, experiment, runs, steps):
    started = time.perf_counter()
    points = 0
    for r in range(runs):
        run = client.create_run(experiment)
        params = [Param(f"p{i}", str(i * r)) for i in range(20)]
        client.log_batch(run.info.run_id, params=params)
        batch = []
        for step in range(steps):
            for m in range(10):
                batch.append(Metric(f"m{m}", (step * m) / (steps + 1), 1_700_000_000_000 + step, step))
                if len(batch) == 1000:
                    client.log_batch(run.info.run_id, metrics=batch)
                    points += len(batch)
                    batch = []
        if batch:
            client.log_batch(run.info.run_id, metrics=batch)
            points += len(batch)
        client.set_terminated(run.info.run_id)
    return points / (time.perf_counter() - started)


def bench_raw_logging(client, experiment, batches=30):
    """The same 1,000-point batches as raw HTTP with their JSON made beforehand:
    the server's own throughput, without the client's conversion of its
    entities (which costs the stock client about 20 ms a batch here)."""
    run = client.create_run(experiment).info.run_id
    bodies = [
        json.dumps({"run_id": run, "metrics": [
            {"key": f"m{m}", "value": (s * m) / 1001, "timestamp": 1_700_000_000_000 + s, "step": s}
            for s in range(b * 100, b * 100 + 100) for m in range(10)
        ]}).encode()
        for b in range(batches)
    ]
    started = time.perf_counter()
    for body in bodies:
        request = urllib.request.Request(f"{client.tracking_uri}/api/2.0/mlflow/runs/log-batch", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            answer.read()
    return batches * 1000 / (time.perf_counter() - started)


def bench_search(client, experiment, count):
    def make(i):
        run = client.create_run(experiment)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("score", (i % 100) / 100, 1_700_000_000_000, 0)],
            params=[Param("kind", "a" if i % 3 == 0 else "b")],
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(count)))
    query = "metrics.score < 0.5 and params.kind = 'a'"
    times = []
    found = 0
    for _ in range(5):
        started = time.perf_counter()
        result = client.search_runs([experiment], query, max_results=1000)
        times.append(time.perf_counter() - started)
        found = len(result)
    # The same page as raw HTTP with the JSON decoded, without the client's
    # conversion into its entities: the server's share of the time.
    body = json.dumps({"experiment_ids": [experiment], "filter": query, "max_results": 1000}).encode()
    raw = []
    for _ in range(5):
        request = urllib.request.Request(f"{client.tracking_uri}/api/2.0/mlflow/runs/search", data=body,
                                         headers={"Content-Type": "application/json"})
        started = time.perf_counter()
        with urllib.request.urlopen(request) as answer:
            assert len(json.loads(answer.read())["runs"]) == found
        raw.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, found, statistics.median(raw) * 1000


def bench_history(client, experiment, count):
    run = client.create_run(experiment)
    for start in range(0, count, 1000):
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("loss", 1 / (1 + s), 1_700_000_000_000 + s, s) for s in range(start, min(start + 1000, count))],
        )
    times = []
    for _ in range(3):
        started = time.perf_counter()
        history = client.get_metric_history(run.info.run_id, "loss")
        times.append(time.perf_counter() - started)
        assert len(history) == count, len(history)
    return statistics.median(times) * 1000


SCRIPT = """
import mlflow
with mlflow.start_run():
    mlflow.log_metric("x", 1.0)
"""


def bench_command_overhead(datalab, url, work):
    """A command trial's wall time against the same script run by hand, logging to the same server."""
    project = os.path.join(work, "project")
    script = os.path.join(work, "tiny.py")
    open(script, "w").write(SCRIPT)
    iris = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "datasets", "iris.csv")
    subprocess.run([datalab, "--project", project, "dataset", "import", iris, "--name", "iris"], check=True, capture_output=True)
    by_hand = []
    env = {**os.environ, "MLFLOW_TRACKING_URI": url}
    client = MlflowClient(url)
    for _ in range(5):
        experiment = client.create_experiment(f"by-hand-{time.time_ns()}")
        started = time.perf_counter()
        subprocess.run([sys.executable, script], check=True, env={**env, "MLFLOW_EXPERIMENT_ID": experiment}, capture_output=True)
        by_hand.append((time.perf_counter() - started) * 1000)
    spec = os.path.join(work, "spec.toml")
    open(spec, "w").write(
        'name = "overhead"\n[dataset]\nname = "iris"\n[task]\nkind = "classification"\ntarget = "species"\n'
        '[validation]\nkind = "holdout"\ntest_fraction = 0.25\n[[models]]\n'
        f'command = "{sys.executable} {script}"\n[models.params]\nk = [1, 2, 3, 4, 5]\n'
    )
    subprocess.run([datalab, "--project", project, "run", spec, "--parallelism", "1"], check=True, capture_output=True)
    runs = json.loads(subprocess.run([datalab, "--project", project, "--json", "runs", "list"], check=True, capture_output=True, text=True).stdout)
    trial = [r["wall_ms"] for r in runs if r["origin"] == "command"]
    return statistics.median(by_hand), statistics.median(trial)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datalab", required=True)
    parser.add_argument("--fml")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--search", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only-datalab", action="store_true", help="Data Lab's server alone")
    args = parser.parse_args()
    servers = ["Data Lab"] + ([] if args.only_datalab else ["mlflow server"] + (["FastTrackML"] if args.fml else []))
    results = {}
    for kind in servers:
        work = tempfile.mkdtemp(prefix="bench-tracking-")
        url, process = start(kind, work, args.datalab, args.fml)
        try:
            client = MlflowClient(url)
            row = {}
            row["log points/s"] = bench_logging(client, client.create_experiment("logging"), args.runs, args.steps)
            row["raw log points/s"] = bench_raw_logging(client, client.create_experiment("raw logging"))
            row["search ms"], row["search found"], row["search raw ms"] = bench_search(
                client, client.create_experiment("search"), args.search)
            row["history ms"] = bench_history(client, client.create_experiment("history"), args.history)
            if kind == "Data Lab":
                row["by hand ms"], row["as a trial ms"] = bench_command_overhead(args.datalab, url, work)
            results[kind] = row
            print(f"{kind}: {row}", file=sys.stderr, flush=True)
        finally:
            process.terminate()
            process.wait(timeout=30)
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"\n{'server':<15} {'log_batch points/s':>19} {'raw HTTP points/s':>18} {'search_runs ms':>15} "
          f"{'raw HTTP ms':>12} {'history ms':>11}")
    for kind, row in results.items():
        print(f"{kind:<15} {row['log points/s']:>19,.0f} {row['raw log points/s']:>18,.0f} {row['search ms']:>15.1f} "
              f"{row['search raw ms']:>12.1f} {row['history ms']:>11.1f}")
    dl = results["Data Lab"]
    print(
        f"\nsearch over {args.search:,} runs found {dl['search found']} per server (same filter); "
        f"history of {args.history:,} points.\n"
        f"command trial: script by hand {dl['by hand ms']:.0f} ms, as a trial {dl['as a trial ms']:.0f} ms "
        f"(overhead {dl['as a trial ms'] - dl['by hand ms']:.0f} ms)"
    )


if __name__ == "__main__":
    main()
