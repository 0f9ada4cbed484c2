// An ECharts chart (canvas) that follows its container's size and the
// system's light or dark theme. Only the chart types the UI uses are
// registered, to keep the bundle small.

import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import * as echarts from "echarts/core";
import { BarChart, CustomChart, HeatmapChart, LineChart, ParallelChart, ScatterChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  DataZoomComponent,
} from "echarts/components";
import { CanvasRenderer, SVGRenderer } from "echarts/renderers";
import { withDefaults } from "../lib/chartDefaults";
import { dataUrlBlob, fileName, saveBlob } from "../lib/save";
import { usePrefersDark } from "../lib/theme";

echarts.use([
  BarChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  DataZoomComponent,
  CanvasRenderer,
  SVGRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

/** What every chart is drawn with: no animation, so a chart shows its data at once (and a
 * screenshot shows the final state), and no background of its own, so the panel's shows. */
function fullOption(option: ChartOption): ChartOption {
  return { animation: false, backgroundColor: "transparent", ...withDefaults(option) };
}

/** How long a deferred chart waits before it is drawn (see `defer`). */
const DEFER_MS = 150;

/**
 * `defer`: draw this chart a little later. Creating an ECharts instance costs
 * tens of milliseconds in WebKitGTK; a view that shows several charts at once
 * defers its summaries so the chart the user is waiting for (a series fetched
 * from Rust) is not queued behind them.
 */
/** The chart's picture, for a file: PNG from the canvas on screen (twice its
 * pixels), SVG drawn again by ECharts' SVG renderer at the same size. */
function picture(chart: echarts.ECharts, option: ChartOption, kind: "png" | "svg", dark: boolean): Blob {
  const background = dark ? "#1b2129" : "#ffffff";
  if (kind === "png") return dataUrlBlob(chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: background }));
  const svg = echarts.init(null, dark ? "dark" : undefined, { renderer: "svg", ssr: true, width: chart.getWidth(), height: chart.getHeight() });
  try {
    svg.setOption({ ...fullOption(option), backgroundColor: background }, true);
    return new Blob([svg.renderToSVGString()], { type: "image/svg+xml" });
  } finally {
    svg.dispose();
  }
}

export function Chart(props: { option: ChartOption; height?: number; testId?: string; defer?: boolean; name?: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const latest = useRef(props.option);
  latest.current = props.option;
  // ECharts takes its theme when a chart is created: a change of the system's
  // theme disposes the chart and draws it again.
  const dark = usePrefersDark();

  // A chart that is not deferred is drawn as its element is committed, before the
  // frame is painted: an ordinary effect would wait for that frame first.
  useLayoutEffect(() => {
    let instance: echarts.ECharts | null = null;
    let observer: ResizeObserver | null = null;
    const start = () => {
      if (!element.current) return;
      const created = echarts.init(element.current, dark ? "dark" : undefined);
      instance = created;
      chart.current = created;
      created.setOption(fullOption(latest.current), true);
      observer = new ResizeObserver(() => created.resize());
      observer.observe(element.current);
    };
    let cancelled = false;
    if (props.defer) {
      // After DEFER_MS, and once the frame pending then has been drawn: a frame showing
      // the chart the user waits for is never held back by a summary's drawing.
      window.setTimeout(() => requestAnimationFrame(() => window.setTimeout(() => cancelled || start(), 0)), DEFER_MS);
    } else {
      start();
    }
    return () => {
      cancelled = true;
      observer?.disconnect();
      instance?.dispose();
      chart.current = null;
    };
  }, [dark]);

  useEffect(() => {
    chart.current?.setOption(fullOption(props.option), true);
  }, [props.option]);

  const save = (kind: "png" | "svg") => {
    if (chart.current) saveBlob(fileName(props.name ?? props.testId ?? "chart", kind), picture(chart.current, latest.current, kind, dark));
  };
  return (
    <div class="chart-frame">
      <div class="chart-save">
        <button class="link small" title="Save the chart as a PNG image" data-testid={props.testId ? `${props.testId}-png` : undefined} onClick={() => save("png")}>
          PNG
        </button>
        <button class="link small" title="Save the chart as an SVG drawing" data-testid={props.testId ? `${props.testId}-svg` : undefined} onClick={() => save("svg")}>
          SVG
        </button>
      </div>
      <div class="chart" data-testid={props.testId} ref={element} style={{ height: `${props.height ?? 260}px` }} />
    </div>
  );
}
