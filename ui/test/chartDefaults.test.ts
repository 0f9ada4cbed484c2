import { describe, expect, it } from "vitest";
import { tooltipValue, withDefaults } from "../src/lib/chartDefaults";

describe("chart defaults", () => {
  it("prints tooltip numbers as people read them", () => {
    expect(tooltipValue(0.9128000000000001)).toBe("0.9128");
    expect(tooltipValue(12000)).toBe("12,000");
    expect(tooltipValue(null)).toBe("–");
  });
  it("starts bars at zero unless the chart sets a minimum", () => {
    const bars = withDefaults({ yAxis: { type: "value", scale: true }, series: [{ type: "bar", data: [0.91, 0.92] }] });
    expect((bars.yAxis as { scale: boolean }).scale).toBe(false);
    const pinned = withDefaults({ yAxis: { type: "value", min: 0.9 }, series: [{ type: "bar" }] });
    expect(pinned.yAxis).toEqual({ type: "value", min: 0.9 });
    const lines = withDefaults({ yAxis: { type: "value", scale: true }, series: [{ type: "line" }] });
    expect((lines.yAxis as { scale: boolean }).scale).toBe(true);
  });
  it("puts a legend above the plot and makes room for it", () => {
    const option = withDefaults({ legend: {}, grid: { top: 10 }, series: [] });
    expect(option.legend).toEqual({ type: "scroll", top: 0 });
    expect((option.grid as { top: number }).top).toBe(40);
    const placed = withDefaults({ legend: { bottom: 0 }, grid: { top: 10 } });
    expect((placed.grid as { top: number }).top).toBe(10);
  });
  it("keeps a tooltip's own formatter", () => {
    const own = (v: unknown) => `x${String(v)}`;
    const option = withDefaults({ tooltip: { valueFormatter: own } });
    expect((option.tooltip as { valueFormatter: unknown }).valueFormatter).toBe(own);
  });
});
