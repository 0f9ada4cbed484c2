// A search's progress as a chart: each trial's score by trial number, the
// pruned ones hollow, and the best finished trial so far as a step line.

import type { RunInfo } from "../../api/types";
import { tid } from "../../components/ApiError";
import { Chart, type ChartOption } from "../../components/Chart";
import { searchProgress } from "../../lib/compare";

/** A search's progress: each trial's score (pruned trials hollow, over the
 * folds they finished) and the best finished trial so far. */
export function SearchProgressChart(props: { runs: RunInfo[]; metric: string }) {
  const points = searchProgress(props.runs, props.metric);
  const finished = points.filter((p) => p.status === "succeeded" && p.value !== null).map((p) => [p.trial, p.value]);
  const pruned = points.filter((p) => p.status === "pruned" && p.value !== null).map((p) => [p.trial, p.value]);
  const best = points.filter((p) => p.best !== null).map((p) => [p.trial, p.best]);
  const option: ChartOption = {
    title: { text: `Search progress: ${props.metric} by trial`, textStyle: { fontSize: 12 } },
    legend: { bottom: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 48 },
    tooltip: { trigger: "item" },
    xAxis: { type: "value", name: "trial", minInterval: 1 },
    yAxis: { type: "value", scale: true },
    series: [
      { name: "best so far", type: "line", step: "end", data: best, symbol: "none" },
      { name: "finished", type: "scatter", data: finished, symbolSize: 7 },
      { name: "pruned", type: "scatter", data: pruned, symbol: "emptyCircle", symbolSize: 7, itemStyle: { color: "#8a8f98" } },
    ],
  };
  return (
    <div {...tid("search-progress")} data-pruned={pruned.length} data-best={String(points[points.length - 1]?.best ?? "")}>
      <Chart option={option} height={220} />
    </div>
  );
}
