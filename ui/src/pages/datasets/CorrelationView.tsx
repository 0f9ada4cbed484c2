// The Correlations tab: Pearson's r between the numeric columns and
// Cramér's V between the categorical ones, each as a heatmap.

import { useMemo } from "preact/hooks";
import type { DatasetProfile } from "../../api/types";
import { ApiErrorView, tid } from "../../components/ApiError";
import { Chart, type ChartOption } from "../../components/Chart";
import { useProfile } from "./useProfile";

/** A heatmap of a measure between columns: Pearson's r (−1 to 1) or Cramér's V (0 to 1). */
function measureHeatmap(measure: DatasetProfile["correlations"]): ChartOption | null {
  if (measure.columns.length === 0) return null;
  const names = measure.columns;
  const data: [number, number, number | null][] = [];
  measure.matrix.forEach((row, i) => row.forEach((v, j) => data.push([j, i, v === null ? null : Number(v.toFixed(3))])));
  const signed = measure.method === "pearson";
  return {
    tooltip: { position: "top" },
    grid: { left: 120, right: 80, top: 10, bottom: 100 },
    xAxis: { type: "category", data: names, axisLabel: { rotate: 45 } },
    yAxis: { type: "category", data: names },
    visualMap: {
      min: signed ? -1 : 0,
      max: 1,
      calculable: true,
      orient: "vertical",
      right: 0,
      top: "center",
      inRange: { color: signed ? ["#2c6fbb", "#f7f7f7", "#c0392b"] : ["#f7f7f7", "#c0392b"] },
    },
    series: [{ type: "heatmap", data, label: { show: names.length <= 12, fontSize: 10 } }],
  };
}

export function CorrelationView(props: { dataset: string }) {
  const { profile, error } = useProfile(props.dataset);
  const correlations = useMemo(() => (profile ? measureHeatmap(profile.correlations) : null), [profile]);
  const associations = useMemo(() => (profile ? measureHeatmap(profile.associations) : null), [profile]);
  if (error) return <ApiErrorView failure={error} testId="correlations-error" />;
  if (!profile) return <p class="muted">Profiling…</p>;
  return (
    <div>
      <h3>Numeric columns</h3>
      {correlations ? (
        <>
          <p class="muted small">Pearson correlation (−1 to 1) over {profile.correlations.rows_used.toLocaleString("en-US")} rows, each pair over the rows where both are present</p>
          <Chart option={correlations} height={480} testId="correlations" />
        </>
      ) : (
        <p class="muted">No numeric columns to correlate.</p>
      )}
      <h3>Categorical columns</h3>
      {associations ? (
        <>
          <p class="muted small">
            Cramér's V (0: independent, 1: one column tells the other) over {profile.associations.rows_used.toLocaleString("en-US")} rows, between text and
            boolean columns of 2 to 50 values
          </p>
          <Chart option={associations} height={Math.min(480, 160 + 40 * profile.associations.columns.length)} testId="associations" />
        </>
      ) : (
        <p class="muted" {...tid("no-associations")}>
          No text or boolean columns with 2 to 50 values: Cramér's V needs columns of a few categories (an id or free text has too many).
        </p>
      )}
    </div>
  );
}
