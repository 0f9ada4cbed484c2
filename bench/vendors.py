"""The same calls as bench/vendors.sh's Rust side, from Python `requests`
(one session, calls let go at their rate slot): what a user would write
instead of an evaluation harness."""
import json
import math
import sys
import time

import requests


def percentile(values, p):
    rank = math.ceil(p / 100 * len(values))
    return values[min(max(rank, 1), len(values)) - 1]


def main():
    url, rate, calls = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    session = requests.Session()
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    latencies = []
    interval = 1.0 / rate
    started = time.perf_counter()
    first = started + 0.05
    behind = 0
    for i in range(calls):
        values = [(i * 4 + c) / 10 for c in range(4)]
        body = {"inputs": [
            {"name": n, "shape": [1, 1], "datatype": "FP64", "data": [v]} for n, v in zip(names, values)
        ]}
        slot = first + i * interval
        now = time.perf_counter()
        if now < slot:
            time.sleep(slot - now)
        else:
            behind += 1
        let_go = time.perf_counter()
        response = session.post(f"{url}/v2/models/iris/infer", data=json.dumps(body),
                                headers={"Content-Type": "application/json"})
        response.json()["outputs"][0]["data"]
        latencies.append((time.perf_counter() - let_go) * 1e3)
    wall = time.perf_counter() - started
    latencies.sort()
    print(f"{'python requests (1 session)':<28} calls {len(latencies):>6}  "
          f"p50 {percentile(latencies, 50):>7.3f} ms  p95 {percentile(latencies, 95):>7.3f} ms  "
          f"p99 {percentile(latencies, 99):>7.3f} ms  {len(latencies) / wall:>7.1f} calls/s"
          + (f"  ({behind} calls late for their slot)" if behind else ""))


if __name__ == "__main__":
    main()
