// The ledger's numbers as the page draws them: spend per period stacked by
// vendor, and hours from milliseconds.

import type { SpendSum } from "../api/types";

/** Periods in order, and for each vendor its cost in each period (0 where it spent nothing). */
export function spendSeries(sums: SpendSum[]): { periods: string[]; vendors: { name: string; cost: number[] }[] } {
  const periods = [...new Set(sums.map((s) => s.period))].sort();
  const names = [...new Set(sums.map((s) => s.vendor))].sort();
  const vendors = names.map((name) => ({
    name,
    cost: periods.map((p) => sums.filter((s) => s.vendor === name && s.period === p).reduce((total, s) => total + s.cost, 0)),
  }));
  return { periods, vendors };
}

/** The unit a chart of durations up to `maxMs` reads best in (seconds, minutes or hours), and the conversion. */
export function timeUnit(maxMs: number): { name: string; of: (ms: number) => number } {
  const [name, per] = maxMs >= 2 * 3_600_000 ? ["hours", 3_600_000] : maxMs >= 2 * 60_000 ? ["minutes", 60_000] : ["seconds", 1000];
  return { name, of: (ms: number) => Math.round((ms / per) * 1000) / 1000 };
}
