// Selected runs compared: parameters and metrics side by side with the
// differences and the best marked, metric bars with their spread over folds,
// metric by parameter, parallel coordinates for a sweep, each run's curves
// or residuals, and the significance matrix over folds (`compare_runs`).

import { useEffect, useMemo, useState } from "preact/hooks";
import type { RunCharts, RunComparison, RunInfo } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { Chart, type ChartOption } from "../../components/Chart";
import { bestRun, comparable, differingParameters, headlineMetric, parameterNames, parameterValue, sharedMetrics } from "../../lib/compare";
import { formatMs, formatNumber } from "../../lib/format";
import { saveCsv } from "../../lib/save";
import { usePrefersDark } from "../../lib/theme";
import { CurvesAndMatrices } from "./CurvesAndMatrices";

/** The runs being compared, and their charts' data, asked for as "Compare" is clicked. */
export type Comparing = { runs: RunInfo[]; charts: Promise<RunCharts[]> };

export function compare(runs: RunInfo[]): Comparing {
  const charted = runs.filter((r) => r.status === "succeeded" && ("accuracy" in r.metrics || "r2" in r.metrics)).slice(0, 6);
  const charts = Promise.all(charted.map((r) => call("run_charts", { run: r.id }))).catch(() => []);
  return { runs, charts };
}

export function ComparisonView(props: { runs: RunInfo[]; charts: Promise<RunCharts[]> }) {
  const { scored, leftOut } = comparable(props.runs);
  const metrics = sharedMetrics(scored);
  const experiments = [...new Set(props.runs.map((r) => r.experiment_id))];
  const [metric, setMetric] = useState(headlineMetric(scored) ?? "");
  const [comparison, setComparison] = useState<RunComparison | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  const differing = differingParameters(props.runs);
  const names = parameterNames(props.runs);
  const dark = usePrefersDark();

  useEffect(() => {
    if (!metric || scored.length < 2) return;
    setError(null);
    call("compare_runs", { runs: scored.map((r) => r.id), metric })
      .then(setComparison)
      .catch((e: unknown) => {
        setComparison(null);
        setError(failureOf(e));
      });
  }, [props.runs, metric]);

  const bars = useMemo<ChartOption>(() => {
    const labels = scored.map((r) => `run ${r.id}`);
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 30, bottom: 40 },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", name: metric },
      series: [
        { name: "mean", type: "bar", data: scored.map((r) => r.metrics[metric]?.mean ?? null), itemStyle: { color: "#3b7dd8" } },
        {
          // Error bars: a line from mean − std to mean + std, with caps.
          name: "± std",
          type: "custom",
          z: 3,
          data: scored.map((r, i) => {
            const m = r.metrics[metric];
            return m ? [i, m.mean - m.std, m.mean + m.std] : [i, null, null];
          }),
          encode: { x: 0, y: [1, 2] },
          renderItem: (_: unknown, api: { value: (i: number) => number; coord: (p: number[]) => number[] }) => {
            const low = api.coord([api.value(0), api.value(1)]);
            const high = api.coord([api.value(0), api.value(2)]);
            // The bars' ink: dark on a light page, light on a dark one.
            const style = { stroke: dark ? "#e6e9ee" : "#222", lineWidth: 1.5 };
            const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: "line", shape: { x1, y1, x2, y2 }, style });
            const [x = 0, yLow = 0] = low;
            const [, yHigh = 0] = high;
            return {
              type: "group",
              children: [line(x, yLow, x, yHigh), line(x - 7, yLow, x + 7, yLow), line(x - 7, yHigh, x + 7, yHigh)],
            };
          },
        },
      ],
    };
  }, [props.runs, metric, dark]);

  const numericParameter = [...differing].find((p) => p !== "model" && props.runs.every((r) => Number.isFinite(Number(parameterValue(r, p))) && parameterValue(r, p) !== ""));
  const scatter = useMemo<ChartOption | null>(() => {
    if (!numericParameter) return null;
    const byModel = new Map<string, [number, number][]>();
    for (const r of scored) {
      const m = r.metrics[metric];
      if (!m) continue;
      const points = byModel.get(r.model) ?? [];
      points.push([Number(parameterValue(r, numericParameter)), m.mean]);
      byModel.set(r.model, points);
    }
    return {
      tooltip: { trigger: "item" },
      legend: {},
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", name: numericParameter, scale: true },
      yAxis: { type: "value", name: metric, scale: true },
      series: [...byModel].map(([model, data]) => ({ name: model, type: "scatter", data, symbolSize: 10 })),
    };
  }, [props.runs, metric, numericParameter]);

  const parallel = useMemo<ChartOption | null>(() => {
    const dims = [...differing].filter((p) => p !== "model");
    if (dims.length === 0) return null;
    const axes = [...dims, metric].map((name, dim) => {
      const values = scored.map((r) => (name === metric ? String(r.metrics[metric]?.mean ?? "") : parameterValue(r, name)));
      const numeric = values.every((v) => v !== "" && Number.isFinite(Number(v)));
      return numeric ? { dim, name, type: "value" as const, scale: true } : { dim, name, type: "category" as const, data: [...new Set(values)] };
    });
    return {
      parallelAxis: axes,
      parallel: { left: 60, right: 60, top: 40, bottom: 30 },
      series: [
        {
          type: "parallel",
          lineStyle: { width: 2, opacity: 0.6 },
          data: scored.map((r) => axes.map((a) => (a.name === metric ? (r.metrics[metric]?.mean ?? null) : a.type === "value" ? Number(parameterValue(r, a.name)) : parameterValue(r, a.name)))),
        },
      ],
    };
  }, [props.runs, metric]);

  const best = bestRun(scored, metric);
  return (
    <section class="comparison" {...tid("comparison")}>
      {leftOut.length > 0 && (
        <p class="note small" {...tid("left-out")}>
          Left out of the metrics, charts and tests (no metrics):{" "}
          {leftOut.map((r) => `run ${r.id} (${r.status}${r.error ? `: ${r.error}` : ""})`).join("; ")}
        </p>
      )}
      {experiments.length > 1 && (
        <p class="note small" {...tid("mixed-experiments")}>
          These runs come from {experiments.length} experiments ({experiments.map((e) => `#${e}`).join(", ")}): their
          scores are comparable only if the experiments used the same data and validation.
        </p>
      )}
      <div class="heading">
        <h2>Comparison of {props.runs.length} runs</h2>
        <label>
          Metric{" "}
          <select {...tid("compare-metric")} value={metric} onChange={(e) => setMetric((e.currentTarget as HTMLSelectElement).value)}>
            {metrics.map((m) => (
              <option value={m}>{m}</option>
            ))}
          </select>
        </label>
        <button
          {...tid("comparison-csv")}
          title="Save the comparison as CSV: a row per run, its parameters, each metric's mean and std, and its wall time"
          onClick={() =>
            saveCsv(
              `comparison of runs ${props.runs.map((r) => r.id).join(" ")}`,
              ["run", "experiment", "status", ...names, ...metrics.flatMap((m) => [`${m} mean`, `${m} std`]), "wall ms"],
              props.runs.map((r) => [
                r.id,
                r.experiment_id,
                r.status,
                ...names.map((n) => parameterValue(r, n)),
                ...metrics.flatMap((m) => [r.metrics[m]?.mean, r.metrics[m]?.std]),
                r.wall_ms,
              ]),
            )
          }
        >
          Save CSV
        </button>
      </div>
      <div class="scroll">
        <table class="table compact side-by-side">
          <thead>
            <tr>
              <th />
              {props.runs.map((r) => (
                <th class={r.id === best ? "best" : ""}>run {r.id}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {names.map((name) => (
              <tr class={differing.has(name) ? "differs" : ""}>
                <th>{name}</th>
                {props.runs.map((r) => (
                  <td>{parameterValue(r, name)}</td>
                ))}
              </tr>
            ))}
            {metrics.map((m) => (
              <tr class={m === metric ? "chosen" : ""}>
                <th>{m}</th>
                {props.runs.map((r) => (
                  <td class={bestRun(scored, m) === r.id ? "best" : ""}>
                    {formatNumber(r.metrics[m]?.mean)} <span class="muted small">± {formatNumber(r.metrics[m]?.std, 3)}</span>
                  </td>
                ))}
              </tr>
            ))}
            <tr>
              <th>wall time</th>
              {props.runs.map((r) => (
                <td>{formatMs(r.wall_ms)}</td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
      <div class="charts">
        <div class="panel">
          <h3>{metric} by run (mean ± std over folds)</h3>
          <Chart option={bars} testId="comparison-chart" defer />
        </div>
        {scatter && (
          <div class="panel">
            <h3>
              {metric} by {numericParameter}
            </h3>
            <Chart option={scatter} testId="metric-by-parameter" defer />
          </div>
        )}
        {parallel && (
          <div class="panel">
            <h3>Parallel coordinates</h3>
            <Chart option={parallel} testId="parallel-coordinates" defer />
          </div>
        )}
      </div>
      <CurvesAndMatrices charts={props.charts} />
      <ApiErrorView failure={error} testId="comparison-error" />
      {comparison && (
        <div class="panel" {...tid("significance")}>
          <h3>Significance (corrected resampled t-test over folds, 5 %)</h3>
          <table class="table compact">
            <thead>
              <tr>
                <th>run</th>
                <th>W/T/L</th>
                {comparison.runs.map((r) => (
                  <th>vs {r.id}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {comparison.runs.map((r, i) => (
                <tr>
                  <th>{r.id}</th>
                  <td>{(comparison.record[i] ?? [0, 0, 0]).join("/")}</td>
                  {comparison.runs.map((o) => {
                    const pair = comparison.pairs.find((p) => p.run === r.id && p.other === o.id);
                    return (
                      <td class={pair ? `verdict ${pair.verdict}` : ""}>
                        {pair ? (pair.p_value === null ? "n/a" : `${pair.p_value.toFixed(3)} ${pair.verdict === "win" ? "+" : pair.verdict === "loss" ? "−" : ""}`) : ""}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
