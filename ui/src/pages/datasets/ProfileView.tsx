// The Profile tab: a row per column (kind, nulls, distinct values, mean,
// min, max); the chosen column in full, with its histogram, or its top
// values as bars when it is not numeric.

import { useState } from "preact/hooks";
import type { ColumnProfile } from "../../api/types";
import { ApiErrorView, tid } from "../../components/ApiError";
import { Chart, type ChartOption } from "../../components/Chart";
import { formatNumber } from "../../lib/format";
import { useProfile } from "./useProfile";

export function histogramOption(column: ColumnProfile): ChartOption | null {
  if (column.histogram) {
    const { edges, counts } = column.histogram;
    const labels = counts.map((_, i) => `${formatNumber(edges[i], 2)}–${formatNumber(edges[i + 1], 2)}`);
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 10, top: 20, bottom: 40 },
      xAxis: { type: "category", data: labels, axisLabel: { fontSize: 10 } },
      // Counts are whole: no 0.5 ticks when every bin holds a row or two.
      yAxis: { type: "value", name: "rows", minInterval: 1 },
      series: [{ type: "bar", data: counts, barCategoryGap: "5%", itemStyle: { color: "#3b7dd8" } }],
    };
  }
  if (column.top_values.length > 0) {
    const top = [...column.top_values].reverse();
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 120, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map((v) => v.value), axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: top.map((v) => v.count), itemStyle: { color: "#5aa469" } }],
    };
  }
  return null;
}

export function ProfileView(props: { dataset: string }) {
  const { profile, error } = useProfile(props.dataset);
  const [column, setColumn] = useState<string | null>(null);
  if (error) return <ApiErrorView failure={error} testId="profile-error" />;
  if (!profile) return <p class="muted">Profiling…</p>;
  const chosen = profile.columns.find((c) => c.name === column) ?? profile.columns[0];
  const option = chosen ? histogramOption(chosen) : null;
  return (
    <div class="profile">
      <div class="scroll">
      <table class="table compact" {...tid("profile-columns")}>
        <thead>
          <tr>
            <th>column</th>
            <th>kind</th>
            <th>nulls</th>
            <th>distinct</th>
            <th>mean</th>
            <th>min</th>
            <th>max</th>
          </tr>
        </thead>
        <tbody>
          {profile.columns.map((c) => (
            <tr class={c.name === chosen?.name ? "selected" : ""} onClick={() => setColumn(c.name)} data-testid={`profile-column-${c.name}`}>
              <td>{c.name}</td>
              <td>{c.kind}</td>
              <td>{c.nulls.toLocaleString("en-US")}</td>
              <td>
                {c.distinct.count.toLocaleString("en-US")}
                {c.distinct.exact ? "" : " ≈"}
              </td>
              <td>{formatNumber(c.numeric?.mean)}</td>
              <td>{formatNumber(c.numeric?.min)}</td>
              <td>{formatNumber(c.numeric?.max)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      {chosen && (
        <div class="panel" {...tid("column-panel")}>
          <h3>{chosen.name}</h3>
          <p class="muted small">
            {chosen.data_type} · {chosen.count.toLocaleString("en-US")} values · {chosen.nulls.toLocaleString("en-US")} missing
            {chosen.numeric &&
              ` · median ${formatNumber(chosen.numeric.median)} · q25 ${formatNumber(chosen.numeric.q25)} · q75 ${formatNumber(chosen.numeric.q75)} · std ${formatNumber(chosen.numeric.std)}`}
          </p>
          {option ? <Chart option={option} testId="histogram" /> : <p class="muted">No chart for this column.</p>}
          {chosen.top_values.length > 0 && (
            <p class="small">
              Top values:{" "}
              {chosen.top_values
                .slice(0, 5)
                .map((v) => `${v.value} (${v.count})`)
                .join(", ")}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
