// Classification runs' ROC and precision-recall curves (every fold) and
// confusion matrices; for regression runs, residuals by prediction.

import { useLayoutEffect, useState } from "preact/hooks";
import type { RunCharts } from "../../api/types";
import { Chart, type ChartOption } from "../../components/Chart";

/** Colours by run, so a run's folds share one. */
const PALETTE = ["#3b7dd8", "#e07b39", "#3ba272", "#c23b5f", "#8e63ce", "#2aa3b8", "#b58b00", "#6b7682"];

/** Confusion matrices and ROC / precision-recall curves of classification runs. */
export function CurvesAndMatrices(props: { charts: Promise<RunCharts[]> }) {
  const [charts, setCharts] = useState<RunCharts[]>([]);
  // A layout effect: an ordinary one would wait for the comparison's first paint before
  // it even listens for the data, which is usually there sooner.
  useLayoutEffect(() => {
    let live = true;
    void props.charts.then((c) => live && setCharts(c));
    return () => {
      live = false;
    };
  }, [props.charts]);
  if (charts.length === 0) return null;
  const curve = (pick: (c: RunCharts) => RunCharts["roc"], x: string, y: string): ChartOption => ({
    tooltip: { trigger: "item" },
    legend: { type: "scroll" },
    grid: { left: 50, right: 20, top: 40, bottom: 40 },
    xAxis: { type: "value", name: x, min: 0, max: 1 },
    yAxis: { type: "value", name: y, min: 0, max: 1 },
    // Every fold's curve, in its run's colour: one legend entry a run.
    series: charts.flatMap((c, k) =>
      pick(c).map((s) => ({
        name: `run ${c.run}`,
        type: "line",
        showSymbol: false,
        lineStyle: { width: 1.2, opacity: 0.85, color: PALETTE[k % PALETTE.length] },
        itemStyle: { color: PALETTE[k % PALETTE.length] },
        tooltip: { formatter: `run ${c.run}, ${s.name}` },
        data: s.x.map((v, i) => [v, s.y[i]]),
      })),
    ),
  });
  if (charts.every((c) => c.residuals.length > 0)) {
    return (
      <div class="charts">
        <div class="panel">
          <h3>Residuals by prediction (first fold)</h3>
          <Chart
            testId="residuals"
            option={{
              tooltip: { trigger: "item" },
              legend: { type: "scroll" },
              grid: { left: 60, right: 20, top: 40, bottom: 40 },
              xAxis: { type: "value", name: "predicted", scale: true },
              yAxis: { type: "value", name: "truth − predicted" },
              series: charts.flatMap((c) =>
                // Large mode draws the points as one path: thousands of symbols one by one cost hundreds of ms in WebKitGTK.
                c.residuals.slice(0, 1).map((s) => ({ name: `run ${c.run}`, type: "scatter", symbolSize: 4, large: true, largeThreshold: 500, data: s.x.map((v, i) => [v, s.y[i]]) })),
              ),
            }}
          />
        </div>
      </div>
    );
  }
  return (
    <div class="charts">
      <div class="panel">
        <h3>ROC (every fold)</h3>
        <Chart option={curve((c) => c.roc, "false positive rate", "true positive rate")} testId="roc" />
      </div>
      <div class="panel">
        <h3>Precision–recall (every fold)</h3>
        <Chart option={curve((c) => c.precision_recall, "recall", "precision")} testId="pr" />
      </div>
      {charts.map((c) => {
        const matrix = c.confusion;
        if (!matrix) return null;
        const labels = matrix.map((_, i) => c.classes[i] ?? `class ${i}`);
        const data = matrix.flatMap((row, t) => row.map((v, p) => [p, t, v]));
        const max = Math.max(1, ...matrix.flat());
        return (
          <div class="panel">
            <h3>Confusion matrix, run {c.run} (all folds)</h3>
            <Chart
              testId={`confusion-${c.run}`}
              option={{
                tooltip: { position: "top" },
                grid: { left: 90, right: 20, top: 10, bottom: 50 },
                xAxis: { type: "category", data: labels, name: "predicted", nameLocation: "middle", nameGap: 30 },
                yAxis: { type: "category", data: labels, name: "truth", inverse: true },
                visualMap: { min: 0, max, show: false, inRange: { color: ["#f4f8fd", "#2f6fca"] } },
                series: [{ type: "heatmap", data, label: { show: true } }],
              }}
            />
          </div>
        );
      })}
    </div>
  );
}
