#!/usr/bin/env python3
"""boto3 against the same s3s-fs server and the same file as Data Lab's
publish/fetch (bench/s3.sh runs both), and the side-by-side table."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--datalab", required=True, help="the JSON line of the transfer example")
    args = parser.parse_args()

    import boto3
    from boto3.s3.transfer import TransferConfig

    s3 = boto3.client("s3", endpoint_url=args.endpoint, region_name="us-east-1")
    # boto3's defaults: 8 MiB parts, 10 threads.
    config = TransferConfig()
    started = time.perf_counter()
    s3.upload_file(str(args.file), "boto3", "bench/model.bin", Config=config)
    upload = time.perf_counter() - started
    started = time.perf_counter()
    s3.download_file("boto3", "bench/model.bin", str(args.work / "boto3.bin"), Config=config)
    download = time.perf_counter() - started

    ours = json.loads(args.datalab)
    mib = ours["bytes"] / 2**20
    print(f"{mib:.0f} MiB package (model.bin) against s3s-fs on loopback\n")
    print("| client | upload MiB/s | download MiB/s |")
    print("|---|---:|---:|")
    print(f"| Data Lab (publish / fetch, sha256 checked) | {mib / ours['upload_s']:.0f} | {mib / ours['download_s']:.0f} |")
    print(f"| boto3 {boto3.__version__} (upload_file / download_file) | {mib / upload:.0f} | {mib / download:.0f} |")
    print(
        f"\nData Lab / boto3: upload {(mib / ours['upload_s']) / (mib / upload):.0%}, "
        f"download {(mib / ours['download_s']) / (mib / download):.0%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
