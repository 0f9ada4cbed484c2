// The metrics runs logged step by step (their own code's `log_metric(…,
// step=…)`), as curves over steps: one chart per metric, one line per run,
// downsampled in Rust. While a run runs, the curves are fetched again every
// second, so they grow as it logs.

import { useEffect, useMemo, useState } from "preact/hooks";
import type { MetricHistory, RunInfo } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { Chart, type ChartOption } from "../../components/Chart";

const POLL_MS = 1000;

function label(run: RunInfo): string {
  return `${run.id} · ${run.name ?? run.model}`;
}

export function MetricCurves(props: { runs: RunInfo[] }) {
  const [histories, setHistories] = useState<MetricHistory[]>([]);
  const [error, setError] = useState<Failure | null>(null);
  const ids = props.runs.map((r) => r.id).join(",");
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchAll = () =>
      Promise.all(props.runs.map((r) => call("metric_history", { run: r.id, key: null, max_points: 1000 })))
        .then((found) => {
          if (stopped) return;
          setHistories(found);
          setError(null);
          if (found.some((h) => h.running)) timer = setTimeout(fetchAll, POLL_MS);
        })
        .catch((e: unknown) => {
          if (!stopped) setError(failureOf(e));
        });
    void fetchAll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [ids]);
  const metrics = useMemo(() => {
    const names = new Set<string>();
    for (const h of histories) for (const s of h.series) if (s.x.length > 1) names.add(s.name);
    return [...names].sort();
  }, [histories]);
  if (error) return <ApiErrorView failure={error} testId="metric-curves-error" />;
  if (metrics.length === 0) return null;
  const running = histories.some((h) => h.running);
  return (
    <section class="panel" {...tid("metric-curves")} data-running={running ? "yes" : "no"}>
      <h3>
        Metrics by step{running ? <span class="muted small"> · live</span> : null}
      </h3>
      <div class="chart-grid">
        {metrics.map((metric) => {
          const lines = histories.flatMap((h) => {
            const run = props.runs.find((r) => r.id === h.run);
            const series = h.series.find((s) => s.name === metric);
            return run && series ? [{ run, series }] : [];
          });
          const points = lines.reduce((n, l) => n + l.series.points, 0);
          const option: ChartOption = {
            animation: false,
            tooltip: { trigger: "axis" },
            legend: { top: 0, type: "scroll" },
            grid: { left: 50, right: 16, top: 30, bottom: 30 },
            xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 22 },
            yAxis: { type: "value", name: metric, scale: true },
            series: lines.map(({ run, series }) => ({
              type: "line",
              name: label(run),
              showSymbol: series.x.length < 50,
              data: series.x.map((x, i) => [x, series.y[i]]),
            })),
          };
          return (
            <div {...tid(`curve-${metric}`)} data-points={points}>
              <Chart option={option} testId={`curve-chart-${metric}`} />
            </div>
          );
        })}
      </div>
    </section>
  );
}
