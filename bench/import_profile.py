#!/usr/bin/env python3
"""End-to-end "import a CSV and profile it": Data Lab CLI vs pandas vs polars.

Each tool does the same work on the same generated CSV:

  1. read/parse the CSV (type inference included),
  2. write a Parquet snapshot,
  3. profile every column: count / null count / distinct count,
     min / max / mean / std / quartiles for numeric columns,
     top-10 values for text columns, a 20-bin histogram per numeric column,
     and a pairwise Pearson correlation matrix over the numeric columns.

For Data Lab that is one command, `datalab --project DIR dataset import FILE --json`,
which snapshots the file and computes and caches the full profile. Each repeat
runs against a fresh project made by `datalab init` (not timed), so the import
never hits a cache.

Every run, pandas and polars ones included, is its own process. The wall time
(perf_counter around the child, from spawn to exit) therefore covers interpreter
start and library imports, just as the CLI's time covers process start. The
Python workers also report the time spent inside the process on the three
phases ("in-process"), so the fixed start-up cost is visible. Peak RSS of
each child comes from os.wait4.

Usage (see bench/run.sh, which prepares a venv):

    python bench/import_profile.py                      # 1,000,000 rows, 3 repeats
    python bench/import_profile.py --rows 20000 --repeat 1 --allow-missing-datalab

Outputs a Markdown table on stdout and writes OUT/import_profile.json
(OUT defaults to bench/out/, which is gitignored; the generated CSV is cached there).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out"
DEFAULT_DATALAB = REPO_ROOT / "target" / "release" / "datalab"
TOOLS = ("datalab", "pandas", "polars")
SEED = 42
GENERATOR_VERSION = 1  # bump when the generated data changes, to invalidate caches
HIST_BINS = 20
TOP_N = 10


# --------------------------------------------------------------------------- data


def dataset_path(out_dir: Path, rows: int) -> Path:
    return out_dir / f"data_{rows}r_20c_seed{SEED}_v{GENERATOR_VERSION}.csv"


def generate_csv(path: Path, rows: int) -> None:
    """1 row per record, 20 columns, fixed seed. Missing values are empty fields.

    14 float columns (f01-f14; f01-f04 have ~2% missing, f02 and f03 correlate with f01),
    3 integer columns (id, count, amount_cents), 2 text columns (5 and 50 categories),
    1 boolean-ish column (true/false).
    """
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(SEED)
    n = rows
    base = rng.normal(0.0, 1.0, n)
    floats = {
        "f01": base * 10.0 + 50.0,
        "f02": base * 8.0 + rng.normal(0.0, 4.0, n),
        "f03": -base * 3.0 + rng.normal(0.0, 6.0, n),
        "f04": rng.uniform(0.0, 1.0, n),
        "f05": rng.lognormal(3.0, 1.0, n),
        "f06": rng.exponential(2.5, n),
        "f07": rng.normal(1000.0, 250.0, n),
        "f08": rng.uniform(-100.0, 100.0, n),
        "f09": rng.gamma(2.0, 3.0, n),
        "f10": rng.normal(0.0, 0.01, n),
        "f11": rng.standard_t(5, n),
        "f12": rng.beta(2.0, 5.0, n),
        "f13": rng.normal(-20.0, 5.0, n),
        "f14": rng.uniform(1e5, 1e6, n),
    }
    columns: dict[str, pl.Series] = {}
    for name, values in floats.items():
        values = np.round(values, 4)
        if name in ("f01", "f02", "f03", "f04"):
            values[rng.random(n) < 0.02] = np.nan  # written as empty fields
        columns[name] = pl.Series(name, values, nan_to_null=True)
    columns["id"] = pl.Series("id", rng.permutation(n).astype(np.int64) + 1)
    columns["count"] = pl.Series("count", rng.poisson(7.0, n).astype(np.int64))
    columns["amount_cents"] = pl.Series("amount_cents", rng.integers(-50_000, 5_000_000, n))
    regions = np.array(["north", "south", "east", "west", "central"])
    columns["region"] = pl.Series("region", regions[rng.choice(5, n, p=[0.3, 0.25, 0.2, 0.15, 0.1])])
    products = np.array([f"product_{i:02d}" for i in range(50)])
    columns["product"] = pl.Series("product", products[rng.integers(0, 50, n)])
    columns["active"] = pl.Series("active", np.where(rng.random(n) < 0.7, "true", "false"))

    order = [*floats, "id", "count", "amount_cents", "region", "product", "active"]
    df = pl.DataFrame([columns[c] for c in order])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    df.write_csv(tmp, null_value="")
    tmp.replace(path)


def ensure_dataset(out_dir: Path, rows: int, regenerate: bool) -> Path:
    path = dataset_path(out_dir, rows)
    if path.exists() and not regenerate:
        print(f"data: {path} (cached)", file=sys.stderr)
        return path
    print(f"data: generating {rows:,} rows x 20 columns -> {path}", file=sys.stderr)
    started = time.perf_counter()
    generate_csv(path, rows)
    size = path.stat().st_size / 2**20
    print(f"data: done in {time.perf_counter() - started:.1f}s ({size:.1f} MiB)", file=sys.stderr)
    return path


# --------------------------------------------------------------------------- workers
# Run as `import_profile.py --worker pandas|polars FILE`; print one JSON line.


def worker_pandas(csv_path: str) -> dict:
    import numpy as np
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(csv_path)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        df.to_parquet(os.path.join(tmp, "snapshot.parquet"), engine="pyarrow")
        t2 = time.perf_counter()

        numeric = df.select_dtypes(include="number")  # excludes the bool column
        describe = numeric.describe()  # count/mean/std/min/25%/50%/75%/max
        nulls = df.isna().sum()
        distinct = df.nunique()
        text_cols = [
            c
            for c in df.columns
            if not pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        ]
        top = {c: df[c].value_counts().head(TOP_N) for c in text_cols}
        hists = {}
        for c in numeric.columns:
            values = numeric[c].dropna().to_numpy()
            hists[c] = np.histogram(values, bins=HIST_BINS)
        # Pairwise-complete Pearson, same column set as the polars worker.
        corr = numeric.corr(method="pearson")
        t3 = time.perf_counter()

    return {
        "rows": int(len(df)),
        "columns": int(df.shape[1]),
        "numeric_columns": int(numeric.shape[1]),
        "text_columns": len(text_cols),
        "read_s": t1 - t0,
        "parquet_s": t2 - t1,
        "profile_s": t3 - t2,
        "in_process_s": t3 - t0,
        "check": {
            "describe_shape": list(describe.shape),
            "nulls_total": int(nulls.sum()),
            "distinct_region": int(distinct.get("region", -1)),
            "top_lengths": {c: int(len(v)) for c, v in top.items()},
            "hist_bins": {c: int(len(h[0])) for c, h in list(hists.items())[:1]},
            "corr_shape": list(corr.shape),
            "corr_f01_f02": float(corr.loc["f01", "f02"]) if "f01" in corr else None,
        },
    }


def worker_polars(csv_path: str) -> dict:
    import polars as pl

    t0 = time.perf_counter()
    df = pl.read_csv(csv_path)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        df.write_parquet(os.path.join(tmp, "snapshot.parquet"))
        t2 = time.perf_counter()

        numeric = [c for c, t in df.schema.items() if t.is_numeric()]
        text_cols = [c for c, t in df.schema.items() if t == pl.String]
        # One parallel select for all per-column statistics.
        exprs = []
        for c in df.columns:
            exprs.append(pl.col(c).null_count().alias(f"{c}|nulls"))
            exprs.append(pl.col(c).n_unique().alias(f"{c}|distinct"))
        for c in numeric:
            col = pl.col(c)
            exprs += [
                col.count().alias(f"{c}|count"),
                col.mean().alias(f"{c}|mean"),
                col.std().alias(f"{c}|std"),
                col.min().cast(pl.Float64).alias(f"{c}|min"),
                # One list-valued quantile per column: a single sort instead of three.
                col.quantile([0.25, 0.50, 0.75], "linear").alias(f"{c}|quartiles"),
                col.max().cast(pl.Float64).alias(f"{c}|max"),
            ]
        stats = df.select(exprs)
        top = {c: df.get_column(c).value_counts(sort=True).head(TOP_N) for c in text_cols}
        hists = {c: df.get_column(c).hist(bin_count=HIST_BINS) for c in numeric}
        # DataFrame.corr() goes through numpy and yields NaN for any column with nulls;
        # pl.corr per pair is pairwise-complete, like pandas.
        pairs = [
            pl.corr(a, b, method="pearson").alias(f"{a}|{b}")
            for i, a in enumerate(numeric)
            for b in numeric[i + 1 :]
        ]
        corr = df.select(pairs)
        t3 = time.perf_counter()

    return {
        "rows": df.height,
        "columns": df.width,
        "numeric_columns": len(numeric),
        "text_columns": len(text_cols),
        "read_s": t1 - t0,
        "parquet_s": t2 - t1,
        "profile_s": t3 - t2,
        "in_process_s": t3 - t0,
        "check": {
            "stats_width": stats.width,
            "nulls_total": int(sum(stats[f"{c}|nulls"][0] for c in df.columns)),
            "distinct_region": int(stats["region|distinct"][0]) if "region" in df.columns else -1,
            "top_lengths": {c: v.height for c, v in top.items()},
            "hist_bins": {c: h.height for c, h in list(hists.items())[:1]},
            "corr_pairs": corr.width,
            "corr_f01_f02": corr["f01|f02"][0] if "f01|f02" in corr.columns else None,
        },
    }


WORKERS = {"pandas": worker_pandas, "polars": worker_polars}


# --------------------------------------------------------------------------- timing


def run_timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run cmd as a child; wall seconds (perf_counter), exit code, output, peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is KiB on Linux, bytes on macOS.
        rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return {
            "wall_s": wall,
            "returncode": proc.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "peak_rss_bytes": rss,
        }


def fail(tool: str, what: str, result: dict) -> None:
    print(f"{tool}: {what} failed with exit code {result['returncode']}", file=sys.stderr)
    if result["stderr"].strip():
        print(result["stderr"].rstrip(), file=sys.stderr)
    if result["stdout"].strip():
        print(result["stdout"].rstrip()[-4000:], file=sys.stderr)
    sys.exit(1)


def bench_python_tool(tool: str, csv_path: Path, repeat: int) -> dict:
    runs = []
    for i in range(repeat):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, str(csv_path)]
        result = run_timed(cmd)
        if result["returncode"] != 0:
            fail(tool, "worker", result)
        report = json.loads(result["stdout"].strip().splitlines()[-1])
        runs.append({"wall_s": result["wall_s"], "peak_rss_bytes": result["peak_rss_bytes"], **report})
        print(f"{tool}: run {i + 1}/{repeat}: {result['wall_s']:.2f}s", file=sys.stderr)
    return {"runs": runs}


def datalab_version(binary: Path) -> str | None:
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() or done.stderr.strip() or None


def bench_datalab(binary: Path, csv_path: Path, repeat: int, keep: bool) -> dict:
    runs = []
    for i in range(repeat):
        project = Path(tempfile.mkdtemp(prefix="datalab-bench-"))
        try:
            init = run_timed([str(binary), "init", str(project)])
            if init["returncode"] != 0:
                fail("datalab", f"`datalab init {project}`", init)
            cmd = [str(binary), "--project", str(project), "dataset", "import", str(csv_path), "--json"]
            result = run_timed(cmd)
            if result["returncode"] != 0:
                fail("datalab", "`" + " ".join(cmd) + "`", result)
            run = {"wall_s": result["wall_s"], "peak_rss_bytes": result["peak_rss_bytes"]}
            try:
                output = json.loads(result["stdout"])
                if isinstance(output, dict):
                    run["output_keys"] = sorted(output)
                    for key in ("rows", "row_count", "columns", "column_count", "id"):
                        if key in output and not isinstance(output[key], (dict, list)):
                            run[key] = output[key]
            except json.JSONDecodeError:
                run["stdout_head"] = result["stdout"][:500]
            runs.append(run)
            print(f"datalab: run {i + 1}/{repeat}: {result['wall_s']:.2f}s", file=sys.stderr)
        finally:
            if keep:
                print(f"datalab: kept project {project}", file=sys.stderr)
            else:
                shutil.rmtree(project, ignore_errors=True)
    return {"runs": runs}


# --------------------------------------------------------------------------- report


def summarize(tool: str, data: dict, rows: int) -> dict:
    walls = [r["wall_s"] for r in data["runs"]]
    best = min(walls)
    summary = {
        "tool": tool,
        "best_s": best,
        "median_s": statistics.median(walls),
        "rows_per_s": rows / best if best > 0 else None,
        "peak_rss_mib": max(r["peak_rss_bytes"] for r in data["runs"]) / 2**20,
    }
    if all("in_process_s" in r for r in data["runs"]):
        best_run = min(data["runs"], key=lambda r: r["in_process_s"])
        summary["in_process_best_s"] = best_run["in_process_s"]
        summary["phases_best_s"] = {k: best_run[k] for k in ("read_s", "parquet_s", "profile_s")}
    return summary


def markdown_table(summaries: list[dict], skipped: list[str]) -> str:
    lines = [
        "| tool | best s | median s | rows/s (best) | in-process best s (read / parquet / profile) | peak RSS MiB |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for s in summaries:
        if "in_process_best_s" in s:
            p = s["phases_best_s"]
            inproc = (
                f"{s['in_process_best_s']:.2f} "
                f"({p['read_s']:.2f} / {p['parquet_s']:.2f} / {p['profile_s']:.2f})"
            )
        else:
            inproc = "n/a"
        lines.append(
            f"| {s['tool']} | {s['best_s']:.2f} | {s['median_s']:.2f} | "
            f"{s['rows_per_s']:,.0f} | {inproc} | {s['peak_rss_mib']:.0f} |"
        )
    for tool in skipped:
        lines.append(f"| {tool} | skipped | | | | |")
    return "\n".join(lines)


def module_version(name: str) -> str | None:
    try:
        module = __import__(name)
    except ImportError:
        return None
    return getattr(module, "__version__", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the generated CSV")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output/cache dir")
    parser.add_argument("--datalab", type=Path, default=DEFAULT_DATALAB, help="datalab binary")
    parser.add_argument(
        "--allow-missing-datalab",
        action="store_true",
        help="skip the datalab column when the binary is missing instead of failing",
    )
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}"
    )
    parser.add_argument("--regenerate", action="store_true", help="regenerate the cached CSV")
    parser.add_argument("--keep-projects", action="store_true", help="keep datalab temp projects")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        tool, csv_path = args.worker
        print(json.dumps(WORKERS[tool](csv_path)))
        return

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    if args.rows <= 0 or args.repeat <= 0:
        parser.error("--rows and --repeat must be positive")

    datalab = args.datalab
    if not datalab.is_absolute() and not datalab.exists():
        datalab = REPO_ROOT / datalab
    skipped = []
    if "datalab" in tools and not (datalab.is_file() and os.access(datalab, os.X_OK)):
        if args.allow_missing_datalab:
            print("datalab: binary not found, skipped")
            tools.remove("datalab")
            skipped.append("datalab")
        else:
            sys.exit(
                f"datalab binary not found at {datalab}; build it with "
                "`cargo build --release -p datalab-cli`, pass --datalab PATH, "
                "or pass --allow-missing-datalab to skip it"
            )

    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = ensure_dataset(out_dir, args.rows, args.regenerate)

    results = {}
    for tool in tools:
        if tool == "datalab":
            results[tool] = bench_datalab(datalab, csv_path, args.repeat, args.keep_projects)
        else:
            results[tool] = bench_python_tool(tool, csv_path, args.repeat)

    for tool, data in results.items():
        rows_seen = {r.get("rows") for r in data["runs"] if isinstance(r.get("rows"), int)}
        if rows_seen and rows_seen != {args.rows}:
            print(f"warning: {tool} reported rows {sorted(rows_seen)}, expected {args.rows}", file=sys.stderr)

    summaries = [summarize(tool, data, args.rows) for tool, data in results.items()]
    versions = {
        "python": platform.python_version(),
        "pandas": module_version("pandas"),
        "polars": module_version("polars"),
        "pyarrow": module_version("pyarrow"),
        "numpy": module_version("numpy"),
        "datalab": datalab_version(datalab) if "datalab" in results else None,
    }
    machine = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    table = markdown_table(summaries, skipped)
    csv_size = csv_path.stat().st_size

    print()
    print(f"Import + profile, {args.rows:,} rows x 20 columns ({csv_size / 2**20:.1f} MiB CSV), "
          f"best of {args.repeat}; wall time includes process start")
    print()
    print(table)
    print()
    print("versions: " + "; ".join(f"{k}: {v}" for k, v in versions.items() if v))

    report = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rows": args.rows,
        "columns": 20,
        "csv": str(csv_path),
        "csv_bytes": csv_size,
        "repeat": args.repeat,
        "versions": versions,
        "machine": machine,
        "skipped": skipped,
        "summary": summaries,
        "runs": results,
        "markdown": table,
    }
    report_path = out_dir / "import_profile.json"
    report_path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {report_path}")


if __name__ == "__main__":
    main()
