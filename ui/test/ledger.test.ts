import { describe, expect, it } from "vitest";
import { spendSeries, timeUnit } from "../src/lib/ledger";
import type { SpendSum } from "../src/api/types";

const sum = (vendor: string, period: string, cost: number): SpendSum => ({
  vendor,
  period,
  cost,
  input_tokens: 0,
  output_tokens: 0,
  rows: 1,
  cached_rows: 0,
  evaluations: 1,
});

describe("spendSeries", () => {
  it("puts every vendor on every period, with nothing spent as 0", () => {
    const series = spendSeries([sum("b", "2026-12", 2), sum("a", "2026-11", 1), sum("a", "2026-12", 0.5)]);
    expect(series.periods).toEqual(["2026-11", "2026-12"]);
    expect(series.vendors).toEqual([
      { name: "a", cost: [1, 0.5] },
      { name: "b", cost: [0, 2] },
    ]);
  });
});

describe("timeUnit", () => {
  it("reads seconds, minutes or hours by the longest duration", () => {
    expect(timeUnit(1_000).name).toBe("seconds");
    expect(timeUnit(1_000).of(1_500)).toBe(1.5);
    expect(timeUnit(10 * 60_000).name).toBe("minutes");
    expect(timeUnit(10 * 60_000).of(90_000)).toBe(1.5);
    expect(timeUnit(5 * 3_600_000).name).toBe("hours");
    expect(timeUnit(5 * 3_600_000).of(5_400_000)).toBe(1.5);
  });
});
