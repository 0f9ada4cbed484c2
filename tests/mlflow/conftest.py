"""Shared setup of the MLflow client tests: a fresh Data Lab project and
`datalab tracking serve` on it, on a free loopback port, behind a token.

The `datalab` binary comes from DATALAB_BIN (scripts/test.sh sets it)."""

import json
import os
import secrets
import subprocess
import sys
import time

import pytest

BIN = os.environ.get("DATALAB_BIN")


class Lab:
    """A project and the tracking server running on it."""

    def __init__(self, root, process, uri, token):
        self.root = root
        self.process = process
        self.uri = uri
        self.token = token

    def datalab(self, *args):
        """Runs the datalab CLI on the project and returns its JSON output."""
        out = subprocess.run(
            [BIN, "--project", str(self.root), "--json", *args],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout)

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def start_lab(root, env_extra=None, args=()):
    if not BIN:
        pytest.fail("set DATALAB_BIN to the datalab binary (scripts/test.sh does)")
    subprocess.run([BIN, "init", str(root)], check=True, capture_output=True)
    token = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_TRACKING_TOKEN"] = token
    env.update(env_extra or {})
    process = subprocess.Popen(
        [BIN, "--project", str(root), "tracking", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
        env=env,
    )
    uri = None
    deadline = time.time() + 30
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if "MLFLOW_TRACKING_URI=" in line:
            uri = line.split("MLFLOW_TRACKING_URI=", 1)[1].strip()
            break
    if uri is None:
        process.kill()
        pytest.fail("datalab tracking serve did not print its URI")
    return Lab(root, process, uri, token)


@pytest.fixture
def lab(tmp_path, monkeypatch):
    lab = start_lab(tmp_path / "project")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", lab.uri)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", lab.token)
    # No retries for minutes if something answers 5xx: a test fails fast.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    import mlflow

    mlflow.set_tracking_uri(lab.uri)
    yield lab
    lab.process.terminate()
    try:
        lab.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        lab.process.kill()
