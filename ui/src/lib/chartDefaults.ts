// What every chart of the app does unless its option says otherwise: tooltips
// print numbers as people read them (0.9128, not 0.9128000000000001), a
// legend sits above the plot (scrolling when long) instead of on the axis
// labels, and bars start at zero, so a gap of 0.01 does not look like a
// chasm.

import { formatNumber } from "./format";

type Option = Record<string, unknown>;

/** A tooltip's value as text: integers whole, others to four decimals. */
export function tooltipValue(value: unknown): string {
  if (typeof value === "number") return formatNumber(value, 4);
  if (Array.isArray(value)) return value.map(tooltipValue).join(", ");
  return value === null || value === undefined ? "–" : String(value);
}

function isObject(value: unknown): value is Option {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `option` with the app's defaults filled in where it leaves them open. */
export function withDefaults(option: Option): Option {
  const out: Option = { ...option };
  if (isObject(out.tooltip)) {
    out.tooltip = { valueFormatter: tooltipValue, ...out.tooltip };
  }
  if (isObject(out.legend)) {
    const legend = out.legend;
    const placed = "top" in legend || "bottom" in legend || "left" in legend || "right" in legend;
    out.legend = placed ? { type: "scroll", ...legend } : { type: "scroll", top: 0, ...legend };
    if (!placed && isObject(out.grid)) {
      const top = typeof out.grid.top === "number" ? out.grid.top : 0;
      out.grid = { ...out.grid, top: Math.max(top, 40) };
    }
  }
  const series = Array.isArray(out.series) ? out.series : isObject(out.series) ? [out.series] : [];
  const bars = series.some((s) => isObject(s) && s.type === "bar");
  if (bars && isObject(out.yAxis) && out.yAxis.type !== "category" && !("min" in out.yAxis)) {
    out.yAxis = { ...out.yAxis, scale: false };
  }
  return out;
}
